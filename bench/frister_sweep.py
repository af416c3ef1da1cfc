"""Benchmark: how many due deadlines the frister scheduler sweeps per second on PostgreSQL.

Starts (or reuses) the project's PostgreSQL through `magt.infra`, creates a fresh database, inserts
N running deadlines that are all past their warning and due time, and lets 1 (then 2 concurrent)
schedulers sweep them: each row is claimed with SELECT … FOR UPDATE SKIP LOCKED, warned and
breached (two guarded updates) and two events are staged in the outbox, in one transaction per
batch. Prints rows per second and checks that every row got exactly one warning and one breach.

    uv run python bench/frister_sweep.py [-n 20000] [--batch 500]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from magt.infra import postgres
from magt_frister.domain import deadline_id
from magt_frister.scheduler import Scheduler
from magt_frister.settings import Settings
from magt_frister.store import FristRow
from magt_runtime.db import create_tables, make_engine
from magt_runtime.logging import configure_logging
from magt_runtime.outbox import OutboxRow

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _seed(url: str, n: int) -> None:
    engine = make_engine(url)
    create_tables(engine)
    due = NOW - timedelta(hours=1)
    rows = [
        {
            "id": deadline_id(f"bench-{i}", "indberetning_handlekommune"),
            "case_id": f"bench-{i}",
            "kind": "indberetning_handlekommune",
            "ref": "",
            "due": due,
            "warn_at": due - timedelta(hours=6),
            "source": "bench",
            "state": "open",
            "opened_at": due - timedelta(days=1),
            "correlation_id": str(uuid.uuid4()),
            "cause_event_id": str(uuid.uuid4()),
            "institution_id": f"tilbud-{i % 50}",
            "handlekommune": "0851",
            "socialtilsyn": "Nord",
            "godkendt": True,
            "version": 0,
        }
        for i in range(n)
    ]
    with Session(engine) as session:
        for start in range(0, n, 5000):
            session.execute(insert(FristRow), rows[start : start + 5000])
        session.commit()
    engine.dispose()


def _run(url: str, sweepers: int, batch: int) -> tuple[float, list[int]]:
    settings = Settings(database_url=url, scheduler_batch_size=batch)
    barrier = threading.Barrier(sweepers)
    claimed: list[int] = []

    def sweep() -> None:
        engine = make_engine(url)
        scheduler = Scheduler(engine, settings, now=lambda: NOW)
        barrier.wait()
        claimed.append(scheduler.sweep_all())
        engine.dispose()

    threads = [threading.Thread(target=sweep) for _ in range(sweepers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, claimed


def _check(url: str, n: int) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        states = Counter(session.exec(select(FristRow.state)).all())
        staged = session.exec(select(func.count()).select_from(OutboxRow)).one()
        per_key = session.exec(
            select(OutboxRow.key, func.count()).group_by(col(OutboxRow.key))
        ).all()
    engine.dispose()
    once = all(count == 2 for _, count in per_key) and len(per_key) == n
    return f"states={dict(states)} outbox_rows={staged} exactly_once={once}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=20_000, help="due deadlines")
    parser.add_argument("--batch", type=int, default=500, help="rows claimed per sweep")
    args = parser.parse_args()
    configure_logging(service="bench", json=True, level="INFO")
    admin = postgres.ensure()
    for sweepers in (1, 2):
        url = postgres.create_database(admin, f"bench_frister_{uuid.uuid4().hex[:10]}")
        t0 = time.perf_counter()
        _seed(url, args.n)
        seeded = time.perf_counter() - t0
        elapsed, claimed = _run(url, sweepers, args.batch)
        print(
            f"sweepers={sweepers} rows={args.n} batch={args.batch} seed={seeded:.1f}s "
            f"sweep={elapsed:.2f}s rate={args.n / elapsed:,.0f} rows/s "
            f"events={2 * args.n / elapsed:,.0f} events/s claimed={claimed}"
        )
        print(f"  check: {_check(url, args.n)}")


if __name__ == "__main__":
    main()
