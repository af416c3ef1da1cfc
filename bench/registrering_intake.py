"""Benchmark: sealed forms into registrering on real Kafka + PostgreSQL, until ReportApproved.

Starts (or reuses) the project's Kafka and PostgreSQL through `magt.infra`, runs the registrering
app in this process (its FastAPI lifespan: consumers + outbox relay), then sends N sealed
SubmitForm commands, N CompleteLeaderPart and N ApproveReport (all at once; an approval that
overtakes its leader part waits in the case's queue) and measures forms per second until N
ReportApproved events are on the topic.

    uv run python bench/registrering_intake.py [-n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from magt.infra import kafka, postgres
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_registrering.app import create_app
from magt_registrering.settings import Settings
from magt_runtime.crypto import FieldCipher

EXAMPLE = Path(__file__).resolve().parents[1] / "contracts" / "examples" / "val_indberetning.json"


def _envelope(case_id: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "case_id": case_id,
        "correlation_id": str(uuid.uuid4()),
    }


def _commands(n: int, settings: Settings) -> list[tuple[str, str, bytes]]:
    """(topic, key, value) of every command: sealed forms first, then leader parts, approvals."""
    cipher = settings.payload_cipher()
    base = json.loads(EXAMPLE.read_text("utf-8"))
    base["leder"] = None
    # The incident happened two hours ago (registered an hour later), so today's approval is in time.
    episode = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    base["episode"]["start"] = episode.isoformat()
    base["episode"]["slut"] = (episode + timedelta(minutes=8)).isoformat()
    base["registrering"]["registreret_tidspunkt"] = (episode + timedelta(hours=1)).isoformat()
    submits, leaders, approvals = [], [], []
    for i in range(n):
        case_id = f"bosted-bench-{i:06d}"
        form = copy.deepcopy(base)
        form["registrering"]["registreret_af"] = f"mdb-{i % 50}"
        submit = {**_envelope(case_id), "source": "bosted", "source_ref": f"doc-{i}", "form": form}
        submits.append(
            (
                settings.topic(topics.SUBMIT_FORM),
                case_id,
                cipher.encrypt(json.dumps(submit)).encode(),
            )
        )
        leader = {
            **_envelope(case_id),
            "leder": {
                "leder_ref": "leder-7",
                "kommentarer": "Gennemgået.",
                "vurdering": "Nødvendigt.",
                "godkendt": False,
            },
        }
        leaders.append(
            (settings.topic(topics.COMPLETE_LEADER_PART), case_id, json.dumps(leader).encode())
        )
        approve = {
            **_envelope(case_id),
            "leder_ref": "leder-7",
            "approved_at": datetime.now(UTC).isoformat(),
        }
        approvals.append(
            (settings.topic(topics.APPROVE_REPORT), case_id, json.dumps(approve).encode())
        )
    return submits + leaders + approvals


async def _count(
    bootstrap: str, topic: str, n: int, done: asyncio.Event, seen: list[float]
) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"bench-{uuid.uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while len(seen) < n:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                seen.extend(time.perf_counter() for _ in records)
    finally:
        done.set()
        await consumer.stop()


async def run(n: int) -> dict[str, float]:
    bootstrap = kafka.ensure()
    admin_url = postgres.ensure()
    database_url = postgres.create_database(admin_url, f"bench_{uuid.uuid4().hex[:12]}")
    settings = Settings(
        kafka_bootstrap_servers=bootstrap,
        database_url=database_url,
        topic_namespace=f"bench-{uuid.uuid4().hex[:8]}.",
        payload_keys=FieldCipher.new_key(),
        storage_keys=FieldCipher.new_key(),
        person_ref_secret="bench-person-secret",  # noqa: S106 - a throwaway benchmark secret
        **session_issuer().settings(),
        log_level="WARNING",
        log_json=True,
    )
    commands = _commands(n, settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        seen: list[float] = []
        done = asyncio.Event()
        counter = asyncio.create_task(
            _count(bootstrap, settings.topic(topics.REPORT_APPROVED), n, done, seen)
        )
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
        await producer.start()
        start = time.perf_counter()
        try:
            futures = [await producer.send(t, v, key=k.encode()) for t, k, v in commands]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        produced = time.perf_counter()
        try:
            await asyncio.wait_for(done.wait(), timeout=max(120.0, n * 0.5))
        finally:
            counter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await counter
    end = seen[n - 1] if len(seen) >= n else time.perf_counter()
    return {
        "forms": n,
        "report_approved": len(seen),
        "produce_s": produced - start,
        "total_s": end - start,
        "forms_per_s": len(seen[:n]) / (end - start),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=500, help="number of forms (default 500)")
    args = parser.parse_args()
    result = asyncio.run(run(args.n))
    print(f"forms submitted (sealed):   {result['forms']:.0f}")
    print(f"ReportApproved received:    {result['report_approved']:.0f}")
    print(f"commands produced in:       {result['produce_s']:.2f} s")
    print(f"first send → last approved: {result['total_s']:.2f} s")
    print(f"throughput:                 {result['forms_per_s']:.1f} forms/s into ReportApproved")


if __name__ == "__main__":
    main()
