"""Hypothesis properties over recipients, deadlines, the internal part and rule changes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magt_contracts import tid
from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import Enhed, Fristregel, Kilde, Varighed
from magt_contracts.cpr import person_ref
from magt_contracts.forms import SupplerendeOplysninger, parse_form
from magt_contracts.messages import ReportApproved
from magt_contracts.rules.deadlines import deadlines
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.recipients import recipients
from magt_contracts.vaerdier import Indberetningsfakta, TilbudInfo

pytestmark = pytest.mark.unit
KOMMUNER = ["0101", "0147", "0316", "0430", "0450", "0461", "0615", "0740", "0773", "0851", "0860"]
OEJEBLIKKE = st.datetimes(datetime(2024, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))


@st.composite
def rapporter(draw: st.DrawFn) -> Indberetningsfakta:
    """Random external facts of an approved report (both regimes, any institution)."""
    regime = draw(st.sampled_from(["val", "sel"]))
    driftsform = draw(st.sampled_from(["offentlig_kommunal", "offentlig_regional", "privat"]))
    episode = draw(OEJEBLIKKE)
    registreret = episode + draw(st.timedeltas(timedelta(0), timedelta(days=5)))
    godkendt = registreret + draw(st.timedeltas(timedelta(0), timedelta(days=5)))
    form_type = (
        "val_indberetning"
        if regime == "val"
        else draw(st.sampled_from(["skema_1a", "skema_1b", "skema_2", "skema_3"]))
    )
    inst = TilbudInfo(
        institution_id="t-1", navn="T", art=draw(st.sampled_from(["doegninstitution", "botilbud", "intern_skole"])),
        beliggenhedskommune=draw(st.sampled_from(KOMMUNER)), driftsform=driftsform,
        driftsherre_id=None if driftsform == "privat" else draw(st.sampled_from(["0851", "1081"])),
        kopi_til_socialtilsyn_straks=draw(st.booleans()), fagkonsulent_ref=draw(st.sampled_from([None, "fk-1"])),
    )  # fmt: skip
    return Indberetningsfakta(
        regime=regime, form_type=form_type, form_version="2025", institution=inst,
        socialtilsyn=draw(st.sampled_from(["Nord", "Øst", "Syd", "Midt", "Hovedstaden"])),
        handlekommune=draw(st.sampled_from(KOMMUNER)), person_ref="p-0123456789",
        indgreb=["fysisk_magt"], episode_start=episode, registreret=registreret, godkendt=godkendt,
        mistanke_om_strafbart_forhold=draw(st.booleans()), paa_intern_skole=draw(st.booleans()),
        foraeldremyndighed=draw(st.lists(st.sampled_from(["f-1", "f-2"]), max_size=3)),
        vaerge_ref=draw(st.sampled_from([None, "v-1"])),
        paaroerende=draw(st.lists(st.sampled_from(["p-1", "p-2"]), max_size=3)),
        borger_kan_selv_klage=draw(st.booleans()),
        flytning_dato=episode.date() if form_type == "skema_2" else None,
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(rapporter())
def test_every_approved_report_reaches_the_handlekommune(f: Indberetningsfakta) -> None:
    """VAL § 21 and seed 004: every report reaches the handlekommune (Skema 2: the tilsyn only)."""
    modtagere = recipients(f, now=f.godkendt or f.registreret)
    if f.form_type != "skema_2":
        assert any(m.role == "handlekommune" and m.id == f.handlekommune for m in modtagere)
    assert any(m.role in ("handlekommune", "socialtilsyn") for m in modtagere)


@settings(max_examples=150, deadline=None)
@given(rapporter())
def test_no_recipient_twice(f: Indberetningsfakta) -> None:
    modtagere = recipients(f, now=f.registreret)
    noegler = [(m.role, m.id) for m in modtagere]
    assert len(noegler) == len(set(noegler))


@settings(max_examples=150, deadline=None)
@given(rapporter(), OEJEBLIKKE)
def test_no_deadline_before_its_triggering_event(f: Indberetningsfakta, nu: datetime) -> None:
    start = f.episode_start or f.registreret
    if f.flytning_dato is not None:
        start = min(start, tid.ved_dag_start(f.flytning_dato))
    for d in deadlines(f, now=nu):
        assert d.due >= start, d
    for m in recipients(f, now=nu):
        assert m.when.due >= f.registreret or m.when.due >= start


def test_internal_part_never_in_report_approved() -> None:
    """Seed 000 pkt. 2: the internal supplementary information never leaves the institution."""
    interne = set(SupplerendeOplysninger.model_fields)

    def felter(skema: dict[str, Any]) -> set[str]:
        return set().union(
            *(set(n.get("properties", {})) for n in [skema, *skema.get("$defs", {}).values()])
        )

    assert interne.isdisjoint(felter(ReportApproved.model_json_schema()))
    assert "intern" not in felter(ReportApproved.model_json_schema())


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_internal_text_never_reaches_the_external_facts(tekst: str) -> None:
    """Whatever the internal part says never appears in the facts that leave the institution."""
    hemmelig = f"INTERN-{tekst}-INTERN"
    data = json.loads(
        (Path(__file__).parents[1] / "examples" / "val_indberetning.json").read_text()
    )
    data = copy.deepcopy(data)
    data["intern"]["refleksioner"] = hemmelig
    form = parse_form(data)
    f = fakta(form, person_ref=person_ref(form.barn.cpr, b"k"))  # type: ignore[union-attr]
    assert "refleksioner" not in f.model_dump_json()
    assert (
        hemmelig.strip() not in f.model_dump_json()
        or hemmelig.strip() in data["episode"]["beskrivelse"]
        or len(hemmelig.strip()) < 4
    )


@settings(max_examples=100, deadline=None)
@given(rapporter(), st.integers(1, 60 * 24 * 30))
def test_a_later_rule_changes_nothing_before_its_valid_from(
    f: Indberetningsfakta, efter: int
) -> None:
    """A law change dated after every trigger of a report leaves all its deadlines unchanged."""
    kat = standard_katalog()
    nu = f.godkendt or f.registreret
    sidste_trigger = max(t for t in (f.episode_start, f.registreret, nu) if t is not None)
    fra = tid.dansk_dato(sidste_trigger) + timedelta(days=1 + efter // (60 * 24))
    aendret = kat
    for noegle in {r.noegle for r in kat.frister}:
        aendret = aendret.lovaendring(
            Fristregel(noegle, Varighed(99, Enhed.DAGE), Kilde("test", "ny"), fra)
        )
    assert deadlines(f, now=nu, katalog=aendret) == deadlines(f, now=nu, katalog=kat)
    assert aendret.frist("sel.registrering", fra).varighed.antal == 99


@settings(max_examples=200, deadline=None)
@given(OEJEBLIKKE, st.integers(0, 24))
def test_month_end_is_last_second_of_the_danish_month(moment: datetime, frem: int) -> None:
    slut = tid.maanedens_udgang(moment, maaneder_frem=frem)
    assert (slut.hour, slut.minute, slut.second) == (23, 59, 59)
    assert (slut + timedelta(seconds=1)).astimezone(tid.tz()).day == 1
    assert slut >= moment


@settings(max_examples=200, deadline=None)
@given(OEJEBLIKKE, st.integers(0, 400))
def test_days_keep_wall_clock_and_hours_elapse_across_dst(moment: datetime, n: int) -> None:
    dag = tid.plus_dage(moment, n)
    assert (dag.date() - tid.lokal(moment).date()).days == n
    assert tid.plus_timer(moment, n) - moment == timedelta(hours=n)
