"""The report.addressed handler against a real STARTTLS SMTP server and a real database."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import Session, select

from magt_contracts.begreber import Leveringsgrund
from magt_contracts.messages import DeliveryFailed, DeliverySent, ReportAddressed
from magt_contracts.vaerdier import Naar
from magt_documents.testing import pdf_tekst
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import create_tables, make_engine
from magt_runtime.deadletter import DeadLetter
from magt_runtime.outbox import OutboxRow
from magt_sikkermail.directory import load_directory
from magt_sikkermail.handlers import Handlers, idempotency_key
from magt_sikkermail.mime import attachment_name, message_id_for
from magt_sikkermail.outbound import load_sender
from magt_sikkermail.settings import SikkermailSettings
from magt_sikkermail.smime import open_message

pytestmark = pytest.mark.integration
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")
EKSEMPEL = Path(__file__).parents[3] / "contracts" / "examples" / "val_indberetning.json"
RAPPORT = {k: v for k, v in json.loads(EKSEMPEL.read_text()).items() if k != "intern"}


def _event(cipher: FieldCipher | None, **over: Any) -> ReportAddressed:
    data: dict[str, Any] = {
        "occurred_at": NU,
        "case_id": "sag-2025-0077",
        "correlation_id": uuid4(),
        "causation_id": uuid4(),
        "role": "handlekommune",
        "recipient_id": "0851",
        "channel": "sikker_mail",
        "when": Naar(kind="immediately", due=NU),  # type: ignore[arg-type]
        "rapport_ref": "rapport-sag-2025-0077-v1",
        "topic": "magt.til.kommune.0851.v1",
        "rapport_sealed": cipher.encrypt(json.dumps(RAPPORT)) if cipher else None,
    }
    data.update(over)
    return ReportAddressed(**data)


@pytest.fixture
def setup(sqlite_url: str, smtp_server: Any, pki: Any, tmp_path: Path) -> Any:
    directory = tmp_path / "recipients.toml"
    directory.write_text(
        f'[[recipients]]\nrole = "handlekommune"\nid = "0851"\naddress = "{pki.kommune.address}"\n'
        f'name = "Kommune 0851"\ncertificate = "{pki.kommune.cert_file}"\n',
        encoding="utf-8",
    )
    key = FieldCipher.new_key()
    settings = SikkermailSettings(
        database_url=sqlite_url,
        payload_keys=key,
        smtp_port=smtp_server.port,
        smtp_ca_file=smtp_server.ca_file,
        sender_address=pki.sender.address,
        sender_cert_file=pki.sender.cert_file,
        sender_key_file=pki.sender.key_file,
        directory_file=directory,
        max_attempts=2,
        backoff_base_s=0.01,
    )
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(
        engine,
        settings,
        directory=load_directory(directory),
        sender=load_sender(settings),
        clock=lambda: NU,
    )
    return handlers, FieldCipher([key]), engine


def _outbox(engine: Any) -> list[OutboxRow]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxRow)))


async def test_sends_once_with_the_key_derived_message_id(
    setup: Any, smtp_server: Any, pki: Any
) -> None:
    handlers, cipher, engine = setup
    event = _event(cipher)
    await handlers.on_report_addressed(event)
    await handlers.on_report_addressed(event)
    [envelope] = smtp_server.recorder.messages
    opened = open_message(
        envelope.original_content, certificate=pki.kommune.certificate, key=pki.kommune.key
    )
    assert list(opened.attachments) == [
        "indberetning-sag-2025-0077.pdf",
        "indberetning-sag-2025-0077.json",
    ]
    assert json.loads(opened.attachments["indberetning-sag-2025-0077.json"]) == RAPPORT
    pdf = opened.attachments["indberetning-sag-2025-0077.pdf"]
    assert pdf.startswith(b"%PDF")
    tekst = pdf_tekst(pdf)
    assert "Oplysninger om barnet eller den unge" in tekst
    assert RAPPORT["barn"]["navn"] in tekst
    assert "indberetning-sag-2025-0077.pdf" in opened.text
    [row] = _outbox(engine)
    sent = DeliverySent.model_validate_json(row.payload)
    assert sent.message_ref == message_id_for(idempotency_key(event))


async def test_other_channels_are_not_ours(setup: Any, smtp_server: Any) -> None:
    handlers, cipher, engine = setup
    await handlers.on_report_addressed(_event(cipher, channel="bosted_advis"))
    assert smtp_server.recorder.messages == []
    assert _outbox(engine) == []


async def test_unknown_recipient_and_unopenable_report_fail_for_good(
    setup: Any, smtp_server: Any
) -> None:
    handlers, cipher, engine = setup
    await handlers.on_report_addressed(_event(cipher, recipient_id="9999"))
    await handlers.on_report_addressed(_event(None, rapport_sealed="ikke-en-forsegling"))
    assert smtp_server.recorder.messages == []
    rows = _outbox(engine)
    failures = [DeliveryFailed.model_validate_json(r.payload) for r in rows if "failed" in r.topic]
    letters = [DeadLetter.model_validate_json(r.payload) for r in rows if "dlq" in r.topic]
    assert [f.reason for f in failures] == [
        "Modtageren findes ikke i modtagerkataloget.",
        "Den forseglede rapport kan ikke åbnes.",
    ]
    assert all(not f.retryable for f in failures)
    assert len(letters) == 2
    assert ReportAddressed.model_validate_json(letters[0].original_value()).recipient_id == "9999"


EMNE = {
    Leveringsgrund.MISTANKE: ("Mistanke om strafbart forhold", {}),
    Leveringsgrund.AFGOERELSE: ("Afgørelse om magtanvendelse", {}),
    Leveringsgrund.KLAGE: ("Klage over magtanvendelse", {"klage_art": "decided"}),
    Leveringsgrund.FRIST: (
        "Overskredet lovbestemt frist",
        {"frist_art": "forhaandsgodkendelse_udloeb"},
    ),
    Leveringsgrund.STATISTIK_ALARM: ("Usædvanligt mange magtanvendelser", {}),
    Leveringsgrund.LEVERINGSFEJL: ("Levering af indberetning mislykkedes", {}),
}


@pytest.mark.parametrize("grund", sorted(EMNE))
async def test_the_notice_title_comes_from_the_typed_reason_not_the_reference(
    setup: Any, smtp_server: Any, pki: Any, grund: Leveringsgrund
) -> None:
    """A reference that once would have carried the reason says nothing: only `grund` counts."""
    handlers, _, _ = setup
    titel, detalje = EMNE[grund]
    event = _event(None, rapport_ref="ref-uden-betydning", grund=grund, **detalje)
    await handlers.on_report_addressed(event)
    [envelope] = smtp_server.recorder.messages
    opened = open_message(
        envelope.original_content, certificate=pki.kommune.certificate, key=pki.kommune.key
    )
    assert opened.text.splitlines()[0] == titel
    resume = json.loads(opened.attachments[attachment_name("sag-2025-0077")])
    assert (resume["emne"], resume["grund"]) == (titel, grund.value)
    assert resume["reference"] == "ref-uden-betydning"


@pytest.mark.parametrize(
    ("detalje", "titel", "lovbestemt"),
    [
        (
            {"frist_art": "leder_godkendelse", "frist_lovbestemt": False},
            "Overskredet lokal frist",
            False,
        ),
        # From before routing said so: the catalogue knows no act sets the leader's deadline.
        ({"frist_art": "leder_godkendelse"}, "Overskredet lokal frist", False),
        (
            {"frist_art": "registrering", "frist_lovbestemt": True},
            "Overskredet lovbestemt frist",
            True,
        ),
    ],
)
async def test_an_overdue_local_deadline_is_called_a_local_deadline_never_a_breach_of_law(
    setup: Any,
    smtp_server: Any,
    pki: Any,
    detalje: dict[str, Any],
    titel: str,
    lovbestemt: bool,
) -> None:
    """A deadline no act sets is local policy: the mail says "lokal frist", not a breach of law."""
    handlers, _, _ = setup
    event = _event(None, rapport_ref="frist:x", grund=Leveringsgrund.FRIST, **detalje)
    await handlers.on_report_addressed(event)
    [envelope] = smtp_server.recorder.messages
    opened = open_message(
        envelope.original_content, certificate=pki.kommune.certificate, key=pki.kommune.key
    )
    assert opened.text.splitlines()[0] == titel
    resume = json.loads(opened.attachments[attachment_name("sag-2025-0077")])
    frist = resume["overskredet_frist"]
    assert (resume["emne"], frist["art"], frist["lovbestemt"]) == (
        titel,
        detalje["frist_art"],
        lovbestemt,
    )
    assert ("ikke et brud på loven" in frist["bemaerkning"]) is not lovbestemt
    assert ("lovbestemt" in opened.text) is lovbestemt
