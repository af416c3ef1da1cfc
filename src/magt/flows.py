"""The platform's Prefect flows: health, reporting runs, reminders and dead-letter replay.

Every flow is idempotent (the batch, report, reminder and replay are recorded once) and its tasks
retry; the services they call are imported inside the task, so this module imports on its own.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prefect import flow, task
from pydantic import BaseModel
from sqlmodel import Field, Session, SQLModel

from magt_contracts.tid import lokal, tz
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter, dead_letter_topic
from magt_runtime.settings import ServiceSettings

log = structlog.get_logger(__name__)

DLQ_PREFIX = "magt.dlq."
DEFAULT_REPORT_DIR = "./.state/reports"
REPLAY_TABLE = "platform_dlq_replayed"


@task(retries=2, retry_delay_seconds=5)
async def dead_letter_counts(bootstrap_servers: str) -> dict[str, int]:
    """How many dead letters each service's dead-letter topic holds (end minus start offsets)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(DLQ_PREFIX))
    finally:
        await admin.close()
    if not names:
        return {}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        counts: dict[str, int] = {}
        for name in names:
            partitions = [
                TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()
            ]
            if not partitions:
                partitions = [TopicPartition(name, p) for p in await _partitions(consumer, name)]
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            counts[name] = sum(ends[tp] - starts[tp] for tp in partitions)
        return counts
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(20):
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    return set()


@flow(name="platform-health", log_prints=False)
async def platform_health(bootstrap_servers: str) -> dict[str, int]:
    """Count dead letters per service, so operations see at once when a consumer gives up."""
    counts = await dead_letter_counts(bootstrap_servers)
    log.info("platform_health.dead_letters", total=sum(counts.values()), topics=len(counts))
    return counts


# --- Reporting runs ----------------------------------------------------------------------------


def _moment(now: str | None) -> datetime:
    """The run's clock: `now` (ISO with zone) or the wall clock, in Danish time."""
    if now is None:
        return datetime.now(tz())
    moment = datetime.fromisoformat(now)
    if moment.tzinfo is None:
        raise ValueError("now skal have en tidszone")
    return lokal(moment)


def previous_month(moment: datetime) -> str:
    """The last complete month before `moment` (Danish time), as YYYY-MM."""
    d = lokal(moment).date()
    year, month = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def previous_quarter(moment: datetime) -> str:
    """The last complete quarter before `moment` (Danish time), as YYYY-Qn."""
    d = lokal(moment).date()
    quarter = (d.month - 1) // 3 + 1
    year, quarter = (d.year, quarter - 1) if quarter > 1 else (d.year - 1, 4)
    return f"{year:04d}-Q{quarter}"


def previous_year(moment: datetime) -> str:
    """The last complete year before `moment` (Danish time), as YYYY."""
    return f"{lokal(moment).year - 1:04d}"


@task(retries=3, retry_delay_seconds=30)
def routing_batch(kind: str, period: str, now: str) -> int:
    """Address the batch (monthly or quarterly) of `period` once; how many lines were addressed."""
    from magt_routing.batches import build_batch
    from magt_routing.settings import Settings as RoutingSettings

    addressed = build_batch(
        RoutingSettings(), kind=kind, period=period, now=datetime.fromisoformat(now)
    )
    log.info("flows.routing_batch", kind=kind, period=period, addressed=addressed)
    return addressed


@task(retries=3, retry_delay_seconds=30)
def statistik_report(kind: str, period: str, out_dir: str, now: str) -> list[str]:
    """Write the statistics report (quarterly or yearly) of `period`; the paths written."""
    from magt_statistik.reports import build_report
    from magt_statistik.settings import Settings as StatistikSettings

    paths = build_report(
        StatistikSettings(),
        kind=kind,
        period=period,
        out_dir=Path(out_dir),
        now=datetime.fromisoformat(now),
    )
    log.info("flows.statistik_report", kind=kind, period=period, files=len(paths))
    return [str(p) for p in paths]


@flow(name="monthly-reporting", log_prints=False)
def monthly_reporting(period: str | None = None, now: str | None = None) -> dict[str, Any]:
    """The monthly batch to the handlekommune, tilsyn, driftsherre and værge (default: last month)."""
    moment = _moment(now)
    period = period or previous_month(moment)
    addressed = routing_batch("monthly", period, moment.isoformat())
    return {"period": period, "addressed": addressed}


@flow(name="quarterly-reporting", log_prints=False)
def quarterly_reporting(
    period: str | None = None, now: str | None = None, out_dir: str = DEFAULT_REPORT_DIR
) -> dict[str, Any]:
    """Skema 2's quarterly batch to the Socialtilsyn and the quarterly statistics report."""
    moment = _moment(now)
    period = period or previous_quarter(moment)
    addressed = routing_batch("quarterly", period, moment.isoformat())
    files = statistik_report("quarterly", period, out_dir, moment.isoformat())
    return {"period": period, "addressed": addressed, "files": files}


@flow(name="yearly-report", log_prints=False)
def yearly_report(
    period: str | None = None, now: str | None = None, out_dir: str = DEFAULT_REPORT_DIR
) -> dict[str, Any]:
    """The yearly report to the strategic leadership and the political level (default: last year)."""
    moment = _moment(now)
    period = period or previous_year(moment)
    files = statistik_report("yearly", period, out_dir, moment.isoformat())
    return {"period": period, "files": files}


@task(retries=3, retry_delay_seconds=30)
def orientation_reminders(month: str, now: str, database_url: str | None) -> int:
    """Stage this month's relatives' orientation reminders from frister's store (once each)."""
    from magt_frister.scheduler import remind_relatives
    from magt_frister.settings import Settings as FristerSettings

    settings = FristerSettings(database_url=database_url) if database_url else FristerSettings()
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        return remind_relatives(engine, settings, month=month, now=datetime.fromisoformat(now))
    finally:
        engine.dispose()


@flow(name="relatives-orientation-reminders", log_prints=False)
def relatives_orientation_reminders(
    month: str | None = None, now: str | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Remind leaders to orient relatives about last month's interventions (SEL, ca. monthly)."""
    moment = _moment(now)
    month = month or f"{moment.year:04d}-{moment.month:02d}"
    staged = orientation_reminders(month, moment.isoformat(), database_url)
    log.info("flows.orientation_reminders", month=month, staged=staged)
    return {"month": month, "reminders": staged}


# --- Dead-letter replay ------------------------------------------------------------------------


class ReplayedLetter(SQLModel, table=True):
    """A dead letter that was replayed (its place on the dead-letter topic): never twice."""

    __tablename__ = REPLAY_TABLE

    topic: str = Field(primary_key=True, max_length=255)
    partition: int = Field(primary_key=True)
    offset: int = Field(primary_key=True)
    source_topic: str = Field(max_length=255)
    replayed_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ReplayFilter(BaseModel):
    """Which dead letters to replay; every given criterion must match."""

    service: str | None = None
    reason: str | None = None
    source_topic: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, letter: DeadLetter) -> bool:
        """Whether `letter` passes the filter."""
        dead_at = letter.dead_at if letter.dead_at.tzinfo else letter.dead_at.replace(tzinfo=UTC)
        return (
            (self.service is None or letter.service == self.service)
            and (self.reason is None or letter.reason == self.reason)
            and (
                self.source_topic is None
                or letter.source_topic == self.source_topic
                or letter.source_topic.endswith("." + self.source_topic)
                or letter.source_topic.endswith(self.source_topic)
            )
            and (self.since is None or dead_at >= self.since)
            and (self.until is None or dead_at < self.until)
        )


async def _dead_letters(
    bootstrap_servers: str, dlq_topics: list[str]
) -> list[tuple[str, int, int, DeadLetter]]:
    """Every dead letter on `dlq_topics` up to their current end (topic, partition, offset)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    found: list[tuple[str, int, int, DeadLetter]] = []
    try:
        partitions = [
            TopicPartition(name, p)
            for name in dlq_topics
            for p in sorted(await _partitions(consumer, name))
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        remaining = {tp for tp in partitions if ends[tp] > starts[tp]}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        letter = DeadLetter.model_validate_json(record.value)
                    except ValueError:
                        log.warning("dlq_replay.unreadable", topic=tp.topic, offset=record.offset)
                        continue
                    found.append((tp.topic, tp.partition, record.offset, letter))
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return found
    finally:
        await consumer.stop()


@task(retries=2, retry_delay_seconds=10)
async def replay_dead_letters(
    bootstrap_servers: str,
    database_url: str,
    topic_namespace: str,
    selection: ReplayFilter,
    dry_run: bool,
) -> dict[str, int]:
    """Republish the matching dead letters' original bytes, key and headers to their source topic.

    Each (topic, partition, offset) is recorded after it was sent, so a second run replays nothing;
    a crash between the send and the record resends one message, which the consumer's inbox drops.
    """
    prefix = f"{topic_namespace}{DLQ_PREFIX}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        names = sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    finally:
        await admin.close()
    if selection.service is not None:
        names = [
            t for t in names if t == f"{topic_namespace}{dead_letter_topic(selection.service)}"
        ]
    letters = await _dead_letters(bootstrap_servers, names)
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables[REPLAY_TABLE]])
    stats = {"read": len(letters), "matched": 0, "replayed": 0, "already": 0}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True)
    await producer.start()
    try:
        for topic, partition, offset, letter in letters:
            if not selection.matches(letter):
                continue
            stats["matched"] += 1
            with Session(engine) as session:
                if session.get(ReplayedLetter, (topic, partition, offset)) is not None:
                    stats["already"] += 1
                    continue
                if dry_run:
                    continue
                await producer.send_and_wait(
                    letter.source_topic,
                    letter.original_value(),
                    key=letter.original_key(),
                    headers=[(k, v.encode()) for k, v in letter.headers.items()],
                )
                session.add(
                    ReplayedLetter(
                        topic=topic,
                        partition=partition,
                        offset=offset,
                        source_topic=letter.source_topic,
                    )
                )
                session.commit()
                stats["replayed"] += 1
    finally:
        await producer.stop()
        engine.dispose()
    return stats


@flow(name="dead-letter-replay", log_prints=False)
async def dead_letter_replay(
    bootstrap_servers: str,
    service: str | None = None,
    reason: str | None = None,
    source_topic: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    topic_namespace: str = "",
    database_url: str | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Operator-triggered: replay dead letters (filter by service, reason, source topic, time)."""
    selection = ReplayFilter(
        service=service, reason=reason, source_topic=source_topic, since=since, until=until
    )
    stats = await replay_dead_letters(
        bootstrap_servers,
        database_url or ServiceSettings().database_url,
        topic_namespace,
        selection,
        dry_run,
    )
    log.info("flows.dead_letter_replay", **stats)
    return stats
