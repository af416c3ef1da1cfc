"""Local stand-ins for the world outside the platform, for the demo, the end-to-end tests and benchmarks.

- a real SMTP server (aiosmtpd) that requires STARTTLS, with a test CA for its TLS certificate;
- a test S/MIME CA with a sender identity and one identity per kind of authority, and the recipient
  directory the secure-mail adapter reads (every municipality, every Socialtilsyn, the operators,
  Ankestyrelsen, Familieretshuset and the institutions named by the caller);
- emulators of Digital Post, Bosted and Nexus served over real HTTP on loopback;
- the environment every platform process needs to use them (`service_env`).

All of it binds to 127.0.0.1 only and lives under one folder. Nothing here is used in production:
there the real SMTP relay, Digital Post, Bosted and Nexus take these places.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
import uvicorn
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from magt.infra.common import LOOPBACK
from magt.testing.mail import Identity, Recorder, _identity, _issue, _key
from magt_bosted.emulator import EmulatorState as BostedState
from magt_bosted.emulator import create_emulator as bosted_emulator
from magt_contracts.begreber import Socialtilsyn
from magt_contracts.catalogue.kommuner import KOMMUNER, REGIONSKODER
from magt_nexus.emulator import EmulatorState as NexusState
from magt_nexus.emulator import create_emulator as nexus_emulator
from magt_sikkermail.emulator import EmulatorState as DigitalPostState
from magt_sikkermail.emulator import create_emulator as digital_post_emulator

ANKESTYRELSEN_ID = "ankestyrelsen"


@dataclass
class Served:
    """An ASGI app served by uvicorn in a thread."""

    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def serve(app: FastAPI) -> Served:
    """Serve `app` on a free loopback port; return once it accepts connections."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True, name=f"served-{port}")
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("an emulator did not start within 15 s")
        time.sleep(0.02)
    return Served(f"http://{LOOPBACK}:{port}", server, thread)


@dataclass
class Authorities:
    """The S/MIME identities: one sender, one key per kind of recipient authority."""

    ca_file: Path
    sender: Identity
    kommune: Identity
    tilsyn: Identity
    operator: Identity
    stat: Identity
    tilbud: Identity


@dataclass
class Sandbox:
    """Everything outside the platform, running."""

    root: Path
    authorities: Authorities
    directory_file: Path
    smtp_port: int
    smtp_ca_file: Path
    smtp: Recorder
    smtp_controller: Controller
    digital_post: DigitalPostState
    bosted: BostedState
    nexus: NexusState
    drop_folder: Path
    served: dict[str, Served]

    def service_env(self) -> dict[str, dict[str, str]]:
        """Per-service environment pointing each adapter at its stand-in."""
        nexus = self.served["nexus"].base_url
        return {
            "sikkermail": {
                "MAGT_SIKKERMAIL_SMTP_HOST": LOOPBACK,
                "MAGT_SIKKERMAIL_SMTP_PORT": str(self.smtp_port),
                "MAGT_SIKKERMAIL_SMTP_CA_FILE": str(self.smtp_ca_file),
                "MAGT_SIKKERMAIL_SENDER_ADDRESS": self.authorities.sender.address,
                "MAGT_SIKKERMAIL_SENDER_CERT_FILE": str(self.authorities.sender.cert_file),
                "MAGT_SIKKERMAIL_SENDER_KEY_FILE": str(self.authorities.sender.key_file),
                "MAGT_SIKKERMAIL_DIRECTORY_FILE": str(self.directory_file),
                "MAGT_SIKKERMAIL_DIGITAL_POST_URL": self.served["digital_post"].base_url + "/memo",
                "MAGT_SIKKERMAIL_BACKOFF_BASE_S": "0.5",
                "MAGT_SIKKERMAIL_BACKOFF_MAX_S": "5",
                "MAGT_SIKKERMAIL_MAX_ATTEMPTS": "12",
            },
            "bosted": {
                "MAGT_BOSTED_DROP_FOLDER": str(self.drop_folder),
                "MAGT_BOSTED_BOSTED_API_URL": self.served["bosted"].base_url + "/api",
                "MAGT_BOSTED_POLL_INTERVAL_S": "0.3",
                "MAGT_BOSTED_POLL_IDLE_MAX_S": "2",
                "MAGT_BOSTED_SEND_IDLE_MAX_S": "5",
                "MAGT_BOSTED_STABLE_AFTER_S": "0.3",
                "MAGT_BOSTED_SEND_BACKOFF_BASE_S": "0.5",
            },
            "nexus": {
                "MAGT_NEXUS_API_ROOT": f"{nexus}/api/core/mobile/{self.nexus.instance}/v2/",
                "MAGT_NEXUS_TOKEN_URL": (
                    f"{nexus}/authx/realms/{self.nexus.instance}/protocol/openid-connect/token"
                ),
                "MAGT_NEXUS_CLIENT_ID": self.nexus.client_id,
                "MAGT_NEXUS_CLIENT_SECRET": self.nexus.client_secret,
                "MAGT_NEXUS_POLL_INTERVAL_S": "0.5",
                "MAGT_NEXUS_POLL_IDLE_MAX_S": "4",
                "MAGT_NEXUS_NOTE_INTERVAL_S": "0.3",
                "MAGT_NEXUS_NOTE_IDLE_MAX_S": "5",
                "MAGT_NEXUS_NOTE_BACKOFF_S": "0.5",
            },
        }

    def mails(self) -> list[dict[str, Any]]:
        """Every mail the SMTP server accepted: envelope sender, recipients and raw bytes."""
        return [
            {"from": e.mail_from, "to": list(e.rcpt_tos), "data": bytes(e.original_content or b"")}
            for e in self.smtp.messages
        ]

    def stop(self) -> None:
        self.smtp_controller.stop()
        for served in self.served.values():
            served.stop()


def _authorities(folder: Path) -> Authorities:
    ca_key = _key()
    ca_cert = _issue("Sandbox S/MIME CA", ca_key, issuer=None, address=None)
    ca_file = folder / "smime-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca = (ca_cert, ca_key)
    return Authorities(
        ca_file=ca_file,
        sender=_identity(folder, "sender", "magtanvendelse@platform.example", ca),
        kommune=_identity(folder, "kommune", "sikkerpost@kommuner.example", ca),
        tilsyn=_identity(folder, "tilsyn", "sikkerpost@socialtilsyn.example", ca),
        operator=_identity(folder, "operator", "sikkerpost@driftsherrer.example", ca),
        stat=_identity(folder, "stat", "sikkerpost@stat.example", ca),
        tilbud=_identity(folder, "tilbud", "sikkerpost@tilbud.example", ca),
    )


def recipient_address(role: str, recipient_id: str) -> str:
    """The sandbox's mail address for an authority: readable in a test's assertions."""
    from magt_contracts.topics import recipient_topic

    slug = recipient_topic(role, recipient_id).split(".")[3]  # ASCII: Øst → oest
    return f"{role}.{slug}@sandbox.example"


def _directory(folder: Path, who: Authorities, institutions: list[str]) -> Path:
    entries: list[dict[str, str]] = []

    def add(role: str, ident: str, identity: Identity, name: str) -> None:
        entries.append(
            {
                "role": role,
                "id": ident,
                "address": recipient_address(role, ident),
                "name": name,
                "certificate": str(identity.cert_file),
            }
        )

    for kode, kommune in KOMMUNER.items():
        add("handlekommune", kode, who.kommune, f"{kommune.navn} Kommune")
        add("beliggenhedskommune", kode, who.kommune, f"{kommune.navn} Kommune")
        add("driftsherre", kode, who.operator, f"{kommune.navn} Kommune (driftsherre)")
        # The municipality's own supervisor of plejeboliger and dagtilbud (SEL § 148 a, stk. 1).
        add("kommunalt_tilsyn", kode, who.kommune, f"{kommune.navn} Kommune (kommunalt tilsyn)")
    for region, kode in REGIONSKODER.items():
        add("driftsherre", kode, who.operator, f"Region {region.value}")
    for tilsyn in Socialtilsyn:
        add("socialtilsyn", tilsyn.value, who.tilsyn, f"Socialtilsyn {tilsyn.value}")
    add("ankestyrelsen", ANKESTYRELSEN_ID, who.stat, "Ankestyrelsen")
    add("familieretshuset", "familieretshuset", who.stat, "Familieretshuset")
    for institution in institutions:
        add("tilbud", institution, who.tilbud, f"Tilbud {institution}")
    path = folder / "modtagere.json"
    path.write_text(json.dumps({"recipients": entries}, ensure_ascii=False, indent=1))
    return path


def start(root: Path, *, institutions: list[str] | None = None) -> Sandbox:
    """Start every stand-in under `root` and return how to reach and inspect them."""
    root.mkdir(parents=True, exist_ok=True)
    pki = root / "pki"
    pki.mkdir(exist_ok=True)
    who = _authorities(pki)
    directory = _directory(pki, who, institutions or [])

    tls = trustme.CA()
    smtp_ca = root / "smtp-ca.pem"
    tls.cert_pem.write_to_path(str(smtp_ca))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.issue_cert(LOOPBACK, "localhost").configure_cert(context)
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        smtp_port = int(probe.getsockname()[1])
    recorder = Recorder()
    controller = Controller(
        recorder, hostname=LOOPBACK, port=smtp_port, tls_context=context, require_starttls=True
    )
    controller.start()

    digital_post, bosted, nexus = DigitalPostState(), BostedState(), NexusState()
    served = {
        "digital_post": serve(digital_post_emulator(digital_post)),
        "bosted": serve(bosted_emulator(bosted)),
        "nexus": serve(nexus_emulator(nexus)),
    }
    drop = root / "bosted-drop"
    drop.mkdir(exist_ok=True)
    return Sandbox(
        root=root,
        authorities=who,
        directory_file=directory,
        smtp_port=smtp_port,
        smtp_ca_file=smtp_ca,
        smtp=recorder,
        smtp_controller=controller,
        digital_post=digital_post,
        bosted=bosted,
        nexus=nexus,
        drop_folder=drop,
        served=served,
    )
