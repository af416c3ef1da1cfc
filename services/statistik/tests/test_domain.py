"""Pure rules: periods, suppression (with a property test), scope, deadlines and the alert test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from magt_statistik import domain
from magt_statistik.domain import Alarmregler, Tabel, andel, undertryk

pytestmark = pytest.mark.unit


def test_periods_parse_and_reject() -> None:
    q = domain.periode("2025-Q1")
    assert (q.start, q.slut, q.titel) == (date(2025, 1, 1), date(2025, 3, 31), "1. kvartal 2025")
    assert domain.periode("2024-02").slut == date(2024, 2, 29)
    assert domain.periode("2025").slut == date(2025, 12, 31)
    with pytest.raises(ValueError, match="Ukendt periode"):
        domain.periode("2025-Q5")


def test_period_keys_use_danish_time() -> None:
    # 23:30 UTC on 31 March is 1 April in Denmark (summer time): second quarter
    p = domain.periodenoegler(datetime(2025, 3, 31, 23, 30, tzinfo=UTC))
    assert (p.dato, p.maaned, p.kvartal, p.aar) == (date(2025, 4, 1), "2025-04", "2025-Q2", "2025")


def test_small_cells_are_suppressed_with_a_second_cell() -> None:
    t = undertryk({"a": 10, "b": 3, "c": 8})
    # b is small; the reader knows the total 21, so c (the smallest other) goes too
    assert t.celler == {"a": 10, "b": None, "c": None}
    assert t.total == 21
    assert t.vist("b") == "<5"


def test_two_small_cells_that_sum_to_little_take_a_third() -> None:
    t = undertryk({"a": 20, "b": 1, "c": 2, "d": 9})
    # b + c = 3: both could be pinned as small, so d joins them
    assert t.celler == {"a": 20, "b": None, "c": None, "d": None}


def test_small_total_leaves_the_table_out() -> None:
    t = undertryk({"a": 3, "b": 0})
    assert t.udeladt
    assert t.total is None
    assert t.vist("a") == "<5"


def test_zero_and_large_cells_are_shown() -> None:
    assert undertryk({"a": 5, "b": 0, "c": 12}).celler == {"a": 5, "b": 0, "c": 12}


def test_groups_are_protected_too() -> None:
    # quarters of two years; 2025's sum is shown elsewhere, so Q2 alone cannot hide there
    celler = {"2024-Q1": 30, "2024-Q2": 3, "2025-Q1": 40, "2025-Q2": 2, "2025-Q3": 50}
    t = undertryk(celler, [["2024-Q1", "2024-Q2"], ["2025-Q1", "2025-Q2", "2025-Q3"]])
    for gruppe in (["2024-Q1", "2024-Q2"], ["2025-Q1", "2025-Q2", "2025-Q3"]):
        assert sum(1 for k in gruppe if t.celler[k] is None) >= 2


def test_shares_need_every_cell() -> None:
    assert andel(Tabel({"ja": 10, "nej": 30, "ukendt": 5}, 45), ["ja"], ["ja", "nej"]) == 25.0
    assert andel(Tabel({"ja": None, "nej": None}, 40), ["ja"], ["ja", "nej"]) is None
    assert andel(Tabel({}, None, udeladt=True), ["ja"], ["ja"]) is None


# --- the property: suppression never leaks a small cell ------------------------------------

cells = st.dictionaries(
    st.sampled_from([f"c{i}" for i in range(8)]),
    st.one_of(st.integers(0, 6), st.integers(0, 40)),
    min_size=1,
    max_size=8,
)


def _check(celler: dict[str, int], t: Tabel, grupper: list[list[str]]) -> None:
    total = sum(celler.values())
    if t.udeladt:
        assert t.total is None or t.total >= 5
        assert not t.celler
        return
    assert t.total == total
    assert total == 0 or total >= 5
    for k, v in t.celler.items():
        # nothing shown is a small cell, and nothing shown is wrong
        assert v is None or v == celler[k]
        assert v is None or v == 0 or v >= 5
    for gruppe in [list(celler), *grupper]:
        gsum = sum(celler[k] for k in gruppe)
        skjulte = [k for k in gruppe if t.celler[k] is None]
        if 0 < gsum < 5:
            assert all(t.celler[k] is None for k in gruppe if celler[k] > 0)
            continue
        if not skjulte:
            continue
        # a reader knows the group's sum and the shown cells: S = sum of the hidden cells
        s = gsum - sum(t.celler[k] or 0 for k in gruppe if t.celler[k] is not None)
        mindst = 0 if any(celler[k] == 0 for k in skjulte) else 1
        assert len(skjulte) >= 2
        # the largest value each hidden cell can have is at least 5: none is pinned as small
        assert s - (len(skjulte) - 1) * mindst >= 5


@settings(max_examples=400, deadline=None)
@given(cells)
def test_suppression_never_leaks_a_small_cell(celler: dict[str, int]) -> None:
    _check(celler, undertryk(celler), [])


@settings(max_examples=300, deadline=None)
@given(cells, st.lists(st.sets(st.sampled_from([f"c{i}" for i in range(8)])), max_size=3))
def test_suppression_with_groups_never_leaks(
    celler: dict[str, int], grupper_: list[set[str]]
) -> None:
    grupper = [sorted(k for k in g if k in celler) for g in grupper_]
    grupper = [g for g in grupper if g]
    _check(celler, undertryk(celler, grupper), grupper)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40))
def test_shares_are_only_shown_when_both_cells_are(ja: int, nej: int) -> None:
    t = undertryk({"ja": ja, "nej": nej})
    a = andel(t, ["ja"], ["ja", "nej"])
    if a is not None:
        assert ja == 0 or ja >= 5
        assert nej == 0 or nej >= 5


# --- scope ----------------------------------------------------------------------------------


def test_scope_per_role() -> None:
    inst = domain.omfang("leder", "tilbud-a")
    assert inst is not None
    assert (inst.kolonne, inst.undertrykt) == ("institution_id", False)
    drift = domain.omfang("operatoer", "region-midt")
    assert drift is not None
    assert drift.kolonne == "driftsherre_id"
    assert not drift.undertrykt
    kommune = domain.omfang("kommune", "0851")
    assert kommune is not None
    assert kommune.kun_godkendte
    assert kommune.undertrykt
    national = domain.omfang("national", "boernraadet")
    assert national is not None
    assert national.kolonne is None
    assert national.undertrykt
    assert domain.omfang("hacker", "x") is None
    assert domain.maa_skrive_kommentar("operatoer")
    assert not domain.maa_skrive_kommentar("leder")


# --- deadlines and complaints ---------------------------------------------------------------


def test_deadline_outcome() -> None:
    due = datetime(2025, 3, 1, 12, tzinfo=UTC)
    late = due + timedelta(hours=1)
    early = due - timedelta(hours=1)
    assert domain.fristudfald(due=due, met_at=early, breached=False) == "rettidig"
    assert domain.fristudfald(due=due, met_at=late, breached=False) == "overskredet"
    assert domain.fristudfald(due=due, met_at=None, breached=True) == "overskredet"
    assert domain.fristudfald(due=due, met_at=None, breached=False) == "aaben"
    assert domain.er_medhold("delvist_medhold")
    assert not domain.er_medhold("ikke_medhold")


# --- the alert method -----------------------------------------------------------------------


def test_poisson_tail() -> None:
    assert domain.poisson_hale(0, 3.0) == 1.0
    assert domain.poisson_hale(1, 2.0) == pytest.approx(1 - 0.1353352832, rel=1e-9)
    # P(X >= 5 | 1) = 1 - sum_{k<5} e^-1 / k!
    assert domain.poisson_hale(5, 1.0) == pytest.approx(0.0036598468, rel=1e-6)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 400), st.sampled_from([0.05, 0.01, 0.001]))
def test_poisson_threshold_is_the_first_count_that_alerts(rate: float, p: float) -> None:
    k = domain.poisson_graense(rate, p)
    assert domain.poisson_hale(k, rate) < p
    assert k == 0 or domain.poisson_hale(k - 1, rate) >= p


def test_alert_is_relative_to_the_subjects_own_baseline() -> None:
    regler = Alarmregler(vindue_dage=28, basis_vinduer=6, mindste_antal=5, p_graense=0.001)
    # a busy institution: 10 a window usually; 14 is normal variation, 25 is not
    assert not domain.vurder_alarm(14, 60, regler).alarm
    hoej = domain.vurder_alarm(25, 60, regler)
    assert hoej.alarm
    assert hoej.forventet == 10
    assert hoej.graense <= 25
    # a quiet one: 6 in a window against 1 in half a year is an alert
    assert domain.vurder_alarm(6, 1, regler).alarm
    # never below the minimum count, however quiet the history
    assert not domain.vurder_alarm(4, 0, regler).alarm


def test_alert_window_and_id_are_deterministic() -> None:
    regler = Alarmregler(vindue_dage=28, basis_vinduer=6)
    v = domain.alarmvindue(date(2025, 3, 14), regler)
    assert (v.start, v.slut) == (date(2025, 2, 15), date(2025, 3, 14))
    assert v.basis_slut == date(2025, 2, 14)
    assert (v.slut - v.basis_start).days + 1 == 28 * 7
    # every day of the same tumbling block gives the same alert id
    same = domain.alarmvindue(v.blok_start + timedelta(days=27), regler)
    other = domain.alarmvindue(v.blok_start + timedelta(days=28), regler)
    a = domain.alarm_id(domain.Alarmemne.TILBUD, "tilbud-a", v.blok_start)
    assert a == domain.alarm_id(domain.Alarmemne.TILBUD, "tilbud-a", same.blok_start)
    assert a != domain.alarm_id(domain.Alarmemne.TILBUD, "tilbud-a", other.blok_start)
