"""Deadline counters: opened, warned and breached per kind, counted once their change committed.

A transition notes what it did on its session (`note`); the handler or the sweep that commits the
session counts the notes (`DeadlineMetrics.count`), so a rolled-back transaction counts nothing.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter
from sqlmodel import Session

Transition = Literal["opened", "warned", "breached"]
_NOTES = "magt_frister.transitions"


def note(session: Session, transition: Transition, kind: str) -> None:
    """Remember on `session` that a deadline of `kind` made `transition` in its transaction."""
    session.info.setdefault(_NOTES, []).append((transition, kind))


class DeadlineMetrics:
    """`magt_deadlines_{opened,warned,breached}_total{kind}` on the service's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._counters: dict[Transition, Counter] = {
            t: Counter(
                f"magt_deadlines_{t}",
                f"Legal deadlines {t}, per kind of deadline.",
                ["kind"],
                registry=registry,
            )
            for t in ("opened", "warned", "breached")
        }

    def count(self, session: Session) -> None:
        """Count what `session` noted; call right after its commit."""
        notes: list[tuple[Transition, str]] = session.info.pop(_NOTES, [])
        for transition, kind in notes:
            self._counters[transition].labels(kind=kind).inc()
