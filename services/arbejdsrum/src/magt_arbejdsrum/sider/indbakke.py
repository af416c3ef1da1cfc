"""GET /indbakke: each role's inbox (table#sager, one tr[data-sag] per case)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from magt_arbejdsrum.klienter import Svar
from magt_arbejdsrum.sider.faelles import Person, person, refused, render, web

AABNE = ("registreret", "leder_udfyldt")
MODTAGERE = frozenset(
    {"fagkonsulent", "operatoer", "kommune", "socialtilsyn", "magtanvendelsesudvalg"}
)
MAKS_RAEKKER = 200
TITLER = {
    "leder": ("Kladder til lederens del og godkendelse", "Indberetninger, der venter på dig"),
    "medarbejder": ("Tilbuddets registreringer", "Alle registreringer fra dit tilbud"),
    "fagkonsulent": ("Modtagne indberetninger", "Godkendte indberetninger fra dine tilbud"),
    "operatoer": ("Modtagne indberetninger", "Godkendte indberetninger fra dine tilbud"),
    "kommune": ("Modtagne indberetninger", "Godkendte indberetninger for kommunens borgere"),
    "socialtilsyn": ("Modtagne indberetninger", "Godkendte indberetninger fra tilbud under tilsyn"),
    "magtanvendelsesudvalg": (
        "Indberetninger til gennemgang",
        "Godkendte indberetninger, der skal holdes op mod afgørelserne",
    ),
}


async def _liste(request: Request, who: Person) -> Svar:
    reg = web(request).klienter.registrering
    match who.rolle:
        case "leder" | "medarbejder":
            return await reg.institutionens(who.token, who.organisation)
        case "fagkonsulent" | "operatoer":
            return await reg.driftsherrens(who.token, who.organisation)
        case "kommune" | "magtanvendelsesudvalg":
            return await reg.kommunens(who.token, who.organisation)
        case "socialtilsyn":
            return await reg.tilsynets(who.token, who.organisation)
        case _:
            return Svar(403, None)


async def _med_opfoelgning(request: Request, who: Person, sager: list[dict[str, Any]]) -> None:
    """Mark each received report with whether this role's organisation has followed it up."""
    reg = web(request).klienter.registrering
    svar = await asyncio.gather(*(reg.opfoelgning(who.token, s["case_id"]) for s in sager))
    for sag, s in zip(sager, svar, strict=True):
        data = s.data if s.ok and isinstance(s.data, dict) else {}
        felt = "bemaerkninger" if who.rolle == "magtanvendelsesudvalg" else "tilbagemeldinger"
        egne = [
            t
            for t in data.get(felt, [])
            if t.get("organisation", who.organisation) == who.organisation
        ]
        sag["fulgt_op"] = bool(egne)


def build_router() -> APIRouter:
    """The inbox route."""
    router = APIRouter()

    @router.get("/indbakke", response_class=HTMLResponse)
    async def indbakke(request: Request) -> HTMLResponse:
        who = await person(request)
        if who.rolle == "national":
            statistik = web(request).settings.statistik_url
            return render(request, "national.html", who, titel="Indbakke", statistik=statistik)
        svar = await _liste(request, who)
        if not svar.ok:
            refused(svar.status, svar.besked())
        sager: list[dict[str, Any]] = list(svar.data)[:MAKS_RAEKKER]
        if who.rolle == "leder":
            sager = [s for s in sager if s.get("status") in AABNE]
        sager.sort(key=lambda s: str(s.get("registreret", "")), reverse=True)
        if who.rolle in MODTAGERE:
            await _med_opfoelgning(request, who, sager)
        titel, undertitel = TITLER.get(who.rolle, ("Indbakke", ""))
        return render(
            request,
            "indbakke.html",
            who,
            titel=titel,
            undertitel=undertitel,
            sager=sager,
            modtager=who.rolle in MODTAGERE,
            udvalg=who.rolle == "magtanvendelsesudvalg",
        )

    return router
