"""Dead letters: what a consumer could not handle, kept with the original bytes and the reason."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def dead_letter_topic(service: str) -> str:
    """The dead-letter topic of one service (one per consuming service)."""
    return f"magt.dlq.{service}.v1"


class DeadLetter(BaseModel):
    """A message that failed validation or kept failing, with enough to replay it."""

    model_config = ConfigDict(frozen=True)

    schema_version: Literal[1] = 1
    service: str = Field(description="The consuming service that gave up.")
    source_topic: str
    partition: int | None = None
    offset: int | None = None
    key_b64: str | None = Field(default=None, description="Original key, base64.")
    value_b64: str = Field(description="Original message bytes, base64.")
    headers: dict[str, str] = Field(default_factory=dict)
    reason: Literal["invalid", "failed"] = Field(
        description="invalid: the message does not match its contract; failed: handling kept failing."
    )
    error: str = Field(description="What went wrong, personal data masked.")
    attempts: int = 1
    dead_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def original_value(self) -> bytes:
        """The original message bytes."""
        return base64.b64decode(self.value_b64)

    def original_key(self) -> bytes | None:
        """The original key bytes, if any."""
        return base64.b64decode(self.key_b64) if self.key_b64 is not None else None


def encode(data: bytes | None) -> str | None:
    """Base64 text for bytes (None stays None)."""
    return base64.b64encode(data).decode("ascii") if data is not None else None
