"""The drop folder's health: is it moving? (for /health; issue 13: never "ok" while blocked).

The watcher records in a `Vagt` when it started and last completed a scan, and which files fail
unexpectedly; the database records when each waiting file was first seen (any replica's look).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from magt_bosted.settings import Settings
from magt_bosted.store import FilObservation
from magt_runtime.tid import utc


@dataclass
class Vagt:
    """The watcher's own state in this process: its start, its last whole scan, and the files
    that failed unexpectedly (name → attempts so far)."""

    startet: datetime | None = None
    sidste_scan: datetime | None = None
    fejlede: dict[str, int] = field(default_factory=dict)


def blokeret(engine: Engine, settings: Settings, vagt: Vagt, *, nu: datetime) -> str | None:
    """Why the drop folder does not move (Danish, for /health), or None when it does."""
    graense = timedelta(seconds=settings.blocked_after_s)
    if settings.watch_folder and vagt.startet is not None:
        sidst = vagt.sidste_scan or vagt.startet
        if nu - sidst > graense:
            return "Drop-mappen er ikke gennemset i for lang tid."
    if vagt.fejlede:
        return "En fil i drop-mappen kan ikke behandles og prøves igen."
    with Session(engine) as session:
        aeldste = session.exec(select(func.min(FilObservation.observeret))).one()
    if aeldste is not None and nu - utc(aeldste) > graense:
        return "En fil har ventet i drop-mappen for længe uden at blive taget ind."
    return None
