"""The base of every value object inside an event.

It lives outside `magt_contracts.messages` so modules the messages themselves import (for example
`magt_contracts.vaerdier`) can use it without importing the messages package first.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Part(BaseModel):
    """A value object inside an event (unknown fields tolerated)."""

    model_config = ConfigDict(frozen=True, extra="ignore")
