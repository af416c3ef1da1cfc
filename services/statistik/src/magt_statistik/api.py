"""statistik's HTTP API: the dashboard, the figures as JSON, alerts and the operator's commentary.

Every endpoint is scoped by `domain.omfang` (magt_contracts.adgang roles) and audited, allowed or
refused. The dashboard is a browser page: the platform's JWT comes in the query (`?token=`, once;
it is then kept in an HttpOnly cookie) or from the login form; the JSON endpoints take the bearer
token (or the same cookie).
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.begreber import Regime, Socialtilsyn
from magt_contracts.errors import danske_fejl, som_dicts
from magt_runtime import audit
from magt_runtime.auth import InvalidTokenError, Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, field_errors, forbidden
from magt_statistik import domain
from magt_statistik.diagrammer import diagrammer, som_svg
from magt_statistik.figurer import (
    FRIST_TEKST,
    JA_NEJ_TEKST,
    KLAGE_TEKST,
    REGIME_TEKST,
    VURDERING_TEKST,
    Visning,
    indgreb_tekster,
    visning,
)
from magt_statistik.reports import noegletal, procent
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre, Kommentar, alarmer, kommentarer

COOKIE = "magt_statistik_token"
_bearer = HTTPBearer(auto_error=False)


class NyKommentar(BaseModel):
    """The operator's commentary or an example where force was reduced, for one period."""

    model_config = ConfigDict(extra="forbid")

    periode: str = Field(min_length=4, max_length=7, examples=["2025-Q1"])
    art: Literal["kommentar", "eksempel"] = "kommentar"
    tekst: str = Field(min_length=1, max_length=20_000)


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("magt_statistik", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )


def build_router(engine: Engine, settings: Settings, verifier: TokenVerifier) -> APIRouter:
    """The scoped, audited endpoints."""
    router = APIRouter(responses=ERROR_RESPONSES)
    templates = _jinja()

    def principal_eller_none(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        token: Annotated[
            str | None, Query(description="Platformens token (kun dashboard).")
        ] = None,
    ) -> Principal | None:
        for kandidat in (
            credentials.credentials if credentials else None,
            token,
            request.cookies.get(COOKIE),
        ):
            if kandidat:
                try:
                    return verifier.verify(kandidat)
                except InvalidTokenError:
                    continue
        return None

    def principal(
        p: Annotated[Principal | None, Depends(principal_eller_none)],
    ) -> Principal:
        if p is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Log ind: der mangler et gyldigt token."
            )
        return p

    def filtre(
        periode: str | None,
        regime: str | None,
        indgreb: str | None,
        socialtilsyn: str | None,
        kommune: str | None,
    ) -> Filtre:
        noegle = periode or str(datetime.now(UTC).year)
        try:
            p = domain.periode(noegle)
        except ValueError as error:
            raise HTTPException(
                422,
                [{"field": "periode", "message": str(error)}],
            ) from error
        if regime and regime not in {r.value for r in Regime}:
            raise HTTPException(
                422,
                [{"field": "regime", "message": "Ukendt lovgrundlag: brug val eller sel."}],
            )
        return Filtre(
            periode=p,
            regime=regime or None,
            indgreb=indgreb or None,
            socialtilsyn=socialtilsyn or None,
            kommune=kommune or None,
        )

    def beregn(caller: Principal, f: Filtre, action: str) -> tuple[Visning, list[Any]]:
        scope = domain.omfang(caller.role, caller.organisation)
        with Session(engine) as session:
            audit.record(
                session,
                principal=caller,
                action=action,
                resource=f"statistik:{f.periode.noegle}",
                allowed=scope is not None,
            )
            session.commit()
            if scope is None:
                raise forbidden()
            v = visning(session, scope, f)
            fundne = alarmer(session, scope, f)
            for a in fundne:
                session.expunge(a)
        return v, fundne

    @router.get("/dashboard", response_class=HTMLResponse, summary="Dashboard (HTML)")
    def dashboard(
        request: Request,
        caller: Annotated[Principal | None, Depends(principal_eller_none)],
        token: str | None = None,
        periode: str | None = None,
        regime: str | None = None,
        indgreb: str | None = None,
        socialtilsyn: str | None = None,
        kommune: str | None = None,
    ) -> Response:
        if caller is None:
            return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
        f = filtre(periode, regime, indgreb, socialtilsyn, kommune)
        try:
            v, fundne = beregn(caller, f, "dashboard")
        except HTTPException as error:
            if error.status_code == status.HTTP_403_FORBIDDEN:
                return HTMLResponse(
                    "<!DOCTYPE html><html lang='da'><body><h1>Ingen adgang</h1>"
                    "<p>Din rolle giver ikke adgang til statistikken.</p></body></html>",
                    status.HTTP_403_FORBIDDEN,
                )
            raise
        aar = datetime.now(UTC).year
        perioder = [str(y) for y in range(aar, aar - 4, -1)]
        perioder += [f"{y}-Q{q}" for y in range(aar, aar - 4, -1) for q in range(4, 0, -1)]
        if f.periode.noegle not in perioder:
            perioder.insert(0, f.periode.noegle)
        html = templates.get_template("dashboard.html.j2").render(
            v=v,
            caller=caller,
            noegletal=noegletal(v),
            diagrammer=[(d.id, d.titel, Markup(som_svg(d.figur))) for d in diagrammer(v)],  # noqa: S704
            alarmer=fundne,
            perioder=perioder,
            regimer=REGIME_TEKST,
            indgrebstyper=indgreb_tekster(),
            socialtilsyn_valg=[s.value for s in Socialtilsyn],
            vurdering_tekst=VURDERING_TEKST,
            klage_tekst=KLAGE_TEKST,
            frist_tekst=FRIST_TEKST,
            ja_nej=JA_NEJ_TEKST,
            procent=procent,
            diskretion=domain.VIST_UNDERTRYKT,
        )
        response = HTMLResponse(html)
        if token and _gyldig(token):
            # Only a token that itself verifies becomes the login cookie (never an unchecked one).
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
        return response

    def _gyldig(token: str) -> bool:
        try:
            verifier.verify(token)
        except InvalidTokenError:
            return False
        return True

    @router.get("/login", response_class=HTMLResponse, summary="Log ind på dashboardet")
    def login_form() -> HTMLResponse:
        return HTMLResponse(templates.get_template("login.html.j2").render(fejl=None))

    @router.post("/login", response_class=HTMLResponse, summary="Log ind med platformens token")
    async def login(request: Request) -> Response:
        felter = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (felter.get("token") or [""])[0].strip()
        try:
            verifier.verify(token)
        except InvalidTokenError:
            html = templates.get_template("login.html.j2").render(
                fejl="Tokenet er ugyldigt eller udløbet."
            )
            return HTMLResponse(html, status.HTTP_401_UNAUTHORIZED)
        response = RedirectResponse("/dashboard", status.HTTP_303_SEE_OTHER)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=8 * 3600)
        return response

    @router.get("/logout", summary="Log ud")
    def logout() -> Response:
        response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
        response.delete_cookie(COOKIE)
        return response

    @router.get("/figurer", summary="Tallene for en periode og et udsnit (JSON)")
    def figurer(
        caller: Annotated[Principal, Depends(principal)],
        periode: str | None = None,
        regime: str | None = None,
        indgreb: str | None = None,
        socialtilsyn: str | None = None,
        kommune: str | None = None,
    ) -> dict[str, Any]:
        f = filtre(periode, regime, indgreb, socialtilsyn, kommune)
        v, _ = beregn(caller, f, "figurer")
        return v.som_json()

    @router.get("/alarmer", summary="Tidlige varsler i perioden (JSON)")
    def alarm_liste(
        caller: Annotated[Principal, Depends(principal)],
        periode: str | None = None,
    ) -> list[dict[str, Any]]:
        f = filtre(periode, None, None, None, None)
        _, fundne = beregn(caller, f, "alarmer")
        return [
            {
                "institution_id": a.institution_id,
                "periode_start": a.periode_start.isoformat(),
                "periode_slut": a.periode_slut.isoformat(),
                "antal": a.antal,
                "graense": a.graense,
                "grund": a.grund,
                "event_id": a.event_id,
            }
            for a in fundne
        ]

    @router.post("/kommentarer", status_code=201, summary="Driftsherrens kommentar eller eksempel")
    async def ny_kommentar(
        request: Request, caller: Annotated[Principal, Depends(principal)]
    ) -> Response:
        tilladt = domain.maa_skrive_kommentar(caller.role)
        with Session(engine) as session:
            audit.record(
                session,
                principal=caller,
                action="kommentar",
                resource="statistik:kommentarer",
                allowed=tilladt,
            )
            session.commit()
        if not tilladt:
            raise forbidden()
        try:
            body = NyKommentar.model_validate_json(await request.body())
            domain.periode(body.periode)
        except ValidationError as error:
            return field_errors(som_dicts(danske_fejl(error)))
        except ValueError as error:
            return field_errors([{"field": "periode", "message": str(error)}])
        with Session(engine) as session:
            row = Kommentar(
                driftsherre_id=caller.organisation,
                periode=body.periode,
                art=body.art,
                tekst=body.tekst,
                forfatter=caller.subject,
            )
            session.add(row)
            session.commit()
            session.refresh(row)
            return JSONResponse(
                {"id": row.id, "periode": row.periode, "art": row.art}, status.HTTP_201_CREATED
            )

    @router.get("/kommentarer", summary="Driftsherrens kommentarer for en periode")
    def kommentar_liste(
        caller: Annotated[Principal, Depends(principal)], periode: str
    ) -> list[dict[str, Any]]:
        tilladt = domain.maa_skrive_kommentar(caller.role)
        with Session(engine) as session:
            audit.record(
                session,
                principal=caller,
                action="kommentarer",
                resource=f"statistik:kommentarer:{periode}",
                allowed=tilladt,
            )
            session.commit()
            if not tilladt:
                raise forbidden()
            rows = kommentarer(session, driftsherre_id=caller.organisation, perioder=[periode])
            return [
                {"id": r.id, "periode": r.periode, "art": r.art, "tekst": r.tekst} for r in rows
            ]

    return router
