"""Events from statistik."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from magt_contracts.messages.base import Event


class StatistikAlert(Event):
    """Disproportionately many uses at an institution: react now, not in the yearly report."""

    institution_id: str
    period_start: date
    period_end: date
    count: int = Field(ge=0)
    threshold: int = Field(ge=0)
    reason: str
