"""GET /klager: the complaint queue with its deadlines; GET /klager/{id}: every step and the next.

Each step is a POST to klager's own endpoint (genvurdering, afgoerelse, anke, udtalelse) with the
person's token; klager decides whether the step fits the complaint's state and answers in Danish.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from magt_arbejdsrum.klienter import KLAGESKRIDT
from magt_arbejdsrum.sider.faelles import Person, formular, person, refused, render, videre, web
from magt_arbejdsrum.tekster import DK

FRISTER = (
    ("klagefrist", "Klagefrist"),
    ("genvurderingsfrist", "Genvurdering senest"),
    ("familieretshusfrist", "Familieretshuset senest"),
    ("ankefrist", "Ankefrist"),
)
NAESTE: dict[str, tuple[str, ...]] = {
    "afventer_genvurdering": ("genvurdering",),
    "hos_ankestyrelsen": ("afgoerelse",),
    "afventer_kommunalbestyrelse": ("afgoerelse",),
    "hos_familieretshuset": ("afgoerelse",),
    "afventer_udtalelse": ("udtalelse",),
    "afgjort_af_kommunen": ("anke",),
}
KVITTERINGER = {
    "genvurdering": "Genvurderingen er registreret.",
    "afgoerelse": "Afgørelsen er registreret.",
    "anke": "Klagen er sendt videre til Ankestyrelsen.",
    "udtalelse": "Udtalelsen er registreret.",
}


def _tidspunkt(value: str) -> str | None:
    from datetime import datetime

    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=DK).isoformat()
    except ValueError:
        return value


def _ja_nej(value: str | None) -> bool | None:
    """An explicit choice; None when the person chose neither (klager then says which field)."""
    return {"ja": True, "nej": False}.get(value or "")


def skridt_body(skridt: str, data: dict[str, str]) -> dict[str, Any]:
    """The typed fields of a step as klager's endpoint takes them."""
    match skridt:
        case "genvurdering":
            return {
                "fastholdt": _ja_nej(data.get("fastholdt")),
                "begrundelse": data.get("begrundelse", "").strip(),
            }
        case "udtalelse":
            return {
                "lovlig": _ja_nej(data.get("lovlig")),
                "begrundelse": data.get("begrundelse", "").strip(),
            }
        case "afgoerelse":
            return {
                "afgjort_af": data.get("afgjort_af", ""),
                "udfald": data.get("udfald", ""),
                "afgjort": _tidspunkt(data.get("afgjort", "")),
            }
        case _:
            return {}


def build_router() -> APIRouter:
    """The complaint routes."""
    router = APIRouter()

    async def vis(
        request: Request,
        who: Person,
        klage_id: str,
        *,
        fejl: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        svar = await web(request).klienter.klager.klage(who.token, klage_id)
        if not svar.ok:
            refused(svar.status, svar.besked())
        klage: dict[str, Any] = svar.data
        naeste = () if who.rolle != "kommune" else NAESTE.get(str(klage.get("status")), ())
        return render(
            request,
            "klage.html",
            who,
            status_code=status_code,
            titel=f"Klage {klage_id}",
            klage=klage,
            frister=FRISTER,
            naeste=naeste,
            fejl=fejl or {},
            data=data or {},
        )

    @router.get("/klager", response_class=HTMLResponse)
    async def koe(request: Request) -> HTMLResponse:
        who = await person(request)
        svar = await web(request).klienter.klager.liste(who.token)
        if not svar.ok:
            refused(svar.status, svar.besked())
        klager = sorted(
            svar.data.get("klager", []),
            key=lambda k: (bool(k.get("slutstatus")), str(k.get("modtaget") or "")),
        )
        return render(request, "klager.html", who, titel="Klager", klager=klager, frister=FRISTER)

    @router.get("/klager/{klage_id}", response_class=HTMLResponse)
    async def klage(request: Request, klage_id: str) -> HTMLResponse:
        return await vis(request, await person(request), klage_id)

    @router.post("/klager/{klage_id}/{skridt}")
    async def skridt(request: Request, klage_id: str, skridt: str) -> Response:
        who = await person(request)
        data = await formular(request)
        if skridt not in KLAGESKRIDT:
            refused(404, "Siden findes ikke.")
        svar = await web(request).klienter.klager.skridt(
            who.token, klage_id, skridt, skridt_body(skridt, data)
        )
        if svar.ok:
            return videre(f"/klager/{klage_id}", KVITTERINGER[skridt], request=request)
        fejl = svar.felt_fejl() if svar.status == 422 else {"": svar.besked()}
        return await vis(
            request,
            who,
            klage_id,
            fejl=fejl,
            data={**data, "skridt": skridt},
            status_code=svar.status,
        )

    return router
