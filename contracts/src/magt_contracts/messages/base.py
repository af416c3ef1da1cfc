"""The envelope every message has, and the split between commands and events.

Commands are imperatives sent to the one service that owns them: unknown fields are rejected.
Events are past-tense facts read by many: unknown fields are ignored, so adding an optional field
never breaks a reader. Both are frozen. Events carry a pseudonymous person reference, never a CPR
number or a name.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from magt_contracts.basis import Part as Part  # the value-object base, outside this package


class Message(BaseModel):
    """Fields every command and event has."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(
        default_factory=uuid4,
        description="Meddelelsens unikke id (idempotens i modtagerens inbox).",
        examples=["0b7f2a9e-3c1d-4e8a-9f21-5d6c7b8a9e10"],
    )
    occurred_at: AwareDatetime = Field(
        description="Hvornår det skete (med tidszone).", examples=["2025-03-14T21:40:00+01:00"]
    )
    case_id: str = Field(
        min_length=1,
        max_length=80,
        description="Sagens id; Kafka-nøglen, så sagens meddelelser holder rækkefølgen.",
        examples=["sag-2025-000123"],
    )
    schema_version: Literal[1] = Field(default=1, description="Kontraktens version.")
    correlation_id: UUID = Field(
        description="Fælles id for hele forløbet.",
        examples=["6a1e0c52-1f0f-4a53-8f0e-2c1b8e3d4a55"],
    )
    causation_id: UUID | None = Field(
        default=None, description="Id på meddelelsen, der udløste denne.", examples=[None]
    )


class Command(Message):
    """An instruction to one service (unknown fields rejected)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(Message):
    """A fact that happened (unknown fields tolerated)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class FeltFejl(Part):
    """One field's error, in Danish, for a caseworker."""

    field: str = Field(description="Feltets sti, punktum-separeret.", examples=["barn.cpr"])
    message: str = Field(
        description="Fejlen på dansk.", examples=["CPR-nummeret indeholder ikke en gyldig dato."]
    )
