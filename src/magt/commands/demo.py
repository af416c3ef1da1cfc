"""`magt demo`: the main job. Starts the stack, feeds the scenario, prints what happened."""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from magt.infra import common, kafka, postgres, prefect
from magt.stack import SERVICES, platform_topics

console = Console()


@dataclass
class Started:
    """What this run started, so Ctrl-C (or the end of the run) stops exactly that."""

    servers: list[str] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)


def demo(
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Lad stakken køre til Ctrl-C.")
    ] = False,
    use_postgres: Annotated[
        bool, typer.Option("--postgres", help="Brug PostgreSQL i stedet for SQLite.")
    ] = False,
) -> None:
    """Start Kafka, (PostgreSQL,) Prefect and the platform, run the scenario and show the result."""
    started = Started()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        env = _start_infrastructure(started, use_postgres=use_postgres)
        created = asyncio.run(_create_topics(env["KAFKA_BOOTSTRAP_SERVERS"]))
        started.processes.append(_serve_flows(env))
        counts = _run_health_flow(env)
        _print_summary(env, created, counts)
        if keep_running:
            console.print(
                "[bold]Stakken kører. Tryk Ctrl-C for at stoppe alt, demoen startede.[/bold]"
            )
            while True:
                time.sleep(1)
    except KeyboardInterrupt:
        console.print("Stopper …")
    finally:
        _stop(started)


def _start_infrastructure(started: Started, *, use_postgres: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    with console.status("Starter Kafka (KRaft) …"):
        if kafka.running() is None and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            started.servers.append("kafka")
        env["KAFKA_BOOTSTRAP_SERVERS"] = kafka.ensure()
    if use_postgres:
        with console.status("Starter PostgreSQL …"):
            if postgres.running() is None and not os.environ.get("DATABASE_URL"):
                started.servers.append("postgres")
            env["DATABASE_URL"] = postgres.ensure()
    with console.status("Starter Prefect-serveren (første start migrerer databasen) …"):
        if prefect.running() is None:
            started.servers.append("prefect")
        env["PREFECT_API_URL"] = prefect.ensure()
    env.update(prefect.client_env(env["PREFECT_API_URL"]))
    return env


async def _create_topics(bootstrap: str) -> list[str]:
    from magt_runtime.topics import ensure_topics

    return await ensure_topics(bootstrap, platform_topics(), partitions=3)


def _serve_flows(env: dict[str, str]) -> int:
    log = common.state_dir() / "flows.log"
    process = common.spawn(
        [
            sys.executable,
            "-c",
            "import sys; from magt.deployments import serve; serve(sys.argv[1])",
            env["KAFKA_BOOTSTRAP_SERVERS"],
        ],
        log=log,
        env={**os.environ, **env},
    )
    return process.pid


def _run_health_flow(env: dict[str, str]) -> dict[str, int]:
    os.environ.update(env)
    from magt.flows import platform_health

    return asyncio.run(platform_health(env["KAFKA_BOOTSTRAP_SERVERS"]))


def _print_summary(env: dict[str, str], created: list[str], counts: dict[str, int]) -> None:
    table = Table("del", "status", title="magtanvendelse – lokal stak")
    table.add_row("Kafka (KRaft)", env["KAFKA_BOOTSTRAP_SERVERS"])
    table.add_row("Database", "PostgreSQL" if "DATABASE_URL" in env else "SQLite (indlejret)")
    table.add_row("Emner (topics)", f"{len(platform_topics())} i alt, {len(created)} oprettet nu")
    table.add_row("Døde breve", str(sum(counts.values())))
    for name, description in SERVICES.items():
        built = importlib.util.find_spec(f"magt_{name}.app") is not None
        table.add_row(
            f"tjeneste: {name}", description if built else f"endnu ikke bygget ({description})"
        )
    console.print(table)
    ui = env["PREFECT_API_URL"].removesuffix("/api")
    console.print(f"Prefect UI: [link={ui}]{ui}[/link] (flow 'platform-health' er udrullet)")
    console.print(f"Logfiler: {common.state_dir()}")


def _stop(started: Started) -> None:
    for pid in started.processes:
        common.terminate(pid, timeout=10)
    stops = {"kafka": kafka.stop, "postgres": postgres.stop, "prefect": prefect.stop}
    for name in reversed(started.servers):
        stops[name]()
