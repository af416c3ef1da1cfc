"""Benchmark: feed synthetic events into statistik's aggregation layer and time the yearly report.

Run: `uv run python bench/statistik_load.py [--events 1000000] [--batch 1000] [--pg URL]`.
The events go straight into `Aggregering.anvend` (the handlers' code path, inbox included), one
transaction per batch, on SQLite (a fresh file) and, with `--pg`, on PostgreSQL. Prints events per
second and the time of the yearly report's queries (the figures of one year for the national view
and for one operator, as `build_report` computes them; charts and PDF excluded).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts import messages as m
from magt_runtime.db import create_tables, make_engine
from magt_runtime.logging import configure_logging
from magt_statistik import domain
from magt_statistik import syntetisk as s
from magt_statistik.figurer import visning
from magt_statistik.handlers import Aggregering
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre


def feed(url: str, events: int, batch: int) -> float:
    """Apply `events` synthetic events; return events per second."""
    engine = make_engine(url)
    create_tables(engine)
    agg = Aggregering(Settings(topic_namespace="bench."))
    started = time.perf_counter()
    done = 0
    pending: list[m.Event] = []
    for event in s.stroem(events, seed=42):
        pending.append(event)
        if len(pending) == batch:
            done += _apply(engine, agg, pending)
            pending = []
            if done % 100_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:>9,} events  {rate:,.0f}/s", flush=True)
    done += _apply(engine, agg, pending)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return done / elapsed


def _apply(engine: Engine, agg: Aggregering, events: list[m.Event]) -> int:
    """One transaction per batch through the aggregation layer (inbox included)."""
    with Session(engine) as session:
        applied = agg.anvend_mange(session, events)
        session.commit()
    return applied


def report_queries(url: str) -> tuple[float, int]:
    """Seconds for the yearly report's figures (national + one operator) and the year's total."""
    engine = make_engine(url)
    periode = Filtre(periode=domain.periode("2025"))
    national = domain.Omfang(None, None, False, True, "alle")
    operator = domain.Omfang("driftsherre_id", "region-midt", False, True, "region-midt")
    started = time.perf_counter()
    with Session(engine) as session:
        v = visning(session, national, periode, undertrykt=True, institutioner=True)
        visning(session, operator, periode, undertrykt=True, institutioner=True)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, v.total.total or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--pg", default=None, help="a fresh PostgreSQL database URL (optional)")
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    args = parser.parse_args()
    configure_logging(service="bench", json=False, level="WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        targets = [] if args.no_sqlite else [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if args.pg:
            targets.append(("PostgreSQL", args.pg))
        for name, url in targets:
            print(f"{name}: feeding {args.events:,} events (batches of {args.batch})", flush=True)
            rate = feed(url, args.events, args.batch)
            seconds, total = report_queries(url)
            print(f"{name}: {rate:,.0f} events/s")
            print(
                f"{name}: yearly report queries {seconds * 1000:,.0f} ms ({total:,} reports in 2025)"
            )


if __name__ == "__main__":
    main()
