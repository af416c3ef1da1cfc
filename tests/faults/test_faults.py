"""Faults survived with exact counts: kill -9, Kafka and PostgreSQL restarts, SMTP outage,
every event twice, two replicas of everything, poison and Hypothesis-generated garbage.

One platform (all eight services as processes, PostgreSQL, the run's Kafka, the sandbox) serves
the whole module. Each test streams its own synthetic child reports (sealed SubmitForm and
ApproveReport on Kafka, fixed event ids), injects its fault mid-stream, waits until the platform
is quiet (outboxes empty, every consumer group committed) and then counts every effect per case:
none may be missing and none doubled (see `fejlverden.EXPECTED_CASE`). Each prints a `FAULT` line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fejlverden import (
    PERIODE,
    Verden,
    Zaehling,
    eventually,
    produce,
    read_all,
    report,
    run,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from magt import platform as pf
from magt.infra import kafka, postgres
from magt.infra.common import pid_alive, port_open

# Generous: the platform is 8-16 processes on a shared 2-core machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

N = 20
RESTART_TIMEOUT_S = 300.0  # statistik subscribes ~20 consumer groups one by one before /health


@pytest.fixture(scope="module")
def verden(
    kafka_bootstrap: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Verden]:
    world = Verden.start(tmp_path_factory.mktemp("faults"), kafka_bootstrap, pg_admin_url)
    try:
        yield world
    finally:
        world.stop()


def check(
    world: Verden, z: Zaehling, case_ids: list[str], fault: str, *, raw_equals_distinct: bool
) -> None:
    """Zero lost, zero doubled: every case exactly as expected, nothing unattributed."""
    assert z.mismatches() == {}, f"{fault}: lost or doubled effects"
    assert z.unattributed() == {}, f"{fault}: effects of no case"
    assert z.statistik_total == len(world.cases), f"{fault}: statistik counted reports wrongly"
    if raw_equals_distinct:
        raw = {c: z.mail_raw.get(c, 0) for c in case_ids}
        distinct = {c: len(z.mail_ids.get(c, ())) for c in case_ids}
        assert raw == distinct, f"{fault}: a mail went to the SMTP server twice"
    assert world.dead() == [], f"{fault}: processes died"


# --- 1. kill -9 of every service mid-stream ------------------------------------------------------

# Downstream first: while a service dies, the services feeding it keep the stream flowing into it.
KILL_ORDER = (
    "nexus",
    "klager",
    "statistik",
    "bosted",
    "frister",
    "sikkermail",
    "routing",
    "registrering",
)


def _progress(world: Verden, service: str, chunk: list[str], statistik_before: int) -> int:
    """How many of `chunk` the service has already acted on (the rest is still in flight)."""
    operator = world.token("operatoer", "1081")
    match service:
        case "registrering":
            return sum(
                1
                for c in chunk
                if (
                    world.get("registrering", f"/sager/{c}", world.token("leder", world.cases[c]))
                    or {}
                ).get("status")
                == "godkendt"
            )
        case "routing":
            return sum(
                1
                for c in chunk
                if world.get("routing", f"/cases/{c}/plan", operator, absent=(403, 404))
            )
        case "sikkermail":
            subjects = [bytes(e.original_content or b"") for e in world.sandbox.smtp.messages]
            return sum(1 for c in chunk if any(c.encode() in s for s in subjects))
        case "frister":
            rows = world.get(
                "frister", "/frister", operator, {"state": ["open", "met"], "limit": 10000}
            )
            return len({r["case_id"] for r in rows} & set(chunk))
        case "bosted":
            return len({a.sag_id for a in world.sandbox.bosted.advis.values()} & set(chunk))
        case "statistik":
            figures = world.get("statistik", "/figurer", operator, {"periode": PERIODE})
            return int(figures["total"]) - statistik_before
        case "klager":
            return sum(
                1
                for c in chunk
                if world.get(
                    "klager",
                    f"/sager/{c}/klagevejledning/status",
                    world.token("leder", world.cases[c]),
                )
            )
        case _:
            return 0


def test_kill_9_of_every_service_mid_stream(verden: Verden) -> None:
    world = verden
    cases = world.new_cases("kill", 3 * len(KILL_ORDER))
    chunks = [cases[i * 3 : (i + 1) * 3] for i in range(len(KILL_ORDER))]
    in_flight: dict[str, str] = {}
    operator = world.token("operatoer", "1081")
    for service, chunk in zip(KILL_ORDER, chunks, strict=True):
        before = 0
        if service == "statistik":  # ask it only while it runs: it restarts slowly
            before = int(
                world.get("statistik", "/figurer", operator, {"periode": PERIODE})["total"]
            )
        world.submit(chunk)
        done = 0
        if service != "nexus":  # nexus acts on no report of ours: kill it as the stream starts

            def working(s: str = service, c: list[str] = chunk, b: int = before) -> int | None:
                return _progress(world, s, c, b) or None

            done = eventually(working, within_s=120, what=f"{service} working on the stream")
        world.platform.kill(service)
        world.platform.start(service, wait=False)
        in_flight[service] = f"{done}/{len(chunk)}"
    for process in list(world.platform.processes.values()):
        world.platform.wait_healthy(process, timeout=RESTART_TIMEOUT_S)
    z = world.settle(cases)
    # A kill between the SMTP server's acceptance and sikkermail's commit may send a mail again:
    # with the same Message-ID, which the recipient recognises; distinct Message-IDs must be exact.
    check(world, z, cases, "kill -9", raw_equals_distinct=False)
    report("kill-9 of all 8 services (done/chunk at kill)", z, cases, **in_flight)


# --- 2. SMTP server down for a while --------------------------------------------------------------


def test_smtp_server_down_then_back(verden: Verden) -> None:
    world = verden
    old = world.sandbox.smtp_controller
    failed_before = world.log_count("sikkermail", "delivery.attempt_failed")
    old.stop()
    cases = world.new_cases("smtp", N)
    world.submit(cases)
    try:
        eventually(
            lambda: world.log_count("sikkermail", "delivery.attempt_failed") >= failed_before + 3,
            within_s=90,
            what="sikkermail failing to reach the SMTP server",
        )
        down_mails = len(world.sandbox.smtp.messages)
    finally:
        again = Controller(
            world.sandbox.smtp,
            hostname=old.hostname,
            port=world.sandbox.smtp_port,
            **old.SMTP_kwargs,
        )
        again.start()
        world.sandbox.smtp_controller = again
    z = world.settle(cases)
    check(world, z, cases, "SMTP outage", raw_equals_distinct=False)
    failed = world.log_count("sikkermail", "delivery.attempt_failed") - failed_before
    report(
        "SMTP server down then back", z, cases, failed_attempts=failed, mails_before_back=down_mails
    )


# --- 3. every event delivered twice ---------------------------------------------------------------


def test_every_event_delivered_twice_changes_nothing(verden: Verden) -> None:
    world = verden
    cases = world.new_cases("dup", N)
    world.submit(cases)
    every = list(world.cases)
    before = world.settle(every)
    check(world, before, every, "before redelivery", raw_equals_distinct=False)
    posts, kald = before.digital_post_posts, world.sandbox.bosted.kald

    records = run(read_all(world.bootstrap, world.event_topics()))
    again = [(r.topic, r.key, r.value, list(r.headers)) for r in records]
    assert run(produce(world.bootstrap, again)) == len(records) > 0

    after = world.settle(every)
    check(world, after, every, "every event twice", raw_equals_distinct=False)
    assert after.snapshot() == before.snapshot(), "a redelivered event changed an effect"
    assert after.digital_post_posts == posts, "Digital Post was called again"
    assert world.sandbox.bosted.kald == kald, "Bosted was called again"
    report("every event delivered twice", after, every, redelivered=len(records))


# --- 4. two replicas of every service -------------------------------------------------------------


def test_two_replicas_of_every_service(verden: Verden) -> None:
    world = verden
    world.start_replicas(1)
    try:
        assert len(world.platform.processes) == 2 * len(pf.ALL)
        cases = world.new_cases("repl", N)
        world.submit(cases)
        z = world.settle(cases)
        check(world, z, cases, "two replicas", raw_equals_distinct=True)
        report("two replicas of all 8 services", z, cases)
    finally:
        world.stop_replicas(1)


# --- 5. poison and garbage on every input topic ---------------------------------------------------

GARBAGE_COUNT = 1000

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
_not_a_string = st.one_of(
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=4), max_size=2),
    st.text(min_size=81, max_size=90),
)
_wrong_typed = st.fixed_dictionaries(
    {
        "event_id": st.one_of(st.integers(), st.text(max_size=12), st.none()),
        "occurred_at": st.one_of(
            st.integers(), st.text(max_size=12), st.lists(st.integers(), max_size=2)
        ),
        "case_id": _not_a_string,  # a case id is a string of 1-80: never valid here
        "correlation_id": st.one_of(st.integers(), st.text(max_size=12)),
    },
    optional={"fakta": _json, "form": _json, "role": _json, "channel": _json},
)
_VALID_SHAPE = json.dumps(
    {
        "event_id": "0b7f2a9e-3c1d-4e8a-9f21-5d6c7b8a9e10",
        "occurred_at": "2025-03-14T21:40:00+01:00",
        "case_id": "x",
    }
)
GARBAGE = st.one_of(
    st.binary(max_size=300),
    _json.filter(lambda v: not (isinstance(v, dict) and "case_id" in v)).map(
        lambda v: json.dumps(v).encode()
    ),
    _wrong_typed.map(lambda v: json.dumps(v).encode()),
    st.integers(0, len(_VALID_SHAPE) - 1).map(lambda k: _VALID_SHAPE[:k].encode()),  # cut short
)


def malformed(n: int) -> list[bytes]:
    """`n` malformed message bodies, the same ones on every run (Hypothesis, derandomized)."""
    found: list[bytes] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(GARBAGE)
    def collect(value: bytes) -> None:
        found.append(value)

    collect()
    assert len(found) >= n * 9 // 10, len(found)
    return found


def test_poison_and_garbage_go_to_the_right_dead_letter_topics(verden: Verden) -> None:
    world = verden
    inputs = world.input_topics()
    every_input = sorted({t for ts in inputs.values() for t in ts})
    assert len(every_input) >= 20, every_input
    garbage = malformed(GARBAGE_COUNT)
    messages: list[tuple[str, bytes | None, bytes | None, list[Any]]] = []
    for topic in every_input:  # a tombstone and a non-UTF-8 body on every input topic
        messages.append((topic, b"poison-tombstone", None, [("event-type", b"Poison")]))
        messages.append((topic, b"poison-bytes", b"\xff\xfe\x00\x81{", [("event-type", b"Poison")]))
    for i, body in enumerate(garbage):
        messages.append((every_input[i % len(every_input)], f"garbage-{i}".encode(), body, []))
    sent = Counter(topic for topic, *_ in messages)
    assert run(produce(world.bootstrap, messages)) == len(messages)

    valid = world.new_cases("efter", 5)  # sent after the garbage: the consumers must go on
    world.submit(valid)
    z = world.settle(valid)
    check(world, z, valid, "poison and garbage", raw_equals_distinct=True)

    letters = world.dead_letters()
    ours = {
        name: [d for d in found if (d.original_key() or b"").startswith((b"poison-", b"garbage-"))]
        for name, found in letters.items()
    }
    others = {name: len(found) - len(ours[name]) for name, found in letters.items()}
    assert all(n == 0 for n in others.values()), f"real messages were dead-lettered: {others}"
    for name, topics_in in inputs.items():
        for letter in ours[name]:
            assert letter.service == name
            assert letter.reason == "invalid", letter
            assert letter.error.strip()
        distinct = Counter(
            d.source_topic
            for d in {(d.source_topic, d.partition, d.offset): d for d in ours[name]}.values()
        )
        assert distinct == Counter({t: sent[t] for t in topics_in}), f"{name}: wrong dead letters"
        assert len(ours[name]) == sum(distinct.values()), f"{name}: a dead letter twice"
    report(
        "poison + Hypothesis garbage",
        z,
        valid,
        garbage=len(garbage),
        poison=2 * len(every_input),
        input_topics=len(every_input),
        dead_letters=sum(len(v) for v in ours.values()),
        per_service="/".join(f"{k}:{len(v)}" for k, v in ours.items()),
    )


# --- 6. PostgreSQL restart ------------------------------------------------------------------------


def test_postgres_restart_mid_stream(verden: Verden, pg_admin_url: str) -> None:
    world = verden
    assert postgres.running() is not None, "the run's PostgreSQL must be magt.infra.postgres's"
    cases = world.new_cases("pg", N)
    first, second = cases[: N // 2], cases[N // 2 :]
    world.submit(first)
    eventually(
        lambda: any(
            c.encode() in bytes(e.original_content or b"")
            for e in world.sandbox.smtp.messages
            for c in first
        ),
        within_s=90,
        what="the first mails of the stream",
    )
    outage = world.log_count("", "consumer.outage")
    assert postgres.stop()
    try:
        world.submit(second)  # arrives while every database is down
        eventually(
            lambda: world.log_count("", "consumer.outage") > outage,
            within_s=60,
            what="consumers meeting the outage",
        )
    finally:
        admin = postgres.ensure()
    assert admin == pg_admin_url, "PostgreSQL came back on another port"
    z = world.settle(cases)
    # A database outage between a mail's acceptance and sikkermail's commit is that same window:
    # the mail goes again, with its Message-ID; distinct Message-IDs must be exact.
    check(world, z, cases, "PostgreSQL restart", raw_equals_distinct=False)
    report(
        "PostgreSQL restart",
        z,
        cases,
        outage_log_lines=world.log_count("", "consumer.outage") - outage,
    )


# --- 7. Kafka restart (last: the session's Kafka is shared) ---------------------------------------


def test_kafka_restart_mid_stream(verden: Verden) -> None:
    world = verden
    ours = kafka.running()
    assert ours is not None, "the run's Kafka must be the one magt.infra.kafka started"
    assert ours.details["bootstrap"] == world.bootstrap
    cases = world.new_cases("kafka", N)
    first, second = cases[: N // 2], cases[N // 2 :]
    world.submit(first)
    eventually(
        lambda: any(
            c.encode() in bytes(e.original_content or b"")
            for e in world.sandbox.smtp.messages
            for c in first
        ),
        within_s=90,
        what="the first mails of the stream",
    )
    port, controller = int(ours.details["port"]), int(ours.details["controller_port"])
    assert kafka.stop()
    try:
        # ensure() keeps the ports only when both are free, i.e. the old broker is really gone.
        eventually(
            lambda: not pid_alive(ours.pid) and not port_open(port) and not port_open(controller),
            within_s=120,
            what="the old Kafka gone",
        )
    finally:
        bootstrap = kafka.ensure()
    assert bootstrap == world.bootstrap, "Kafka came back on another port"
    world.submit(second)
    z = world.settle(cases)
    check(world, z, cases, "Kafka restart", raw_equals_distinct=True)
    report("Kafka restart", z, cases)
