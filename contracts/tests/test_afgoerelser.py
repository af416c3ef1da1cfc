"""Decisions as data: a use is checked against the decision it rests on (VAL and SEL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from magt_contracts.begreber import Fristart
from magt_contracts.explain import explain_form
from magt_contracts.forms import KommunalAfgoerelse, Skema2, ValAfgoerelse, parse_form
from magt_contracts.rules.afgoerelser import Brug
from magt_contracts.rules.assess import assess
from magt_contracts.rules.deadlines import deadlines
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.recipients import decision_recipients
from magt_contracts.vaerdier import Udfald, Vurdering

pytestmark = pytest.mark.unit
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")
DELVIS = "delvis_lukket_doegninstitution"


def _koder(v: Vurdering) -> set[str]:
    return {f.code for f in v.flags} - {"cpr-modulus11"}


def _afg(lav: Any, art: str, fra: str, til: str, **felter: Any) -> ValAfgoerelse:
    data = lav("val_afgoerelse", {"art": art, "gyldig_fra": fra, "gyldig_til": til, **felter})
    form = parse_form(data)
    assert isinstance(form, ValAfgoerelse)
    return form


def _rapport(lav: Any, kode: str, ref: str | None = "afg-0851-2025-007", **felter: Any) -> Any:
    aendringer: dict[str, Any] = {"indgreb": [kode], "afgoerelse_ref": ref, **felter}
    if kode in ("tilbageholdelse_delvis_lukket", "fastholdelse_delvis_lukket"):
        aendringer.setdefault("institution.art", DELVIS)
    return parse_form(lav("val_indberetning", aendringer))


def _dage(start: str, antal: int) -> list[Brug]:
    """`antal` earlier one-day uses from `start`, one case each."""
    t0 = datetime.fromisoformat(start)
    return [
        Brug(f"tidligere-{i}", "tilbageholdelse_delvis_lukket", t0 + timedelta(days=i),
             t0 + timedelta(days=i, hours=2))
        for i in range(antal)
    ]  # fmt: skip


def test_val_11_without_a_decision_is_not_allowed(lav: Any) -> None:
    """VAL § 11, stk. 1-2: børne- og ungeudvalget 'kan træffe afgørelse om' tilbageholdelse."""
    v = assess(_rapport(lav, "tilbageholdelse", ref=None), now=NU, decisions=[])
    assert "no-decision" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED
    assert v.afgoerelser[0].fundet is False
    assert "VAL § 11, stk. 1" in v.afgoerelser[0].kilde


def test_val_11_within_its_14_day_decision_is_allowed(lav: Any) -> None:
    """VAL § 11, stk. 2: tilbageholdes 'i op til 14 dage under anbringelsen'."""
    afg = _afg(lav, "val.11_under_anbringelse", "2025-03-10", "2025-03-23")
    v = assess(_rapport(lav, "tilbageholdelse"), now=NU, decisions=[afg])
    assert _koder(v) == set()
    assert v.allowed is Udfald.ALLOWED
    assert v.afgoerelser[0].overholdt
    assert v.afgoerelser[0].art == "val.11_under_anbringelse"


def test_val_11_decision_longer_than_14_days_is_flagged(lav: Any) -> None:
    """VAL § 11, stk. 2: a decision runs 'i op til 14 dage'; 20 days passes the limit."""
    afg = _afg(lav, "val.11_under_anbringelse", "2025-03-01", "2025-03-20")
    v = assess(_rapport(lav, "tilbageholdelse"), now=NU, decisions=[afg])
    flag = next(f for f in v.flags if f.code == "decision-period-exceeds-law")
    assert "højst 14 dage efter VAL § 11, stk. 2" in flag.message
    assert "decision-period-exceeds-law" in _koder(assess(afg, now=NU))


def test_val_12_use_outside_the_frame_names_the_period(lav: Any) -> None:
    """VAL § 12, stk. 4: the leader acts 'inden for de rammer', kommunalbestyrelsen set."""
    afg = _afg(lav, "val.12_13_ramme", "2025-04-01", "2026-03-31")
    v = assess(_rapport(lav, "tilbageholdelse_delvis_lukket"), now=NU, decisions=[afg])
    flag = next(f for f in v.flags if f.code == "outside-decision-period")
    assert "2025-04-01 til 2026-03-31" in flag.message
    assert "2025-03-14" in flag.message
    assert v.allowed is Udfald.NOT_ALLOWED


def test_val_12_13_frame_is_for_one_year_at_a_time(lav: Any) -> None:
    """VAL § 12, stk. 5: 'en samlet afgørelse og træffes for 1 år ad gangen'."""
    afg = _afg(lav, "val.12_13_ramme", "2025-01-01", "2026-01-01")
    v = assess(afg, now=NU)
    assert "decision-period-exceeds-law" in _koder(v)
    assert "højst 1 år" in v.flags[-1].message
    assert "decision-period-exceeds-law" not in _koder(
        assess(_afg(lav, "val.12_13_ramme", "2025-01-01", "2025-12-31"), now=NU)
    )


def test_val_12_at_most_5_days_in_a_row(lav: Any) -> None:
    """VAL § 12, stk. 3: 'højst udgøre 5 sammenhængendende dage'."""
    afg = _afg(lav, "val.12_13_ramme", "2025-01-01", "2025-12-31")
    rapport = _rapport(lav, "tilbageholdelse_delvis_lukket")  # 14 March 2025
    fire = _dage("2025-03-10T09:00:00+01:00", 4)  # 10-13 March
    ok = assess(rapport, now=NU, decisions=[afg], uses=fire)
    assert _koder(ok) == set()
    assert ok.afgoerelser[0].dage_i_traek == 5
    fem = _dage("2025-03-09T09:00:00+01:00", 5)  # 9-13 March
    v = assess(rapport, now=NU, decisions=[afg], uses=fem)
    flag = next(f for f in v.flags if f.code == "detention-days-in-a-row-exceeded")
    assert "6 dage i træk; højst 5 efter VAL § 12, stk. 3" in flag.message
    assert v.allowed is Udfald.NOT_ALLOWED


def test_val_12_at_most_30_days_in_one_year(lav: Any) -> None:
    """VAL § 12, stk. 3: 'maksimum 30 dage i alt på 1 år'."""
    afg = _afg(lav, "val.12_13_ramme", "2025-01-01", "2025-12-31")
    rapport = _rapport(lav, "tilbageholdelse_delvis_lukket")
    # every other day from 1 January: never more than one day in a row
    spredt = _dage("2025-01-01T09:00:00+01:00", 60)[::2]
    v = assess(rapport, now=NU, decisions=[afg], uses=spredt)
    assert v.afgoerelser[0].dage_paa_et_aar == 31
    assert "detention-days-per-year-exceeded" in _koder(v)
    assert "detention-days-per-year-exceeded" not in _koder(
        assess(rapport, now=NU, decisions=[afg], uses=spredt[:-1])
    )


def test_val_13_fastholdelse_under_the_frame_has_no_day_limit(lav: Any) -> None:
    """VAL § 13, stk. 2: fastholdelse under the combined decision; § 12, stk. 3's days are
    tilbageholdelse's."""
    afg = _afg(lav, "val.12_13_ramme", "2025-01-01", "2025-12-31")
    v = assess(
        _rapport(lav, "fastholdelse_delvis_lukket"),
        now=NU,
        decisions=[afg],
        uses=_dage("2025-03-01T09:00:00+01:00", 13),
    )
    assert _koder(v) == set()


def test_val_19_needs_kommunalbestyrelsens_decision(lav: Any) -> None:
    """VAL § 19, stk. 1: 'Kommunalbestyrelsen kan uden retskendelse træffe afgørelse om'."""
    kriminel = {"barn.anbringelsesgrundlag": "strafferetlig_dom"}
    assert "no-decision" in _koder(
        assess(_rapport(lav, "kommunikation", ref=None, **kriminel), now=NU, decisions=[])
    )
    afg = _afg(lav, "val.19", "2025-03-01", "2025-06-30")
    assert _koder(assess(_rapport(lav, "kommunikation", **kriminel), now=NU, decisions=[afg])) == (
        set()
    )


def test_val_20_preliminary_decision_must_be_approved(lav: Any) -> None:
    """VAL § 20, stk. 2: 'skal snarest muligt forelægges til godkendelse hos kommunalbestyrelsen'."""
    kriminel = {"barn.anbringelsesgrundlag": "strafferetlig_dom"}
    foreloebig = _afg(lav, "val.20_foreloebig", "2025-03-14", "2025-03-20")
    rapport = _rapport(lav, "kommunikation", **kriminel)
    v = assess(rapport, now=NU, decisions=[foreloebig])
    assert _koder(v) == {"preliminary-decision-not-approved"}
    assert v.allowed is Udfald.ALLOWED
    godkendt = _afg(
        lav, "val.19", "2025-03-15", "2025-06-30",
        afgoerelse_id="afg-0851-2025-008", foreloebig_ref="afg-0851-2025-007",
    )  # fmt: skip
    assert _koder(assess(rapport, now=NU, decisions=[foreloebig, godkendt])) == set()


def test_val_decision_not_looked_up_is_a_warning(lav: Any) -> None:
    """VAL § 12, stk. 4: the frame must be known to check it; unknown is said, not assumed."""
    v = assess(_rapport(lav, "tilbageholdelse_delvis_lukket"), now=NU)
    assert _koder(v) == {"decision-not-verified"}
    assert v.afgoerelser[0].fundet is None
    assert not v.afgoerelser[0].overholdt


def test_val_14_isolation_at_most_2_hours_at_a_sikret_institution(lav: Any) -> None:
    """VAL § 14, stk. 2: 'må ikke vare længere end 2 timer på en sikret døgninstitution'."""
    sikret = {"indgreb": ["isolation"], "institution.art": "sikret_doegninstitution"}
    lang = lav("val_indberetning", {**sikret, "episode.slut": "2025-03-15T00:11:00+01:00"})
    v = assess(parse_form(lang), now=NU)
    flag = next(f for f in v.flags if f.code == "isolation-too-long")
    assert "151 minutter; højst 2 timer" in flag.message
    assert "VAL § 14, stk. 2" in flag.source
    kort = lav("val_indberetning", {**sikret, "episode.slut": "2025-03-14T23:40:00+01:00"})
    assert "isolation-too-long" not in _koder(assess(parse_form(kort), now=NU))


def test_val_decision_kind_must_be_known(lav: Any) -> None:
    """VAL §§ 11-20: only the act's decision kinds can be recorded."""
    with pytest.raises(ValidationError):
        parse_form(lav("val_afgoerelse", {"art": "val.99"}))


def _sel_afg(lav: Any, **felter: Any) -> KommunalAfgoerelse:
    form = parse_form(lav("kommunal_afgoerelse", felter))
    assert isinstance(form, KommunalAfgoerelse)
    return form


def test_sel_129_indstilling_is_recordable_and_opens_familieretshusets_two_weeks(
    lav: Any,
) -> None:
    """SEL § 131, stk. 1: 'senest 2 uger efter modtagelse af kommunalbestyrelsens indstilling'."""
    indstilling = _sel_afg(
        lav, indgreb="flytning", udfald="indstillet", art="sel.129_stk1_indstilling"
    )
    assert assess(indstilling, now=NU).allowed is Udfald.ALLOWED
    frister = deadlines(indstilling, now=NU)
    assert [f.kind for f in frister] == [Fristart.FAMILIERETSHUSET_AFGOERELSE]
    meddelt = indstilling.meddelt_tidspunkt.astimezone(frister[0].due.tzinfo)
    assert frister[0].due.date() - meddelt.date() == timedelta(weeks=2)  # local days (DST)


def test_sel_129_is_decided_by_familieretshuset_or_under_stk_2_by_the_municipality(
    lav: Any,
) -> None:
    """SEL § 131, stk. 1: 'Familieretshuset træffer afgørelse'; § 129, stk. 2 the municipality."""
    kommune = _sel_afg(lav, indgreb="flytning")
    assert "wrong-decision-authority" in _koder(assess(kommune, now=NU))
    stk2 = _sel_afg(lav, indgreb="flytning", art="sel.129_stk2")
    assert _koder(assess(stk2, now=NU)) == set()
    frh = _sel_afg(
        lav, indgreb="flytning", afgjort_af="familieretshuset", art="sel.131_familieretshuset"
    )
    assert _koder(assess(frh, now=NU)) == set()


def test_sel_136_f_municipal_decision_is_approvable(lav: Any) -> None:
    """SEL § 136 f: kommunalbestyrelsen decides the move of a person who cannot consent."""
    assert _koder(assess(_sel_afg(lav, indgreb="flytning_demens"), now=NU)) == set()


def test_sel_lawyer_for_129_stk_1_and_129_a_not_stk_2(lav: Any) -> None:
    """SEL § 132, stk. 1, nr. 2: 'bistand fra en advokat' in § 129, stk. 1, and § 129 a."""
    uden = {"advokat_beskikket": False}
    fare = parse_form(lav("skema_2", {**uden, "indgreb": "flytning_fare"}))
    assert "lawyer-not-appointed" in _koder(assess(fare, now=NU))
    skema = parse_form(lav("skema_2", {**uden, "afgjort_af": "kommune"}))
    assert isinstance(skema, Skema2)
    stk2 = _sel_afg(lav, indgreb="flytning", art="sel.129_stk2", afgoerelse_id=skema.afgoerelse_ref)
    v = assess(skema, now=NU, decisions=[stk2])
    assert "lawyer-not-appointed" not in _koder(v)
    assert "wrong-decision-authority" not in _koder(v)


def test_explain_checks_a_report_against_the_decision_beside_it(lav: Any) -> None:
    """VAL § 12, stk. 3: `magt explain` names the limit passed and its source."""
    afg = lav("val_afgoerelse", {"gyldig_fra": "2025-03-15", "gyldig_til": "2025-12-31"})
    data = lav(
        "val_indberetning",
        {
            "indgreb": ["tilbageholdelse_delvis_lukket"],
            "institution.art": DELVIS,
            "afgoerelse_ref": "afg-0851-2025-007",
        },
    )
    resultat = explain_form({**data, "afgoerelser": [afg]}, now=NU)
    assert resultat["errors"] == []
    assert resultat["assessment"]["allowed"] == "not-allowed"
    assert "VAL § 12, stk. 2-5" in resultat["decisions"][0]


def test_val_decision_reaches_the_child_the_parents_and_the_caseworker(lav: Any) -> None:
    """VAL § 12, stk. 2: kommunalbestyrelsen's decision is made known to those it concerns."""
    afg = _afg(lav, "val.12_13_ramme", "2025-01-01", "2025-12-31")
    roller = {m.role.value for m in decision_recipients(afg, person_ref="p-12345678")}
    assert roller == {"borger", "tilbud", "handlekommune", "foraeldremyndighed"}
    rapport = _rapport(lav, "tilbageholdelse_delvis_lukket")
    assert fakta(rapport, person_ref="p-12345678").afgoerelse_ref == "afg-0851-2025-007"
