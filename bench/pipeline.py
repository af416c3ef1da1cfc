"""Load benchmark of the whole platform: child incidents from sealed form to delivered mail.

    uv run python bench/pipeline.py [--incidents 200] [--rate 0] [--no-postgres] [--ref-factor 5]

Starts (or reuses) the project's Kafka and PostgreSQL through `magt.infra`, the sandbox (TLS SMTP
server with S/MIME recipients, Digital Post, Bosted and Nexus emulators) and every service as its
own process through `magt.platform`, each with its own database. It then sends N child incidents
(VAL, a regional institution) as Kafka commands: a sealed SubmitForm, the leader's part and the
approval. The platform registers, approves, addresses (routing) and delivers (sikkermail: S/MIME
mail at the sandbox SMTP server, Digital Post) each one.

Prints:
- throughput: incidents per second from the first approval sent to the last delivery;
- latency per incident from the approval we sent (`approved_at`) to the LAST DeliverySent event of
  that incident (its `occurred_at`), counting every recipient routing addressed "immediately";
- each service's output rate, from the Kafka record timestamps of its output topic, and its ratio
  to a bare aiokafka consume→produce loop (acks=all, idempotent) on the same broker, run after the
  platform has stopped (N × k messages of about the size of the platform's events);
- peak memory (VmHWM) of each service process and its children, its CPU per incident, and its CPU
  while idle (`--idle` seconds with no traffic, measured before the load);
- with `--profile DIR`: py-spy samples of every service process during the load (raw collapsed
  stacks in DIR) and the top frames per service (self time and inclusive time).

Everything it starts (processes, sandbox, databases, topics, Kafka/PostgreSQL if they were not
running) it stops or removes at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from magt import platform as pf
from magt import sandbox
from magt.infra import kafka, postgres
from magt.stack import platform_topics
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_runtime.crypto import FieldCipher
from magt_runtime.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "contracts" / "examples" / "val_indberetning.json"
INSTITUTION = "tilbud-0851-017"  # the example's regional institution
# Output topic of each service's main loop (what it produces per message it handles).
OUTPUTS = {
    "registrering": topics.REPORT_APPROVED,
    "routing": topics.REPORT_ADDRESSED,
    "sikkermail": topics.DELIVERY_SENT,
    "frister": topics.DEADLINE_OPENED,
    "statistik": topics.STATISTIK_ALERT,
}
WATCHED = sorted({*OUTPUTS.values(), topics.DELIVERY_FAILED, topics.INCIDENT_REGISTERED})


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _envelope(case_id: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "occurred_at": _now(),
        "case_id": case_id,
        "correlation_id": str(uuid.uuid4()),
    }


def _synthetic_cpr(i: int, year: int = 10) -> str:
    """A made-up CPR number: a child born in 2010 (7th digit 4) or a parent born in 19xx (1)."""
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    serial = (4000 if year < 37 else 1000) + (i * 7 + 13) % 1000
    return f"{day:02d}{month:02d}{year:02d}-{serial}"


def _happened_now(form: dict[str, Any]) -> None:
    """Date the incident today (as tests/faults/fejlverden.py does): it took place two hours ago and
    was registered one hour later, so the approval we send now meets every deadline of the law and
    of local policy (the leader's approval included) and routing sends no breach notices."""
    episode = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    form["episode"]["start"] = episode.isoformat()
    form["episode"]["slut"] = (episode + timedelta(minutes=8)).isoformat()
    form["registrering"]["registreret_tidspunkt"] = (episode + timedelta(hours=1)).isoformat()


def _form(base: dict[str, Any], i: int) -> dict[str, Any]:
    form = copy.deepcopy(base)
    form["leder"] = None
    _happened_now(form)
    form["barn"]["cpr"] = _synthetic_cpr(i)
    form["barn"]["navn"] = f"Testbarn Nr{i} (fiktivt)"
    parent = {"ref": f"part-bench-{i}", "navn": "Forælder Fiktiv", "cpr": _synthetic_cpr(i, 80)}
    form["barn"]["foraeldremyndighed"] = [parent]
    form["registrering"]["registreret_af"] = f"mdb-{i % 50}"
    return form


@dataclass
class Observed:
    """What the watcher saw on the output topics."""

    records: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    immediate: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    addressed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    delivered: dict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    channels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def settled(self, case: str) -> bool:
        """Routing addressed the case and every immediate recipient was sent (or finally failed)."""
        return self.addressed[case] > 0 and (
            len(self.delivered[case]) + self.failed[case] >= self.immediate[case]
        )

    def done(self, cases: list[str]) -> bool:
        return all(self.settled(c) for c in cases)


async def _watch(bootstrap: str, namespace: str, seen: Observed, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        *[namespace + t for t in WATCHED],
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=300)
            for tp, records in batches.items():
                topic = tp.topic.removeprefix(namespace)
                for record in records:
                    seen.records[topic].append(record.timestamp)
                    if record.value is None:
                        continue
                    body = json.loads(record.value)
                    case = str(body.get("case_id"))
                    if topic == topics.REPORT_ADDRESSED:
                        seen.addressed[case] += 1
                        if body["when"]["kind"] == "immediately":
                            seen.immediate[case] += 1
                    elif topic == topics.DELIVERY_SENT:
                        seen.delivered[case].append(datetime.fromisoformat(body["occurred_at"]))
                        seen.channels[f"{body['role']}/{body['channel']}"] += 1
                    elif topic == topics.DELIVERY_FAILED and not body.get("retryable"):
                        seen.failed[case] += 1
                        seen.failures[f"{body['role']}/{body['channel']}"] += 1
    finally:
        await consumer.stop()


async def _push(
    bootstrap: str, namespace: str, payload_key: str, n: int, rate: float
) -> dict[str, datetime]:
    """Send N incidents (submit, leader part, approval); return each case's approval time."""
    cipher = FieldCipher([payload_key])
    base = json.loads(EXAMPLE.read_text("utf-8"))
    run = uuid.uuid4().hex[:6]
    approved: dict[str, datetime] = {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        futures = []
        start = time.monotonic()
        for i in range(n):
            if rate > 0:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            case_id = f"bench-{run}-{i:05d}"
            key = case_id.encode()
            submit = {
                **_envelope(case_id),
                "source": "bosted",
                "source_ref": f"doc-{run}-{i}",
                "form": _form(base, i),
            }
            leader = {
                **_envelope(case_id),
                "leder": {
                    "leder_ref": "leder-7",
                    "kommentarer": "Gennemgået.",
                    "vurdering": "Nødvendigt.",
                    "godkendt": False,
                },
            }
            at = datetime.now(UTC)
            approve = {**_envelope(case_id), "leder_ref": "leder-7", "approved_at": at.isoformat()}
            sealed = cipher.encrypt(json.dumps(submit)).encode()
            futures.append(await producer.send(namespace + topics.SUBMIT_FORM, sealed, key=key))
            futures.append(
                await producer.send(
                    namespace + topics.COMPLETE_LEADER_PART, json.dumps(leader).encode(), key=key
                )
            )
            futures.append(
                await producer.send(
                    namespace + topics.APPROVE_REPORT, json.dumps(approve).encode(), key=key
                )
            )
            approved[case_id] = at
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return approved


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children[ppid].append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _peak_kib(pid: int) -> int:
    """Sum of VmHWM (peak resident set) of a process and its children, in KiB."""
    total = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    ticks = 0
    for member in _tree(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _rate(stamps: list[int]) -> tuple[int, float | None]:
    """(count, records per second between the first and the last record timestamp)."""
    if len(stamps) < 2:
        return len(stamps), None
    span = (max(stamps) - min(stamps)) / 1000
    return len(stamps), (len(stamps) - 1) / span if span > 0 else None


async def _reference(bootstrap: str, namespace: str, count: int, size: int) -> float:
    """A bare consume→produce loop (acks=all, idempotent): messages per second."""
    source, target = f"{namespace}bench.ref-in", f"{namespace}bench.ref-out"
    await ensure_topics(bootstrap, [source, target], partitions=3)
    payload = json.dumps({"pad": "x" * max(0, size - 12)}).encode()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        futures = [
            await producer.send(source, payload, key=f"sag-{i % 500}".encode())
            for i in range(count)
        ]
        await asyncio.gather(*futures)
        consumer = AIOKafkaConsumer(
            source,
            bootstrap_servers=bootstrap,
            group_id=f"{namespace}bench.ref",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            moved = 0
            start = time.perf_counter()
            while moved < count:
                batches = await consumer.getmany(timeout_ms=1000)
                sends = [
                    await producer.send(target, r.value, key=r.key)
                    for records in batches.values()
                    for r in records
                ]
                await asyncio.gather(*sends)
                if sends:
                    await consumer.commit()
                moved += len(sends)
            return count / (time.perf_counter() - start)
        finally:
            await consumer.stop()
    finally:
        await producer.stop()


async def _delete_topics(bootstrap: str, namespace: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(namespace)]
        if ours:
            await admin.delete_topics(ours)
        return len(ours)
    finally:
        await admin.close()


def _drop_databases(admin_url: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("+psycopg", ""), autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _profile_start(
    processes: dict[str, int], out: Path, rate: int
) -> list[subprocess.Popen[bytes]]:
    """One `py-spy record` per service process (raw collapsed stacks, idle frames left out)."""
    spy_bin = shutil.which("py-spy")
    if spy_bin is None:
        raise SystemExit("--profile needs py-spy: uv run --with py-spy python bench/pipeline.py …")
    out.mkdir(parents=True, exist_ok=True)
    spies = []
    for name, pid in processes.items():
        command = [spy_bin, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate)]
        command += ["--output", str(out / f"{name}.txt"), "--nonblocking", "--subprocesses"]
        spies.append(
            subprocess.Popen(  # noqa: S603 - fixed argument list built here
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    return spies


def _profile_stop(spies: list[subprocess.Popen[bytes]]) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for spy in spies:
        try:
            spy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()


def _frame(raw: str) -> str:
    """`func (path/to/module.py:12)` → `module.py:func`, short enough for a table."""
    name, _, where = raw.partition(" (")
    file = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(file).parts
    short = "/".join(parts[-2:]) if len(parts) > 1 else file
    return f"{short}:{name}"


WAITING = (
    "selectors.py:EpollSelector.select",
    "threading.py:Condition.wait",
    "threading.py:Thread.join",
    "queue.py:Queue.get",
    "futures/thread.py:_worker",  # an idle worker thread in its queue's (C) get
)
"""Leaf frames of a thread that waits (the event loop's select, an idle worker thread)."""


def _stacks(file: Path) -> list[tuple[list[str], int]]:
    """(frames root → leaf, samples) of a py-spy raw file; waiting stacks left out."""
    stacks = []
    for line in file.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not count_s.isdigit():
            continue
        frames = [_frame(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if frames and frames[-1] not in WAITING:
            stacks.append((frames, int(count_s)))
    return stacks


def _report_profile(out: Path, top: int, cpu: dict[str, float] | None, n: int = 0) -> None:
    """Top frames per service from py-spy's raw files (busy samples only: waits left out).

    Self: the leaf frames. Inclusive: the project's own frames (`magt_*`) with what runs below
    them. With `cpu`, the share of busy samples under `magt_documents` (PDF rendering) is turned
    into CPU ms per incident, so rendering can be read apart from the rest.
    """
    phase = "during the load" if cpu is not None else "idle"
    print(f"\n== py-spy top frames per service ({phase}; busy samples; files in {out}) ==")
    for file in sorted(out.glob("*.txt")):
        stacks = _stacks(file)
        own: dict[str, int] = defaultdict(int)
        inclusive: dict[str, int] = defaultdict(int)
        rendering = 0
        for frames, count in stacks:
            own[frames[-1]] += count
            for name in set(frames):
                inclusive[name] += count
            if any(f.startswith("magt_documents/") for f in frames):
                rendering += count
        busy = sum(count for _, count in stacks)
        line = f"-- {file.stem}: {busy} busy samples"
        if cpu is not None and n and busy and rendering:
            share = rendering / busy
            line += (
                f"; PDF rendering {100 * share:.0f}%"
                f" ≈ {1000 * cpu.get(file.stem, 0.0) * share / n:.0f} ms CPU/incident"
            )
        print(line)
        if not busy:
            continue
        print("   self:")
        for name, count in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
            print(f"   {100 * count / busy:5.1f}%  {name}")
        print("   inclusive, project frames:")
        ranked = sorted(
            (
                (name, c)
                for name, c in inclusive.items()
                if name.startswith("magt_") and "run.py" not in name
            ),
            key=lambda kv: -kv[1],
        )
        for name, count in ranked[:top]:
            print(f"   {100 * count / busy:5.1f}%  {name}")


async def _drive(
    boot: str, ns: str, secrets: pf.Secrets, args: argparse.Namespace, wait_s: float
) -> tuple[Observed, dict[str, datetime], float]:
    seen, stop = Observed(), asyncio.Event()
    watcher = asyncio.create_task(_watch(boot, ns, seen, stop))
    try:
        t0 = time.monotonic()
        approved = await _push(boot, ns, secrets.payload_key, args.incidents, args.rate)
        print(f"  sent {args.incidents} incidents in {time.monotonic() - t0:.1f} s", flush=True)
        deadline = time.monotonic() + wait_s
        cases = list(approved)
        last_report = time.monotonic()
        while not seen.done(cases) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            if time.monotonic() - last_report > 15:
                full = sum(1 for c in cases if seen.settled(c))
                print(f"  … {full}/{len(cases)} incidents settled", flush=True)
                last_report = time.monotonic()
        elapsed = time.monotonic() - t0
        await asyncio.sleep(1.5)  # stragglers of the last outbox batches
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    return seen, approved, elapsed


def _report_pipeline(seen: Observed, approved: dict[str, datetime]) -> None:
    cases = list(approved)
    complete = [c for c in cases if seen.settled(c) and seen.delivered[c]]
    latencies = [(max(seen.delivered[c]) - approved[c]).total_seconds() for c in complete]
    print("\n== pipeline (approval → last delivery) ==")
    print(f"incidents sent:                 {len(cases)}")
    print(f"incidents settled:              {len(complete)} (every immediate recipient done)")
    print(
        f"ReportAddressed (immediately):  {sum(seen.immediate.values())}"
        f" of {sum(seen.addressed.values())} addressed"
    )
    print(
        f"DeliverySent / DeliveryFailed:  {sum(len(v) for v in seen.delivered.values())}"
        f" / {sum(seen.failed.values())} (final failures)"
    )
    for channel, count in sorted(seen.channels.items()):
        print(f"  delivered to {channel:<28} {count}")
    for channel, count in sorted(seen.failures.items()):
        print(f"  failed for   {channel:<28} {count}")
    if latencies:
        first = min(approved[c] for c in complete)
        last = max(max(seen.delivered[c]) for c in complete)
        span = (last - first).total_seconds()
        print(
            f"throughput:                     {len(complete) / span:.2f} incidents/s"
            f" ({len(complete)} in {span:.1f} s)"
        )
        print(
            f"latency p50 / p99 / max:        {_pct(latencies, 0.5):.2f} / "
            f"{_pct(latencies, 0.99):.2f} / {max(latencies):.2f} s"
            f" (mean {statistics.fmean(latencies):.2f} s)"
        )


def _report_services(
    seen: Observed,
    ref: float | None,
    peaks: dict[str, int],
    cpu: dict[str, float],
    idle: dict[str, float],
    n: int,
) -> None:
    print("\n== per-service loop (output-topic record timestamps) vs bare aiokafka loop ==")
    if ref is not None:
        print(f"bare aiokafka consume→produce:  {ref:.0f} msg/s")
    print(f"{'service':<13}{'output topic':<40}{'records':>8}{'msg/s':>9}{'ratio':>9}")
    for service, topic in OUTPUTS.items():
        count, rate = _rate(seen.records.get(topic, []))
        rate_s = f"{rate:.1f}" if rate else "-"
        ratio = f"{rate / ref:.4f}" if rate and ref else "-"
        print(f"{service:<13}{topic:<40}{count:>8}{rate_s:>9}{ratio:>9}")
    print("\n== peak memory (VmHWM, process + children) and CPU during the load ==")
    print(f"{'service':<13}{'peak RSS':>12}{'CPU s':>9}{'CPU ms/incident':>17}{'idle % core':>13}")
    for name, kib in peaks.items():
        used = cpu.get(name, 0.0)
        rest = f"{100 * idle[name]:>13.2f}" if name in idle else f"{'-':>13}"
        print(f"{name:<13}{kib / 1024:>8.1f} MiB{used:>9.1f}{1000 * used / n:>17.0f}{rest}")
    if peaks:
        used = sum(cpu.values())
        total = sum(peaks.values()) / 1024
        rest = f"{100 * sum(idle.values()):>13.2f}" if idle else f"{'-':>13}"
        print(f"{'total':<13}{total:>8.1f} MiB{used:>9.1f}{1000 * used / n:>17.0f}{rest}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--incidents", type=int, default=200, help="child incidents (default 200)")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="incidents sent per second (0 = all at once)"
    )
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="each service on its own PostgreSQL database (default) or on SQLite files",
    )
    parser.add_argument(
        "--ref-factor", type=int, default=5, help="the reference loop moves N × k messages"
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for delivery")
    parser.add_argument(
        "--services", default=",".join(pf.ALL), help="comma-separated services to start"
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the services' logs (and sandbox) folder"
    )
    parser.add_argument(
        "--idle", type=float, default=30.0, help="seconds of CPU measured idle before the load"
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy every service during the load into DIR"
    )
    parser.add_argument("--profile-rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=8, help="frames per service in the profile")
    args = parser.parse_args()
    names = tuple(s for s in args.services.split(",") if s)

    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    started: list[str] = []
    if kafka.running() is None and not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        started.append("kafka")
    boot = kafka.ensure()
    admin_url: str | None = None
    if args.postgres:
        if postgres.running() is None and not os.environ.get("DATABASE_URL"):
            started.append("postgres")
        admin_url = postgres.ensure()
    ns = f"bench{uuid.uuid4().hex[:6]}."
    tmp = Path(tempfile.mkdtemp(prefix="magt-bench-pipeline-"))
    databases: list[str] = []
    sb: sandbox.Sandbox | None = None
    platform: pf.Platform | None = None
    peaks: dict[str, int] = {}
    cpu: dict[str, float] = {}
    idle: dict[str, float] = {}
    seen: Observed | None = None
    approved: dict[str, datetime] = {}
    ref: float | None = None
    ok = False
    try:
        asyncio.run(ensure_topics(boot, [ns + t for t in platform_topics()], partitions=3))
        sb = sandbox.start(tmp / "sandbox", institutions=[INSTITUTION])
        urls: dict[str, str] = {}
        for name in names:
            if admin_url is not None:
                db = f"bench_{uuid.uuid4().hex[:8]}_{name}"
                urls[name] = postgres.create_database(admin_url, db)
                databases.append(db)
            else:
                urls[name] = f"sqlite:///{tmp}/{name}.db"
        secrets = pf.Secrets.generate()
        platform = pf.Platform(
            env={
                **pf.shared_env(boot, ns, secrets, session_issuer().env()),
                "MAGT_LOG_LEVEL": "WARNING",
            },
            log_dir=tmp / "logs",
            service_env=pf.merge_env(pf.database_env(urls), sb.service_env()),
            service_tokens=pf.service_tokens(session_issuer()),
        )
        t0 = time.monotonic()
        platform.start_all(names)
        print(
            f"platform: {len(names)} services healthy in {time.monotonic() - t0:.1f} s"
            f" (namespace {ns}, {'PostgreSQL' if admin_url else 'SQLite'})",
            flush=True,
        )
        if args.idle > 0:
            time.sleep(5)  # let start-up work (first relay passes, rebalances) settle
            idle_spies = []
            if args.profile is not None:
                pids = {p.name: p.pid for p in platform.processes.values()}
                idle_spies = _profile_start(pids, args.profile / "idle", args.profile_rate)
            before = {p.name: _cpu_s(p.pid) for p in platform.processes.values()}
            time.sleep(args.idle)
            _profile_stop(idle_spies)
            idle = {
                p.name: (_cpu_s(p.pid) - before[p.name]) / args.idle
                for p in platform.processes.values()
            }
        spies = []
        if args.profile is not None:
            pids = {p.name: p.pid for p in platform.processes.values()}
            spies = _profile_start(pids, args.profile, args.profile_rate)
        cpu = {p.name: _cpu_s(p.pid) for p in platform.processes.values()}
        try:
            seen, approved, _ = asyncio.run(_drive(boot, ns, secrets, args, args.timeout))
        finally:
            _profile_stop(spies)
        peaks = {p.name: _peak_kib(p.pid) for p in platform.processes.values()}
        cpu = {p.name: _cpu_s(p.pid) - cpu[p.name] for p in platform.processes.values()}
        print(
            f"SMTP mails received: {len(sb.smtp.messages)}, "
            f"Digital Post memos: {len(sb.digital_post.received)}"
        )
        load = os.getloadavg()
        print(f"load average after pipeline: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        platform.stop()
        platform = None
        ref = asyncio.run(_reference(boot, ns, args.incidents * args.ref_factor, size=1500))
        ok = True
    finally:
        if platform is not None:
            platform.stop()
        if sb is not None:
            sb.stop()
        with contextlib.suppress(Exception):
            asyncio.run(_delete_topics(boot, ns))
        if admin_url is not None and databases:
            _drop_databases(admin_url, databases)
        for server in reversed(started):
            {"kafka": kafka.stop, "postgres": postgres.stop}[server]()
    if seen is not None:
        _report_pipeline(seen, approved)
        _report_services(seen, ref, peaks, cpu, idle, args.incidents)
    if args.profile is not None:
        _report_profile(args.profile, args.top, cpu, args.incidents)
        if args.idle > 0:
            _report_profile(args.profile / "idle", args.top, None)
    if ok and not args.keep_logs:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"\nlogs: {tmp / 'logs'}")


if __name__ == "__main__":
    main()
