"""statistik's HTTP API: the dashboard, the figures as JSON, alerts and the operator's commentary.

Every endpoint is scoped by `domain.omfang` (magt_contracts.adgang roles) and audited, allowed or
refused. The dashboard is a browser page: the platform's JWT is posted once to the login form and
then kept in an HttpOnly, Secure, SameSite=Strict cookie (never in a URL: the runtime refuses any
`?token=`); the JSON endpoints take only the bearer token in the Authorization header. The page
runs no script and loads its stylesheet from `/dashboard.css`, its charts as SVG images, so it
renders under the platform's Content-Security-Policy (`magt_runtime.hardening`).
"""

import base64
from datetime import UTC, datetime
from importlib.resources import files
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.begreber import Regime, Socialtilsyn
from magt_contracts.errors import danske_fejl, som_dicts
from magt_runtime import audit
from magt_runtime.auth import InvalidTokenError, Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, field_errors, forbidden, principal_dependency
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
    udsnit,
    visning,
)
from magt_statistik.reports import noegletal, procent
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre, Kommentar, alarmer, kommentarer

COOKIE = "magt_statistik_token"
STYLESHEET = files("magt_statistik").joinpath("static", "dashboard.css").read_text("utf-8")
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

    principal = principal_dependency(verifier)

    def browserens_kalder(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal | None:
        """The dashboard's caller: the bearer token, else the login cookie (pages only)."""
        for kandidat in (
            credentials.credentials if credentials else None,
            request.cookies.get(COOKIE),
        ):
            if kandidat:
                try:
                    return verifier.verify(kandidat)
                except InvalidTokenError:
                    continue
        return None

    def login_cookie(response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=settings.token_max_lifetime_s,
            path="/",
            secure=True,
            httponly=True,
            samesite="strict",
        )

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
            if scope.undertrykt and (fejl := domain.udsnit_fejl(f.periode.art, udsnit(f))):
                raise HTTPException(422, fejl)
            v = visning(session, scope, f)
            fundne = alarmer(session, scope, f)
            for a in fundne:
                session.expunge(a)
        return v, fundne

    @router.get("/dashboard", response_class=HTMLResponse, summary="Dashboard (HTML)")
    def dashboard(
        request: Request,
        caller: Annotated[Principal | None, Depends(browserens_kalder)],
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
            diagrammer=[(d.id, d.titel, _svg_billede(som_svg(d.figur))) for d in diagrammer(v)],
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
        return HTMLResponse(html)

    @router.get("/dashboard.css", summary="Dashboardets stylesheet")
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css")

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
        login_cookie(response, token)
        return response

    @router.get("/logout", summary="Log ud")
    def logout() -> Response:
        response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
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


def _svg_billede(svg: str) -> str:
    """A chart as an image URL: shown by <img>, its SVG styles stay inside the image (the page's
    CSP allows no inline style) and nothing in it can run as part of the page."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
