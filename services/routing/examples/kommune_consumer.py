"""Example: a municipality reads its own topic `magt.til.kommune.<code>.v1`.

    uv run python services/routing/examples/kommune_consumer.py --kommune 0851 \
        --bootstrap kafka.example:9092 --username kommune-0851   # password in MAGT_KAFKA_PASSWORD

Each message is a `ReportAddressed` event (JSON): a report, a decision, a complaint step or an alert
addressed to the municipality, with the moment it is due. `grund` says which (indberetning,
mistanke, afgoerelse, klage with `klage_art`, frist with `frist_art`, statistik_alarm,
leveringsfejl); `rapport_ref` is only a reference to quote back, never to parse. The report itself (with CPR numbers)
arrives by secure mail; the topic carries references only. The consumer commits an offset only after
it has handled the message, and it skips an `event_id` it has already handled, so a redelivery after
a crash or a rebalance does nothing twice. Only aiokafka is needed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

Handle = Callable[[dict[str, Any]], Awaitable[None]]


def topic_for(kommune: str, namespace: str = "") -> str:
    """The municipality's topic (both handlekommune and beliggenhedskommune messages)."""
    return f"{namespace}magt.til.kommune.{kommune}.v1"


class Seen:
    """Handled event ids in a local SQLite file: the consumer's own idempotency."""

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS seen (event_id TEXT PRIMARY KEY)")

    def first_time(self, event_id: str) -> bool:
        """Record `event_id`; False when it was handled before."""
        with self._db:
            cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (event_id,))
        return cursor.rowcount == 1


async def print_event(event: dict[str, Any]) -> None:
    """The example's handling: show what arrived (put it in your case system instead)."""
    when = event["when"]
    grund = event.get("grund", "indberetning")  # older events: see the contract
    detalje = event.get("klage_art") or event.get("frist_art")
    print(
        f"{event['case_id']}: {grund}{f' ({detalje})' if detalje else ''} {event['rapport_ref']}"
        f" til {event['role']} {event['recipient_id']}"
        f" via {event['channel']}, {when['kind']} senest {when['due']}"
    )


async def consume(
    *,
    bootstrap: str,
    kommune: str,
    namespace: str = "",
    group: str | None = None,
    seen: Seen,
    handle: Handle = print_event,
    max_messages: int | None = None,
    security: dict[str, Any] | None = None,
) -> int:
    """Read the municipality's topic until stopped (or `max_messages`); how many were handled."""
    consumer = AIOKafkaConsumer(
        topic_for(kommune, namespace),
        bootstrap_servers=bootstrap,
        group_id=group or f"kommune-{kommune}",  # the ACLs allow groups prefixed kommune-<code>
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **(security or {}),
    )
    await consumer.start()
    handled = 0
    try:
        async for record in consumer:
            event = json.loads(record.value)
            if seen.first_time(event["event_id"]):
                await handle(event)
                handled += 1
            await consumer.commit()
            if max_messages is not None and handled >= max_messages:
                break
    finally:
        await consumer.stop()
    return handled


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kommune", required=True, help="kommunekode, fx 0851")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--namespace", default="", help="emnepræfiks i test-miljøer")
    parser.add_argument("--username", help="SASL/SCRAM-bruger, fx kommune-0851")
    parser.add_argument("--seen-db", default="kommune-seen.db")
    args = parser.parse_args()
    security = None
    if args.username:
        security = {
            "security_protocol": os.environ.get("MAGT_KAFKA_SECURITY_PROTOCOL", "SASL_SSL"),
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": args.username,
            "sasl_plain_password": os.environ["MAGT_KAFKA_PASSWORD"],
        }
    asyncio.run(
        consume(
            bootstrap=args.bootstrap,
            kommune=args.kommune,
            namespace=args.namespace,
            seen=Seen(args.seen_db),
            security=security,
        )
    )


if __name__ == "__main__":
    main()
