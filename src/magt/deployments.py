"""Every Prefect deployment of the platform, served by one long-running process (the main job's)."""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from magt.flows import (
    dead_letter_replay,
    monthly_reporting,
    platform_health,
    quarterly_reporting,
    relatives_orientation_reminders,
    yearly_report,
)
from magt.opbevaring import retention_flow

TIMEZONE = "Europe/Copenhagen"


def _cron(expression: str) -> Any:
    return Cron(expression, timezone=TIMEZONE)


def _specs(bootstrap_servers: str) -> list[tuple[Any, dict[str, Any]]]:
    """Each flow with its deployment options (schedules in Danish time)."""
    return [
        (
            platform_health,
            {
                "name": "platform-health",
                "parameters": {"bootstrap_servers": bootstrap_servers},
                "interval": 3600,
                "description": "Tæller døde breve (dead letters) pr. tjeneste hver time.",
                "tags": ["drift"],
            },
        ),
        (
            monthly_reporting,
            {
                "name": "monthly-reporting",
                "schedules": [_cron("0 2 1 * *")],
                "description": "Sidste måneds samlede indberetninger sendes (den 1. kl. 02).",
                "tags": ["indberetning"],
            },
        ),
        (
            quarterly_reporting,
            {
                "name": "quarterly-reporting",
                "schedules": [_cron("0 3 1 1,4,7,10 *")],
                "description": "Kvartalets skema 2 til socialtilsynet og kvartalsopgørelsen.",
                "tags": ["indberetning", "statistik"],
            },
        ),
        (
            yearly_report,
            {
                "name": "yearly-report",
                "schedules": [_cron("0 4 2 1 *")],
                "description": "Årsopgørelsen til ledelsen og det politiske niveau (2. januar).",
                "tags": ["statistik"],
            },
        ),
        (
            relatives_orientation_reminders,
            {
                "name": "relatives-orientation-reminders",
                "schedules": [_cron("0 7 1 * *")],
                "description": "Påmindelse om den månedlige orientering af pårørende og værge.",
                "tags": ["frister"],
            },
        ),
        (
            retention_flow,
            {
                "name": "retention",
                "schedules": [_cron("30 1 * * *")],
                "description": "Opbevaringsreglerne: sletter udløbne sager (nøgle og indberetning) "
                "og gamle outbox- og inbox-rækker (hver nat kl. 01.30).",
                "tags": ["drift", "opbevaring"],
            },
        ),
        (
            dead_letter_replay,
            {
                "name": "dead-letter-replay",
                "parameters": {"bootstrap_servers": bootstrap_servers},
                "description": "Afspiller døde breve igen efter filter (startes af driften).",
                "tags": ["drift"],
            },
        ),
    ]


def deployments(bootstrap_servers: str) -> list[Any]:
    """The deployments, built outside an event loop."""
    return [flow.to_deployment(**options) for flow, options in _specs(bootstrap_servers)]


async def adeployments(bootstrap_servers: str) -> list[Any]:
    """The deployments, built inside an event loop."""
    return [await flow.ato_deployment(**options) for flow, options in _specs(bootstrap_servers)]


def serve(bootstrap_servers: str) -> None:
    """Register the deployments in the Prefect server and run their schedules until stopped."""
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(bootstrap_servers), print_starting_message=False)
