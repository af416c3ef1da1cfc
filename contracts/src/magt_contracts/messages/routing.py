"""Events from routing and the delivery adapters: addressed, sent, failed."""

from __future__ import annotations

from pydantic import Field

from magt_contracts.begreber import Kanal, Rolle
from magt_contracts.messages.base import Event
from magt_contracts.vaerdier import Naar


class ReportAddressed(Event):
    """An approved report is addressed to one recipient (one event per recipient)."""

    role: Rolle
    recipient_id: str = Field(examples=["0851", "Nord"])
    channel: Kanal
    when: Naar
    rapport_ref: str
    topic: str = Field(description="Modtagerens emne.", examples=["magt.til.kommune.0851.v1"])
    rapport_sealed: str | None = Field(
        default=None,
        description="Den forseglede eksterne rapport fra `report.approved`, uændret videregivet.",
    )


class DeliverySent(Event):
    """A report reached its recipient (secure mail, Digital Post, ...)."""

    role: Rolle
    recipient_id: str
    channel: Kanal
    message_ref: str = Field(description="Kanalens reference (Message-ID o.l.).")


class DeliveryFailed(Event):
    """A delivery failed; `retryable` says whether it will be tried again."""

    role: Rolle
    recipient_id: str
    channel: Kanal
    reason: str
    retryable: bool
    attempt: int = Field(ge=1)
