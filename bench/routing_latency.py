"""Approval → delivery latency through routing and sikkermail on real Kafka, PostgreSQL and SMTP.

    uv run python bench/routing_latency.py [--approvals 100] [--rate 10]

Publishes N ReportApproved events (a child's report at a regional institution: the handlekommune and
the driftsherre get signed and encrypted mail at once) at a steady rate, runs the routing service and
the sikkermail adapter in this process, and receives the mails on a local aiosmtpd server with
STARTTLS. Latency is from publishing the approval to the SMTP server accepting the mail. Uses the
project's Kafka and PostgreSQL (started when not running), fresh topics and databases per run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import ssl
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import trustme
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import FastAPI

from magt.infra import kafka, postgres
from magt.infra.common import free_port
from magt.testing.tokens import session_issuer
from magt_contracts import topics
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_routing.app import create_app as create_routing
from magt_routing.settings import Settings
from magt_runtime.crypto import FieldCipher
from magt_runtime.topics import ensure_topics
from magt_sikkermail.app import create_app as create_sikkermail
from magt_sikkermail.settings import SikkermailSettings

ROOT = Path(__file__).resolve().parents[1]


def _cert(
    name: str, key: rsa.RSAPrivateKey, issuer: tuple[x509.Certificate, Any] | None, mail: str | None
) -> x509.Certificate:
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer[0].subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if mail:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(mail)]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def _pki(folder: Path) -> tuple[Path, Path, Path]:
    """Sender cert+key and a recipient directory for the two immediate recipients."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (_cert("Bench CA", ca_key, None, None), ca_key)
    entries = []
    paths: dict[str, Path] = {}
    for slug, mail in [
        ("sender", "magt@afsender.example"),
        ("0860", "post@kommune-0860.example"),
        ("1081", "post@region-1081.example"),
    ]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = _cert(slug, key, ca, mail)
        paths[slug] = folder / f"{slug}-cert.pem"
        paths[slug].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (folder / f"{slug}-key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        entries.append((slug, mail))
    directory = folder / "recipients.toml"
    directory.write_text(
        f'[[recipients]]\nrole = "handlekommune"\nid = "0860"\naddress = "{entries[1][1]}"\n'
        f'name = "Kommune 0860"\ncertificate = "{paths["0860"]}"\n\n'
        f'[[recipients]]\nrole = "driftsherre"\nid = "1081"\naddress = "{entries[2][1]}"\n'
        f'name = "Region 1081"\ncertificate = "{paths["1081"]}"\n',
        encoding="utf-8",
    )
    return paths["sender"], folder / "sender-key.pem", directory


class Arrivals:
    """aiosmtpd handler: when each mail arrived, by case id (from the subject)."""

    def __init__(self) -> None:
        self.at: dict[str, list[float]] = {}

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        arrived = time.perf_counter()
        subject = message_from_bytes(envelope.original_content, policy=policy.default)["Subject"]
        self.at.setdefault(str(subject).rsplit(" ", 1)[-1], []).append(arrived)
        return "250 OK"


def _approved(case_id: str, sealed: str) -> ReportApproved:
    data = json.loads((ROOT / "contracts" / "examples" / "val_indberetning.json").read_text())
    data["barn"]["foraeldremyndighed"] = []  # Digital Post is not part of this measurement
    return ReportApproved(
        occurred_at=datetime.now(UTC),
        case_id=case_id,
        correlation_id=uuid.uuid4(),
        fakta=fakta(parse_form(data), person_ref="p-bench-0001"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
        rapport_sealed=sealed,
    )


@contextlib.asynccontextmanager
async def _running(app: FastAPI) -> AsyncIterator[None]:
    async with app.router.lifespan_context(app):
        yield


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def run(approvals: int, rate: float) -> None:
    bootstrap = kafka.ensure()
    admin = postgres.ensure()
    namespace = f"bench-{uuid.uuid4().hex[:8]}."
    folder = Path(tempfile.mkdtemp(prefix="magt-bench-"))
    sender_cert, sender_key, directory = _pki(folder)
    ca = trustme.CA()
    ca_file = folder / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    arrivals = Arrivals()
    port = free_port()
    smtp = Controller(
        arrivals, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    smtp.start()
    key = FieldCipher.new_key()
    cipher = FieldCipher([key])
    quiet = {"log_level": "WARNING", "log_json": True, "outbox_poll_interval_s": 0.02}
    routing = Settings(
        kafka_bootstrap_servers=bootstrap,
        database_url=postgres.create_database(admin, f"bench_routing_{uuid.uuid4().hex[:8]}"),
        topic_namespace=namespace,
        **session_issuer().settings(),
        scheduler_enabled=False,
        **quiet,  # type: ignore[arg-type]
    )
    mail = SikkermailSettings(
        kafka_bootstrap_servers=bootstrap,
        database_url=postgres.create_database(admin, f"bench_mail_{uuid.uuid4().hex[:8]}"),
        topic_namespace=namespace,
        payload_keys=key,
        smtp_port=port,
        smtp_ca_file=ca_file,
        sender_address="magt@afsender.example",
        sender_cert_file=sender_cert,
        sender_key_file=sender_key,
        directory_file=directory,
        **quiet,  # type: ignore[arg-type]
    )
    topic = routing.topic(topics.REPORT_APPROVED)
    await ensure_topics(bootstrap, [topic])
    report = json.dumps({"bench": True, "tekst": "x" * 2000})
    sent_at: dict[str, float] = {}
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        async with _running(create_routing(routing)), _running(create_sikkermail(mail)):
            # Warm-up: one approval end to end (consumer groups joined, connections open).
            warm = _approved("bench-warmup", cipher.encrypt(report))
            await producer.send_and_wait(topic, warm.model_dump_json().encode(), key=b"warm")
            ready = time.perf_counter() + 60
            while len(arrivals.at.get("bench-warmup", [])) < 2:
                if time.perf_counter() > ready:
                    raise SystemExit("the warm-up approval was not delivered within 60 s")
                await asyncio.sleep(0.05)
            started = time.perf_counter()
            for n in range(approvals):
                case_id = f"bench-{n:05d}"
                event = _approved(case_id, cipher.encrypt(report))
                sent_at[case_id] = time.perf_counter()
                await producer.send_and_wait(
                    topic, event.model_dump_json().encode(), key=case_id.encode()
                )
                await asyncio.sleep(max(0.0, started + (n + 1) / rate - time.perf_counter()))
            deadline = time.perf_counter() + 120
            while sum(len(arrivals.at.get(c, [])) for c in sent_at) < 2 * approvals:
                if time.perf_counter() > deadline:
                    raise SystemExit("not every mail arrived within 120 s")
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
    finally:
        await producer.stop()
        smtp.stop()
    latencies = [
        (arrived - sent_at[case_id]) * 1000
        for case_id in sent_at
        for arrived in arrivals.at[case_id]
    ]
    print(f"approvals: {approvals} at {rate:g}/s; mails: {len(latencies)} (2 per approval)")
    print(
        f"approval → delivery latency (ms): p50 {statistics.median(latencies):.0f}  "
        f"p99 {_pct(latencies, 0.99):.0f}  max {max(latencies):.0f}  "
        f"mean {statistics.fmean(latencies):.0f}"
    )
    print(f"wall time {elapsed:.1f} s, {len(latencies) / elapsed:.1f} mails/s")


def main() -> None:
    logging.disable(logging.INFO)  # faststream's per-message lines would drown the figures
    parser = argparse.ArgumentParser(description="Approval → delivery latency")
    parser.add_argument("--approvals", type=int, default=100)
    parser.add_argument("--rate", type=float, default=10.0, help="approvals per second")
    args = parser.parse_args()
    asyncio.run(run(args.approvals, args.rate))


if __name__ == "__main__":
    main()
