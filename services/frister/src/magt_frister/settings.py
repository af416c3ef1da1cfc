"""Settings of frister, read from MAGT_FRISTER_* environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_runtime.settings import ServiceSettings

HOUR = 3600
DAY = 24 * HOUR

# How long before the due time a warning goes out, per deadline kind (seconds).
DEFAULT_WARNING_LEAD_S: dict[str, int] = {
    "registrering": 6 * HOUR,
    "indberetning_handlekommune": 6 * HOUR,
    "orientering_foraeldremyndighed": 6 * HOUR,
    "kopi_socialtilsyn": 3 * DAY,
    "maanedlig_indberetning": 5 * DAY,
    "kvartalsvis_indberetning": 7 * DAY,
    "paaroerende_orientering": 5 * DAY,
    "handleplan": 7 * DAY,
    "bilag1_periode": 5 * DAY,
    "anmodning_om_afgoerelse": 3 * DAY,
    "forhaandsgodkendelse_udloeb": 30 * DAY,
    "klagefrist": 0,
    "genvurdering": 7 * DAY,
    "klage_ankestyrelsen": 0,
    "familieretshuset_afgoerelse": 3 * DAY,
}

# Who a breach is escalated to, per deadline kind. A missed registration goes to the leader;
# a missed leader step to the operator's fagkonsulent (or "operatoer"); the municipality's own
# steps to the municipality; a complainant's window that closes is no one's breach ("").
DEFAULT_ESCALATION: dict[str, str] = {
    "registrering": "leder",
    "indberetning_handlekommune": "fagkonsulent",
    "orientering_foraeldremyndighed": "fagkonsulent",
    "kopi_socialtilsyn": "fagkonsulent",
    "maanedlig_indberetning": "fagkonsulent",
    "kvartalsvis_indberetning": "fagkonsulent",
    "paaroerende_orientering": "fagkonsulent",
    "bilag1_periode": "fagkonsulent",
    "anmodning_om_afgoerelse": "fagkonsulent",
    "handleplan": "kommune",
    "genvurdering": "kommune",
    "forhaandsgodkendelse_udloeb": "kommune",
    "familieretshuset_afgoerelse": "kommune",
    "klagefrist": "",
    "klage_ankestyrelsen": "",
}


class Settings(ServiceSettings):
    """Broker, database, warning lead times, escalation targets and the scheduler's pace."""

    model_config = SettingsConfigDict(env_prefix="MAGT_FRISTER_", extra="ignore", frozen=True)

    service_name: str = "frister"
    group_id: str = Field(default="magt.frister", description="Prefix of the consumer groups.")
    warning_lead_s: dict[str, int] = Field(
        default_factory=lambda: dict(DEFAULT_WARNING_LEAD_S),
        description="Seconds before the due time a warning is published, per kind (JSON).",
    )
    default_warning_lead_s: int = Field(default=DAY, ge=0, description="For kinds not listed.")
    escalation: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_ESCALATION),
        description="Role a breach is escalated to, per kind (JSON); '' for none.",
    )
    leader_step_escalation: str = Field(
        default="fagkonsulent",
        pattern="^(fagkonsulent|operatoer)$",
        description="Who a missed leader step goes to: fagkonsulent or operatoer.",
    )
    scheduler_enabled: bool = Field(default=True, description="Run the sweep loop in the app.")
    scheduler_interval_s: float = Field(default=5.0, gt=0, description="Pause between sweeps.")
    scheduler_batch_size: int = Field(default=500, ge=1, description="Rows claimed per sweep.")

    def warning_lead(self, kind: str) -> int:
        """Seconds before the due time the warning of `kind` goes out."""
        return self.warning_lead_s.get(kind, self.default_warning_lead_s)

    def escalation_role(self, kind: str) -> str | None:
        """The role a breach of `kind` is escalated to (None: nobody)."""
        role = self.escalation.get(kind, "")
        if role == "fagkonsulent":
            role = self.leader_step_escalation
        return role or None

    def katalog(self) -> Katalog:
        """The rules catalogue: the same one every service reads (the law is not a setting)."""
        return standard_katalog()
