"""Settings of frister, read from MAGT_FRISTER_* environment variables.

Warning lead times and escalation are the law's table (`magt_contracts.catalogue.fristarter`),
not settings; what a deployment sets is who a missed leader step goes to and the municipalities'
own periods for local-policy deadlines (never for a deadline an act sets).
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import Enhed, LokalFrist, Varighed
from magt_runtime.settings import ServiceSettings


class LokalFristIndstilling(BaseModel):
    """A municipality's own period for a local-policy deadline rule (e.g. sel.handleplan)."""

    model_config = ConfigDict(frozen=True)

    noegle: str = Field(description="Reglens nøgle i kataloget.", examples=["sel.handleplan"])
    kommune: str = Field(pattern=r"^\d{4}$", description="Kommunekoden.", examples=["0851"])
    antal: int = Field(ge=0, examples=[6])
    enhed: Enhed = Field(examples=["uger"])

    def regel(self) -> LokalFrist:
        """As the catalogue's value."""
        return LokalFrist(self.noegle, self.kommune, Varighed(self.antal, self.enhed))


class Settings(ServiceSettings):
    """Broker, database, local-policy periods, the leader step's escalation and the sweep's pace."""

    model_config = SettingsConfigDict(env_prefix="MAGT_FRISTER_", extra="ignore", frozen=True)

    service_name: str = "frister"
    group_id: str = Field(default="magt.frister", description="Prefix of the consumer groups.")
    leader_step_escalation: str = Field(
        default="fagkonsulent",
        pattern="^(fagkonsulent|operatoer)$",
        description="Who a missed leader step goes to: fagkonsulent or operatoer.",
    )
    lokale_frister: tuple[LokalFristIndstilling, ...] = Field(
        default=(),
        description="Municipalities' own periods for local-policy deadlines (JSON list).",
    )
    scheduler_enabled: bool = Field(default=True, description="Run the sweep loop in the app.")
    scheduler_interval_s: float = Field(default=5.0, gt=0, description="Pause between sweeps.")
    scheduler_batch_size: int = Field(default=500, ge=1, description="Rows claimed per sweep.")

    @field_validator("lokale_frister")
    @classmethod
    def _kun_lokale(cls, v: tuple[LokalFristIndstilling, ...]) -> tuple[LokalFristIndstilling, ...]:
        _katalog(v)  # a period an act sets is refused here, at start-up
        return v

    def katalog(self) -> Katalog:
        """The rules catalogue every service reads, with the municipalities' local periods."""
        return _katalog(self.lokale_frister)


@cache
def _katalog(lokale: tuple[LokalFristIndstilling, ...]) -> Katalog:
    kat = standard_katalog()
    for egen in lokale:
        kat = kat.med_lokal_frist(egen.regel())
    return kat
