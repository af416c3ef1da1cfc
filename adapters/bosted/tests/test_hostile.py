"""Hostile files and bodies (issue 13, items 3, 5 and 9): refused in Danish, never blocking.

Each attack is put where the probe put it: as a file in the real drop folder (scanned by the
watcher's own scan) or as a body to the adapter's real app over HTTP; the next valid document is
then taken in as usual.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_bosted import intake, raa, watcher
from magt_bosted.app import create_app
from magt_bosted.settings import Settings
from magt_bosted.store import Advis, FilObservation, Modtagelse
from magt_bosted.vagt import Vagt, blokeret
from magt_runtime.auth import Principal
from magt_runtime.db import make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration
T0 = datetime(2025, 3, 15, 10, tzinfo=UTC)
TILBUD = "tilbud-0851-017"
CPR = "010110-4321"
DYB = b"[" * 10_000 + b"]" * 10_000


@pytest.fixture
def miljoe(
    db_url: str, make_settings: Callable[..., Settings], engine_for: Callable[[str], Engine]
) -> tuple[Settings, Engine]:
    settings = make_settings(db_url)
    settings.drop_folder.mkdir(parents=True)
    return settings, engine_for(db_url)


def _scan(settings: Settings, engine: Engine, vagt: Vagt | None = None) -> dict[str, str]:
    resultat: dict[str, str] = {}
    for n in range(2):
        nu = T0 + timedelta(seconds=n)
        resultat.update(watcher.scan_once(engine, settings, nu=nu, vagt=vagt).behandlet)
    return resultat


def _outbox(engine: Engine) -> int:
    with Session(engine) as session:
        return len(list(session.exec(select(OutboxRow))))


def _surrogat(lav: Any) -> bytes:
    tekst = json.dumps(lav(aendringer={"magtanvendelsesskema.episode.sted": "XX"}))
    return tekst.replace('"XX"', '"\\ud800"').encode()


def _hostile(lav: Any, tmp_path: Path) -> dict[str, Callable[[Path], None]]:
    """File name → how to put the attack there."""

    def stor(sti: Path) -> None:
        with sti.open("wb") as fil:
            fil.truncate(150 * 1024 * 1024)  # sparse: 150 MB without writing them

    def link(sti: Path) -> None:
        maal = tmp_path / "hemmelig.json"
        maal.write_text(json.dumps(lav(aendringer={"dokument_id": "BST-LINK"})))
        sti.symlink_to(maal)

    return {
        "a-stor.json": stor,
        "b-dyb.json": lambda sti: sti.write_bytes(DYB),
        "c-surrogat.json": lambda sti: sti.write_bytes(_surrogat(lav)),
        "d-link.json": link,
        "e-nan.json": lambda sti: sti.write_bytes(b'{"dokument_id": NaN}'),
    }


def test_hostile_files_go_to_fejl_and_the_next_valid_file_is_taken_in(
    miljoe: tuple[Settings, Engine], lav: Any, tmp_path: Path
) -> None:
    settings, engine = miljoe
    for navn, laeg in _hostile(lav, tmp_path).items():
        laeg(settings.drop_folder / navn)
    (settings.drop_folder / "z-gyldig.json").write_text(json.dumps(lav()))
    verdicts = _scan(settings, engine)
    assert verdicts["z-gyldig.json"] == "ny"
    assert {n: v for n, v in verdicts.items() if n != "z-gyldig.json"} == {
        "a-stor.json": "afvist_fil",
        "b-dyb.json": "ulaeselig",
        "c-surrogat.json": "ulaeselig",
        "d-link.json": "afvist_fil",
        "e-nan.json": "ulaeselig",
    }
    assert [p.name for p in settings.drop_folder.glob("*.json")] == []  # nothing left to retry
    assert _outbox(engine) == 1
    fejl = settings.drop_folder / "fejl"
    tekster = {p.name: p.read_text("utf-8") for p in fejl.glob("*.fejl.txt")}
    assert "højst 2 MB" in tekster["a-stor.json.fejl.txt"]
    assert "indlejret for dybt" in tekster["b-dyb.json.fejl.txt"]
    assert "ugyldigt tegn" in tekster["c-surrogat.json.fejl.txt"]
    assert "symbolsk link" in tekster["d-link.json.fejl.txt"]
    assert not (fejl / "a-stor.json").exists()  # never read, never kept
    assert (tmp_path / "hemmelig.json").exists()  # the link's target is never touched
    assert not (fejl / "d-link.json").exists()
    with Session(engine) as session:
        assert session.exec(select(FilObservation)).first() is None
        # the surrogate document still names its institution: it is told, in Danish
        [advis] = session.exec(select(Advis))
    assert advis.institution_id == TILBUD
    assert "ugyldigt tegn" in advis.tekst


def test_unexpected_error_on_one_file_does_not_block_the_next(
    miljoe: tuple[Settings, Engine], lav: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = miljoe
    settings = settings.model_copy(update={"max_file_attempts": 2})
    original = intake.modtag

    def fejler_for_en(session: Session, *, raw: dict[str, Any], **kwargs: Any) -> Any:
        if raw["dokument_id"] == "BST-GIFT":
            raise RuntimeError("a bug that only this document hits")
        return original(session, raw=raw, **kwargs)

    monkeypatch.setattr(watcher, "modtag", fejler_for_en)
    (settings.drop_folder / "a.json").write_text(
        json.dumps(lav(aendringer={"dokument_id": "BST-GIFT"}))
    )
    (settings.drop_folder / "b.json").write_text(json.dumps(lav()))
    vagt = Vagt()
    assert _scan(settings, engine, vagt) == {"a.json": "fejl", "b.json": "ny"}
    assert blokeret(engine, settings, vagt, nu=T0) is not None
    verdict = watcher.scan_once(engine, settings, nu=T0 + timedelta(seconds=2), vagt=vagt)
    assert verdict.behandlet == {"a.json": "fejlet"}
    assert (settings.drop_folder / "fejl" / "a.json").exists()
    assert blokeret(engine, settings, vagt, nu=T0 + timedelta(seconds=2)) is None


def test_fejl_text_advis_and_database_hold_no_personal_value(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    (settings.drop_folder / "a.json").write_text(
        json.dumps(
            lav(
                aendringer={
                    "magtanvendelsesskema.barn.handlekommune": "231187-4117",
                    "magtanvendelsesskema.barn.cpr": "320110-4321",
                    "magtanvendelsesskema.indgreb": ["Alma Testesen"],
                    "magtanvendelsesskema.skemaversion": "231187-4117",
                    "magtanvendelsesskema.episode.231187-4117": "x",
                }
            )
        )
    )
    assert _scan(settings, engine) == {"a.json": "afvist"}
    fejltekst = (settings.drop_folder / "fejl" / "a.json.fejl.txt").read_text("utf-8")
    assert "barn.handlekommune: Kommunekoden er ikke en dansk kommunekode" in fejltekst
    assert "episode.(nøgle): Feltet kendes ikke" in fejltekst
    with Session(engine) as session:
        [advis] = session.exec(select(Advis))
        receipts = [r.model_dump_json() for r in session.exec(select(Modtagelse))]
    advisfil = next((settings.drop_folder / "advis").iterdir()).read_text("utf-8")
    for tekst in (fejltekst, advis.tekst, advis.titel, advisfil, *receipts):
        for personligt in ("231187", "4117", "Alma", "320110", "32-01", "2010"):
            assert personligt not in tekst


def test_raw_documents_are_kept_encrypted_then_deleted(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    (settings.drop_folder / "a.json").write_text(json.dumps(lav()))
    (settings.drop_folder / "b.json").write_bytes(
        b'{"dokument_id": "BST-9", "barn": "' + CPR.encode()
    )
    assert _scan(settings, engine) == {"a.json": "ny", "b.json": "ulaeselig"}
    behandlet = settings.drop_folder / "behandlet" / "a.json"
    fejlet = settings.drop_folder / "fejl" / "b.json"
    for sti in (behandlet, fejlet):
        assert CPR.encode() not in sti.read_bytes()
        assert CPR.encode() in raa.laes(sti, settings)  # an operator can still inspect it
    nu = datetime.now(UTC)
    assert raa.ryd_op(settings, nu=nu) == 0  # within the retention: kept
    senere = nu + timedelta(days=settings.raw_retention_days, seconds=1)
    assert raa.ryd_op(settings, nu=senere) == 3  # both documents and the error text
    assert raa.ryd_op(settings, nu=senere) == 0  # idempotent
    assert not behandlet.exists()
    assert not fejlet.exists()


def test_plaintext_left_by_an_older_version_is_encrypted_or_deleted(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, _engine = miljoe
    gammel = settings.drop_folder / "behandlet" / "gammel.json"
    gammel.parent.mkdir()
    gammel.write_text(json.dumps(lav()))
    raa.ryd_op(settings, nu=datetime.now(UTC))
    assert CPR.encode() not in gammel.read_bytes()
    assert json.loads(raa.laes(gammel, settings))["dokument_id"] == "BST-2025-000123"
    uden = settings.model_copy(update={"raw_retention_days": 0.0})
    raa.ryd_op(uden, nu=datetime.now(UTC))
    assert not gammel.exists()


@pytest.fixture
async def app_klient(
    sqlite_url: str, make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Settings]]:
    settings = make_settings(sqlite_url, stable_after_s=3600.0, blocked_after_s=60.0)
    settings.drop_folder.mkdir(parents=True)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as klient:
        yield klient, settings


def _auth(settings: Settings) -> dict[str, str]:
    principal = Principal(subject="u-1", role="medarbejder", organisation=TILBUD)
    return {"Authorization": f"Bearer {session_issuer().token(principal)}"}


async def test_hostile_bodies_over_http_get_a_danish_4xx_never_500(
    app_klient: tuple[httpx.AsyncClient, Settings], lav: Any
) -> None:
    klient, settings = app_klient
    headers = _auth(settings)
    json_h = {**headers, "Content-Type": "application/json"}
    for body, forventet in [
        (DYB, 400),
        (_surrogat(lav), 400),
        (b'{"dokument_id": NaN}', 400),
        (b"{ikke json", 400),
        (b"x" * (3 * 1024 * 1024), 413),
    ]:
        for h in (json_h, headers):  # declared as JSON or not at all
            svar = await klient.post("/bosted/dokumenter", content=body, headers=h)
            assert svar.status_code == forventet, (body[:20], h)
            [fejl] = svar.json()["detail"]
            assert fejl["field"] in {"(body)", "(fil)"}
            assert fejl["message"].startswith(("Indholdet ", "Dokumentet er for stort"))
    svar = await klient.post("/bosted/dokumenter", json=lav(), headers=headers)
    assert svar.status_code == 202


async def test_health_is_503_while_a_file_waits_in_the_drop_folder(
    app_klient: tuple[httpx.AsyncClient, Settings], lav: Any
) -> None:
    klient, settings = app_klient
    assert (await klient.get("/health")).status_code == 200
    (settings.drop_folder / "a.json").write_text(json.dumps(lav()))
    engine = make_engine(settings.database_url)
    watcher.scan_once(engine, settings, nu=datetime.now(UTC) - timedelta(minutes=5))
    svar = await klient.get("/health")
    assert svar.status_code == 503
    assert svar.json()["status"] == "blokeret"
    os.remove(settings.drop_folder / "a.json")
    watcher.scan_once(engine, settings)
    assert (await klient.get("/health")).status_code == 200
