"""Settings of the klager service (env prefix MAGT_KLAGER_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from magt_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    """Broker, database and the complaint service's own knobs."""

    model_config = SettingsConfigDict(env_prefix="MAGT_KLAGER_", extra="ignore", frozen=True)

    service_name: str = "klager"
    statistik_max_raekker: int = 500
