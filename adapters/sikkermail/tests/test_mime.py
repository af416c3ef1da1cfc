"""The secure mail: headers in clear, everything else signed and encrypted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magt_sikkermail.mime import Addressee, Sender, build_message, check_case_ref, message_id_for
from magt_sikkermail.smime import SmimeError, open_message

pytestmark = pytest.mark.unit

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
REPORT = json.dumps(
    {"sag": "SAG-2025-0042", "indgreb": "fastholdelse", "beskrivelse": "kort fastholdelse"},
    ensure_ascii=False,
).encode()


def _message(sender: Sender, kommune: Addressee, *, key: str = "report.addressed:e-1") -> bytes:
    message = build_message(
        case_ref="SAG-2025-0042",
        report=REPORT,
        idempotency_key=key,
        sender=sender,
        addressee=kommune,
        now=NOW,
    )
    return message.as_bytes()


def test_message_id_is_deterministic_per_key() -> None:
    assert message_id_for("k-1") == message_id_for("k-1")
    assert message_id_for("k-1") != message_id_for("k-2")
    assert message_id_for("k-1", domain="x.example").endswith("@x.example>")


@given(st.text(min_size=1, max_size=200))
def test_message_id_is_a_valid_msg_id_for_any_key(key: str) -> None:
    message_id = message_id_for(key)
    assert message_id == message_id_for(key)
    assert len(message_id) == len("<@magtanvendelse.local>") + 32
    assert message_id[1:33].isalnum()


@pytest.mark.parametrize("ref", ["010190-1234", "0101901234", "a b", "x\r\nBcc: y@z", "", "æ"])
def test_case_ref_must_be_a_safe_token_and_not_a_cpr(ref: str) -> None:
    with pytest.raises(ValueError, match="case reference"):
        check_case_ref(ref)


def test_outer_headers_stay_in_clear_and_content_is_encrypted(
    sender: Sender, kommune: Addressee
) -> None:
    raw = _message(sender, kommune)
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "Subject: Sikker post: indberetning SAG-2025-0042" in head
    assert f"Message-ID: {message_id_for('report.addressed:e-1')}" in head
    assert "To: Kommune 0851 <sikkerpost@kommune-0851.example>" in head
    assert "Date: Fri, 14 Mar 2025 09:30:00 +0000" in head
    assert "application/pkcs7-mime" in head
    assert 'smime-type="enveloped-data"' in head
    for secret in (b"Indberetning om magtanvendelse", b"fastholdelse", b"indberetning-SAG"):
        assert secret not in raw


def test_recipient_decrypts_danish_body_and_json_attachment(
    sender: Sender, kommune: Addressee, pki: Any
) -> None:
    opened = open_message(
        _message(sender, kommune), certificate=kommune.certificate, key=pki.kommune.key
    )
    assert opened.text.startswith("Indberetning om magtanvendelse")
    assert "Sagsreference: SAG-2025-0042" in opened.text
    assert "Vedhæftet fil: indberetning-SAG-2025-0042.json" in opened.text
    assert opened.attachments == {"indberetning-SAG-2025-0042.json": REPORT}
    assert opened.signer_certificates == [sender.certificate]


def test_sender_can_decrypt_its_own_copy(sender: Sender, kommune: Addressee) -> None:
    opened = open_message(_message(sender, kommune), certificate=sender.certificate, key=sender.key)
    assert opened.attachments["indberetning-SAG-2025-0042.json"] == REPORT


def test_someone_else_cannot_decrypt(sender: Sender, kommune: Addressee, pki: Any) -> None:
    with pytest.raises(SmimeError, match="decrypt"):
        open_message(
            _message(sender, kommune),
            certificate=pki.stranger.certificate,
            key=pki.stranger.key,
        )


def test_naive_time_is_refused(sender: Sender, kommune: Addressee) -> None:
    with pytest.raises(ValueError, match="timezone"):
        build_message(
            case_ref="SAG-1",
            report=b"{}",
            idempotency_key="k",
            sender=sender,
            addressee=kommune,
            now=datetime(2025, 1, 1),
        )
