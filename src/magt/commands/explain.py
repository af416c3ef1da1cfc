"""`magt explain FORM.json`: validate a form and show assessment, recipients and deadlines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from magt_contracts.explain import explain_form, tom_forklaring
from magt_contracts.tid import tz


def explain(
    form: Annotated[Path, typer.Argument(help="Skemaet som JSON (enhver skematype).")],
    now: Annotated[
        str | None,
        typer.Option("--now", help="Uret som ISO-tidspunkt, fx 2025-03-15T12:00:00+01:00."),
    ] = None,
    pretty: Annotated[bool, typer.Option("--pretty", help="Vis en læsbar dansk tabel.")] = False,
) -> None:
    """Validate one form against the law and show assessment, recipients and deadlines."""
    resultat = _forklar(form, now)
    if pretty:
        _vis(resultat)
    else:
        typer.echo(json.dumps(resultat, ensure_ascii=False, indent=2))
    if resultat["errors"]:
        raise typer.Exit(code=1)


def _forklar(form: Path, now: str | None) -> dict[str, Any]:
    try:
        klokken = _ur(now)
    except ValueError:
        return tom_forklaring(
            [{"field": "--now", "message": "Skal være et ISO-tidspunkt med tidszone."}]
        )
    try:
        data = json.loads(form.read_text(encoding="utf-8"))
    except OSError:
        return tom_forklaring([{"field": "(fil)", "message": f"Filen {form} kan ikke læses."}])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return tom_forklaring(
            [{"field": "(fil)", "message": f"Filen er ikke gyldig JSON ({exc})."}]
        )
    return explain_form(data, now=klokken)


def _ur(now: str | None) -> datetime:
    if now is None:
        return datetime.now(tz())
    moment = datetime.fromisoformat(now)
    if moment.tzinfo is None:
        raise ValueError(now)
    return moment


def _vis(resultat: dict[str, Any]) -> None:
    console = Console()
    if resultat["errors"]:
        console.print(
            _tabel(
                "Fejl i skemaet",
                ("Felt", "Fejl"),
                [(e["field"], e["message"]) for e in resultat["errors"]],
            )
        )
        return
    vurdering = resultat["assessment"]
    console.print(
        f"[bold]Vurdering:[/bold] {_UDFALD.get(vurdering['allowed'], vurdering['allowed'])}"
    )
    klassifikation = vurdering.get("klassifikation")
    if klassifikation and klassifikation["indgreb"] != klassifikation["afkrydset"]:
        console.print(
            f"[bold]Indberettes som:[/bold] {', '.join(klassifikation['indgreb'])} "
            f"(afkrydset: {', '.join(klassifikation['afkrydset'])}; {klassifikation['kilde']})"
        )
    flag = [(f["code"], f["severity"], f["message"], f["source"]) for f in vurdering["flags"]]
    console.print(_tabel("Bemærkninger", ("Kode", "Alvor", "Forklaring", "Kilde"), flag))
    afgoerelser = [
        (k["indgreb"], k.get("afgoerelse_ref") or "—", k["konklusion"])
        for k in vurdering.get("afgoerelser", [])
    ]
    if afgoerelser:
        console.print(_tabel("Afgørelser", ("Indgreb", "Afgørelse", "Konklusion"), afgoerelser))
    modtagere = [
        (m["role"], m["id"], m["when"]["kind"], m["when"]["due"]) for m in resultat["recipients"]
    ]
    console.print(_tabel("Modtagere", ("Rolle", "Modtager", "Hvordan", "Senest"), modtagere))
    frister = [(f["kind"], _dato(f["due"]), f.get("source", "")) for f in resultat["deadlines"]]
    console.print(_tabel("Frister", ("Frist", "Udløber", "Kilde"), frister))


_NAAR = {
    "immediately": "straks",
    "by_month_end": "inden månedens udgang",
    "monthly_batch": "månedlig indberetning",
    "quarterly_batch": "kvartalsvis indberetning",
}


def _dato(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(tz()).strftime("%d-%m-%Y kl. %H:%M")


_UDFALD = {
    "allowed": "tilladt",
    "not-allowed": "ikke tilladt",
    "needs-decision": "kræver afgørelse",
}


def _tabel(titel: str, kolonner: Sequence[str], raekker: Sequence[Sequence[str]]) -> Table:
    tabel = Table(title=titel)
    for kolonne in kolonner:
        tabel.add_column(kolonne)
    for raekke in raekker:
        tabel.add_row(*raekke)
    return tabel
