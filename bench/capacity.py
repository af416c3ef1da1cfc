"""Each service's own capacity: its input topic pre-filled, so upstream does not bound it.

    uv run python bench/capacity.py [-n 2000] [--postgres | --no-postgres] [--services a,b]

For frister, routing and statistik it publishes N ReportApproved events (a child's report at a
regional institution, made-up identifiers) to a fresh topic BEFORE the service starts; for
registrering N sealed SubmitForm, N CompleteLeaderPart and N ApproveReport (as
`registrering_intake.py`). Then it starts the service in this process (its FastAPI lifespan:
consumers, relay, schedulers) and counts, in the service's own database, the inbox rows of the
consumed events as they commit. The rate is events per second from the first committed event to
the start of the last (the inbox rows' commit batches; start-up and group join left out), beside a bare aiokafka consume → produce loop on the
same broker in the same run (`pipeline._reference`), and the CPU time of this process per event
from the service's start to its last commit (start-up, the relay's publishing and the benchmark's
own polling included, so an upper bound).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import Session, col, select

from magt.infra import kafka, postgres
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import make_engine
from magt_runtime.inbox import InboxRow
from magt_runtime.topics import ensure_topics

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from pipeline import _reference  # noqa: E402  (a sibling script, not a package)
from registrering_intake import _commands  # noqa: E402

EXAMPLE = BENCH.parent / "contracts" / "examples" / "val_indberetning.json"
QUIET: dict[str, Any] = {"log_level": "WARNING", "log_json": True}


@dataclass(frozen=True)
class Subject:
    """One service under test: how to build it and which inbox rows mark its input done."""

    name: str
    prefix: str  # of the inbox rows its consumed events leave
    make: Callable[[dict[str, Any]], tuple[FastAPI, Any]]


def _frister(common: dict[str, Any]) -> tuple[FastAPI, Any]:
    from magt_frister.app import create_app
    from magt_frister.settings import Settings

    settings = Settings(**common)
    return create_app(settings), settings


def _routing(common: dict[str, Any]) -> tuple[FastAPI, Any]:
    from magt_routing.app import create_app
    from magt_routing.settings import Settings

    settings = Settings(**common, scheduler_enabled=False)
    return create_app(settings), settings


def _statistik(common: dict[str, Any]) -> tuple[FastAPI, Any]:
    from magt_statistik.app import create_app
    from magt_statistik.settings import Settings

    settings = Settings(**common)
    return create_app(settings), settings


def _registrering(common: dict[str, Any]) -> tuple[FastAPI, Any]:
    from magt_registrering.app import create_app
    from magt_registrering.settings import Settings

    settings = Settings(
        **common,
        payload_keys=FieldCipher.new_key(),
        storage_keys=FieldCipher.new_key(),
        person_ref_secret="bench-person-secret",  # noqa: S106 - a throwaway benchmark secret
    )
    return create_app(settings), settings


SUBJECTS = {
    s.name: s
    for s in (
        Subject("registrering", "registrering.", _registrering),
        Subject("routing", "routing.", _routing),
        Subject("frister", "frister.", _frister),
        Subject("statistik", "statistik.", _statistik),
    )
}


def _approved(i: int) -> ReportApproved:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    episode = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    data["episode"]["start"] = episode.isoformat()
    data["episode"]["slut"] = (episode + timedelta(minutes=8)).isoformat()
    data["registrering"]["registreret_tidspunkt"] = (episode + timedelta(hours=1)).isoformat()
    if data.get("leder"):
        data["leder"]["godkendt_tidspunkt"] = (episode + timedelta(minutes=90)).isoformat()
    case_id = f"kapacitet-{i:06d}"
    return ReportApproved(
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        correlation_id=uuid.uuid4(),
        fakta=fakta(parse_form(data), person_ref=f"p-bench-{i % 400:04d}"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
    )


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _prefill(bootstrap: str, records: list[tuple[str, str, bytes]]) -> None:
    await ensure_topics(bootstrap, sorted({t for t, _, _ in records}))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        futures = [await producer.send(t, v, key=k.encode()) for t, k, v in records]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def _done(database_url: str, prefix: str) -> tuple[int, float]:
    """How many consumed events the service committed, and how many per second: from the start
    of its first batch to the start of its last (each batch's inbox rows share one time)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            mine = col(InboxRow.consumer).startswith(prefix)
            times = session.exec(
                select(InboxRow.handled_at, func.count()).where(mine).group_by(InboxRow.handled_at)
            ).all()
    except Exception:  # the service has not created its tables yet
        return 0, 0.0
    finally:
        engine.dispose()
    done = sum(int(n) for _, n in times)
    if len(times) < 2:
        return done, 0.0
    first, last = min(t for t, _ in times), max(t for t, _ in times)
    before_last = sum(int(n) for t, n in times if t != last)
    return done, before_last / max((last - first).total_seconds(), 1e-9)


async def measure(subject: Subject, n: int, bootstrap: str, database_url: str) -> dict[str, float]:
    common = {
        "kafka_bootstrap_servers": bootstrap,
        "database_url": database_url,
        "topic_namespace": f"kap-{uuid.uuid4().hex[:8]}.",
        **session_issuer().settings(),
        **QUIET,
        "db_auto_upgrade": True,  # a fresh database per run
    }
    app, settings = subject.make(common)
    if subject.name == "registrering":
        records = _commands(n, settings)
    else:
        topic = settings.topic(topics.REPORT_APPROVED)
        records = [
            (topic, e.case_id, e.model_dump_json().encode()) for e in map(_approved, range(n))
        ]
    await _prefill(bootstrap, records)
    expected = len(records)
    async with app.router.lifespan_context(app):
        cpu_start, done, rate = _cpu_s(), 0, 0.0
        deadline = time.perf_counter() + max(180.0, expected * 0.2)
        while done < expected and time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
            done, rate = await asyncio.to_thread(_done, database_url, subject.prefix)
        cpu = _cpu_s() - cpu_start
    return {
        "events": float(done),
        "expected": float(expected),
        "rate": rate,
        "cpu_ms_per_event": 1000 * cpu / done if done else float("nan"),
    }


async def run(n: int, use_postgres: bool, names: list[str]) -> None:
    bootstrap = kafka.ensure()
    admin = postgres.ensure() if use_postgres else None
    results: dict[str, dict[str, float]] = {}
    folder = Path(tempfile.mkdtemp(prefix="magt-kapacitet-"))
    for name in names:
        if admin is not None:
            url = postgres.create_database(admin, f"kap_{name}_{uuid.uuid4().hex[:8]}")
        else:
            url = f"sqlite:///{folder}/{name}.db"
        results[name] = await measure(SUBJECTS[name], n, bootstrap, url)
        r = results[name]
        print(f"  {name}: {r['events']:.0f} of {r['expected']:.0f} events", flush=True)
    bare = await _reference(bootstrap, f"kap-ref-{uuid.uuid4().hex[:8]}.", max(n, 5000), 1500)
    print(f"\n== capacity with the input pre-filled ({'PostgreSQL' if admin else 'SQLite'}) ==")
    print(f"bare aiokafka consume→produce:  {bare:,.0f} msg/s")
    print(f"{'service':<13} {'events':>7} {'events/s':>9} {'ratio':>7} {'CPU ms/event':>13}")
    for name, r in results.items():
        print(
            f"{name:<13} {r['events']:>7.0f} {r['rate']:>9.1f} {r['rate'] / bare:>7.3f} "
            f"{r['cpu_ms_per_event']:>13.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="events pre-filled per service")
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--services", default=",".join(SUBJECTS), help="comma-separated")
    args = parser.parse_args()
    names = [s for s in args.services.split(",") if s]
    unknown = [s for s in names if s not in SUBJECTS]
    if unknown:
        raise SystemExit(f"unknown services: {', '.join(unknown)} (known: {', '.join(SUBJECTS)})")
    asyncio.run(run(args.n, args.postgres, names))


if __name__ == "__main__":
    main()
