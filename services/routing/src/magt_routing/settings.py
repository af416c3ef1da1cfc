"""Settings of the routing service, read from MAGT_ROUTING_* environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Routing: the broker and database of every service, plus the batch scheduler's knobs."""

    model_config = SettingsConfigDict(env_prefix="MAGT_ROUTING_", extra="ignore", frozen=True)

    service_name: str = "routing"
    scheduler_enabled: bool = Field(
        default=True, description="Run the background scheduler that sends due batch lines."
    )
    scheduler_interval_s: float = Field(
        default=30.0, gt=0, description="How often the scheduler looks for due lines."
    )
    scheduler_batch_size: int = Field(default=200, ge=1, description="Lines claimed per round.")
    month_end_lead_h: int = Field(
        default=24,
        ge=0,
        description="A 'by month end' copy is sent this many hours before the month ends.",
    )
