"""Kafka with SASL/SCRAM and ACLs: a municipality reads only its own topic; services write only theirs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from magt.infra import kafka_secure
from magt.security import (
    recipient_grants,
    recipient_user,
    service_grants,
    service_user,
)
from magt_contracts import topics as t
from magt_contracts.topics import recipient_topic
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration

KOMMUNER = ("0851", "0101")


@pytest.fixture(scope="module")
def secure_node() -> Iterator[kafka_secure.SecureKafka]:
    started = kafka_secure.running() is None
    users = [service_user("registrering"), *(recipient_user("handlekommune", k) for k in KOMMUNER)]
    node = kafka_secure.ensure(users)
    grants = [g for k in KOMMUNER for g in recipient_grants("handlekommune", k)]
    kafka_secure.apply_grants(node, [*grants, *service_grants("registrering")])
    yield node
    if started:
        kafka_secure.stop()


def _as(node: kafka_secure.SecureKafka, user: str) -> dict[str, str]:
    return node.client_kwargs(user, kafka_secure.credentials()[user])


async def _read_one(node: kafka_secure.SecureKafka, user: str, topic: str) -> bytes | None:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=node.bootstrap,
        group_id=f"{user}-test",
        auto_offset_reset="earliest",
        **_as(node, user),
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=8000, max_records=1)
        records = [r for rs in batch.values() for r in rs]
        return records[0].value if records else None
    finally:
        await consumer.stop()


async def test_unauthenticated_client_is_refused(secure_node: kafka_secure.SecureKafka) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=secure_node.bootstrap, request_timeout_ms=3000)
    with pytest.raises(KafkaError):
        await asyncio.wait_for(producer.start(), timeout=10)
    await producer.stop()


async def test_municipality_reads_only_its_own_topic(secure_node: kafka_secure.SecureKafka) -> None:
    own, other = (recipient_topic("handlekommune", k) for k in KOMMUNER)
    await ensure_topics(
        secure_node.bootstrap, [own, other], client_kwargs=secure_node.admin_kwargs()
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=secure_node.bootstrap, **secure_node.admin_kwargs()
    )
    await producer.start()
    try:
        await producer.send_and_wait(own, b"til 0851", key=b"sag-1")
        await producer.send_and_wait(other, b"til 0101", key=b"sag-2")
    finally:
        await producer.stop()

    user = recipient_user("handlekommune", "0851")
    # Its own group name is granted; the test group is `<user>-test`, a prefix match.
    assert await _read_one(secure_node, user, own) == b"til 0851"
    with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError)):
        await _read_one(secure_node, user, other)


async def test_service_writes_only_its_own_topics(secure_node: kafka_secure.SecureKafka) -> None:
    await ensure_topics(
        secure_node.bootstrap,
        [t.REPORT_APPROVED, t.REPORT_ADDRESSED],
        client_kwargs=secure_node.admin_kwargs(),
    )
    producer = AIOKafkaProducer(
        bootstrap_servers=secure_node.bootstrap,
        enable_idempotence=True,
        **_as(secure_node, service_user("registrering")),
    )
    await producer.start()
    try:
        await producer.send_and_wait(t.REPORT_APPROVED, b"{}", key=b"sag-1")
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(t.REPORT_ADDRESSED, b"{}", key=b"sag-1")
    finally:
        await producer.stop()
