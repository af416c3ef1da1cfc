"""Events from routing and the delivery adapters: addressed, sent, failed."""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from magt_contracts.begreber import Kanal, Klagehaendelse, Leveringsgrund, Rolle
from magt_contracts.messages.base import Event
from magt_contracts.vaerdier import Naar


class ReportAddressed(Event):
    """Something is addressed to one recipient (one event per recipient); `grund` says why."""

    role: Rolle
    recipient_id: str = Field(examples=["0851", "Nord"])
    channel: Kanal
    when: Naar
    rapport_ref: str = Field(
        description="Reference til det leverede (rapport, afgørelse, klage ...); kun en reference, "
        "der læses ingen betydning ud af den.",
        examples=["rapport-sag-2025-000123-v1"],
    )
    grund: Leveringsgrund = Field(
        default=Leveringsgrund.INDBERETNING,
        description="Hvorfor modtageren får leverancen. Mangler feltet (hændelser fra før feltet "
        "fandtes), udledes det ved læsning af den gamle `rapport_ref`-form (`mistanke:…`, "
        "`afgoerelse:…`, `klage:…:<art>`, `frist:<art>`, `statistik:…`, `levering:…`); ellers "
        "indberetning. Udledningen findes kun for at kunne læse gamle hændelser.",
        examples=["indberetning", "klage"],
    )
    klage_art: Klagehaendelse | None = Field(
        default=None,
        description="Klagetrinnet, når grunden er klage.",
        examples=[None, "decided"],
    )
    frist_art: str | None = Field(
        default=None,
        max_length=80,
        description="Fristens art, når grunden er frist.",
        examples=[None, "forhaandsgodkendelse_udloeb"],
    )
    frist_lovbestemt: bool | None = Field(
        default=None,
        description="Når grunden er frist: om en lov sætter fristen. Nej: en overskredet lokal "
        "frist (kommunens egen praksis), aldrig et brud på loven. Mangler feltet (hændelser fra "
        "før feltet fandtes), afgør fristens art det.",
        examples=[None, False],
    )
    topic: str = Field(description="Modtagerens emne.", examples=["magt.til.kommune.0851.v1"])
    rapport_sealed: str | None = Field(
        default=None,
        description="Den forseglede eksterne rapport fra `report.approved`, uændret videregivet.",
    )

    @model_validator(mode="before")
    @classmethod
    def _gammel_grund(cls, data: Any) -> Any:
        """Only for reading events published before `grund` existed: derive it from the ref."""
        if not isinstance(data, dict) or "grund" in data:
            return data
        return {**data, **_udledt_grund(data.get("rapport_ref"))}

    @model_validator(mode="after")
    def _detalje_passer(self) -> Self:
        if (self.klage_art is not None) != (self.grund is Leveringsgrund.KLAGE):
            raise ValueError(
                "Klagetrinnet (klage_art) skal angives, når og kun når grunden er klage."
            )
        if (self.frist_art is not None) != (self.grund is Leveringsgrund.FRIST):
            raise ValueError(
                "Fristens art (frist_art) skal angives, når og kun når grunden er frist."
            )
        if self.frist_lovbestemt is not None and self.grund is not Leveringsgrund.FRIST:
            raise ValueError(
                "Om fristen er lovbestemt (frist_lovbestemt) angives kun for en frist."
            )
        return self


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


_GAMLE_PRAEFIKSER = {
    "mistanke": Leveringsgrund.MISTANKE,
    "afgoerelse": Leveringsgrund.AFGOERELSE,
    "klage": Leveringsgrund.KLAGE,
    "frist": Leveringsgrund.FRIST,
    "statistik": Leveringsgrund.STATISTIK_ALARM,
    "levering": Leveringsgrund.LEVERINGSFEJL,
}


def _udledt_grund(ref: object) -> dict[str, str]:
    """The reason (and its detail) an old-style `rapport_ref` encoded; legacy reading only."""
    if not isinstance(ref, str):
        return {}
    dele = ref.split(":")
    grund = _GAMLE_PRAEFIKSER.get(dele[0], Leveringsgrund.INDBERETNING)
    ud = {"grund": grund.value}
    if grund is Leveringsgrund.KLAGE and len(dele) >= 3:
        ud["klage_art"] = dele[-1]
    if grund is Leveringsgrund.FRIST and len(dele) >= 2:
        ud["frist_art"] = ":".join(dele[1:])
    return ud
