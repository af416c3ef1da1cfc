"""`magt outbox`: the operator's view of dead-lettered outbox rows, and their acknowledgement.

A row the broker could never take is marked dead by the relay and holds the service's `/ready`
until an operator settles it here: `kvitter` acknowledges it (retention then deletes it after
`outbox_retention`), `kvitter --igen` clears the mark so the relay tries it again. Listings show
ids, topic, reason and age only, never the payload (it may hold personal data).

Each service's database is found the way the service finds it (its own settings class, so its
`MAGT_<SERVICE>_DATABASE_URL`); services that share one database are shown once.
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session

from magt.platform import ALL
from magt_runtime import tid
from magt_runtime.db import make_engine
from magt_runtime.outbox import OutboxRow, acknowledge, dead_rows
from magt_runtime.settings import ServiceSettings

app = typer.Typer(no_args_is_help=True, help="Hændelser der ikke kunne sendes (dead letters).")

Tjeneste = StrEnum("Tjeneste", {name: name for name in ALL})  # type: ignore[misc]


@dataclass(frozen=True)
class Database:
    """One service database and the services that use it."""

    url: str
    services: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.services)


def service_settings(service: str) -> ServiceSettings:
    """`service`'s own settings (read from the environment as the service reads them)."""
    module = importlib.import_module(f"magt_{service}.settings")
    classes = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings) and cls.__module__ == module.__name__
    ]
    if len(classes) != 1:
        raise LookupError(f"magt_{service}.settings must define one settings class")
    return classes[0]()


def _databases(service: str | None, database_url: str | None) -> list[Database]:
    if database_url:
        return [Database(database_url, (service or "angivet",))]
    chosen = [service] if service else list(ALL)
    by_url: dict[str, list[str]] = {}
    for name in chosen:
        by_url.setdefault(service_settings(name).database_url, []).append(name)
    return [Database(url, tuple(names)) for url, names in by_url.items()]


def _open(database: Database) -> Engine | None:
    """An engine on the database, or None when it has no outbox (nothing to settle there)."""
    engine = make_engine(database.url)
    if not sa_inspect(engine).has_table(OutboxRow.__tablename__):
        engine.dispose()
        return None
    return engine


def _fejl(tekst: str) -> NoReturn:
    Console(stderr=True).print(f"[red]{tekst}[/red]")
    raise typer.Exit(code=1)


def _alder(since: timedelta) -> str:
    minutes = max(int(since.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} t"
    return f"{hours} t {minutes} min" if hours else f"{minutes} min"


ServiceOption = Annotated[
    Tjeneste | None, typer.Option("--service", "-s", help="Kun denne tjenestes database.")
]
DatabaseOption = Annotated[
    str | None, typer.Option(help="Databasens adresse (ellers tjenestens egne indstillinger).")
]


@app.command("dode")
def dode(
    service: ServiceOption = None,
    database_url: DatabaseOption = None,
    som_json: Annotated[bool, typer.Option("--json", help="Skriv JSON i stedet.")] = False,
) -> None:
    """List the dead outbox rows that wait for an operator (never their content)."""
    now = tid.now()
    rows: list[dict[str, str | int | None]] = []
    for database in _databases(service, database_url):
        engine = _open(database)
        if engine is None:
            continue
        try:
            with Session(engine) as session:
                for row in dead_rows(session):
                    dead_at = tid.utc(row.dead_at or now)
                    rows.append(
                        {
                            "tjeneste": database.label,
                            "id": row.id,
                            "topic": row.topic,
                            "aarsag": row.dead_reason,
                            "dead_at": dead_at.isoformat(),
                            "alder": _alder(now - dead_at),
                        }
                    )
        finally:
            engine.dispose()
    if som_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    console = Console()
    if not rows:
        console.print("Ingen hændelser venter på en operatør.")
        return
    table = Table(
        "Tjeneste", "Id", "Topic", "Årsag", "Alder", title="Hændelser der ikke blev sendt"
    )
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in ("tjeneste", "id", "topic", "aarsag", "alder")))
    console.print(table)


@app.command("kvitter")
def kvitter(
    row_id: Annotated[int, typer.Argument(metavar="ID", help="Rækkens id fra `magt outbox dode`.")],
    service: ServiceOption = None,
    database_url: DatabaseOption = None,
    igen: Annotated[
        bool, typer.Option("--igen", help="Send hændelsen igen i stedet for at kvittere.")
    ] = False,
) -> None:
    """Acknowledge a dead outbox row (retention may then delete it), or requeue it with --igen."""
    waiting = [db for db in _databases(service, database_url) if _waits(db, row_id)]
    if not waiting:
        _fejl(f"Ingen død hændelse med id {row_id} venter på en operatør.")
    if len(waiting) > 1:
        _fejl(f"Id {row_id} findes i flere databaser: angiv --service.")
    database = waiting[0]
    engine = make_engine(database.url)
    try:
        with Session(engine) as session:
            if acknowledge(session, row_id, requeue=igen) is None:
                _fejl(f"Hændelse {row_id} blev afgjort af en anden imens.")
            session.commit()
    finally:
        engine.dispose()
    handling = "sendes igen" if igen else "er kvitteret"
    Console().print(f"Hændelse {row_id} ({database.label}) {handling}.")


def _waits(database: Database, row_id: int) -> bool:
    """Whether `row_id` is a dead row waiting for an operator in `database`."""
    engine = _open(database)
    if engine is None:
        return False
    try:
        with Session(engine) as session:
            row = session.get(OutboxRow, row_id)
            return row is not None and row.dead_at is not None and row.acknowledged_at is None
    finally:
        engine.dispose()
