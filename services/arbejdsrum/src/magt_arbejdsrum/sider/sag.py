"""GET /sager/{id} and each role's action on it; GET /sager/{id}/pdf: the official PDF."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from magt_arbejdsrum.klienter import Svar
from magt_arbejdsrum.sider.faelles import (
    Person,
    formular,
    now,
    person,
    refused,
    render,
    videre,
    web,
)
from magt_contracts.forms import parse_form
from magt_documents import pdf_filnavn, skema_pdf
from magt_documents.pdf import i_traad

TILBAGEMELDENDE = frozenset({"fagkonsulent", "operatoer", "kommune", "socialtilsyn"})


def handlinger(who: Person, sag: dict[str, Any]) -> set[str]:
    """Which action forms the page offers (the service decides; this only hides dead ends)."""
    status = sag.get("status")
    if who.rolle == "leder":
        return (
            {"lederdel"}
            if status == "registreret"
            else {"godkend"}
            if status == "leder_udfyldt"
            else set()
        )
    if status != "godkendt":
        return set()
    if who.rolle in TILBAGEMELDENDE:
        mulige = {"tilbagemelding"}
        if who.rolle == "kommune" and who.organisation == sag.get("handlekommune"):
            mulige.add("handleplan")
        return mulige
    if who.rolle == "magtanvendelsesudvalg":
        return {"bemaerkning"}
    return set()


def _frist_filter(who: Person, sag: dict[str, Any]) -> dict[str, str]:
    match who.rolle:
        case "leder" | "medarbejder":
            return {"institution_id": str(sag.get("institution_id", ""))}
        case "kommune" | "magtanvendelsesudvalg":
            return {"handlekommune": who.organisation}
        case "socialtilsyn":
            return {"socialtilsyn": who.organisation}
        case _:
            return {}


def build_router() -> APIRouter:
    """The case routes."""
    router = APIRouter()

    async def vis(
        request: Request,
        who: Person,
        case_id: str,
        *,
        fejl: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        k = web(request).klienter
        svar = await k.registrering.sag(who.token, case_id)
        if not svar.ok:
            refused(svar.status, svar.besked())
        sag: dict[str, Any] = svar.data
        opf, frister = await asyncio.gather(
            k.registrering.opfoelgning(who.token, case_id),
            k.frister.for_sag(who.token, case_id, **_frist_filter(who, sag)),
        )
        return render(
            request,
            "sag.html",
            who,
            status_code=status_code,
            titel=f"Sag {case_id}",
            sag=sag,
            form=sag.get("form", {}),
            opfoelgning=opf.data if opf.ok else None,
            frister=frister.data if frister.ok else None,
            handlinger=handlinger(who, sag),
            fejl=fejl or {},
            data=data or {},
            idag=date.today().isoformat(),
        )

    async def efter(
        request: Request, who: Person, case_id: str, svar: Svar, data: dict[str, str], ok: str
    ) -> Response:
        if svar.ok:
            return videre(f"/sager/{case_id}", ok, request=request)
        if svar.status == 422:
            return await vis(
                request, who, case_id, fejl=svar.felt_fejl(), data=data, status_code=422
            )
        return await vis(
            request, who, case_id, fejl={"": svar.besked()}, data=data, status_code=svar.status
        )

    @router.get("/sager/{case_id}", response_class=HTMLResponse)
    async def sag(request: Request, case_id: str) -> HTMLResponse:
        return await vis(request, await person(request), case_id)

    @router.get("/sager/{case_id}/pdf")
    async def pdf(request: Request, case_id: str) -> Response:
        who = await person(request)
        svar = await web(request).klienter.registrering.sag(who.token, case_id)
        if not svar.ok:
            refused(svar.status, svar.besked())
        form = parse_form(svar.data["form"])
        oprettet = datetime.fromisoformat(str(svar.data["registreret"]))
        indhold = await i_traad(skema_pdf, form, sagsref=case_id, oprettet=oprettet)
        return Response(
            indhold,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{pdf_filnavn(case_id)}"'},
        )

    @router.post("/sager/{case_id}/lederdel")
    async def lederdel(request: Request, case_id: str) -> Response:
        who = await person(request)
        data = await formular(request)
        body = {
            "leder_ref": who.subject,
            "kommentarer": data.get("kommentarer", "").strip(),
            "vurdering": data.get("vurdering", "").strip(),
            "opfoelgning_i_medarbejdergruppe": data.get("opfoelgning_i_medarbejdergruppe") == "ja",
            "godkendt": False,
        }
        svar = await web(request).klienter.registrering.lederdel(who.token, case_id, body)
        return await efter(request, who, case_id, svar, data, "Lederens del er gemt.")

    @router.post("/sager/{case_id}/godkend")
    async def godkend(request: Request, case_id: str) -> Response:
        who = await person(request)
        data = await formular(request)
        svar = await web(request).klienter.registrering.godkend(who.token, case_id)
        return await efter(
            request, who, case_id, svar, data, "Indberetningen er godkendt og sendt."
        )

    @router.post("/sager/{case_id}/tilbagemelding")
    async def tilbagemelding(request: Request, case_id: str) -> Response:
        who = await person(request)
        data = await formular(request)
        svar = await web(request).klienter.registrering.tilbagemelding(
            who.token, case_id, data.get("tekst", "").strip()
        )
        return await efter(request, who, case_id, svar, data, "Tilbagemeldingen er givet.")

    @router.post("/sager/{case_id}/bemaerkning")
    async def bemaerkning(request: Request, case_id: str) -> Response:
        who = await person(request)
        data = await formular(request)
        svar = await web(request).klienter.registrering.bemaerkning(
            who.token,
            case_id,
            data.get("tekst", "").strip(),
            data.get("afgoerelse_i_orden") == "ja",
        )
        return await efter(request, who, case_id, svar, data, "Bemærkningerne er sendt.")

    @router.post("/sager/{case_id}/handleplan")
    async def handleplan(request: Request, case_id: str) -> Response:
        who = await person(request)
        data = await formular(request)
        body = {
            "indhold": data.get("indhold", "").strip(),
            "revideret": data.get("revideret") == "ja",
            "dato": data.get("dato") or now().date().isoformat(),
        }
        svar = await web(request).klienter.registrering.handleplan(who.token, case_id, body)
        return await efter(request, who, case_id, svar, data, "Handleplanen er registreret.")

    return router
