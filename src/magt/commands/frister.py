"""`magt frister`: open and breached deadlines per institution, municipality or Socialtilsyn.

Reads the frister service's HTTP API (`--url`, with a bearer token) or its database directly (with
the caller's role and organisation); either way scope-checked by `magt_contracts.adgang` and audited.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import httpx
import typer
from rich.console import Console
from rich.table import Table

from magt_contracts.tid import lokal
from magt_frister.api import OutOfScopeError, Oversigtsfilter, oversigt
from magt_frister.settings import Settings
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine

TILSTANDE = {
    "open": "Åben",
    "warned": "Varslet",
    "breached": "Overskredet",
    "met": "Overholdt",
}
FRISTER = {
    "registrering": "Registrering",
    "indberetning_handlekommune": "Indberetning til handlekommunen",
    "orientering_foraeldremyndighed": "Orientering af forældremyndigheden",
    "kopi_socialtilsyn": "Kopi til socialtilsynet",
    "maanedlig_indberetning": "Månedlig indberetning",
    "kvartalsvis_indberetning": "Kvartalsvis indberetning (skema 2)",
    "paaroerende_orientering": "Orientering af pårørende",
    "handleplan": "Handleplan (§ 141)",
    "bilag1_periode": "Bilag 1-periode (31 dage)",
    "anmodning_om_afgoerelse": "Anmodning om afgørelse (§ 136 a)",
    "klagefrist": "Klagefrist",
    "genvurdering": "Genvurdering af klage",
    "klage_ankestyrelsen": "Klage til Ankestyrelsen",
    "forhaandsgodkendelse_udloeb": "Forhåndsgodkendelse udløber",
    "familieretshuset_afgoerelse": "Familieretshusets afgørelse",
}


class Gruppe(StrEnum):
    """How the listing is grouped."""

    INSTITUTION = "institution"
    KOMMUNE = "kommune"
    SOCIALTILSYN = "socialtilsyn"


_FELT = {
    Gruppe.INSTITUTION: "institution_id",
    Gruppe.KOMMUNE: "handlekommune",
    Gruppe.SOCIALTILSYN: "socialtilsyn",
}


def frister(
    tilstand: Annotated[
        list[str] | None,
        typer.Option("--tilstand", "-t", help="open, warned, breached, met (kan gentages)."),
    ] = None,
    institution: Annotated[str | None, typer.Option(help="Kun dette tilbud.")] = None,
    kommune: Annotated[str | None, typer.Option(help="Kun denne handlekommune.")] = None,
    socialtilsyn: Annotated[str | None, typer.Option(help="Kun dette socialtilsyn.")] = None,
    gruppe: Annotated[Gruppe, typer.Option(help="Gruppér efter.")] = Gruppe.INSTITUTION,
    url: Annotated[
        str | None, typer.Option(help="Frister-tjenestens adresse, fx http://127.0.0.1:8003.")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="Bærer-token til --url (ellers MAGT_TOKEN).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Frister-databasen (ellers MAGT_FRISTER_DATABASE_URL).")
    ] = None,
    rolle: Annotated[
        str | None, typer.Option(help="Din rolle ved direkte databaseopslag, fx kommune.")
    ] = None,
    organisation: Annotated[
        str | None, typer.Option(help="Din organisation: tilbud, kommunekode eller tilsyn.")
    ] = None,
    som_json: Annotated[bool, typer.Option("--json", help="Skriv JSON i stedet.")] = False,
) -> None:
    """List open and breached deadlines you may see, per institution, municipality or tilsyn."""
    states = tilstand or ["open", "warned", "breached"]
    ukendte = [s for s in states if s not in TILSTANDE]
    if ukendte:
        _fejl(f"Ukendt tilstand: {', '.join(ukendte)}. Brug {', '.join(TILSTANDE)}.")
    params: dict[str, Any] = {
        "state": states,
        "institution_id": institution,
        "handlekommune": kommune,
        "socialtilsyn": socialtilsyn,
    }
    if url is not None:
        rows = _via_api(url, token or os.environ.get("MAGT_TOKEN"), params)
    else:
        rows = _via_db(database_url, rolle, organisation, params)
    if som_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    _vis(rows, gruppe)


def _fejl(tekst: str) -> NoReturn:
    Console(stderr=True).print(f"[red]{tekst}[/red]")
    raise typer.Exit(code=1)


def _via_api(url: str, token: str | None, params: dict[str, Any]) -> list[dict[str, Any]]:
    if not token:
        _fejl("Angiv et bærer-token med --token eller MAGT_TOKEN.")
    query = {k: v for k, v in params.items() if v}
    try:
        response = httpx.get(
            f"{url.rstrip('/')}/frister",
            params=query,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    except httpx.HTTPError as error:
        _fejl(f"Frister-tjenesten svarer ikke ({type(error).__name__}).")
    if response.status_code != 200:
        detail = response.json().get("detail", response.text)
        _fejl(f"Afvist ({response.status_code}): {detail}")
    rows: list[dict[str, Any]] = response.json()
    return rows


def _via_db(
    database_url: str | None, rolle: str | None, organisation: str | None, params: dict[str, Any]
) -> list[dict[str, Any]]:
    if not rolle or not organisation:
        _fejl("Angiv --rolle og --organisation (eller brug --url med et token).")
    settings = Settings(database_url=database_url) if database_url else Settings()
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        principal = Principal(
            subject=f"cli:{getpass.getuser()}", role=rolle, organisation=organisation
        )
        f = Oversigtsfilter(
            states=tuple(params["state"]),
            institution_id=params["institution_id"],
            handlekommune=params["handlekommune"],
            socialtilsyn=params["socialtilsyn"],
        )
        try:
            return [r.model_dump(mode="json") for r in oversigt(engine, principal, f)]
        except OutOfScopeError:
            _fejl("Du har ikke adgang til denne sag.")
    finally:
        engine.dispose()


def _tid(value: str | None) -> str:
    if not value:
        return ""
    return lokal(datetime.fromisoformat(value)).strftime("%d.%m.%Y %H:%M")


def _vis(rows: list[dict[str, Any]], gruppe: Gruppe) -> None:
    console = Console()
    if not rows:
        console.print("Ingen frister at vise.")
        return
    felt = _FELT[gruppe]
    rows = sorted(rows, key=lambda r: (str(r.get(felt) or ""), str(r["due"])))
    table = Table(title=f"Frister pr. {gruppe.value}", show_lines=False)
    for kolonne in (
        gruppe.value.capitalize(),
        "Tilstand",
        "Frist",
        "Sag",
        "Udløber",
        "Overskredet",
    ):
        table.add_column(kolonne)
    for r in rows:
        tilstand = TILSTANDE.get(r["state"], r["state"])
        stil = "red" if r["state"] == "breached" else "yellow" if r["state"] == "warned" else ""
        table.add_row(
            str(r.get(felt) or "–"),
            f"[{stil}]{tilstand}[/{stil}]" if stil else tilstand,
            FRISTER.get(r["kind"], r["kind"]),
            r["case_id"],
            _tid(r["due"]),
            _tid(r.get("breached_at")),
        )
    console.print(table)
    antal = {t: sum(1 for r in rows if r["state"] == t) for t in TILSTANDE}
    console.print(
        ", ".join(f"{TILSTANDE[t].lower()}: {n}" for t, n in antal.items() if n) or "ingen"
    )
