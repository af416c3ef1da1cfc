"""Kafka with SASL/SCRAM and ACLs: a municipality reads only its own topic; services write only theirs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from fastapi import FastAPI

from magt.infra import kafka_secure
from magt.security import (
    SERVICE_ACCESS,
    recipient_grants,
    recipient_user,
    service_grants,
    service_user,
)
from magt.testing.mail import Pki
from magt.testing.tokens import TokenIssuer
from magt_contracts import topics as t
from magt_contracts.topics import recipient_topic
from magt_runtime.crypto import FieldCipher
from magt_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration

KOMMUNER = ("0851", "0101")


@pytest.fixture(scope="module")
def secure_node() -> Iterator[kafka_secure.SecureKafka]:
    started = kafka_secure.running() is None
    users = [
        *(service_user(s) for s in SERVICE_ACCESS),
        *(recipient_user("handlekommune", k) for k in KOMMUNER),
    ]
    node = kafka_secure.ensure(users)
    grants = [g for k in KOMMUNER for g in recipient_grants("handlekommune", k)]
    kafka_secure.apply_grants(
        node, [*grants, *(g for s in SERVICE_ACCESS for g in service_grants(s))]
    )
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


def _app(name: str, folder: Path, shared: dict[str, Any], pki: Pki) -> FastAPI:
    """`name`'s app from its own create_app, with settings for the secured cluster."""
    key = FieldCipher.new_key()
    match name:
        case "registrering":
            from magt_registrering.app import create_app as registrering
            from magt_registrering.settings import Settings as RegistreringSettings

            return registrering(
                RegistreringSettings(
                    **shared, payload_keys=key, storage_keys=key, person_ref_secret="p" * 32
                )
            )
        case "routing":
            from magt_routing.app import create_app as routing
            from magt_routing.settings import Settings as RoutingSettings

            return routing(RoutingSettings(**shared))
        case "frister":
            from magt_frister.app import create_app as frister
            from magt_frister.settings import Settings as FristerSettings

            return frister(FristerSettings(**shared))
        case "klager":
            from magt_klager.app import create_app as klager
            from magt_klager.settings import Settings as KlagerSettings

            return klager(KlagerSettings(**shared))
        case "statistik":
            from magt_statistik.app import create_app as statistik
            from magt_statistik.settings import Settings as StatistikSettings

            return statistik(StatistikSettings(**shared))
        case "bosted":
            from magt_bosted.app import create_app as bosted
            from magt_bosted.settings import Settings as BostedSettings

            return bosted(
                BostedSettings(
                    **shared,
                    drop_folder=folder / "drop",
                    payload_keys=key,
                    person_ref_secret="p" * 32,
                    case_id_secret="c" * 32,
                )
            )
        case "nexus":
            from magt_nexus.app import create_app as nexus
            from magt_nexus.settings import NexusSettings

            return nexus(
                NexusSettings(
                    **shared,
                    payload_keys=key,
                    case_id_secret="c" * 32,
                    kommunekode="1081",
                    api_root="http://127.0.0.1:1/api/",
                    token_url="http://127.0.0.1:1/token",
                )
            )
        case "sikkermail":
            from magt_sikkermail.app import create_app as sikkermail
            from magt_sikkermail.settings import SikkermailSettings

            directory = folder / "recipients.json"
            directory.write_text(json.dumps({"recipients": []}), encoding="utf-8")
            return sikkermail(
                SikkermailSettings(
                    **shared,
                    sender_cert_file=pki.sender.cert_file,
                    sender_key_file=pki.sender.key_file,
                    directory_file=directory,
                )
            )
    raise ValueError(name)


@pytest.mark.parametrize("service", list(SERVICE_ACCESS))
async def test_every_service_starts_as_its_own_user(
    secure_node: kafka_secure.SecureKafka,
    service: str,
    tmp_path: Path,
    pki: Pki,
    token_issuer: TokenIssuer,
) -> None:
    """Each service and adapter starts on the secured cluster as its own SCRAM user."""
    # The topics it reads exist already (their producers create them); its own it creates itself.
    await ensure_topics(
        secure_node.bootstrap,
        SERVICE_ACCESS[service].reads,
        client_kwargs=secure_node.admin_kwargs(),
    )
    user = service_user(service)
    shared: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/{service}.db",
        "kafka_bootstrap_servers": secure_node.bootstrap,
        "kafka_sasl_username": user,
        "kafka_sasl_password": kafka_secure.credentials()[user],
        **token_issuer.settings(),
        "log_json": True,
        "log_level": "WARNING",
    }
    app = _app(service, tmp_path, shared, pki)
    async with asyncio.timeout(90), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/health")
    assert response.status_code == 200
