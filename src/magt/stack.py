"""The platform's topology in one place: its services and the topics the main job creates."""

from __future__ import annotations

from magt_contracts.topics import ALL_TOPICS
from magt_runtime.deadletter import dead_letter_topic

SERVICES: dict[str, str] = {
    "registrering": "modtager skemaer, validerer mod loven, medarbejder → leder-godkendelse",
    "routing": "adresserer hver godkendt indberetning til de modtagere, loven nævner",
    "frister": "overvåger alle lovbestemte frister: varsler og overskridelser",
    "klager": "klager gennem genvurdering og videre til Ankestyrelsen",
    "statistik": "tal, kvartals- og årsrapporter, tidlige advarsler, dashboard",
    "bosted": "adapter til Bosted System",
    "nexus": "adapter til Nexus",
    "sikkermail": "sikker mail: SMTP med krævet TLS, S/MIME",
}


def platform_topics() -> list[str]:
    """Every topic: the contracts' topics and one dead-letter topic per service."""
    return [*ALL_TOPICS, *(dead_letter_topic(name) for name in SERVICES)]


KOMMUNE_CONSUMER = "services/routing/examples/kommune_consumer.py"
"""The example consumer a municipal integrator starts from (README, docs/subscribe.md)."""


def subscribe_command(*, bootstrap: str, kommune: str, namespace: str = "") -> str:
    """The exact command that reads `kommune`'s topic on `bootstrap` in the topic `namespace`."""
    command = f"uv run python {KOMMUNE_CONSUMER} --bootstrap {bootstrap} --kommune {kommune}"
    return f"{command} --namespace {namespace}" if namespace else command
