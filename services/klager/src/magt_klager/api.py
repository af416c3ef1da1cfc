"""HTTP API: complaints in and through their steps (with the guidance and overview routers).

Every endpoint checks the caller's scope (`magt_contracts.rules.klageadgang`) first and records the
access, allowed or refused, in the same transaction (`magt_runtime.audit.record`).
"""

# No `from __future__ import annotations`: FastAPI must see the local `caller` alias at
# definition time.
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.adgang import INSTITUTIONENS_ROLLER, Brugerrolle, rolle
from magt_contracts.begreber import PersonRef
from magt_contracts.forms.common import Ref, Tekst
from magt_contracts.messages import (
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
)
from magt_contracts.messages.commands import Klagerrolle, Klagetype
from magt_contracts.rules import klageadgang as ka
from magt_klager import behandling, store
from magt_klager.api_faelles import Clock, Input, kalder, raekke, revider, valider
from magt_klager.api_statistik import build_statistik_router
from magt_klager.api_vejledning import build_vejledning_router
from magt_klager.domain import Status, kommando_id
from magt_klager.settings import Settings
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, not_found, principal_dependency, refused

UKENDT_KLAGE = "Klagen findes ikke, eller du har ikke adgang til den."


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KlageInput(Input):
    """A complaint handed in over HTTP (at the municipality or to the leader)."""

    klage_id: Ref
    case_id: Ref
    klagetype: Klagetype
    klager_rolle: Klagerrolle
    person_ref: PersonRef
    klager_alder: int | None = Field(default=None, ge=0, le=130)
    handlekommune: str = Field(pattern=r"^\d{4}$")
    institution_id: Ref | None = None
    afgoerelse_ref: Ref | None = None
    afgoerelse_meddelt: date | None = None
    under_forhaandsgodkendelse: bool = False
    modtaget: AwareDatetime | None = None


class GenvurderingInput(Input):
    """The municipality's reconsideration."""

    fastholdt: bool
    begrundelse: Tekst
    tidspunkt: AwareDatetime | None = None


class AfgoerelseInput(Input):
    """A decision on the complaint."""

    afgjort_af: Literal["ankestyrelsen", "kommunalbestyrelse", "familieretshuset"]
    udfald: Literal["medhold", "delvist_medhold", "ikke_medhold", "afvist"]
    afgjort: AwareDatetime


class UdtalelseInput(Input):
    """The kommunalbestyrelse's statement on acute force."""

    lovlig: bool
    begrundelse: Tekst
    tidspunkt: AwareDatetime | None = None


class AnkeInput(Input):
    """A child's complaint brought further to Ankestyrelsen."""

    modtaget: AwareDatetime | None = None


def build_router(
    engine: Engine,
    settings: Settings,
    verifier: TokenVerifier,
    *,
    clock: Clock | None = None,
) -> APIRouter:
    """The whole API on `engine`; `clock` for tests (default: the real time)."""
    router = APIRouter(responses=ERROR_RESPONSES)
    caller = Annotated[Principal, Depends(principal_dependency(verifier))]
    now = clock or (lambda: datetime.now(UTC))

    @router.post("/klager", status_code=201, summary="Indgiv en klage")
    def indgiv(principal: caller, response: Response, body: Annotated[Any, Body()]) -> Any:
        data = valider(KlageInput, body)
        with Session(engine) as session:
            inst = _sagens_tilbud(session, principal, data)
            ok = ka.maa_indgive_klage(
                principal.role,
                principal.organisation,
                handlekommune=data.handlekommune,
                institution_id=inst,
            )
            revider(session, principal, "indgiv", f"klage:{data.klage_id}", ok)
            cmd = SubmitComplaint(
                event_id=kommando_id("http", "indgiv", data.klage_id),
                occurred_at=now(),
                case_id=data.case_id,
                correlation_id=kommando_id("korrelation", data.klage_id),
                **data.model_dump(exclude={"institution_id", "modtaget", "case_id"}),
                modtaget=data.modtaget or now(),
            )
            svar = behandling.indgiv(
                session, settings, cmd, hvem=kalder(principal), institution_id=inst
            )
            session.commit()
            return _svar(session, svar, response)

    @router.get("/klager", summary="Klager i kommunen eller på tilbuddet")
    def liste(
        principal: caller, status_: Annotated[str | None, Query(alias="status")] = None
    ) -> Any:
        with Session(engine) as session:
            kalder = rolle(principal.role)
            kommune = principal.organisation if kalder is Brugerrolle.KOMMUNE else None
            inst = principal.organisation if kalder in INSTITUTIONENS_ROLLER else None
            ok = kommune is not None or inst is not None
            revider(session, principal, "list", "klager", ok)
            rows = store.klager(session, handlekommune=kommune, institution_id=inst, status=status_)
            svar = {"klager": [_klage_view(r) for r in rows]}
            session.commit()
            return svar

    @router.get("/klager/{klage_id}", summary="En klage med alle dens skridt")
    def laes(principal: caller, klage_id: str) -> Any:
        with Session(engine) as session:
            row = _klage_i_scope(session, principal, klage_id, "read", behandle=False)
            svar = {
                **_klage_view(row),
                "overgange": [raekke(o) for o in store.overgange(session, klage_id=klage_id)],
                "afviste_kommandoer": [
                    raekke(a) for a in store.afviste_kommandoer(session, klage_id=klage_id)
                ],
            }
            session.commit()
            return svar

    @router.post("/klager/{klage_id}/genvurdering", summary="Kommunens genvurdering")
    def genvurdering(
        principal: caller, klage_id: str, response: Response, body: Annotated[Any, Body()]
    ) -> Any:
        data = valider(GenvurderingInput, body)
        with Session(engine) as session:
            row = _klage_i_scope(session, principal, klage_id, "genvurdering", behandle=True)
            cmd = RecordReconsideration(
                event_id=kommando_id("http", "genvurdering", klage_id, row.status),
                occurred_at=data.tidspunkt or now(),
                case_id=row.case_id,
                correlation_id=UUID(row.correlation_id),
                klage_id=klage_id,
                fastholdt=data.fastholdt,
                begrundelse=data.begrundelse,
            )
            svar = behandling.genvurder(session, settings, cmd, hvem=kalder(principal))
            session.commit()
            return _svar(session, svar, response)

    @router.post("/klager/{klage_id}/afgoerelse", summary="Registrér en afgørelse på klagen")
    def afgoerelse(
        principal: caller, klage_id: str, response: Response, body: Annotated[Any, Body()]
    ) -> Any:
        data = valider(AfgoerelseInput, body)
        with Session(engine) as session:
            row = _klage_i_scope(session, principal, klage_id, "afgoerelse", behandle=True)
            cmd = RecordComplaintDecision(
                event_id=kommando_id("http", "afgoerelse", data.afgjort_af, klage_id, row.status),
                occurred_at=now(),
                case_id=row.case_id,
                correlation_id=UUID(row.correlation_id),
                klage_id=klage_id,
                afgjort_af=data.afgjort_af,
                udfald=data.udfald,
                afgjort=data.afgjort,
            )
            svar = behandling.afgoer(session, settings, cmd, hvem=kalder(principal))
            session.commit()
            return _svar(session, svar, response)

    @router.post("/klager/{klage_id}/udtalelse", summary="Udtalelse om akut magtanvendelse")
    def udtalelse(
        principal: caller, klage_id: str, response: Response, body: Annotated[Any, Body()]
    ) -> Any:
        data = valider(UdtalelseInput, body)
        with Session(engine) as session:
            row = _klage_i_scope(session, principal, klage_id, "udtalelse", behandle=True)
            svar = behandling.udtal(
                session,
                settings,
                klage_id=klage_id,
                lovlig=data.lovlig,
                begrundelse=data.begrundelse,
                tidspunkt=data.tidspunkt or now(),
                kommando_id=kommando_id("http", "udtalelse", klage_id, row.status),
                hvem=kalder(principal),
            )
            session.commit()
            return _svar(session, svar, response)

    @router.post("/klager/{klage_id}/anke", summary="Klag videre til Ankestyrelsen (børn)")
    def anke(
        principal: caller, klage_id: str, response: Response, body: Annotated[Any, Body()] = None
    ) -> Any:
        data = valider(AnkeInput, body or {})
        with Session(engine) as session:
            row = _klage_i_scope(session, principal, klage_id, "anke", behandle=True)
            svar = behandling.ank(
                session,
                settings,
                klage_id=klage_id,
                modtaget=data.modtaget or now(),
                kommando_id=kommando_id("http", "anke", klage_id, row.status),
                hvem=kalder(principal),
            )
            session.commit()
            return _svar(session, svar, response)

    router.include_router(build_vejledning_router(engine, verifier, now))
    router.include_router(build_statistik_router(engine, verifier))
    return router


def _sagens_tilbud(session: Session, principal: Principal, data: KlageInput) -> str | None:
    """The institution of the complaint; a complaint about a case klager knows is checked
    against that case's scope like every other write (never the caller's word against it).

    A case of another institution or municipality gets the answer of a case that does not exist
    (audited); a complaint that names the case's parties wrongly is refused field by field. A
    complaint about a case klager does not know stands on its own parties.
    """
    omfang = store.omfang(session, case_id=data.case_id)
    if omfang is None:
        return data.institution_id
    kommune, inst = omfang
    if not ka.maa_indgive_klage(
        principal.role, principal.organisation, handlekommune=kommune, institution_id=inst
    ):
        refused(
            session,
            principal=principal,
            action="indgiv",
            resource=f"klage:{data.klage_id}",
            refusal=not_found,
        )
    fejl: list[dict[str, str]] = []
    if data.handlekommune != kommune:
        fejl.append({"field": "handlekommune", "message": "Klagen skal have sagens handlekommune."})
    if data.institution_id is not None and data.institution_id != inst:
        fejl.append({"field": "institution_id", "message": "Klagen skal angå sagens tilbud."})
    if fejl:
        raise HTTPException(422, fejl)
    return inst


def _klage_i_scope(
    session: Session, principal: Principal, klage_id: str, action: str, *, behandle: bool
) -> store.KlageRow:
    """The complaint if the caller may see it (else the same audited 404 as for none), and a
    403 when they may see it but not take this step."""
    row = store.klage(session, klage_id=klage_id)
    ser = row is not None and ka.maa_se_klage(
        principal.role,
        principal.organisation,
        handlekommune=row.handlekommune,
        institution_id=row.institution_id,
    )
    if row is None or not ser:
        refused(
            session,
            principal=principal,
            action=action,
            resource=f"klage:{klage_id}",
            refusal=lambda: not_found(UKENDT_KLAGE),
        )
    ok = not behandle or ka.maa_behandle_klage(
        principal.role, principal.organisation, handlekommune=row.handlekommune
    )
    revider(session, principal, action, f"klage:{klage_id}", ok)
    return row


def _svar(session: Session, svar: behandling.Svar, response: Response) -> Any:
    row = store.klage(session, klage_id=svar.klage_id)
    if not svar.udfoert and not svar.gentaget:
        return JSONResponse(
            status_code=status.HTTP_409_CONFLICT,
            content={"detail": svar.besked, "status": svar.status.value},
        )
    response.status_code = status.HTTP_201_CREATED if svar.udfoert else status.HTTP_200_OK
    view = _klage_view(row) if row is not None else {"klage_id": svar.klage_id}
    return {**view, "besked": svar.besked}


def _klage_view(row: store.KlageRow) -> dict[str, Any]:
    data = raekke(row)
    data["slutstatus"] = Status(row.status) in {
        Status.AFVIST,
        Status.AFGJORT,
        Status.UDTALELSE_AFGIVET,
    }
    return data
