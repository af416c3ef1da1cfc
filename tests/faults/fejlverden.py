"""The fault tests' world: the platform as processes, the sandbox, a report stream and exact counts.

`Verden.start` runs every service as a real process (`magt.platform`) against the run's Kafka and
PostgreSQL and the sandbox of the outside world (`magt.sandbox`). Reports enter as sealed
SubmitForm and plain ApproveReport commands on Kafka, each with its own event id, so a stream can be
replayed and a command can wait for its case. The effects of each case are then counted where they
land: mails at the SMTP server (distinct Message-IDs per recipient), Digital Post messages, Bosted
advis, rows behind the services' HTTP APIs (registrering, routing, frister, klager, statistik) and
events on the namespaced topics by event id. `settle` waits until every outbox is empty and every
consumer group has committed every message, so a count taken then is final.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from magt import platform as pf
from magt import sandbox
from magt.infra import postgres
from magt.infra.common import pid_alive, terminate
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_runtime.auth import Principal
from magt_runtime.crypto import FieldCipher
from magt_runtime.deadletter import DeadLetter, dead_letter_topic

# The stream's incidents happen now (two hours ago, registered one hour later, approved by the
# leader half an hour ago), so every deadline of the law and of local policy is met in time, as in
# a normal day: the fault tests count effects, not overdue reports.
EPISODE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
PERIODE = str(EPISODE.year)
"""The statistics period the stream's incidents fall in."""
EXAMPLE = Path(__file__).resolve().parents[2] / "contracts" / "examples" / "val_indberetning.json"
DRIFTSHERRE = "1081"  # every test institution is regional (Region Nordjylland)
INSTITUTIONS = [f"tilbud-fx-{n:03d}" for n in range(400)]
CASE = re.compile(r"\bfx-[a-z0-9]+-\d{3}\b")
SETTLE_TIMEOUT_S = 150.0

# What one approved child report (VAL) leads to, everywhere it is counted.
EXPECTED_CASE: dict[str, Any] = {
    "sag": ("godkendt", ("indsendt", "godkendt")),
    "plan": (
        ("driftsherre", "sikker_mail", "sent", "report"),
        ("fagkonsulent", "bosted_advis", "sent", "report"),
        ("foraeldremyndighed", "digital_post", "sent", "report"),
        ("handlekommune", "sikker_mail", "sent", "report"),
        ("socialtilsyn", "sikker_mail", "planned", "report"),
    ),
    "frister": (
        ("indberetning_handlekommune", "met"),
        ("kopi_socialtilsyn", "open"),
        ("leder_godkendelse", "met"),
        ("orientering_foraeldremyndighed", "met"),
        ("registrering", "met"),
    ),
    "klagevejledning": True,
    "mails": (
        ("driftsherre.1081@sandbox.example", 1),
        ("handlekommune.0860@sandbox.example", 1),
    ),
    "digital_post": 1,
    "advis": 1,
    "events": (
        ("ApproveReport", 1),
        ("DeadlineMet", 4),
        ("DeadlineOpened", 5),
        ("DeliverySent", 4),
        ("IncidentRegistered", 1),
        ("ReportAddressed", 4),
        ("ReportApproved", 1),
        ("SubmitForm", 1),
        ("til:ReportAddressed", 3),
    ),
}


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine from the synchronous tests (the platform API is synchronous)."""
    return asyncio.run(coro)


def eventually(
    check: Callable[[], T | None], *, within_s: float, what: str, interval_s: float = 0.3
) -> T:
    """Poll `check` until it returns something other than None/False; AssertionError on timeout."""
    deadline = time.monotonic() + within_s
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {within_s:.0f} s: {what}")
        time.sleep(interval_s)


# --- Kafka ------------------------------------------------------------------------------------


async def read_all(bootstrap: str, names: Iterable[str]) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on `names` from the beginning up to the end offsets taken now."""
    wanted = list(names)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        parts = await partitions(bootstrap, wanted)
        if not parts:
            return []
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        await consumer.seek_to_beginning(*parts)
        records: list[ConsumerRecord[bytes, bytes]] = []
        remaining = {tp for tp, end in ends.items() if end > 0}
        deadline = time.monotonic() + 60
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=500, max_records=5000)
            for recs in batch.values():
                records.extend(recs)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read to the end of {sorted(remaining)}")
        return records
    finally:
        await consumer.stop()


async def partitions(bootstrap: str, names: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the named topics (those that exist)."""
    wanted = list(names)
    if not wanted:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        described = await admin.describe_topics(wanted)
    finally:
        await admin.close()
    return [
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if not d.get("error_code")
        for p in d["partitions"]
    ]


async def list_topics(bootstrap: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


async def lag(bootstrap: str, groups: Mapping[str, set[str]]) -> dict[tuple[str, str], int]:
    """Uncommitted messages per (consumer group, topic) over the given subscriptions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    every = await partitions(bootstrap, {t for ts in groups.values() for t in ts})
    await admin.start()
    await consumer.start()
    try:
        result: dict[tuple[str, str], int] = {}
        for group, subscribed in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            parts = [tp for tp in every if tp.topic in subscribed]
            ends = await consumer.end_offsets(parts) if parts else {}
            for tp, end in ends.items():
                done = committed.get(tp)
                offset = done.offset if done is not None and done.offset >= 0 else 0
                key = (group, tp.topic)
                result[key] = result.get(key, 0) + max(0, end - offset)
        return result
    finally:
        await consumer.stop()
        await admin.close()


async def produce(
    bootstrap: str, messages: Iterable[tuple[str, bytes | None, bytes | None, list[Any]]]
) -> int:
    """Send (topic, key, value, headers) messages in order; return how many were sent."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5, request_timeout_ms=30000
    )
    await producer.start()
    sent = 0
    try:
        futures = []
        for topic, key, value, headers in messages:
            futures.append(await producer.send(topic, value, key=key, headers=headers or None))
            sent += 1
        await producer.flush()
        for fut in futures:
            await fut
    finally:
        await producer.stop()
    return sent


# --- the world ----------------------------------------------------------------------------------


@dataclass
class Verden:
    """One platform with its sandbox, databases and secrets; the cases submitted so far."""

    root: Path
    sandbox: sandbox.Sandbox
    platform: pf.Platform
    namespace: str
    bootstrap: str
    db_urls: dict[str, str]
    secrets: pf.Secrets
    subscriptions: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    cases: dict[str, str] = field(default_factory=dict)  # case id → institution id

    @staticmethod
    def start(root: Path, bootstrap: str, pg_admin_url: str) -> Verden:
        names = pf.ALL
        box = sandbox.start(root / "sandbox", institutions=INSTITUTIONS)
        namespace = f"fx{uuid.uuid4().hex[:8]}."
        urls = {
            n: postgres.create_database(pg_admin_url, f"fx_{uuid.uuid4().hex[:8]}_{n}")
            for n in names
        }
        secrets = pf.Secrets.generate()
        platform = pf.Platform(
            env={
                **pf.shared_env(bootstrap, namespace, secrets, session_issuer().env()),
                "MAGT_LOG_LEVEL": "INFO",
            },
            log_dir=root / "logs",
            service_env=pf.merge_env(pf.database_env(urls), box.service_env()),
            service_tokens=pf.service_tokens(session_issuer()),
        )
        world = Verden(root, box, platform, namespace, bootstrap, urls, secrets)
        try:
            for name in names:
                platform.start(name, wait=False)
            for process in platform.processes.values():
                platform.wait_healthy(process, timeout=300)
            world.subscriptions = {n: world._subscriptions(n) for n in names}
        except BaseException:
            world.stop()
            raise
        return world

    def stop(self) -> None:
        self.platform.stop()
        self.sandbox.stop()

    # -- names and tokens

    def topic(self, name: str) -> str:
        return f"{self.namespace}{name}"

    def dlq(self, service: str) -> str:
        return self.topic(dead_letter_topic(service))

    def token(self, role: str, organisation: str) -> dict[str, str]:
        principal = Principal(subject=f"fx-{role}", role=role, organisation=organisation)
        return {"Authorization": f"Bearer {session_issuer().token(principal)}"}

    def _subscriptions(self, service: str) -> dict[str, set[str]]:
        """The service's consumer groups and their topics, from its AsyncAPI document."""
        doc = self.get(service, "/asyncapi.json", {})
        groups: dict[str, set[str]] = defaultdict(set)
        for op in doc["operations"].values():
            if op["action"] != "receive":
                continue
            ref = op["channel"]["$ref"].removeprefix("#/channels/")
            group, _, address = ref.partition(":")
            groups[group].add(address)
        return dict(groups)

    def input_topics(self) -> dict[str, set[str]]:
        """Per service: the topics it consumes."""
        return {
            name: {t for subscribed in groups.values() for t in subscribed}
            for name, groups in self.subscriptions.items()
        }

    # -- HTTP

    def get(
        self,
        service: str,
        path: str,
        headers: dict[str, str],
        params: Any = None,
        *,
        absent: tuple[int, ...] = (404,),
    ) -> Any:
        """GET from a service (replica 0); retried while it restarts or its database does.

        None when the answer is one of `absent` (routing answers 403 for a case it has not seen).
        """
        url = self.platform.url(service) + path

        def attempt() -> Any:
            try:
                response = httpx.get(url, headers=headers, params=params, timeout=10)
            except httpx.HTTPError:
                return None
            if response.status_code >= 500:
                return None
            return response

        response = eventually(attempt, within_s=240, what=f"GET {service}{path}")
        if response.status_code in absent:
            return None
        assert response.status_code == 200, (service, path, response.status_code, response.text)
        return response.json()

    # -- the stream

    def new_cases(self, label: str, n: int) -> list[str]:
        """Reserve `n` case ids, each with its own institution (no statistical alert fires)."""
        ids = []
        for _ in range(n):
            seq = len(self.cases)
            case_id = f"fx-{label}-{seq:03d}"
            self.cases[case_id] = INSTITUTIONS[seq]
            ids.append(case_id)
        return ids

    def _form(self, case_id: str) -> dict[str, Any]:
        seq = int(case_id.rsplit("-", 1)[1])
        day, month = 1 + seq % 28, 1 + (seq // 28) % 12
        form: dict[str, Any] = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
        form.pop("intern", None)
        form["episode"]["start"] = EPISODE.isoformat()
        form["episode"]["slut"] = (EPISODE + timedelta(minutes=8)).isoformat()
        form["registrering"]["registreret_tidspunkt"] = (EPISODE + timedelta(hours=1)).isoformat()
        form["leder"]["godkendt_tidspunkt"] = (EPISODE + timedelta(minutes=90)).isoformat()
        form["institution"]["institution_id"] = self.cases[case_id]
        form["barn"]["cpr"] = f"{day:02d}{month:02d}12-4{seq % 1000:03d}"  # synthetic, born 2012
        form["barn"]["navn"] = "Testbarn Fejlsen"
        form["barn"]["foraeldremyndighed"] = [
            {
                "ref": f"part-fx-{seq}",
                "navn": "Forælder Fejlsen",
                "cpr": f"{day:02d}{month:02d}80-1{seq % 1000:03d}",
            }
        ]
        return form

    def commands(
        self, case_ids: Iterable[str]
    ) -> list[tuple[str, bytes | None, bytes | None, list[Any]]]:
        """SubmitForm (sealed) and ApproveReport for each case, with fixed event ids."""
        cipher = FieldCipher([self.secrets.payload_key])
        now = datetime.now(UTC).isoformat()
        out: list[tuple[str, bytes | None, bytes | None, list[Any]]] = []
        for case_id in case_ids:
            submit: dict[str, Any] = {
                "event_id": str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"{self.namespace}{case_id}/submit")
                ),
                "occurred_at": now,
                "case_id": case_id,
                "correlation_id": str(uuid.uuid4()),
                "source": "http",
                "form": self._form(case_id),
            }
            approve: dict[str, Any] = {
                "event_id": str(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"{self.namespace}{case_id}/approve")
                ),
                "occurred_at": now,
                "case_id": case_id,
                "correlation_id": submit["correlation_id"],
                "leder_ref": "leder-7",
                "approved_at": now,
            }
            key = case_id.encode()
            out.append(
                (
                    self.topic(topics.SUBMIT_FORM),
                    key,
                    cipher.encrypt(json.dumps(submit, ensure_ascii=False)).encode(),
                    [("event-type", b"SubmitForm"), ("event-id", submit["event_id"].encode())],
                )
            )
            out.append(
                (
                    self.topic(topics.APPROVE_REPORT),
                    key,
                    json.dumps(approve).encode(),
                    [("event-type", b"ApproveReport"), ("event-id", approve["event_id"].encode())],
                )
            )
        return out

    def submit(self, case_ids: Iterable[str]) -> None:
        run(produce(self.bootstrap, self.commands(case_ids)))

    # -- quiescence

    def pending_outbox(self) -> dict[str, int]:
        """Unsent outbox rows per service (read straight from each service's database)."""
        pending = {}
        for name, url in self.db_urls.items():
            try:
                with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3) as conn:
                    row = conn.execute(
                        "select count(*) from outbox where sent_at is null"
                    ).fetchone()
            except psycopg.errors.UndefinedTable:
                continue
            except psycopg.OperationalError:
                pending[name] = -1  # the database is not reachable: not settled
                continue
            if row and row[0]:
                pending[name] = int(row[0])
        return pending

    def lag(self) -> dict[tuple[str, str], int]:
        groups: dict[str, set[str]] = defaultdict(set)
        for service_groups in self.subscriptions.values():
            for group, subscribed in service_groups.items():
                groups[group] |= subscribed
        try:
            return {k: v for k, v in run(lag(self.bootstrap, groups)).items() if v}
        except Exception as error:  # Kafka still coming back
            return {("kafka", type(error).__name__): -1}

    def quiet(self) -> bool:
        return not self.pending_outbox() and not self.lag() and not self.pending_outbox()

    def settle(self, case_ids: list[str], *, within_s: float = SETTLE_TIMEOUT_S) -> Zaehling:
        """Wait until every case shows its expected effects and nothing is in flight; count."""

        def done() -> bool:
            return self.quiet() and not self.count(case_ids).mismatches()

        started = time.monotonic()
        try:
            eventually(done, within_s=within_s, what="effects settled", interval_s=0.5)
            eventually(lambda: self.quiet() and self.quiet(), within_s=60, what="platform quiet")
        except AssertionError:
            # Count anyway: the caller's exact comparison names what is missing or doubled.
            print(f"NOT SETTLED: outbox={self.pending_outbox()} lag={self.lag()}", flush=True)
        print(f"settled in {time.monotonic() - started:.0f} s", flush=True)
        return self.count(case_ids)

    def dead(self) -> list[str]:
        """Processes that are not running (a crash, or a kill never restarted)."""
        return [
            f"{p.name}-{p.replica}"
            for p in self.platform.processes.values()
            if not pid_alive(p.pid)
        ]

    # -- replicas

    def start_replicas(self, replica: int = 1) -> None:
        for name in pf.ALL:
            self.platform.start(name, replica, wait=False)
        for (_name, r), process in self.platform.processes.items():
            if r == replica:
                self.platform.wait_healthy(process, timeout=300)

    def stop_replicas(self, replica: int = 1) -> None:
        for key in [k for k in self.platform.processes if k[1] == replica]:
            terminate(self.platform.processes.pop(key).pid, timeout=15)

    # -- counting

    def log_count(self, service: str, needle: str) -> int:
        return sum(
            text.count(needle)
            for name, text in self.platform.logs().items()
            if name.startswith(service)
        )

    def dead_letters(self) -> dict[str, list[DeadLetter]]:
        names = {n: self.dlq(n) for n in pf.ALL}
        existing = set(run(list_topics(self.bootstrap)))
        records = run(read_all(self.bootstrap, [t for t in names.values() if t in existing]))
        by_topic: dict[str, list[DeadLetter]] = defaultdict(list)
        for record in records:
            by_topic[record.topic].append(DeadLetter.model_validate_json(record.value or b""))
        return {n: by_topic.get(t, []) for n, t in names.items()}

    def event_topics(self) -> list[str]:
        """The run's topics except the dead-letter topics."""
        return [
            t
            for t in run(list_topics(self.bootstrap))
            if t.startswith(self.namespace) and ".magt.dlq." not in f".{t}"
        ]

    def count(self, case_ids: Iterable[str]) -> Zaehling:
        wanted = list(case_ids)
        operator = self.token("operatoer", DRIFTSHERRE)
        z = Zaehling(case_ids=wanted)

        for envelope in list(self.sandbox.smtp.messages):
            raw = bytes(envelope.original_content or b"")
            message = message_from_bytes(raw, policy=policy.default)
            found = CASE.search(str(message.get("Subject", "")))
            case = found.group(0) if found else "?"
            for rcpt in envelope.rcpt_tos:
                z.mail_raw[case] += 1
                z.mail_ids[case].add((rcpt, str(message["Message-ID"])))
        for memo in list(self.sandbox.digital_post.received.values()):
            found = CASE.search(str(memo.get("label", "")))
            z.digital_post[found.group(0) if found else "?"] += 1
        z.digital_post_posts = self.sandbox.digital_post.posts
        for advis in list(self.sandbox.bosted.advis.values()):
            z.advis[advis.sag_id if CASE.fullmatch(advis.sag_id) else "?"] += 1

        frister = self.get(
            "frister",
            "/frister",
            operator,
            {"state": ["open", "warned", "met", "breached"], "limit": 10000},
        )
        for row in frister:
            z.frister[row["case_id"]].append((row["kind"], row["state"]))
        for case_id in wanted:
            leder = self.token("leder", self.cases[case_id])
            sag = self.get("registrering", f"/sager/{case_id}", leder)
            if sag is not None:
                z.sag[case_id] = (sag["status"], tuple(v["kind"] for v in sag["versioner"]))
            plan = self.get("routing", f"/cases/{case_id}/plan", operator, absent=(403, 404))
            if plan is not None:
                z.plan[case_id] = tuple(
                    sorted((x["role"], x["channel"], x["state"], x["cause"]) for x in plan["lines"])
                )
            status = self.get("klager", f"/sager/{case_id}/klagevejledning/status", leder)
            z.klagevejledning[case_id] = bool(status and status.get("klagevejledning_givet"))

        for record in run(read_all(self.bootstrap, self.event_topics())):
            headers = {k: v.decode(errors="replace") for k, v in record.headers}
            kind = headers.get("event-type", "?")
            if ".magt.til." in f".{record.topic}":
                kind = f"til:{kind}"
            case = (record.key or b"").decode(errors="replace")
            z.events[case][kind].add(headers.get("event-id", f"@{record.topic}:{record.offset}"))
            z.event_records += 1

        figures = self.get("statistik", "/figurer", operator, {"periode": PERIODE})
        z.statistik_total = int(figures["total"])
        return z


@dataclass
class Zaehling:
    """Everything counted for a set of cases (plus what could not be attributed to any case)."""

    case_ids: list[str]
    sag: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    plan: dict[str, tuple[tuple[str, str, str, str], ...]] = field(default_factory=dict)
    frister: defaultdict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    klagevejledning: dict[str, bool] = field(default_factory=dict)
    mail_ids: defaultdict[str, set[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(set)
    )
    mail_raw: Counter[str] = field(default_factory=Counter)
    digital_post: Counter[str] = field(default_factory=Counter)
    digital_post_posts: int = 0
    advis: Counter[str] = field(default_factory=Counter)
    events: defaultdict[str, defaultdict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    event_records: int = 0
    statistik_total: int = 0

    def of_case(self, case_id: str) -> dict[str, Any]:
        """The case's effects in the shape of EXPECTED_CASE."""
        per_rcpt = Counter(rcpt for rcpt, _ in self.mail_ids.get(case_id, set()))
        return {
            "sag": self.sag.get(case_id),
            "plan": self.plan.get(case_id),
            "frister": tuple(sorted(self.frister.get(case_id, []))),
            "klagevejledning": self.klagevejledning.get(case_id),
            "mails": tuple(sorted(per_rcpt.items())),
            "digital_post": self.digital_post.get(case_id, 0),
            "advis": self.advis.get(case_id, 0),
            "events": tuple(sorted((k, len(v)) for k, v in self.events.get(case_id, {}).items())),
        }

    def mismatches(self) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Per case: every field whose count differs from EXPECTED_CASE (got, expected)."""
        out: dict[str, dict[str, tuple[Any, Any]]] = {}
        for case_id in self.case_ids:
            got = self.of_case(case_id)
            diff = {k: (got[k], v) for k, v in EXPECTED_CASE.items() if got[k] != v}
            if diff:
                out[case_id] = diff
        return out

    def unattributed(self) -> dict[str, int]:
        """Effects that belong to no case of the run (must stay empty)."""
        return {
            k: v
            for k, v in {
                "mails": self.mail_raw.get("?", 0),
                "digital_post": self.digital_post.get("?", 0),
                "advis": self.advis.get("?", 0),
            }.items()
            if v
        }

    def totals(self, case_ids: Iterable[str] | None = None) -> dict[str, int]:
        ids = list(self.case_ids if case_ids is None else case_ids)
        return {
            "cases": len(ids),
            "approved": sum(1 for c in ids if (self.sag.get(c) or ("",))[0] == "godkendt"),
            "mails_distinct": sum(len(self.mail_ids.get(c, ())) for c in ids),
            "mails_raw": sum(self.mail_raw.get(c, 0) for c in ids),
            "digital_post": sum(self.digital_post.get(c, 0) for c in ids),
            "advis": sum(self.advis.get(c, 0) for c in ids),
            "deadlines": sum(len(self.frister.get(c, [])) for c in ids),
            "plan_lines": sum(len(self.plan.get(c, ())) for c in ids),
            "events_distinct": sum(len(v) for c in ids for v in self.events.get(c, {}).values()),
        }

    def snapshot(self) -> dict[str, Any]:
        """Everything about every case, comparable before and after a fault."""
        return {c: self.of_case(c) for c in self.case_ids} | {
            "_mails_raw": dict(self.mail_raw),
            "_statistik_total": self.statistik_total,
            "_unattributed": self.unattributed(),
        }


def report(fault: str, z: Zaehling, case_ids: list[str], **extra: Any) -> None:
    """One line per fault with its counts (the closing note quotes these)."""
    fields = {**z.totals(case_ids), "mismatched_cases": len(z.mismatches()), **extra}
    print(f"\nFAULT {fault}: " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)
