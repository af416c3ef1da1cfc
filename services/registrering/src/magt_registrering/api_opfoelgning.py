"""The follow-up API: feedback, the Magtanvendelsesudvalg's remarks, the handleplan, and reading them.

Scope from `magt_contracts.adgang` only: a case the caller may not read gets the audited 404 of a
case that does not exist; a caller who may read it but not take this step gets an audited 403;
the step on a report not yet approved is a 409. Every read and write is audited in its own
transaction. 422 errors are Danish, per field (the app's validation handler).

No `from __future__ import annotations`: FastAPI must resolve the local `Caller` alias.
"""

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, TypeVar
from uuid import uuid4

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import adgang
from magt_contracts.catalogue import standard_katalog
from magt_contracts.forms.common import Tekst
from magt_registrering import opfoelgning, store
from magt_registrering.api import parter
from magt_registrering.opfoelgning import Afsender, Art, Handling
from magt_registrering.settings import Settings
from magt_registrering.store_opfoelgning import Opfoelgning, for_sag
from magt_runtime import audit, tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import (
    ERROR_RESPONSES,
    audited,
    forbidden,
    not_found,
    principal_dependency,
    refused,
)

HANDLEPLAN_PLIGT = "sel.handleplan"
T = TypeVar("T")
Regel = Callable[[str, str, adgang.SagensParter], bool]
IKKE_GODKENDT = (
    "Indberetningen er ikke godkendt endnu: der kan først følges op, når den er godkendt."
)


class _Ind(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NyTilbagemelding(_Ind):
    """Written feedback on an approved report."""

    tekst: Tekst = Field(description="Tilbagemeldingen.")


class NyBemaerkning(_Ind):
    """The Magtanvendelsesudvalg's remarks after checking the use against the decision."""

    tekst: Tekst = Field(description="Udvalgets bemærkninger.")
    afgoerelse_i_orden: bool = Field(description="Var brugen i overensstemmelse med afgørelsen?")


class NyHandleplan(_Ind):
    """The handleplan made or revised after force (the catalogue's `sel.handleplan` duty)."""

    indhold: Tekst = Field(description="Handleplanens indhold.")
    revideret: bool = Field(description="En revision af en eksisterende handleplan.")
    dato: date = Field(description="Handleplanens dato.")


class Tilbagemelding(BaseModel):
    """A feedback as the API answers it."""

    tilbagemelding_id: str
    givet: datetime
    rolle: str
    organisation: str
    tekst: str | None = None


class Bemaerkning(BaseModel):
    """Remarks as the API answers them."""

    bemaerkning_id: str
    sendt: datetime
    organisation: str
    afgoerelse_i_orden: bool
    tekst: str | None = None


class Handleplan(BaseModel):
    """A handleplan entry as the API answers it."""

    handleplan_id: str
    opdateret: datetime
    organisation: str
    revideret: bool
    dato: date
    indhold: str | None = None


class OpfoelgningSvar(BaseModel):
    """Everything followed up on a case, oldest first."""

    tilbagemeldinger: list[Tilbagemelding]
    bemaerkninger: list[Bemaerkning]
    handleplan: list[Handleplan]


def handleplan_kilde() -> str:
    """The handleplan duty's citation, from the rules catalogue ('SEL § 141, stk. 2')."""
    pligt = next(p for p in standard_katalog().pligter if p.noegle == HANDLEPLAN_PLIGT)
    return pligt.kilde.henvisning


def build_router(engine: Engine, settings: Settings, verifier: TokenVerifier) -> APIRouter:
    """The follow-up routes; every one needs a bearer token."""
    router = APIRouter(responses=ERROR_RESPONSES, tags=["opfølgning"])
    Caller = Annotated[Principal, Depends(principal_dependency(verifier))]  # noqa: N806

    def folg_op(
        who: Principal,
        case_id: str,
        action: str,
        regel: Regel,
        tekst: str,
        skridt: Callable[[Session, Handling], T],
    ) -> T:
        """Scope check, audit, then the step's inbox, entry and outbox in one transaction."""
        with Session(engine) as session:
            sag = synlig_sag(session, who, case_id, action, for_update=True)
            p = parter(sag)
            godkendt = regel(who.role, who.organisation, dataclasses.replace(p, godkendt=True))
            audited(
                session,
                principal=who,
                action=action,
                resource=case_id,
                allowed=regel(who.role, who.organisation, p),
                refusal=_ikke_godkendt if godkendt else forbidden,
            )
            afsender = Afsender(rolle=who.role, organisation=who.organisation, subject=who.subject)
            h = Handling(
                sag=sag, afsender=afsender, tekst=tekst, cause=uuid4(), now=datetime.now(UTC)
            )
            svar = skridt(session, h)
            session.commit()
            return svar

    @router.post(
        "/sager/{case_id}/tilbagemeldinger",
        status_code=status.HTTP_201_CREATED,
        response_model=Tilbagemelding,
        summary="Giv en tilbagemelding på en godkendt indberetning",
    )
    def tilbagemelding(who: Caller, case_id: str, ny: NyTilbagemelding) -> Tilbagemelding:
        def skridt(session: Session, h: Handling) -> Tilbagemelding:
            return _tilbagemelding(opfoelgning.giv_tilbagemelding(session, settings, h))

        regel = adgang.maa_give_tilbagemelding
        return folg_op(who, case_id, "give_feedback", regel, ny.tekst, skridt)

    @router.post(
        "/sager/{case_id}/bemaerkninger",
        status_code=status.HTTP_201_CREATED,
        response_model=Bemaerkning,
        summary="Send Magtanvendelsesudvalgets bemærkninger",
    )
    def bemaerkning(who: Caller, case_id: str, ny: NyBemaerkning) -> Bemaerkning:
        def skridt(session: Session, h: Handling) -> Bemaerkning:
            row = opfoelgning.send_bemaerkninger(
                session, settings, h, afgoerelse_i_orden=ny.afgoerelse_i_orden
            )
            return _bemaerkning(row)

        regel = adgang.maa_sende_bemaerkninger
        return folg_op(who, case_id, "send_remarks", regel, ny.tekst, skridt)

    @router.post(
        "/sager/{case_id}/handleplan",
        status_code=status.HTTP_201_CREATED,
        response_model=Handleplan,
        summary=f"Registrér en ny eller revideret handleplan ({handleplan_kilde()})",
    )
    def handleplan(who: Caller, case_id: str, ny: NyHandleplan) -> Handleplan:
        def skridt(session: Session, h: Handling) -> Handleplan:
            row = opfoelgning.opdater_handleplan(
                session, settings, h, revideret=ny.revideret, dato=ny.dato
            )
            return _handleplan(row)

        regel = adgang.maa_opdatere_handleplan
        return folg_op(who, case_id, "update_handleplan", regel, ny.indhold, skridt)

    @router.get(
        "/sager/{case_id}/opfoelgning",
        response_model=OpfoelgningSvar,
        summary="Opfølgningen på en sag",
    )
    def laes(who: Caller, case_id: str) -> OpfoelgningSvar:
        with Session(engine) as session:
            synlig_sag(session, who, case_id, "read_followup")
            audit.record(
                session, principal=who, action="read_followup", resource=case_id, allowed=True
            )
            rows = for_sag(session, case_id=case_id)
            svar = OpfoelgningSvar(
                tilbagemeldinger=[
                    _tilbagemelding(r, _tekst(r)) for r in rows if r.art == Art.TILBAGEMELDING
                ],
                bemaerkninger=[
                    _bemaerkning(r, _tekst(r)) for r in rows if r.art == Art.BEMAERKNING
                ],
                handleplan=[_handleplan(r, _tekst(r)) for r in rows if r.art == Art.HANDLEPLAN],
            )
            session.commit()
            return svar

    def _tekst(row: Opfoelgning) -> str:
        return opfoelgning.tekst(settings, row)

    return router


def synlig_sag(
    session: Session, who: Principal, case_id: str, action: str, *, for_update: bool = False
) -> store.Sag:
    """The case if the caller may read it; otherwise the audited 404 of a case that is not there."""
    sag = store.sag(session, case_id, for_update=for_update)
    if sag is None or not adgang.maa_se_sag(who.role, who.organisation, parter(sag)):
        refused(session, principal=who, action=action, resource=case_id, refusal=not_found)
    return sag


def _ikke_godkendt() -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, IKKE_GODKENDT)


def _tilbagemelding(row: Opfoelgning, tekst: str | None = None) -> Tilbagemelding:
    return Tilbagemelding(
        tilbagemelding_id=row.id,
        givet=tid.utc(row.tidspunkt),
        rolle=row.rolle,
        organisation=row.organisation,
        tekst=tekst,
    )


def _bemaerkning(row: Opfoelgning, tekst: str | None = None) -> Bemaerkning:
    return Bemaerkning(
        bemaerkning_id=row.id,
        sendt=tid.utc(row.tidspunkt),
        organisation=row.organisation,
        afgoerelse_i_orden=bool(row.afgoerelse_i_orden),
        tekst=tekst,
    )


def _handleplan(row: Opfoelgning, tekst: str | None = None) -> Handleplan:
    return Handleplan(
        handleplan_id=row.id,
        opdateret=tid.utc(row.tidspunkt),
        organisation=row.organisation,
        revideret=bool(row.revideret),
        dato=row.dato or tid.utc(row.tidspunkt).date(),
        indhold=tekst,
    )
