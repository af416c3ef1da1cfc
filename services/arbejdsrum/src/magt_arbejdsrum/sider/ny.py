"""GET/POST /ny: register a new Skema 1 a/1 b for an institution without Bosted or Nexus.

Field names are the form's own paths (`episode.start`), so registrering's 422 errors land next
to the field they concern; every typed value comes back in the re-rendered form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from magt_arbejdsrum.sider.faelles import Person, formular, now, person, render, videre, web
from magt_arbejdsrum.tekster import DK, kode
from magt_contracts.begreber import Driftsform, InstitutionArt
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import gaeldende

FORM_VERSION = "2025"
SKRIVENDE = frozenset({"medarbejder", "leder"})


@dataclass(frozen=True)
class Felt:
    """One field of the registration form."""

    navn: str
    label: str
    slags: str = "text"  # text, textarea, select, checkbox, datetime
    valg: tuple[tuple[str, str], ...] = ()
    hjaelp: str = ""
    kraevet: bool = True


@dataclass(frozen=True)
class Gruppe:
    """A fieldset with a legend."""

    titel: str
    felter: tuple[Felt, ...] = field(default_factory=tuple)


def _indgreb() -> tuple[tuple[str, str], ...]:
    """The adult interventions in force today (an ended paragraph is not offered)."""
    typer = [
        t
        for t in gaeldende(standard_katalog().indgreb, date.today())
        if t.regime == "sel" and {"skema_1a", "skema_1b"} & set(t.skemaer)
    ]
    unikke = {t.kode: f"{t.titel} ({t.paragraf})" for t in typer}
    return tuple(sorted(unikke.items(), key=lambda kv: kv[1]))


ARTER = tuple((a.value, kode(a.value)) for a in InstitutionArt)
DRIFTSFORMER = (
    (Driftsform.KOMMUNAL.value, "Kommunal"),
    (Driftsform.REGIONAL.value, "Regional"),
    (Driftsform.PRIVAT.value, "Privat"),
)


def grupper() -> tuple[Gruppe, ...]:
    """The form's fieldsets in reading order."""
    return (
        Gruppe(
            "Skema",
            (
                Felt(
                    "form_type",
                    "Skematype",
                    "select",
                    (
                        ("skema_1a", "Skema 1 a – personer med nedsat funktionsevne"),
                        ("skema_1b", "Skema 1 b – personer med demens"),
                    ),
                ),
            ),
        ),
        Gruppe(
            "Tilbuddet",
            (
                Felt("institution.institution_id", "Tilbuddets id"),
                Felt("institution.navn", "Tilbuddets navn"),
                Felt("institution.art", "Tilbudstype", "select", ARTER),
                Felt("institution.beliggenhedskommune", "Beliggenhedskommune (kommunekode)"),
                Felt("institution.driftsform", "Driftsform", "select", DRIFTSFORMER),
                Felt(
                    "institution.driftsherre_id",
                    "Driftsherre (kommune- eller regionskode)",
                    kraevet=False,
                ),
            ),
        ),
        Gruppe(
            "Borgeren",
            (
                Felt("borger.cpr", "CPR-nummer", hjaelp="DDMMÅÅ-SSSS"),
                Felt("borger.navn", "Navn"),
                Felt("borger.handlekommune", "Handlekommune (kommunekode)"),
                Felt("borger.kan_selv_klage", "Borgeren kan selv klage", "checkbox", kraevet=False),
            ),
        ),
        Gruppe(
            "Magtanvendelsen",
            (
                Felt("indgreb", "Indgreb", "select", _indgreb()),
                Felt("episode.start", "Start", "datetime"),
                Felt("episode.slut", "Slut", "datetime"),
                Felt("episode.sted", "Sted"),
                Felt("episode.forloeb_foer", "Forløbet før episoden", "textarea"),
                Felt("episode.beskrivelse", "Beskrivelse af episoden", "textarea"),
                Felt("episode.begrundelse", "Begrundelse for indgrebet", "textarea"),
                Felt(
                    "frivillig_medvirken_forsoegt",
                    "Frivillig medvirken er forsøgt",
                    "checkbox",
                    kraevet=False,
                ),
                Felt("andre_tiltag", "Andre tiltag, der er forsøgt", "textarea"),
                Felt("involverede.0.medarbejder_ref", "Involveret medarbejder (initialer/id)"),
            ),
        ),
        Gruppe(
            "Registreringen",
            (
                Felt("registrering.registreret_af", "Registreret af (initialer/id)"),
                Felt(
                    "klagevejledning_givet",
                    "Borgeren har fået klagevejledning",
                    "checkbox",
                    kraevet=False,
                ),
            ),
        ),
    )


def _aware(value: str) -> str:
    """A browser's datetime-local (Danish wall clock) as an ISO time with offset."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=DK).isoformat()
    except ValueError:
        return value


def skema(data: dict[str, str], *, tidspunkt: datetime) -> dict[str, Any]:
    """The typed fields as the nested form registrering takes."""
    form: dict[str, Any] = {"form_version": FORM_VERSION}
    for gruppe in grupper():
        for f in gruppe.felter:
            raw = data.get(f.navn, "")
            value: Any
            if f.slags == "checkbox":
                value = raw == "ja"
            elif raw.strip() == "":
                continue
            elif f.slags == "datetime":
                value = _aware(raw)
            else:
                value = raw.strip()
            _saet(form, f.navn.split("."), value)
    form.setdefault("registrering", {})["registreret_tidspunkt"] = tidspunkt.isoformat()
    return form


def _saet(target: dict[str, Any], path: list[str], value: Any) -> None:
    head, *rest = path
    if not rest:
        target[head] = value
        return
    nxt = rest[0]
    if nxt.isdigit():
        items: list[dict[str, Any]] = target.setdefault(head, [])
        while len(items) <= int(nxt):
            items.append({})
        if len(rest) > 1:
            _saet(items[int(nxt)], rest[1:], value)
        return
    _saet(target.setdefault(head, {}), rest, value)


def build_router() -> APIRouter:
    """The registration routes."""
    router = APIRouter()

    def side(
        request: Request,
        who: Person,
        data: dict[str, str],
        fejl: dict[str, str],
        status_code: int = 200,
    ) -> HTMLResponse:
        felter = {f.navn for g in grupper() for f in g.felter}
        # (label, link target, message, path when no field shows it itself)
        oversigt = [
            (_label(k), _anker(k), v, None if k in felter else k) for k, v in fejl.items() if k
        ]
        return render(
            request,
            "ny.html",
            who,
            status_code=status_code,
            grupper=grupper(),
            data=data,
            fejl=fejl,
            oversigt=oversigt,
            titel="Registrér magtanvendelse",
        )

    @router.get("/ny", response_class=HTMLResponse)
    async def ny(request: Request) -> Response:
        who = await person(request)
        if who.rolle not in SKRIVENDE:
            return _kun_tilbud(request, who)
        data = {"institution.institution_id": who.organisation, "form_type": "skema_1a"}
        return side(request, who, data, {})

    @router.post("/ny", response_class=HTMLResponse)
    async def indsend(request: Request) -> Response:
        who = await person(request)
        data = await formular(request)
        if who.rolle not in SKRIVENDE:
            return _kun_tilbud(request, who)
        svar = await web(request).klienter.registrering.indsend(
            who.token, skema(data, tidspunkt=now())
        )
        if svar.status == 422:
            return side(request, who, data, svar.felt_fejl(), status_code=422)
        if not svar.ok:
            return side(request, who, data, {"": svar.besked()}, status_code=svar.status)
        case_id = str(svar.data["case_id"])
        return videre(f"/sager/{case_id}", "Magtanvendelsen er registreret.", request=request)

    return router


DELE = {
    "institution": "Tilbuddet",
    "borger": "Borgeren",
    "episode": "Episoden (start, slut, sted og beskrivelse)",
    "involverede": "Involverede medarbejdere",
    "registrering": "Registreringen",
}


def _label(sti: str) -> str:
    """The label a person sees for an error's field path (a group for a whole part)."""
    if sti in DELE:
        return DELE[sti]
    for g in grupper():
        for f in g.felter:
            if f.navn == sti:
                return f.label
        if any(f.navn.startswith(sti + ".") for f in g.felter):
            return g.titel
    return sti.replace("_", " ").replace(".", " › ").capitalize()


def _anker(sti: str) -> str:
    """The id of the first field an error's path concerns, for the summary's link."""
    for g in grupper():
        for f in g.felter:
            if f.navn == sti or f.navn.startswith(sti + "."):
                return "f-" + f.navn.replace(".", "-")
    return "ny"


def _kun_tilbud(request: Request, who: Person) -> HTMLResponse:
    return render(
        request,
        "fejl.html",
        who,
        status_code=403,
        titel="Registrér magtanvendelse",
        besked_fejl="Kun tilbuddets medarbejdere og ledere kan registrere en magtanvendelse.",
    )
