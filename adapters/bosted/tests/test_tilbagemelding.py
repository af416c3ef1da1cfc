"""Feedback on a Bosted case: journalised in the correspondence (text sealed until sent), and
passed on to the fagkonsulent by advis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_bosted import journal
from magt_bosted.handlers import Handlers
from magt_bosted.intake import i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import Forsendelse
from magt_contracts.messages import TilbagemeldingGivet
from magt_runtime.sagsid import sags_id

pytestmark = pytest.mark.integration
CASE_ID_SECRET = b"test-case-id-secret-bosted"  # the secret conftest's settings carry
SAG = sags_id(
    CASE_ID_SECRET, kilde="bosted", institution_id="tilbud-0851-017", dokument_id="BST-2025-000123"
)
NU = datetime(2025, 3, 18, 10, tzinfo=UTC)
TEKST = "Tilbagemelding om Anders And: god håndtering."


@pytest.fixture
def opsat(
    sqlite_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
) -> tuple[Settings, Engine, Handlers]:
    settings = make_settings(sqlite_url)
    engine = engine_for(sqlite_url)
    raw = lav()
    i_transaktion(engine, lambda s: modtag(s, raw=raw, settings=settings, kilde="mappe"))
    return settings, engine, Handlers(engine, settings)


def _givet(settings: Settings, *, rolle: str, kilde: str = "bosted") -> TilbagemeldingGivet:
    return TilbagemeldingGivet(
        occurred_at=NU,
        case_id=SAG,
        correlation_id=uuid4(),
        tilbagemelding_id="tilb-1",
        rolle=rolle,
        organisation="0860" if rolle == "kommune" else "1081",
        givet_af="sub-1",
        givet=NU,
        kilde=kilde,
        kilde_ref="BST-2025-000123",
        institution_id="tilbud-0851-017",
        tekst_sealed=settings.payload_cipher().encrypt(TEKST),
    )


def _rows(engine: Engine) -> list[Forsendelse]:
    with Session(engine) as session:
        return list(session.exec(select(Forsendelse)))


async def test_feedback_is_journalised_sealed_until_sent_and_passed_to_the_fagkonsulent(
    opsat: tuple[Settings, Engine, Handlers], bosted: Any
) -> None:
    settings, engine, handlers = opsat
    settings = settings.model_copy(update={"bosted_api_url": bosted.url})
    event = _givet(settings, rolle="kommune")
    await handlers.handle(event)
    await handlers.handle(event)  # redelivered
    koe = _rows(engine)
    assert sorted(r.art for r in koe) == ["advis", "journal"]
    assert all("Anders" not in r.body for r in koe)  # no plaintext at rest
    async with journal.klient(settings) as client:
        assert await journal.send_forfaldne(engine, settings, client, nu=datetime.now(UTC)) == 2
    [post] = bosted.state.journal.values()
    assert post.dokument_id == "BST-2025-000123"
    assert post.mappe == "korrespondance"
    assert post.titel == "Tilbagemelding fra kommunen (0860)"
    assert post.tekst == TEKST
    [advis] = bosted.state.advis.values()
    assert "kommunen (0860) har givet en tilbagemelding" in advis.tekst
    assert "Anders" not in advis.tekst
    assert all("Anders" not in r.body and "tekst_sealed" not in r.body for r in _rows(engine))


async def test_the_fagkonsulents_own_feedback_is_journalised_without_an_advis(
    opsat: tuple[Settings, Engine, Handlers],
) -> None:
    settings, engine, handlers = opsat
    await handlers.handle(_givet(settings, rolle="fagkonsulent"))
    assert [r.art for r in _rows(engine)] == ["journal"]


async def test_feedback_on_a_case_from_elsewhere_is_ignored(
    opsat: tuple[Settings, Engine, Handlers],
) -> None:
    settings, engine, handlers = opsat
    await handlers.handle(_givet(settings, rolle="kommune", kilde="nexus"))
    assert _rows(engine) == []


async def test_the_app_subscribes_to_feedback(
    sqlite_url: str, make_settings: Callable[..., Settings]
) -> None:
    from magt_bosted.app import create_app

    app = create_app(make_settings(sqlite_url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        spec = (await client.get("/asyncapi.json")).json()
    assert any("tilbagemelding-givet" in name for name in spec["channels"])
