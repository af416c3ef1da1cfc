"""Every Prefect deployment of the platform, served by one long-running process (the main job's)."""

from __future__ import annotations

from typing import Any

from magt.flows import platform_health


def _specs(bootstrap_servers: str) -> list[tuple[Any, dict[str, Any]]]:
    """Each flow with its deployment options; later issues add the reporting flows here."""
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
