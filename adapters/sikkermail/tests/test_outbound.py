"""From settings and directory to a received mail, with the caller's sent-mail guard."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, create_engine

from magt_sikkermail.delivery import AlreadySent, Sent
from magt_sikkermail.directory import UnknownRecipientError, load_directory
from magt_sikkermail.mime import message_id_for
from magt_sikkermail.outbound import load_sender, send_report
from magt_sikkermail.settings import SikkermailSettings
from magt_sikkermail.smime import open_message
from magt_sikkermail.store import already_sent, mark_sent

pytestmark = pytest.mark.integration


def _settings(pki: Any, server: Any, tmp_path: Path) -> SikkermailSettings:
    directory = tmp_path / "recipients.toml"
    directory.write_text(
        "[[recipients]]\n"
        'role = "socialtilsyn"\nid = "Nord"\n'
        f'address = "{pki.tilsyn.address}"\nname = "Socialtilsyn Nord"\n'
        f'certificate = "{pki.tilsyn.cert_file}"\n',
        encoding="utf-8",
    )
    return SikkermailSettings(
        smtp_port=server.port,
        smtp_ca_file=server.ca_file,
        smtp_timeout_s=5,
        sender_address=pki.sender.address,
        sender_cert_file=pki.sender.cert_file,
        sender_key_file=pki.sender.key_file,
        directory_file=directory,
        backoff_base_s=0.05,
    )


async def test_send_report_once_per_key(smtp_server: Any, pki: Any, tmp_path: Path) -> None:
    settings = _settings(pki, smtp_server, tmp_path)
    directory, sender = load_directory(settings.directory_file), load_sender(settings)
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    call = {
        "settings": settings,
        "directory": directory,
        "sender": sender,
        "role": "socialtilsyn",
        "recipient_id": "Nord",
        "case_ref": "SAG-2025-0100",
        "report": b'{"sag": "SAG-2025-0100"}',
        "idempotency_key": "report.addressed:e-100",
        "now": datetime.now(UTC),
    }
    with Session(engine) as session:
        first = await send_report(**call, already_sent=lambda k: already_sent(session, key=k))
        assert first == Sent(message_id_for("report.addressed:e-100"), attempts=1)
        mark_sent(session, key="report.addressed:e-100", message_id=first.message_id)
        session.commit()
        again = await send_report(**call, already_sent=lambda k: already_sent(session, key=k))
    assert again == AlreadySent(first.message_id)
    [envelope] = smtp_server.recorder.messages
    opened = open_message(
        envelope.original_content, certificate=pki.tilsyn.certificate, key=pki.tilsyn.key
    )
    assert "Socialtilsyn Nord" in opened.text


async def test_unknown_recipient_is_an_error(smtp_server: Any, pki: Any, tmp_path: Path) -> None:
    settings = _settings(pki, smtp_server, tmp_path)
    with pytest.raises(UnknownRecipientError, match="handlekommune"):
        await send_report(
            settings=settings,
            directory=load_directory(settings.directory_file),
            sender=load_sender(settings),
            role="handlekommune",
            recipient_id="0999",
            case_ref="SAG-1",
            report=b"{}",
            idempotency_key="k",
            now=datetime.now(UTC),
        )
