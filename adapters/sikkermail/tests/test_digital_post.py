"""Digital Post: the MeMo document, checked by a local emulator over real HTTP (uvicorn)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import uvicorn
from sqlmodel import Session, select

from magt_contracts.messages import DeliveryFailed, DeliverySent, ReportAddressed
from magt_contracts.vaerdier import Naar
from magt_documents.testing import i_raekkefoelge, pdf_tekst
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow
from magt_sikkermail import memo
from magt_sikkermail.content import MissingCprError, recipient_cpr
from magt_sikkermail.emulator import EmulatorState, check_memo, create_emulator
from magt_sikkermail.handlers import Handlers, idempotency_key
from magt_sikkermail.settings import SikkermailSettings

NS = {"memo": memo.MEMO_NS}
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")
EKSEMPEL = Path(__file__).parents[3] / "contracts" / "examples" / "val_indberetning.json"
REPORT = {k: v for k, v in json.loads(EKSEMPEL.read_text()).items() if k != "intern"}
PARENT_CPR = REPORT["barn"]["foraeldremyndighed"][0]["cpr"]  # synthetic
CHILD_CPR = REPORT["barn"]["cpr"]  # synthetic


@dataclass
class Emulator:
    """The served emulator: its port and its state."""

    state: EmulatorState
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/memo"

    @property
    def received(self) -> dict[str, dict[str, Any]]:
        return self.state.received

    @property
    def replies(self) -> list[int]:
        return self.state.replies

    @replies.setter
    def replies(self, value: list[int]) -> None:
        self.state.replies = value

    @property
    def posts(self) -> int:
        return self.state.posts

    @property
    def errors(self) -> list[str]:
        return self.state.errors


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    state = Emulator(EmulatorState())
    app = create_emulator(state.state)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        state.port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=state.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.02)
    yield state
    server.should_exit = True
    thread.join(timeout=10)


def _settings(url: str, emulator: Emulator, key: str) -> SikkermailSettings:
    return SikkermailSettings(
        database_url=url,
        payload_keys=key,
        digital_post_url=emulator.url,
        digital_post_sender_id="12345678",
        max_attempts=3,
        backoff_base_s=0.01,
        topic_namespace="t.",
    )


def _addressed(cipher: FieldCipher | None, *, role: str = "foraeldremyndighed") -> ReportAddressed:
    return ReportAddressed(
        occurred_at=NU,
        case_id="sag-2025-0042",
        correlation_id=uuid4(),
        causation_id=uuid4(),
        role=role,  # type: ignore[arg-type]
        recipient_id="part-mor-77",
        channel="digital_post",  # type: ignore[arg-type]
        when=Naar(kind="immediately", due=NU),  # type: ignore[arg-type]
        rapport_ref="rapport-sag-2025-0042-v1",
        topic="magt.til.foraeldremyndighed.part-mor-77.v1",
        rapport_sealed=cipher.encrypt(json.dumps(REPORT, ensure_ascii=False)) if cipher else None,
    )


def _outbox(url: str) -> list[tuple[str, str]]:
    with Session(make_engine(url)) as session:
        return [(r.topic, r.payload) for r in session.exec(select(OutboxRow))]


@pytest.mark.unit
def test_memo_is_deterministic_per_key_and_refuses_a_bad_cpr() -> None:
    main = memo.Document("Brev", "brev.txt", "text/plain", b"Hej")
    args: dict[str, Any] = {
        "sender_id": "12345678",
        "sender_label": "Magt",
        "label": "Orientering",
        "main": main,
        "additional": [],
        "now": NU,
    }
    one = memo.build_memo(idempotency_key="k", recipient_cpr=PARENT_CPR, **args)
    two = memo.build_memo(idempotency_key="k", recipient_cpr=PARENT_CPR, **args)
    assert one == two
    parsed = check_memo(one)
    assert parsed["uuid"] == str(memo.message_uuid_for("k"))
    assert parsed["recipient"] == PARENT_CPR.replace("-", "")
    assert parsed["files"] == {"brev.txt": b"Hej"}
    with pytest.raises(ValueError, match="10 digits"):
        memo.build_memo(idempotency_key="k", recipient_cpr="12", **args)


@pytest.mark.unit
def test_recipient_cpr_is_the_partys_own_or_the_citizens() -> None:
    from magt_contracts.begreber import Rolle

    assert (
        recipient_cpr(REPORT, role=Rolle.FORAELDREMYNDIGHED, recipient_id="part-mor-77")
        == PARENT_CPR
    )
    assert recipient_cpr(REPORT, role=Rolle.BORGER, recipient_id="p-x") == CHILD_CPR
    with pytest.raises(MissingCprError):
        recipient_cpr(REPORT, role=Rolle.VAERGE, recipient_id="vaerge-1")


@pytest.mark.integration
async def test_digital_post_message_reaches_the_emulator_once(
    emulator: Emulator, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    key = FieldCipher.new_key()
    settings = _settings(sqlite_url, emulator, key)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, settings, directory=None, sender=None, clock=lambda: NU)
    event = _addressed(FieldCipher([key]))
    emulator.replies = [503]  # one transient failure first: retried with backoff

    await handlers.on_report_addressed(event)
    await handlers.on_report_addressed(event)  # redelivered: nothing is posted again

    assert emulator.errors == []
    assert emulator.posts == 2
    [message] = emulator.received.values()
    assert message["uuid"] == str(memo.message_uuid_for(idempotency_key(event)))
    assert message["recipient"] == PARENT_CPR.replace("-", "")
    assert message["sender"] == "12345678"
    assert "sag-2025-0042" in message["label"]
    assert list(message["files"]) == [
        "indberetning-sag-2025-0042.pdf",
        "brev.pdf",
        "indberetning-sag-2025-0042.json",
    ]
    form = pdf_tekst(message["files"]["indberetning-sag-2025-0042.pdf"])
    assert REPORT["barn"]["navn"] in form
    assert "Supplerende" not in form
    letter = pdf_tekst(message["files"]["brev.pdf"])
    assert "Indberetning om magtanvendelse" in letter
    assert (
        i_raekkefoelge(
            letter,
            [
                "Hvad er der sket",
                "Der er brugt magt (fysisk magtanvendelse (VAL § 9))",
                "Din ret til at klage",
                "Barnet kan selv klage, når det er fyldt 12 år.",
                "Klagen sendes til kommunalbestyrelsen i",
                "Der er ingen frist for at klage til kommunen.",
                "Ankestyrelsen senest 4 uger",
            ],
        )
        == []
    )
    for cpr in (PARENT_CPR, CHILD_CPR, REPORT["barn"]["navn"]):
        assert cpr not in letter
    assert json.loads(message["files"]["indberetning-sag-2025-0042.json"]) == REPORT
    [(topic, payload)] = _outbox(sqlite_url)
    assert topic == "t.magt.levering.delivery-sent.v1"
    sent = DeliverySent.model_validate_json(payload)
    assert (sent.message_ref, sent.causation_id) == (message["uuid"], event.event_id)
    logged = capsys.readouterr()
    for cpr in (PARENT_CPR, CHILD_CPR, PARENT_CPR.replace("-", "")):
        assert cpr not in logged.out + logged.err


@pytest.mark.integration
async def test_refused_or_impossible_messages_fail_with_dead_letter(
    emulator: Emulator, sqlite_url: str
) -> None:
    key = FieldCipher.new_key()
    settings = _settings(sqlite_url, emulator, key)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, settings, directory=None, sender=None, clock=lambda: NU)
    emulator.replies = [400]
    await handlers.on_report_addressed(_addressed(FieldCipher([key])))
    assert emulator.posts == 1  # a 4xx is permanent: not retried
    await handlers.on_report_addressed(_addressed(None))  # no report: no CPR to address
    assert emulator.posts == 1
    out = _outbox(sqlite_url)
    assert [t for t, _ in out] == [
        "t.magt.levering.delivery-failed.v1",
        "t.magt.dlq.sikkermail.v1",
    ] * 2
    failures = [DeliveryFailed.model_validate_json(p) for t, p in out if "failed" in t]
    assert [f.retryable for f in failures] == [False, False]
    assert "HTTP 400" in failures[0].reason
    assert "CPR" in failures[1].reason


@pytest.mark.integration
async def test_transient_failures_are_retried_then_given_up(
    emulator: Emulator, sqlite_url: str
) -> None:
    key = FieldCipher.new_key()
    settings = _settings(sqlite_url, emulator, key)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, settings, directory=None, sender=None, clock=lambda: NU)
    emulator.replies = [503, 503, 503]
    started = asyncio.get_running_loop().time()
    await handlers.on_report_addressed(_addressed(FieldCipher([key])))
    assert emulator.posts == 3
    assert asyncio.get_running_loop().time() - started >= 0.03  # 0.01 + 0.02 backoff
    [failed] = [
        DeliveryFailed.model_validate_json(p) for t, p in _outbox(sqlite_url) if "failed" in t
    ]
    assert (failed.attempt, failed.retryable) == (3, False)


@pytest.mark.integration
async def test_sent_and_failed_deliveries_are_counted_once(
    emulator: Emulator, sqlite_url: str
) -> None:
    from magt_runtime.metrics import ServiceMetrics
    from magt_sikkermail.metrics import DeliveryMetrics

    key = FieldCipher.new_key()
    settings = _settings(sqlite_url, emulator, key)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    service = ServiceMetrics("sikkermail")
    handlers = Handlers(
        engine,
        settings,
        directory=None,
        sender=None,
        clock=lambda: NU,
        metrics=DeliveryMetrics(service),
    )
    delivered = _addressed(FieldCipher([key]))
    await handlers.on_report_addressed(delivered)
    await handlers.on_report_addressed(delivered)  # redelivered: neither posted nor counted again
    emulator.replies = [400]
    await handlers.on_report_addressed(_addressed(FieldCipher([key])))

    def sample(name: str, **labels: str) -> float | None:
        return service.registry.get_sample_value(name, labels)

    channel = {"channel": "digital_post"}
    assert sample("magt_deliveries_sent_total", **channel) == 1
    assert sample("magt_deliveries_failed_total", **channel) == 1
    source = {"topic": "t.magt.routing.report-addressed.v1", "reason": "failed"}
    assert sample("magt_dead_letters_total", **source) == 1
    assert b"sag-2025-0042" not in service.exposition()


@pytest.mark.unit
async def test_one_report_is_rendered_once_for_all_its_recipients(
    emulator: Emulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every recipient of a report gets the same document, rendered once (the costly step)."""
    import magt_sikkermail.handlers as modul

    renders: list[str] = []
    rigtig = modul.skema_pdf

    def taellende(form: Any, *, sagsref: str, oprettet: datetime | None = None) -> bytes:
        renders.append(sagsref)
        return rigtig(form, sagsref=sagsref, oprettet=oprettet)

    monkeypatch.setattr(modul, "skema_pdf", taellende)
    key = FieldCipher.new_key()
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(
        engine, _settings(sqlite_url, emulator, key), directory=None, sender=None, clock=lambda: NU
    )
    first, second = _addressed(FieldCipher([key])), _addressed(FieldCipher([key]))

    await handlers.on_report_addressed(first)
    await handlers.on_report_addressed(second)

    assert renders == ["sag-2025-0042"]
    first_pdf, second_pdf = (
        m["files"]["indberetning-sag-2025-0042.pdf"] for m in emulator.received.values()
    )
    assert first_pdf == second_pdf
