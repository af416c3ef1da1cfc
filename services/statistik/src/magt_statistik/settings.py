"""Settings of statistik (env prefix MAGT_STATISTIK_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """statistik's settings: the shared ones plus the alert method's knobs."""

    model_config = SettingsConfigDict(env_prefix="MAGT_STATISTIK_", extra="ignore", frozen=True)

    service_name: str = "statistik"
    database_url: str = Field(
        default="sqlite:///./.state/statistik.db",
        description="statistik's own database (SQLite embedded default, PostgreSQL in production).",
    )
    group_id: str = Field(
        default="magt.statistik", description="Consumer group of the live service."
    )
    alert_window_days: int = Field(default=28, ge=1, description="Length of the rolling window.")
    alert_baseline_windows: int = Field(
        default=6, ge=1, description="How many preceding windows make the baseline."
    )
    alert_min_count: int = Field(
        default=5, ge=1, description="An alert needs at least this many uses in the window."
    )
    alert_p_value: float = Field(
        default=0.001, gt=0, lt=1, description="Poisson upper-tail probability that alerts."
    )
    alert_prior_rate: float = Field(
        default=0.5,
        gt=0,
        description="Floor on the expected count per window (a subject with no history).",
    )
