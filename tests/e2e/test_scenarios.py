"""The whole platform, end to end: SPEC.md's scenarios and the personal-data scan (issue 9, 1 + 3).

One platform for the module (all eight services as processes on real Kafka and PostgreSQL, the
sandbox for the outside world). Every scenario is driven through the channel a real user or system
would use; then every recipient's mail is decrypted with the sandbox authority's key, and the
deadlines, the complaint and the statistics are read through the services' own APIs. Finally every
byte of every topic in the run's namespace and every log line of every process is scanned for the
scenarios' CPR numbers, names and internal notes.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from magt import scenarios
from magt.scenarios import Forloeb, Koersel

from .conftest import KoerendePlatform

pytestmark = pytest.mark.e2e


def _forloeb(koersel: Koersel, nummer: int) -> Forloeb:
    assert nummer not in koersel.fejl, f"scenarie {nummer} fejlede: {koersel.fejl[nummer]}"
    return koersel.forloeb[nummer]


def _frist(rows: list[dict[str, Any]], case_id: str, kind: str) -> dict[str, Any]:
    found = [r for r in rows if r["case_id"] == case_id and r["kind"] == kind]
    assert found, f"fristen {kind} for {case_id} blev ikke åbnet: {_kinds(rows)}"
    return found[0]


def _kinds(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return sorted((r["case_id"], r["kind"], r["state"]) for r in rows)


def test_no_batch_or_run_error(koersel: Koersel) -> None:
    assert 0 not in koersel.fejl, koersel.fejl.get(0)
    assert koersel.batches, "ingen batches blev bygget"
    assert sum(koersel.batches.values()) > 0, koersel.batches


@pytest.mark.parametrize("nummer", range(1, len(scenarios.SCENARIER) + 1))
def test_scenario_recipients_deadlines_assessment(
    koerende_platform: KoerendePlatform, koersel: Koersel, nummer: int
) -> None:
    forloeb = _forloeb(koersel, nummer)
    missing = scenarios.mangler(forloeb, koersel.modtaget)
    assert not missing, f"{forloeb.titel}: ikke modtaget: {sorted(missing)}"
    wrong = scenarios.forkert_leveret(forloeb, koersel.modtaget)
    assert not wrong, f"{forloeb.titel}: sendt til en myndighed uden rolle: {sorted(wrong)}"
    rows = koersel.frister[nummer]
    for case_id, kind in forloeb.frister_aabnet:
        _frist(rows, case_id, kind)
    for case_id, kind in forloeb.frister_opfyldt:
        assert _frist(rows, case_id, kind)["state"] == "met", _kinds(rows)
    lines = koersel.planer[nummer]
    for case_id, role, recipient_id, when_kind in forloeb.planlagt:
        assert any(
            line["case_id"] == case_id
            and (line["role"], line["recipient_id"], line["when_kind"])
            == (role, recipient_id, when_kind)
            for line in lines
        ), f"{case_id}: {role} {recipient_id} {when_kind} mangler i planen"
    for case_id, allowed in forloeb.vurdering.items():
        sag = scenarios.sag(koerende_platform.ctx, case_id, forloeb.institution_id)
        assert sag["vurdering"]["allowed"] == allowed, (case_id, sag["vurdering"])
        assert sag["status"] == "godkendt", (case_id, sag["status"])


def test_bosted_journal_and_fagkonsulent_advis(koersel: Koersel) -> None:
    forloeb = _forloeb(koersel, 1)
    [case_id] = forloeb.journal_cases
    journal = [titel for sag, titel in koersel.modtaget.journal if sag == case_id]
    # one journal entry per delivery of the Bosted case (handlekommune, driftsherre,
    # beliggenhedskommune, the parent's Digital Post, the fagkonsulent's advis)
    assert len(journal) >= 4, journal
    assert (case_id, "fagkonsulent-rn-9") in koersel.modtaget.advis


def test_nexus_case_notes(koerende_platform: KoerendePlatform, koersel: Koersel) -> None:
    forloeb = _forloeb(koersel, 4)
    assert forloeb.nexus_patient is not None
    notes = scenarios.vent(
        lambda: koerende_platform.sandbox.nexus.notes_for(forloeb.nexus_patient or 0),
        within_s=30,
        what="Nexus fik ingen note på borgerens sag",
    )
    assert notes


def test_bilag_1_over_40_days_makes_two_periods(koersel: Koersel) -> None:
    forloeb = _forloeb(koersel, 4)
    bilag = sorted(k for k in forloeb.cases if k.startswith("bilag_1"))
    assert bilag == ["bilag_1_1", "bilag_1_2"], forloeb.cases
    rows = koersel.frister[4]
    perioder = sorted(_frist(rows, forloeb.cases[k], "bilag1_periode")["due"] for k in bilag)
    assert perioder[0] < perioder[1], perioder


def test_hygiene_repeat_flags_second_use(koersel: Koersel) -> None:
    forloeb = _forloeb(koersel, 5)
    rows = koersel.frister[5]
    request = _frist(rows, forloeb.cases["anden"], "anmodning_om_afgoerelse")
    assert request["state"] in {"open", "warned", "breached"}, request
    assert not [
        r for r in rows if r["case_id"] == forloeb.cases["foerste"] and r["kind"] == request["kind"]
    ], "the first use alone must not open a request deadline"


def test_complaint_upheld_forwarded_and_decided(koersel: Koersel) -> None:
    _forloeb(koersel, 7)
    assert koersel.klage is not None
    assert koersel.klage["status"] == "hos_ankestyrelsen"
    assert koersel.klage_afgjort is not None
    assert koersel.klage_afgjort["status"] == "afgjort"
    assert koersel.klage_afgjort["slutstatus"] is True
    steps = [o.get("til") or o.get("status") for o in koersel.klage_afgjort["overgange"]]
    assert "hos_ankestyrelsen" in str(steps), steps
    assert "afgjort" in str(steps), steps


def test_statistics_count_the_reports(koersel: Koersel) -> None:
    print("\nstatistik:", str(koersel.statistik)[:1500])
    assert koersel.statistik_fejl is None, koersel.statistik_fejl
    assert koersel.statistik is not None
    antal = len(scenarios.godkendte(koersel.forloeb.values()))
    assert koersel.statistik["total"] >= antal, (antal, koersel.statistik["total"])
    per_regime = koersel.statistik["per_regime"]["celler"]
    assert set(per_regime) >= {"val", "sel"}, per_regime


@pytest.fixture(scope="module")
def kafka_scan(koerende_platform: KoerendePlatform, koersel: Koersel) -> scenarios.KafkaScan:
    """Every record of every topic in the run's namespace, searched for the scenarios' secrets."""
    ctx = koerende_platform.ctx
    people = scenarios.hemmeligheder(koersel.forloeb.values())
    internal = [t for f in koersel.forloeb.values() for t in f.interne_tekster]
    return asyncio.run(scenarios.scan_kafka(ctx.bootstrap, ctx.namespace, [*people, *internal]))


def test_nothing_dead_lettered(kafka_scan: scenarios.KafkaScan) -> None:
    dead = {t: n for t, n in kafka_scan.topics.items() if ".magt.dlq." in f".{t}" and n}
    assert not dead, f"beskeder endte i et dead-letter-emne: {dead}"


def test_no_personal_data_anywhere(
    koerende_platform: KoerendePlatform,
    koersel: Koersel,
    kafka_scan: scenarios.KafkaScan,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = koerende_platform.ctx
    people = scenarios.hemmeligheder(koersel.forloeb.values())
    internal = [t for f in koersel.forloeb.values() for t in f.interne_tekster]
    assert people
    assert internal
    scan = kafka_scan
    recipient_topics = [t for t in scan.topics if ".magt.til." in f".{t}"]
    dlq_topics = [t for t in scan.topics if ".magt.dlq." in f".{t}"]
    logs = koerende_platform.platform.logs()
    log_lines = sum(text.count("\n") for text in logs.values())
    mails = koerende_platform.sandbox.mails()
    mail_bytes = sum(len(m["data"]) for m in mails)
    with capsys.disabled():
        print(
            f"\nPERSONDATA-SCANNING: {len(scan.topics)} emner ({len(recipient_topics)} magt.til.*, "
            f"{len(dlq_topics)} dlq), {scan.messages} beskeder, {scan.bytes} bytes; "
            f"{len(logs)} processer, {log_lines} loglinjer; {len(mails)} mails ({mail_bytes} "
            f"bytes), {len(koersel.modtaget.mail_tekster)} dekrypteret; "
            f"{len(ctx.sandbox.digital_post.received)} Digital Post-breve; "
            f"{len(people)} personstrenge, {len(internal)} interne noter; "
            f"scenarier {koersel.sekunder:.1f} s"
        )
    assert scan.messages > 0, scan.topics
    assert recipient_topics, scan.topics
    assert dlq_topics, scan.topics
    assert not scan.hits, f"persondata eller intern note på Kafka: {scan.hits}"
    for process, text in logs.items():
        for secret in [*people, *internal]:
            assert secret not in text, f"{secret!r} står i loggen fra {process}"
    for mail in mails:
        raw = mail["data"].decode("utf-8", errors="replace")
        for secret in [*people, *internal]:
            assert secret not in raw, f"{secret!r} står ukrypteret i en mail til {mail['to']}"
    for text in koersel.modtaget.mail_tekster:
        for note in internal:
            assert note not in text, "den interne del forlod tilbuddet i en mail"
    for besked in ctx.sandbox.digital_post.received.values():
        for note in internal:
            for content in besked["files"].values():
                assert note.encode() not in content, "den interne del stod i Digital Post"
    for entry in ctx.sandbox.bosted.journal.values():
        for secret in [*people, *internal]:
            assert secret not in entry.tekst
            assert secret not in entry.titel


def test_the_new_settings_reach_their_own_authorities(
    koerende_platform: KoerendePlatform, koersel: Koersel
) -> None:
    """VAL § 12 under the §§ 12-13 decision; a plejecenter's report to det kommunale tilsyn
    (SEL § 148 a, stk. 1), never a Socialtilsyn; a § 129 indstilling to Familieretshuset."""
    delvis, pleje, indstilling = (_forloeb(koersel, n) for n in (8, 9, 10))
    leveret = koersel.modtaget.leveret()
    skema = pleje.cases["skema_1b"]
    assert f"{skema}|kommunalt_tilsyn.0751@sandbox.example" in leveret
    assert not {x for x in leveret if x.startswith(f"{skema}|socialtilsyn.")}
    afg = indstilling.cases["afgoerelse_indstilling"]
    assert f"{afg}|familieretshuset.familieretshuset@sandbox.example" in leveret
    _frist(koersel.frister[10], afg, "familieretshuset_afgoerelse")
    rapport = scenarios.sag(
        koerende_platform.ctx, delvis.cases["indberetning"], delvis.institution_id
    )
    [kontrol] = rapport["vurdering"]["afgoerelser"]
    assert (kontrol["art"], kontrol["fundet"], kontrol["overholdt"]) == (
        "val.12_13_ramme",
        True,
        True,
    ), kontrol
