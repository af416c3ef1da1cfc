"""The drop folder on SQLite and PostgreSQL: half-written, unreadable, duplicate, changed, crash."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from magt_bosted import raa, watcher
from magt_bosted.intake import i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import Advis, Dokument, Modtagelse
from magt_contracts import topics
from magt_contracts.messages import CorrectForm, SubmitComplaint, SubmitForm
from magt_runtime.outbox import OutboxRow
from magt_runtime.sagsid import sags_id

CASE_ID_SECRET = b"test-case-id-secret-bosted"  # the secret conftest's settings carry


def sag_for(institution_id: str, dokument_id: str) -> str:
    """The case id the adapter derives for a document of an institution."""
    return sags_id(
        CASE_ID_SECRET, kilde="bosted", institution_id=institution_id, dokument_id=dokument_id
    )


pytestmark = pytest.mark.integration
T0 = datetime(2025, 3, 15, 10, tzinfo=UTC)


@pytest.fixture
def miljoe(
    db_url: str, make_settings: Callable[..., Settings], engine_for: Callable[[str], Engine]
) -> tuple[Settings, Engine]:
    settings = make_settings(db_url)
    settings.drop_folder.mkdir(parents=True)
    return settings, engine_for(db_url)


def _drop(settings: Settings, navn: str, data: dict[str, Any] | bytes) -> Path:
    sti = settings.drop_folder / navn
    sti.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return sti


def _scan(settings: Settings, engine: Engine, *, gange: int = 2) -> dict[str, str]:
    """Scan until stable (two looks), return the verdicts of the last scan that took files in."""
    behandlet: dict[str, str] = {}
    for n in range(gange):
        behandlet.update(
            watcher.scan_once(engine, settings, nu=T0 + timedelta(seconds=n)).behandlet
        )
    return behandlet


def _outbox(engine: Engine) -> list[OutboxRow]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)))  # type: ignore[arg-type]


def _list(mappe: Path) -> list[str]:
    return sorted(p.name for p in mappe.iterdir()) if mappe.exists() else []


def test_new_document_is_submitted_sealed_and_moved(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "a.json", lav())
    assert _scan(settings, engine) == {"a.json": "ny"}
    rows = _outbox(engine)
    assert [r.topic for r in rows] == [settings.topic(topics.SUBMIT_FORM)]
    assert "010110-4321" not in rows[0].payload
    assert "Alma" not in rows[0].payload
    cmd = SubmitForm.model_validate_json(settings.payload_cipher().decrypt(rows[0].payload))
    assert (cmd.case_id, cmd.source, cmd.source_ref) == (
        sag_for("tilbud-0851-017", "BST-2025-000123"),
        "bosted",
        "BST-2025-000123",
    )
    assert rows[0].key == cmd.case_id
    assert cmd.form.form_type == "val_indberetning"
    assert _list(settings.drop_folder / "behandlet") == ["a.json"]
    assert not (settings.drop_folder / "a.json").exists()


def test_part_files_are_never_read(miljoe: tuple[Settings, Engine], lav: Any) -> None:
    settings, engine = miljoe
    _drop(settings, "a.json.part", lav())
    assert _scan(settings, engine, gange=3) == {}
    assert (settings.drop_folder / "a.json.part").exists()
    assert _outbox(engine) == []


def test_half_written_file_waits_until_complete_and_stable(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    settings = settings.model_copy(update={"stable_after_s": 5.0})
    tekst = json.dumps(lav()).encode()
    sti = _drop(settings, "b.json", tekst[:200])
    assert watcher.scan_once(engine, settings, nu=T0).venter == ["b.json"]
    assert watcher.scan_once(engine, settings, nu=T0 + timedelta(seconds=1)).venter == ["b.json"]
    sti.write_bytes(tekst)  # the writer finishes
    later = T0 + timedelta(seconds=10)
    assert watcher.scan_once(engine, settings, nu=later).venter == ["b.json"]  # changed: look again
    assert watcher.scan_once(engine, settings, nu=later + timedelta(seconds=1)).venter == ["b.json"]
    resultat = watcher.scan_once(engine, settings, nu=later + timedelta(seconds=5))
    assert resultat.behandlet == {"b.json": "ny"}
    assert len(_outbox(engine)) == 1
    assert _list(settings.drop_folder / "fejl") == []


def test_unreadable_file_goes_to_fejl_with_a_danish_error_file(
    miljoe: tuple[Settings, Engine],
) -> None:
    settings, engine = miljoe
    _drop(settings, "c.json", b'{"dokument_id": "BST-9", "institution": ')
    assert _scan(settings, engine) == {"c.json": "ulaeselig"}
    fejl = settings.drop_folder / "fejl"
    assert _list(fejl) == ["c.json", "c.json.fejl.txt"]
    tekst = (fejl / "c.json.fejl.txt").read_text(encoding="utf-8")
    assert "kunne ikke læses" in tekst
    assert "gyldig JSON" in tekst
    kept = raa.laes(fejl / "c.json", settings)  # never lost: kept encrypted (magt_bosted.raa)
    assert kept.startswith(b'{"dokument_id"')
    assert _outbox(engine) == []


def test_invalid_form_goes_to_fejl_and_the_institution_gets_an_advis(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "d.json", lav(aendringer={"magtanvendelsesskema.indgreb": ["luftkastning"]}))
    assert _scan(settings, engine) == {"d.json": "afvist"}
    fejltekst = (settings.drop_folder / "fejl" / "d.json.fejl.txt").read_text(encoding="utf-8")
    assert "magtanvendelsesskema.indgreb: Ukendt indgreb" in fejltekst
    advisfiler = _list(settings.drop_folder / "advis")
    assert len(advisfiler) == 1
    assert "BST-2025-000123" in advisfiler[0]
    advis = (settings.drop_folder / "advis" / advisfiler[0]).read_text(encoding="utf-8")
    assert "ikke registreret" in advis
    assert "Tilbud: tilbud-0851-017" in advis
    assert _outbox(engine) == []
    # the same invalid file again: still refused, still one advis
    _drop(settings, "d.json", lav(aendringer={"magtanvendelsesskema.indgreb": ["luftkastning"]}))
    assert _scan(settings, engine) == {"d.json": "afvist"}
    assert len(_list(settings.drop_folder / "advis")) == 1
    # the corrected document is then a plain submission
    _drop(settings, "d.json", lav(aendringer={"dokument_version": 2}))
    assert _scan(settings, engine) == {"d.json": "ny"}
    assert [r.topic for r in _outbox(engine)] == [settings.topic(topics.SUBMIT_FORM)]


def test_duplicate_is_ignored_and_changed_content_is_a_correction(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "e1.json", lav())
    _drop(settings, "e2.json", lav(aendringer={"eksporteret": "2025-03-16T09:00:00+01:00"}))
    assert _scan(settings, engine) == {"e1.json": "ny", "e2.json": "dublet"}
    _drop(settings, "e1.json", lav())  # the same name again, later
    assert _scan(settings, engine) == {"e1.json": "dublet"}
    assert _list(settings.drop_folder / "behandlet") == ["e1.1.json", "e1.json", "e2.json"]
    aendret = lav(
        aendringer={
            "dokument_version": 2,
            "magtanvendelsesskema.episode.sted": "Køkkenet",
            "rettelse": {
                "rettet_af": "mdb-1042",
                "rettet_tidspunkt": "2025-03-16T08:00:00+01:00",
                "aarsag": "Stedet var forkert angivet.",
            },
        }
    )
    _drop(settings, "f.json", aendret)
    assert _scan(settings, engine) == {"f.json": "rettelse"}
    rows = _outbox(engine)
    assert [r.topic for r in rows] == [
        settings.topic(topics.SUBMIT_FORM),
        settings.topic(topics.CORRECT_FORM),
    ]
    rettelse = CorrectForm.model_validate_json(settings.payload_cipher().decrypt(rows[1].payload))
    assert rettelse.reason == "Stedet var forkert angivet."
    assert rettelse.corrected_by == "mdb-1042"
    assert rettelse.case_id == sag_for("tilbud-0851-017", "BST-2025-000123")
    assert rettelse.form.episode.sted == "Køkkenet"
    # an older version arriving late changes nothing
    _drop(settings, "g.json", lav(aendringer={"magtanvendelsesskema.episode.sted": "Haven"}))
    assert _scan(settings, engine) == {"g.json": "foraeldet"}
    assert len(_outbox(engine)) == 2


def test_correction_without_rettelse_section_gets_a_default_reason(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "a.json", lav())
    _scan(settings, engine)
    _drop(
        settings, "b.json", lav(aendringer={"dokument_version": 3, "supplerende_oplysninger": None})
    )
    assert _scan(settings, engine) == {"b.json": "rettelse"}
    rettelse = CorrectForm.model_validate_json(
        settings.payload_cipher().decrypt(_outbox(engine)[1].payload)
    )
    assert rettelse.reason == "Skemaet er ændret i Bosted (dokumentversion 3)."
    assert rettelse.corrected_by == "bosted"


def test_crash_between_record_and_move_is_safe(
    miljoe: tuple[Settings, Engine], lav: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = miljoe
    _drop(settings, "h.json", lav())

    def crash(sti: Path, maal: Path, *args: Any) -> Path | None:
        raise KeyboardInterrupt("the process died after the commit, before the move")

    monkeypatch.setattr(watcher, "flyt", crash)
    with pytest.raises(KeyboardInterrupt):
        _scan(settings, engine)
    assert (settings.drop_folder / "h.json").exists()
    assert len(_outbox(engine)) == 1  # recorded and staged
    monkeypatch.undo()
    assert _scan(settings, engine) == {"h.json": "dublet"}  # the restart only moves it
    assert len(_outbox(engine)) == 1
    assert _list(settings.drop_folder / "behandlet") == ["h.json"]
    with Session(engine) as session:
        assert len(list(session.exec(select(Modtagelse)))) == 1


def test_crash_before_commit_leaves_nothing_behind(
    miljoe: tuple[Settings, Engine], lav: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, engine = miljoe
    _drop(settings, "i.json", lav())
    original = watcher.modtag

    def crash(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise KeyboardInterrupt("the process died before the commit")

    monkeypatch.setattr(watcher, "modtag", crash)
    with pytest.raises(KeyboardInterrupt):
        _scan(settings, engine)
    assert _outbox(engine) == []
    monkeypatch.undo()
    assert _scan(settings, engine) == {"i.json": "ny"}
    assert len(_outbox(engine)) == 1


def test_complaint_becomes_a_plain_submit_complaint_with_only_a_person_ref(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "k.json", lav("klage"))
    assert _scan(settings, engine) == {"k.json": "ny"}
    [row] = _outbox(engine)
    assert row.topic == settings.topic(topics.SUBMIT_COMPLAINT)
    assert "010110" not in row.payload
    klage = SubmitComplaint.model_validate_json(row.payload)  # plain, not sealed
    assert klage.klage_id == sag_for("tilbud-0851-017", "BST-K-2025-0042")
    assert klage.case_id == sag_for(
        "tilbud-0851-017", "BST-2025-000123"
    )  # the case complained about
    assert klage.person_ref.startswith("p-")
    assert len(klage.person_ref) == 34
    assert klage.klager_alder == 15
    # a changed complaint is refused with a Danish explanation
    _drop(
        settings, "k2.json", lav("klage", {"dokument_version": 2, "klage.klagetype": "akut_magt"})
    )
    assert _scan(settings, engine) == {"k2.json": "afvist"}
    tekst = (settings.drop_folder / "fejl" / "k2.json.fejl.txt").read_text(encoding="utf-8")
    assert "kan ikke rettes" in tekst
    assert len(_outbox(engine)) == 1


def test_document_row_keeps_the_fagkonsulent_and_no_personal_data(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    settings, engine = miljoe
    _drop(settings, "a.json", lav())
    _scan(settings, engine)
    with Session(engine) as session:
        [dok] = session.exec(select(Dokument))
        assert (dok.case_id, dok.fagkonsulent_ref, dok.status) == (
            sag_for("tilbud-0851-017", "BST-2025-000123"),
            "fagkonsulent-rn-3",
            "indsendt",
        )
        assert "010110" not in dok.model_dump_json()
        assert list(session.exec(select(Advis))) == []


def test_two_replicas_taking_in_the_same_document_make_one_command(
    pg_url: str,
    make_settings: Callable[..., Settings],
    engine_for: Callable[[str], Engine],
    lav: Any,
) -> None:
    settings = make_settings(pg_url)
    engines = [engine_for(pg_url), engine_for(pg_url)]
    start = threading.Barrier(2)
    verdicts: list[str] = []

    def replica(engine: Engine) -> None:
        raw = lav()
        start.wait()
        kvit = i_transaktion(engine, lambda s: modtag(s, raw=raw, settings=settings, kilde="mappe"))
        verdicts.append(kvit.udfald)

    threads = [threading.Thread(target=replica, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(verdicts) == ["dublet", "ny"]
    assert len(_outbox(engines[0])) == 1


def test_another_institution_reusing_a_document_id_gets_its_own_case_never_a_correction(
    miljoe: tuple[Settings, Engine], lav: Any
) -> None:
    """The takeover of issue 13 through the drop folder: B exports a document with A's id."""
    settings, engine = miljoe
    _drop(settings, "a.json", lav())
    assert _scan(settings, engine) == {"a.json": "ny"}
    fremmed = lav(
        aendringer={
            "dokument_version": 7,
            "institution.tilbud_id": "tilbud-0101-001",
            "magtanvendelsesskema.barn.handlekommune": "0101",
        }
    )
    _drop(settings, "b.json", fremmed)
    assert _scan(settings, engine) == {"b.json": "ny"}
    _drop(settings, "b2.json", lav(aendringer={"institution.tilbud_id": "tilbud-0101-001"}))
    assert _scan(settings, engine) == {"b2.json": "foraeldet"}  # B's own document, older
    rows = _outbox(engine)
    assert [r.topic for r in rows] == [settings.topic(topics.SUBMIT_FORM)] * 2
    sager = [
        SubmitForm.model_validate_json(settings.payload_cipher().decrypt(r.payload)).case_id
        for r in rows
    ]
    assert sager == [
        sag_for("tilbud-0851-017", "BST-2025-000123"),
        sag_for("tilbud-0101-001", "BST-2025-000123"),
    ]
    assert all("BST-2025-000123" not in sag and "000123" not in sag for sag in sager)
    with Session(engine) as session:
        egne = session.exec(select(Dokument).order_by(Dokument.institution_id))  # type: ignore[arg-type]
        assert [(d.institution_id, d.version, d.status) for d in egne] == [
            ("tilbud-0101-001", 7, "indsendt"),
            ("tilbud-0851-017", 1, "indsendt"),
        ]
