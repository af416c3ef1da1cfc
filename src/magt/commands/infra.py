"""`magt infra up|down|status`: the local Kafka, PostgreSQL, Prefect and Keycloak as processes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from magt.infra import kafka, kafka_secure, keycloak, postgres, prefect
from magt.security import (
    SERVICE_ACCESS,
    acl_script,
    recipient_grants,
    recipient_user,
    service_grants,
    service_user,
)

app = typer.Typer(
    no_args_is_help=True, help="Lokal infrastruktur: Kafka, PostgreSQL, Prefect, Keycloak."
)
console = Console()

Servers = Annotated[
    list[str] | None,
    typer.Argument(help="kafka, postgres, prefect, keycloak (default: all four)"),
]
ALL = ("kafka", "postgres", "prefect", "keycloak")


@app.command()
def up(servers: Servers = None) -> None:
    """Start the servers (idempotent) and print how to reach them."""
    for name in servers or ALL:
        value = {
            "kafka": kafka.ensure,
            "postgres": postgres.ensure,
            "prefect": prefect.ensure,
            "keycloak": keycloak.ensure,
        }[name]()
        console.print(f"[green]{name}[/green] kører: {_redact(value)}")


@app.command()
def down(servers: Servers = None) -> None:
    """Stop the servers this project started."""
    for name in servers or ALL:
        stopped = {
            "kafka": kafka.stop,
            "postgres": postgres.stop,
            "prefect": prefect.stop,
            "keycloak": keycloak.stop,
        }[name]()
        console.print(f"{name}: {'stoppet' if stopped else 'kørte ikke'}")


@app.command()
def status() -> None:
    """Show which servers run and where."""
    table = Table("server", "status", "adresse")
    modules = (
        ("kafka", kafka),
        ("postgres", postgres),
        ("prefect", prefect),
        ("keycloak", keycloak),
    )
    for name, module in modules:
        endpoint = module.running()
        where = next(iter(endpoint.details.values())) if endpoint else "-"
        table.add_row(name, "kører" if endpoint else "stoppet", _redact(where))
    console.print(table)


def _redact(value: str) -> str:
    """Hide a password in a database URL before printing it."""
    if "@" in value and "://" in value:
        scheme, rest = value.split("://", 1)
        creds, host = rest.split("@", 1)
        return f"{scheme}://{creds.split(':')[0]}:***@{host}"
    return value


@app.command("sikker")
def secure(
    kommuner: Annotated[
        list[str] | None, typer.Option("--kommune", help="Kommunekode med egen bruger.")
    ] = None,
    stop: Annotated[bool, typer.Option(help="Stop den sikrede Kafka.")] = False,
) -> None:
    """Start Kafka with SASL/SCRAM and ACLs: each service and municipality its own user."""
    if stop:
        console.print("sikker kafka: " + ("stoppet" if kafka_secure.stop() else "kørte ikke"))
        return
    codes = kommuner or ["0851"]
    users = [service_user(s) for s in SERVICE_ACCESS] + [
        recipient_user("handlekommune", k) for k in codes
    ]
    node = kafka_secure.ensure(users)
    grants = [g for s in SERVICE_ACCESS for g in service_grants(s)]
    grants += [g for k in codes for g in recipient_grants("handlekommune", k)]
    kafka_secure.apply_grants(node, grants)
    table = Table("bruger", "må")
    for grant in grants:
        what = ", ".join([*grant.topics, *grant.groups])
        table.add_row(grant.user, f"{'/'.join(grant.operations)} ({grant.pattern}) {what}")
    console.print(table)
    console.print(
        f"sikker kafka kører: {node.bootstrap} (SASL_PLAINTEXT, SCRAM-SHA-512); "
        f"adgangskoder i {kafka_secure.secure_dir() / 'credentials.json'}"
    )


@app.command("acl-script")
def acl_script_command(
    kommuner: Annotated[list[str] | None, typer.Option("--kommune")] = None,
) -> None:
    """Print the users-and-ACLs script docker-compose runs (docker/kafka-security.sh)."""
    typer.echo(acl_script(kommuner or ["0851"]), nl=False)
