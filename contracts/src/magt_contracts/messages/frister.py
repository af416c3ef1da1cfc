"""Events from frister: a deadline opened, warned, breached or met."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from magt_contracts.begreber import FristartFelt
from magt_contracts.messages.base import Event


class _Deadline(Event):
    kind: FristartFelt = Field(title="Kind", examples=["registrering"])
    due: AwareDatetime
    source: str = Field(default="", description="Reglens kilde.")


class DeadlineOpened(_Deadline):
    """A legal deadline started running."""


class DeadlineWarning(_Deadline):
    """A deadline is close."""

    remaining_seconds: int = Field(ge=0)


class DeadlineBreached(_Deadline):
    """A deadline passed without being met; says who the case is escalated to."""

    escalate_to: str | None = Field(
        default=None,
        description="Rollen, sagen eskaleres til (fx leder, fagkonsulent, operatoer, kommune).",
        examples=["leder"],
    )
    escalate_to_id: str | None = Field(
        default=None,
        description="Organisationen, der eskaleres til (institution, driftsherre eller kommune).",
        examples=["tilbud-0851-007"],
    )
    lovbestemt: bool | None = Field(
        default=None,
        description=(
            "Om en lov sætter fristen. Nej: en lokal frist (kommunens egen praksis); "
            "overskridelsen er en overskredet lokal frist, ikke et brud på loven."
        ),
        examples=[True],
    )


class DeadlineMet(_Deadline):
    """A deadline was met."""

    met_at: AwareDatetime
