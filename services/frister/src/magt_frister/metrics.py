"""Deadline counters: opened, warned and breached per kind, counted once their change committed.

A transition notes what it did on its session (`note`); the handler or the sweep that commits the
session counts the notes (`DeadlineMetrics.count`), so a rolled-back transaction counts nothing.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter
from sqlmodel import Session

Transition = Literal["opened", "warned", "breached", "local_overdue"]
_HELP: dict[Transition, str] = {
    "opened": "Deadlines opened, per kind of deadline.",
    "warned": "Deadlines warned of, per kind of deadline.",
    "breached": "Legal deadlines breached (an act sets them), per kind of deadline.",
    "local_overdue": "Local-policy deadlines overdue (no act sets them), per kind of deadline.",
}
_NOTES = "magt_frister.transitions"


def note(session: Session, transition: Transition, kind: str) -> None:
    """Remember on `session` that a deadline of `kind` made `transition` in its transaction."""
    session.info.setdefault(_NOTES, []).append((transition, kind))


class DeadlineMetrics:
    """`magt_deadlines_{opened,warned,breached,local_overdue}_total{kind}` on the service's
    registry; a local-policy deadline that passes is `local_overdue`, never `breached`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counters: dict[Transition, Counter] = {
            t: Counter(
                f"magt_deadlines_{t}",
                hjaelp,
                ["kind"],
                registry=registry,
            )
            for t, hjaelp in _HELP.items()
        }

    def count(self, session: Session) -> None:
        """Count what `session` noted; call right after its commit."""
        notes: list[tuple[Transition, str]] = session.info.pop(_NOTES, [])
        for transition, kind in notes:
            self._counters[transition].labels(kind=kind).inc()
