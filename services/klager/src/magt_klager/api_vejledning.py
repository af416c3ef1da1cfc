"""The complaint-guidance letter (klagevejledning) and whether guidance was given, per case."""

# No `from __future__ import annotations`: FastAPI must see the local `caller` alias at
# definition time.
# No `from __future__ import annotations`: FastAPI must see the local `caller` alias at
# definition time.
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import AwareDatetime, Field
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_contracts.adgang import rolle
from magt_contracts.forms.common import Ref
from magt_contracts.rules import klageadgang as ka
from magt_klager import behandling, store
from magt_klager.api_faelles import Clock, Input, kalder, revider, ugyldig, valider
from magt_klager.vejledning import (
    KLAGETYPER,
    klagetype_for_sag,
    klagevejledning,
    som_html,
    som_tekst,
)
from magt_runtime import tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import (
    ERROR_RESPONSES,
    audited,
    forbidden,
    not_found,
    principal_dependency,
)


class VejledningInput(Input):
    """Whether complaint guidance was given in a case."""

    givet: bool
    handlekommune: str | None = Field(default=None, pattern=r"^\d{4}$")
    institution_id: Ref | None = None
    tidspunkt: AwareDatetime | None = None


def build_vejledning_router(engine: Engine, verifier: TokenVerifier, now: Clock) -> APIRouter:
    """The letter for any case or kind of complaint, and the tracking of guidance given."""
    router = APIRouter(responses=ERROR_RESPONSES)
    caller = Annotated[Principal, Depends(principal_dependency(verifier))]

    @router.get("/klagevejledning", summary="Klagevejledning (generel)")
    def generel_vejledning(
        principal: caller,
        klagetype: str,
        handlekommune: str,
        format: Literal["html", "tekst"] = "html",
    ) -> Response:
        if klagetype not in KLAGETYPER:
            raise ugyldig("klagetype", f"Ugyldig værdi. Tilladt: {', '.join(KLAGETYPER)}.")
        with Session(engine) as session:
            ok = rolle(principal.role) is not None
            revider(session, principal, "read", "klagevejledning", ok)
            session.commit()
        if not ok:
            raise forbidden()
        brev = klagevejledning(klagetype=klagetype, handlekommune=handlekommune, paa=now().date())
        return _brev(brev, format)

    @router.get("/sager/{case_id}/klagevejledning", summary="Klagevejledning til en sag")
    def sagens_vejledning(
        principal: caller,
        case_id: str,
        klagetype: str | None = None,
        format: Literal["html", "tekst"] = "html",
    ) -> Response:
        if klagetype is not None and klagetype not in KLAGETYPER:
            raise ugyldig("klagetype", f"Ugyldig værdi. Tilladt: {', '.join(KLAGETYPER)}.")
        with Session(engine) as session:
            parter = _sagens_parter(session, case_id)
            _sag_i_scope(session, principal, case_id, "read-klagevejledning", parter)
            assert parter is not None
            kommune, _inst, regime, meddelt, afgjort_af = parter
            session.commit()
        brev = klagevejledning(
            klagetype=klagetype or klagetype_for_sag(regime, meddelt is not None),
            handlekommune=kommune,
            paa=now().date(),
            afgoerelse_meddelt=meddelt,
            afgjort_af=afgjort_af,
        )
        return _brev(brev, format)

    @router.post("/sager/{case_id}/klagevejledning", summary="Registrér klagevejledning givet")
    def registrer_vejledning(principal: caller, case_id: str, body: Annotated[Any, Body()]) -> Any:
        data = valider(VejledningInput, body)
        with Session(engine) as session:
            parter = _sagens_parter(session, case_id)
            kommune = parter[0] if parter else data.handlekommune
            inst = (parter[1] if parter else None) or data.institution_id
            ok = kommune is not None and ka.maa_registrere_vejledning(
                principal.role, principal.organisation, handlekommune=kommune, institution_id=inst
            )
            if parter is not None and not ka.maa_se_klage(
                principal.role, principal.organisation, handlekommune=parter[0], institution_id=inst
            ):
                _sag_i_scope(session, principal, case_id, "write-klagevejledning", None)
            revider(session, principal, "write-klagevejledning", f"sag:{case_id}", ok)
            if not ok or kommune is None:
                session.commit()
                raise forbidden()
            sag = behandling.registrer_vejledning(
                session,
                case_id=case_id,
                handlekommune=kommune,
                institution_id=inst,
                givet=data.givet,
                kilde="registreret",
                hvem=kalder(principal),
                tidspunkt=data.tidspunkt or now(),
            )
            session.commit()
            return _vejledning_view(sag)

    @router.get("/sager/{case_id}/klagevejledning/status", summary="Er klagevejledning givet?")
    def vejledning_status(principal: caller, case_id: str) -> Any:
        with Session(engine) as session:
            parter = _sagens_parter(session, case_id)
            _sag_i_scope(session, principal, case_id, "read-klagevejledning-status", parter)
            sag = store.sag(session, case_id=case_id)
            session.commit()
            if sag is None:
                return {
                    "case_id": case_id,
                    "klagevejledning_givet": None,
                    "kilde": None,
                    "hvem": None,
                    "tidspunkt": None,
                }
            return _vejledning_view(sag)

    return router


Parter = tuple[str, str | None, str | None, datetime | None, str | None]
"""(handlekommune, institution, regime, a decision's notification, who made the decision)."""


def _sagens_parter(session: Session, case_id: str) -> Parter | None:
    """The `Parter` of a known case."""
    afg = session.exec(
        select(store.AfgoerelseRow).where(store.AfgoerelseRow.case_id == case_id)
    ).first()
    meddelt = tid.utc_or_none(afg.meddelt) if afg else None
    afgjort_af = afg.afgjort_af if afg else None
    sag = store.sag(session, case_id=case_id)
    if sag is not None:
        return sag.handlekommune, sag.institution_id, sag.regime, meddelt, afgjort_af
    if afg is not None:
        return afg.kommune, afg.institution_id, "sel", meddelt, afgjort_af
    klage = session.exec(select(store.KlageRow).where(store.KlageRow.case_id == case_id)).first()
    if klage is not None:
        regime = "val" if klage.klagetype == "val_magtanvendelse" else "sel"
        return klage.handlekommune, klage.institution_id, regime, None, None
    return None


def _sag_i_scope(
    session: Session, principal: Principal, case_id: str, action: str, parter: Parter | None
) -> None:
    """A case the caller may not see gets the very answer of a case klager does not know."""
    ok = parter is not None and ka.maa_se_klage(
        principal.role, principal.organisation, handlekommune=parter[0], institution_id=parter[1]
    )
    audited(
        session,
        principal=principal,
        action=action,
        resource=f"sag:{case_id}",
        allowed=ok,
        refusal=not_found,
    )


def _brev(brev: Any, format_: str) -> Response:
    if format_ == "tekst":
        return PlainTextResponse(som_tekst(brev))
    return HTMLResponse(som_html(brev))


def _vejledning_view(sag: store.SagRow) -> dict[str, Any]:
    return {
        "case_id": sag.case_id,
        "klagevejledning_givet": sag.klagevejledning_givet,
        "kilde": sag.vejledning_kilde,
        "hvem": sag.vejledning_hvem,
        "tidspunkt": tid.utc_or_none(sag.vejledning_tidspunkt),
    }
