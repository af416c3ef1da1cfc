"""`magt demo`: the main job. Starts the stack, feeds the scenarios, prints what happened.

Infrastructure (Kafka, optionally PostgreSQL, Prefect), then the sandbox of the outside world and
every service as a process (`magt.platform`), then SPEC.md's scenarios (`magt.scenarios`): what
each recipient received, the deadlines opened and met, the complaint's outcome and the statistics,
and a scan of every topic for the scenarios' personal data, summarised in Danish.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from magt import dokumenter, scenarios
from magt.infra import common, kafka, keycloak, postgres, prefect
from magt.stack import SERVICES, platform_topics, subscribe_command

console = Console()


@dataclass
class Started:
    """What this run started, so Ctrl-C (or the end of the run) stops exactly that."""

    servers: list[str] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)
    platform: Any = None
    sandbox: Any = None
    workspace_url: str | None = None


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
        ctx = _start_platform(started, env)
        with console.status("Kører scenarierne fra SPEC.md …"):
            koersel = scenarios.koer_alle(ctx)
        _print_scenarios(koersel)
        scan = _print_scan(ctx, started, koersel)
        _write_documents()
        _print_for_integrators(ctx, scan)
        _print_workspace(started.workspace_url)
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


def _write_documents() -> None:
    """One PDF of each kind people receive, to `.state/documents/`."""
    mappe = common.state_dir() / "documents"
    with console.status("Danner dokumenterne (PDF/A) …"):
        filer = dokumenter.skriv_alle(mappe, nu=datetime.now(UTC))
    console.print(f"{len(filer)} dokumenter (skemaer og breve som PDF/A): {mappe}")


def _start_infrastructure(started: Started, *, use_postgres: bool) -> dict[str, str]:
    env: dict[str, str] = {}
    with console.status("Starter Kafka (KRaft) …"):
        if not _runs(kafka.running) and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            started.servers.append("kafka")
        env["KAFKA_BOOTSTRAP_SERVERS"] = kafka.ensure()
    if use_postgres:
        with console.status("Starter PostgreSQL …"):
            if not _runs(postgres.running) and not os.environ.get("DATABASE_URL"):
                started.servers.append("postgres")
            env["DATABASE_URL"] = postgres.ensure()
    with console.status("Starter Prefect-serveren (første start migrerer databasen) …"):
        if not _runs(prefect.running):
            started.servers.append("prefect")
        env["PREFECT_API_URL"] = prefect.ensure()
    env.update(prefect.client_env(env["PREFECT_API_URL"]))
    with console.status("Starter Keycloak (login til arbejdsrummet, ca. et halvt minut) …"):
        if not _runs(keycloak.running):
            started.servers.append("keycloak")
        env["KEYCLOAK_URL"] = keycloak.current().url
    return env


def _runs(running: Callable[[], object | None]) -> bool:
    """Does a shared server already run? Asked three times: a busy machine may miss one probe,
    and the demo must never stop a server that other runs use (it stops only what it started)."""
    for _ in range(3):
        if running() is not None:
            return True
        time.sleep(0.5)
    return False


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


def _start_platform(started: Started, env: dict[str, str]) -> scenarios.Kontekst:
    """The sandbox and every service as a process, on SQLite files or PostgreSQL databases."""
    from magt import platform as pf

    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:4]
    root = common.state_dir() / "demo" / run
    root.mkdir(parents=True, exist_ok=True)
    kc = keycloak.current()
    if "DATABASE_URL" in env:
        urls = {
            n: postgres.create_database(env["DATABASE_URL"], f"demo_{run[-4:]}_{n}") for n in pf.ALL
        }
    else:
        urls = {n: f"sqlite:///{root / n}.db" for n in pf.ALL}
    with console.status("Starter sandkassen og alle tjenester som processer …"):
        platform, sandbox, ctx = scenarios.start_platform(
            root, env["KAFKA_BOOTSTRAP_SERVERS"], urls, prefix="demo", keycloak=kc
        )
    started.platform, started.sandbox = platform, sandbox
    console.print(f"Alle {len(ctx.urls)} tjenester kører (logfiler: {root / 'logs'}).")
    started.workspace_url = _start_workspace(
        platform, ctx, kc, database_url=f"sqlite:///{root / pf.WORKSPACE}.db"
    )
    return ctx


def _start_workspace(
    platform: Any, ctx: scenarios.Kontekst, kc: keycloak.Keycloak, *, database_url: str
) -> str:
    """The workspace beside the services, logging people in at the run's Keycloak."""
    from magt import platform as pf

    platform.service_env = {
        **platform.service_env,
        pf.WORKSPACE: pf.workspace_env(ctx.urls, issuer=kc.issuer(), database_url=database_url),
    }
    with console.status("Starter arbejdsrummet …"):
        process = platform.start(pf.WORKSPACE)
    console.print(f"Arbejdsrummet kører: {process.url}")
    return str(process.url)


def _print_workspace(url: str | None) -> None:
    """Where people log in, and as whom (the demo password is in the README)."""
    if url is None:
        return
    console.print(f"[bold]Arbejdsrummet:[/bold] {url}  (log ind med en af demobrugerne)")
    brugere = ", ".join(sorted(keycloak.demo_users().values()))
    console.print(f"  Demobrugere: {brugere}", soft_wrap=True)


_KANAL = {"sikker_mail": "sikker mail", "digital_post": "Digital Post", "bosted_advis": "advis"}


def _print_scenarios(k: scenarios.Koersel) -> None:
    leveret = k.modtaget.leveret()
    for nummer in range(1, len(scenarios.SCENARIER) + 1):
        f = k.forloeb.get(nummer)
        if f is None:
            console.print(f"[red]Scenarie {nummer} fejlede:[/red] {k.fejl.get(nummer)}")
            continue
        table = Table("sag", "modtager", "kanal", "modtaget", title=f"Scenarie {nummer}: {f.titel}")
        for levering in f.leveringer:
            noegle = f"{levering.case_id}|{levering.adresse()}"
            table.add_row(
                _kort(levering.case_id),
                f"{levering.role} {levering.recipient_id}",
                _KANAL.get(levering.channel, levering.channel),
                "[green]ja[/green]" if noegle in leveret else "[red]nej[/red]",
            )
        for case_id, role, recipient_id, kind in f.planlagt:
            table.add_row(_kort(case_id), f"{role} {recipient_id}", "planlagt", kind)
        journal = [t for c, t in k.modtaget.journal if c in f.cases.values()]
        if journal:
            table.add_row("", "Bosted-journal", "journalnotat", f"{len(journal)} notater")
        console.print(table)
        rows = k.frister.get(nummer, [])
        aabne = sorted(f"{r['kind']} ({_tilstand(r['state'])})" for r in rows)
        console.print("  Frister: " + (", ".join(aabne) if aabne else "ingen"))
        vurdering = ", ".join(f"{_kort(c)}: {v}" for c, v in f.vurdering.items())
        if vurdering:
            console.print(f"  Vurdering: {vurdering}")
        for note in f.noter:
            console.print(f"  Bemærkning: {note}")
    if k.klage_afgjort is not None:
        console.print(
            f"Klagen: genvurderet (fastholdt), sendt til Ankestyrelsen, afgjort "
            f"({k.klage_afgjort.get('status')}, udfald {k.klage_afgjort.get('udfald', '-')})."
        )
    batches = ", ".join(f"{kind} {period}: {n}" for (kind, period), n in k.batches.items())
    console.print(f"Batcher bygget af operatøren: {batches or 'ingen'}")
    if k.statistik is not None:
        console.print(f"Statistik (landsplan): {_statistik_kort(k.statistik)}")
    else:
        console.print(f"[red]Statistik utilgængelig:[/red] {k.statistik_fejl}")
    console.print(f"Scenarierne tog {k.sekunder:.1f} s.")


def _print_scan(
    ctx: scenarios.Kontekst, started: Started, k: scenarios.Koersel
) -> scenarios.KafkaScan:
    people = scenarios.hemmeligheder(k.forloeb.values())
    internal = [t for f in k.forloeb.values() for t in f.interne_tekster]
    scan = asyncio.run(scenarios.scan_kafka(ctx.bootstrap, ctx.namespace, [*people, *internal]))
    logs = started.platform.logs() if started.platform else {}
    i_log = sorted({s for text in logs.values() for s in [*people, *internal] if s in text})
    linjer = sum(text.count("\n") for text in logs.values())
    fund = len(scan.hits) + len(i_log)
    farve = "green" if fund == 0 else "red"
    console.print(
        f"[{farve}]Persondata-scanning: {scan.messages} beskeder ({scan.bytes} bytes) på "
        f"{len(scan.topics)} emner og {linjer} loglinjer: {fund} fund.[/{farve}]"
    )
    return scan


README_KOMMUNE = "0851"
"""The municipality of the README's subscribe example, shown when the demo wrote to its topic."""


def _print_for_integrators(ctx: scenarios.Kontekst, scan: scenarios.KafkaScan) -> None:
    """Where each service's API and metrics are, and the exact subscribe command of one of the
    municipalities the scenarios wrote to (the run's topics carry its own namespace)."""
    from magt_runtime.metrics import METRICS_PATH

    console.print("Tjenesterne (API, /ready og Prometheus-målinger):")
    for name, url in sorted(ctx.urls.items()):
        console.print(f"  {name}: {url}  målinger: {url}{METRICS_PATH}", soft_wrap=True)
    own = re.compile(re.escape(ctx.namespace) + r"magt\.til\.kommune\.(\d{4})\.v1")
    kommuner = sorted(m[1] for t, n in scan.topics.items() if n and (m := own.fullmatch(t)))
    if not kommuner:
        return
    kommune = README_KOMMUNE if README_KOMMUNE in kommuner else kommuner[0]
    command = subscribe_command(bootstrap=ctx.bootstrap, kommune=kommune, namespace=ctx.namespace)
    console.print(f"Læs kommune {kommune}s emne, som kommunens system gør (se README):")
    console.print(f"  {command}", soft_wrap=True, markup=False, highlight=False)


def _statistik_kort(data: dict[str, Any]) -> str:
    """Total, deadlines and complaints (cells under 5 are suppressed as '<5')."""
    dele = [f"{data.get('total')} indberetninger i {data.get('periode')}"]
    for navn, titel in (("per_regime", "lovgrundlag"), ("vurdering", "vurdering")):
        celler = (data.get(navn) or {}).get("celler") or {}
        if celler:
            dele.append(f"{titel}: " + ", ".join(f"{k} {v}" for k, v in celler.items()))
    frister = (data.get("frister") or {}).get("celler") or {}
    if frister:
        dele.append("frister: " + ", ".join(f"{k} {v}" for k, v in frister.items()))
    klager = data.get("klager") or {}
    if klager:
        dele.append(f"klager: {klager.get('total')}")
    return "; ".join(dele)


def _tilstand(state: str) -> str:
    return {"open": "åben", "warned": "varslet", "met": "opfyldt", "breached": "overskredet"}.get(
        state, state
    )


def _kort(case_id: str) -> str:
    return case_id if len(case_id) <= 22 else case_id[:19] + "…"


def _stop(started: Started) -> None:
    if started.platform is not None:
        started.platform.stop()
    if started.sandbox is not None:
        started.sandbox.stop()
    for pid in started.processes:
        common.terminate(pid, timeout=10)
    stops = {
        "kafka": kafka.stop,
        "postgres": postgres.stop,
        "prefect": prefect.stop,
        "keycloak": keycloak.stop,
    }
    for name in reversed(started.servers):
        stops[name]()
