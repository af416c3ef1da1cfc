"""Events from the source-system adapters (Bosted, Nexus) about the case's journal."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from magt_contracts.messages.base import Event


class ReportJournalised(Event):
    """The source system accepted the report of record into the citizen's journal.

    Starts the retention table's grace period for the platform's copy of the case (the
    platform is not the archive; the source system is).
    """

    system: Literal["bosted", "nexus"] = Field(
        description="Kildesystemet, der har journaliseret rapporten.", examples=["bosted"]
    )
    journal_ref: str = Field(
        min_length=1,
        max_length=200,
        description="Adapterens reference til journalposten (idempotensnøgle, ingen persondata).",
        examples=["journal-3f0c8a52-1f0f-4a53-8f0e-2c1b8e3d4a55"],
    )
