"""The national overview of complaints (Børnerådet) and of guidance given, scope-checked."""

# No `from __future__ import annotations`: FastAPI must see the local `caller` alias at
# definition time.
# No `from __future__ import annotations`: FastAPI must see the local `caller` alias at
# definition time.
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.begreber import Region
from magt_contracts.rules import klageadgang as ka
from magt_klager import store
from magt_klager.api_faelles import revider, ugyldig
from magt_klager.overblik import GRUPPER, Filter, Klagefakta, overblik, vejledningstal
from magt_runtime import tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import forbidden, principal_dependency


def build_statistik_router(engine: Engine, verifier: TokenVerifier) -> APIRouter:
    """Aggregated figures: national with small cells suppressed, a municipality its own."""
    router = APIRouter()
    caller = Annotated[Principal, Depends(principal_dependency(verifier))]

    @router.get("/statistik/klager", summary="Overblik over klager (Børnerådet)")
    def statistik(
        principal: caller,
        fra: date | None = None,
        til: date | None = None,
        dato: Literal["modtaget", "afgjort"] = "modtaget",
        region: str | None = None,
        handlekommune: str | None = None,
        klagetype: str | None = None,
        klager_rolle: str | None = None,
        resultat: str | None = None,
        grupper: str = "",
    ) -> Any:
        valgte_grupper = [g for g in grupper.split(",") if g]
        if any(g not in GRUPPER for g in valgte_grupper):
            raise ugyldig("grupper", f"Ugyldig værdi. Tilladt: {', '.join(GRUPPER)}.")
        region_navn = _region(region)
        adgang = ka.klagestatistik_adgang(principal.role)
        with Session(engine) as session:
            ok = adgang is not ka.Statistikadgang.INGEN
            revider(session, principal, "read", "klagestatistik", ok)
            if not ok:
                session.commit()
                raise forbidden()
            egen = principal.organisation if adgang is ka.Statistikadgang.EGEN_KOMMUNE else None
            if egen is not None and handlekommune not in (None, egen):
                session.commit()
                raise forbidden()
            fakta = [_fakta(r) for r in store.alle_klager(session, handlekommune=egen)]
            session.commit()
        udvalg = Filter(
            fra=fra,
            til=til,
            dato=dato,
            region=region_navn,
            handlekommune=egen or handlekommune,
            klagetype=klagetype,
            klager_rolle=klager_rolle,
            resultat=resultat,
        )
        graense = ka.MINDSTE_VISTE_ANTAL if adgang is ka.Statistikadgang.NATIONAL else None
        return overblik(fakta, udvalg, grupper=valgte_grupper, undertryk_under=graense)

    @router.get("/statistik/klagevejledning", summary="Hvor ofte gives klagevejledning?")
    def vejledning_statistik(principal: caller) -> Any:
        adgang = ka.klagestatistik_adgang(principal.role)
        with Session(engine) as session:
            revider(
                session,
                principal,
                "read",
                "klagevejledning-statistik",
                adgang is not ka.Statistikadgang.INGEN,
            )
            egen = principal.organisation if adgang is ka.Statistikadgang.EGEN_KOMMUNE else None
            sager = [
                (s.regime, s.klagevejledning_givet)
                for s in store.sager(session, handlekommune=egen)
            ]
            session.commit()
        graense = ka.MINDSTE_VISTE_ANTAL if adgang is ka.Statistikadgang.NATIONAL else None
        return vejledningstal(sager, undertryk_under=graense)

    return router


def _region(region: str | None) -> str | None:
    if region is None:
        return None
    navn = region.removeprefix("Region ").strip()
    gyldige = {r.value.lower(): r.value for r in Region}
    if navn.lower() not in gyldige:
        raise ugyldig("region", f"Ukendt region. Kendte: {', '.join(r.value for r in Region)}.")
    return gyldige[navn.lower()]


def _fakta(r: store.KlageRow) -> Klagefakta:
    return Klagefakta(
        klagetype="afgoerelse" if r.omdirigeret else r.klagetype,
        klager_rolle=r.klager_rolle,
        handlekommune=r.handlekommune,
        region=r.region,
        status=r.status,
        modtaget=tid.utc_or_none(r.modtaget) or datetime.min.replace(tzinfo=UTC),
        rettidig=r.rettidig,
        genvurderet=tid.utc_or_none(r.genvurderet),
        videresendt=tid.utc_or_none(r.videresendt),
        kommune_afgjort=tid.utc_or_none(r.kommune_afgjort),
        afgjort=tid.utc_or_none(r.afgjort),
        udtalt=tid.utc_or_none(r.udtalt),
        udfald=r.udfald,
        udtalelse_lovlig=r.udtalelse_lovlig,
    )
