"""The adults' interventions as amended by L 188 (2023-24), in force 1 July 2024.

Each test names the paragraph and quotes the duty in a few words; a report is assessed against
the intervention set in force on the day of the incident.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import Afgoerelsesmyndighed, Begraensning, Beslutter, Enhed
from magt_contracts.catalogue.sel import FOER_L188, L188_FRA
from magt_contracts.forms import KommunalAfgoerelse, parse_form
from magt_contracts.rules.assess import assess
from magt_contracts.vaerdier import Udfald, Vurdering

pytestmark = pytest.mark.unit
KAT = standard_katalog()
NU = datetime.fromisoformat("2025-11-01T12:00:00+01:00")
IGNORERET = {"cpr-modulus11", "form-version-not-in-force", "late-registration"}


def _vurder(data: dict[str, Any], **kw: Any) -> Vurdering:
    return assess(parse_form(data), now=NU, **kw)


def _koder(v: Vurdering) -> set[str]:
    return {f.code for f in v.flags} - IGNORERET


def _skema1(lav: Any, navn: str, indgreb: str, dag: date, **felter: Any) -> dict[str, Any]:
    """A Skema 1 a/1 b whose episode, registration and approval lie on and after `dag`."""
    start = datetime(dag.year, dag.month, dag.day, 14, 0).astimezone()
    data: dict[str, Any] = lav(
        navn,
        {
            "indgreb": indgreb,
            "hygiejnesituation": felter.pop("hygiejnesituation", None),
            "episode.start": start.isoformat(),
            "episode.slut": (start + timedelta(minutes=10)).isoformat(),
            "registrering.registreret_tidspunkt": (start + timedelta(hours=3)).isoformat(),
            "leder.godkendt_tidspunkt": (start + timedelta(days=1)).isoformat(),
            **felter,
        },
    )
    return data


def _naevnets_afgoerelse(lav: Any, fra: str, til: str, **felter: str | None) -> KommunalAfgoerelse:
    afg = parse_form(
        lav(
            "kommunal_afgoerelse",
            {
                "afgoerelse_id": "afg-naevn-2025-001",
                "indgreb": "adgang_til_bolig",
                "art": "sel.adgang_til_bolig",
                "afgjort_af": "det_socialfaglige_naevn",
                "gyldig_fra": fra,
                "gyldig_til": til,
                **felter,
            },
        )
    )
    assert isinstance(afg, KommunalAfgoerelse)
    return afg


def test_124_d_before_l188_is_one_paragraph_after_it_stk_1_and_stk_2() -> None:
    """SEL § 124 d (L 188): stk. 1 "løsne en persons greb"; stk. 2 "fastholde, tilbageholde eller
    føre tilbage" — from 1 July 2024; before, one § 124 d."""
    foer = KAT.indgrebstype("sel", "fastholdelse", FOER_L188)
    efter = KAT.indgrebstype("sel", "fastholdelse", L188_FRA)
    greb = KAT.indgrebstype("sel", "loesne_greb", L188_FRA)
    assert foer is not None
    assert efter is not None
    assert greb is not None
    assert (foer.kilde.henvisning, foer.valid_to) == ("SEL § 124 d", date(2024, 6, 30))
    assert (efter.kilde.henvisning, efter.valid_from) == ("SEL § 124 d, stk. 2", date(2024, 7, 1))
    assert greb.kilde.henvisning == "SEL § 124 d, stk. 1"
    assert greb.beslutter is efter.beslutter is Beslutter.PERSONALE
    assert KAT.indgrebstype("sel", "loesne_greb", FOER_L188) is None


def test_136_d_ends_30_june_2024_its_uses_fold_into_124_d_stk_2(lav: Any) -> None:
    """SEL § 136 d (fastholdelse, demens) ends with L 188; § 124 d, stk. 2 "fastholde" covers it
    from 1 July 2024: a use of § 136 d after that is flagged on the field 'indgreb'."""
    foer = _vurder(_skema1(lav, "skema_1b", "fastholdelse_demens", FOER_L188))
    assert _koder(foer) == set()
    assert foer.allowed is Udfald.ALLOWED
    efter = _vurder(_skema1(lav, "skema_1b", "fastholdelse_demens", L188_FRA))
    assert efter.allowed is Udfald.NOT_ALLOWED
    (f,) = [f for f in efter.flags if f.code == "intervention-not-in-force"]
    assert "Feltet 'indgreb'" in f.message
    assert "SEL § 136 d til og med 2024-06-30" in f.message
    assert "2024-07-01" in f.message
    assert f.source == "SEL § 136 d"
    ny = _vurder(_skema1(lav, "skema_1b", "fastholdelse", L188_FRA))
    assert _koder(ny) == set()
    typ = KAT.indgrebstype("sel", "fastholdelse_demens", FOER_L188)
    assert typ is not None
    assert "Inferred" in typ.note


def test_136_e_ends_30_june_2024_no_2025_form_lists_it(lav: Any) -> None:
    """SEL § 136 e (velfærdsteknologi uden forudgående afgørelse) is on no form after L 188;
    its end on 30 June 2024 is inferred and says so in its note."""
    typ = KAT.indgrebstype("sel", "velfaerdsteknologi_akut", FOER_L188)
    assert typ is not None
    assert typ.valid_to == FOER_L188
    assert "Inferred" in typ.note
    assert KAT.indgrebstype("sel", "velfaerdsteknologi_akut", L188_FRA) is None
    v = _vurder(_skema1(lav, "skema_1b", "velfaerdsteknologi_akut", date(2025, 2, 3)))
    assert "intervention-not-in-force" in _koder(v)
    assert KAT.indgrebstype("sel", "velfaerdsteknologi", L188_FRA) is not None


def test_124_d_stk_1_loosening_a_grip_before_l188_is_flagged(lav: Any) -> None:
    """SEL § 124 d, stk. 1 "løsne en persons greb" exists from 1 July 2024 only."""
    foer = _vurder(_skema1(lav, "skema_1a", "loesne_greb", date(2024, 6, 28)))
    assert "intervention-not-in-force" in _koder(foer)
    assert "fra 2024-07-01" in " ".join(f.message for f in foer.flags)
    efter = _vurder(_skema1(lav, "skema_1a", "loesne_greb", date(2024, 7, 2)))
    assert _koder(efter) == set()


def test_128_h_access_to_a_home_is_decided_by_the_naevn_for_12_months(lav: Any) -> None:
    """SEL § 128 h "adgang til en beboers bolig i et botilbud": Det Socialfaglige Nævn decides;
    BEK nr. 1411/2024 § 12: "en varighed op til 12 måneder"."""
    typ = KAT.indgrebstype("sel", "adgang_til_bolig", date(2025, 6, 1))
    assert typ is not None
    assert typ.beslutter is Beslutter.SOCIALFAGLIGT_NAEVN
    assert Begraensning.KRAEVER_FORHAANDSGODKENDELSE in typ.begraensninger
    art = KAT.afgoerelsesart("sel.adgang_til_bolig", date(2025, 6, 1))
    assert art is not None
    assert art.myndighed is Afgoerelsesmyndighed.SOCIALFAGLIGT_NAEVN
    assert art.max_periode is not None
    assert (art.max_periode.antal, art.max_periode.enhed) == (
        12,
        Enhed.MAANEDER,
    )
    assert art.kilde.bekendtgoerelse is not None
    assert art.kilde.bekendtgoerelse.nr == 1411
    assert KAT.afgoerelsesart("sel.adgang_til_bolig", FOER_L188) is None


def test_128_h_use_is_checked_against_the_naevns_decision(lav: Any) -> None:
    """SEL § 128 h: a use without the decision is not allowed; inside its period it is."""
    afg = _naevnets_afgoerelse(lav, "2025-05-01", "2026-04-30")
    data = _skema1(lav, "skema_1a", "adgang_til_bolig", date(2025, 6, 2),
                   afgoerelse_ref=afg.afgoerelse_id)  # fmt: skip
    assert "no-pre-approval" in _koder(_vurder(data, decisions=[]))
    v = _vurder(data, decisions=[afg])
    assert _koder(v) == set()
    assert [k.art for k in v.afgoerelser] == ["sel.adgang_til_bolig"]
    assert _koder(assess(afg, now=NU)) == set()


def test_128_h_decision_is_the_naevns_not_the_municipalitys(lav: Any) -> None:
    """SEL § 128 h: Det Socialfaglige Nævn decides on access to a resident's home — a decision
    form naming the kind says who made it, and the municipality cannot have made it."""
    with pytest.raises(ValidationError) as fejl:
        _naevnets_afgoerelse(lav, "2025-05-01", "2026-04-30", afgjort_af="kommune")
    assert (
        "Afgørelsesarten 'sel.adgang_til_bolig' træffes af Det Socialfaglige Nævn, ikke af "
        "kommunen." in str(fejl.value)
    )
    uden_art = _naevnets_afgoerelse(lav, "2025-05-01", "2026-04-30", art=None, afgjort_af="kommune")
    [forkert] = [f for f in assess(uden_art, now=NU).flags if f.code == "wrong-decision-authority"]
    assert "(forventet: Det Socialfaglige Nævn)" in forkert.message
    assert "128 h" in forkert.source
    naevnet = _naevnets_afgoerelse(lav, "2025-05-01", "2026-04-30", art=None)
    assert "wrong-decision-authority" not in _koder(assess(naevnet, now=NU))


def test_128_h_decision_longer_than_12_months_is_flagged(lav: Any) -> None:
    """BEK nr. 1411/2024 § 12: the nævn's § 128 h decision lasts "op til 12 måneder"."""
    for_lang = _naevnets_afgoerelse(lav, "2025-05-01", "2026-05-01")
    v = assess(for_lang, now=NU)
    assert "decision-period-exceeds-law" in _koder(v)
    assert "højst 1 år" in " ".join(f.message for f in v.flags)


def test_128_h_before_1_july_2024_has_no_basis(lav: Any) -> None:
    """SEL § 128 h is new with L 188: a Skema 3 asking for it earlier names 'ansoegt_indgreb'."""
    data = lav(
        "skema_3",
        {"ansoegt_indgreb": "adgang_til_bolig", "ansoegt_tidspunkt": "2024-03-10T14:00:00+01:00"},
    )
    (f,) = [f for f in _vurder(data).flags if f.code == "intervention-not-in-force"]
    assert "Feltet 'ansoegt_indgreb'" in f.message


def test_136_a_stk_3_pre_approved_hygiene_needs_its_decision(lav: Any) -> None:
    """SEL § 136 a, stk. 3 (2025 Skema 2, forhåndsgodkendte indgreb): a decision-based hygiene
    intervention, checked once against the decision, in the act's hygiene situations only."""
    typ = KAT.indgrebstype("sel", "hygiejne_forhaandsgodkendt", L188_FRA)
    assert typ is not None
    assert typ.kilde.henvisning == "SEL § 136 a, stk. 3"
    assert typ.beslutter is Beslutter.KOMMUNE
    afg = parse_form(
        lav(
            "kommunal_afgoerelse",
            {
                "indgreb": "hygiejne_forhaandsgodkendt",
                "art": "sel.hygiejne_forhaandsgodkendt",
                "gyldig_fra": "2025-04-01",
                "gyldig_til": "2025-09-30",
            },
        )
    )
    assert isinstance(afg, KommunalAfgoerelse)
    uden = _skema1(lav, "skema_1a", "hygiejne_forhaandsgodkendt", date(2025, 5, 5),
                   hygiejnesituation="tandboerstning")  # fmt: skip
    assert "no-pre-approval" in _koder(_vurder(uden, decisions=[afg]))
    med = {**uden, "afgoerelse_ref": afg.afgoerelse_id}
    v = _vurder(med, decisions=[afg])
    assert _koder(v) == set()
    assert len(v.afgoerelser) == 1
    andet = {**med, "hygiejnesituation": "andet"}
    assert "hygiene-situation-not-allowed" in _koder(_vurder(andet, decisions=[afg]))
    foer = _skema1(lav, "skema_1a", "hygiejne_forhaandsgodkendt", date(2024, 5, 5),
                   hygiejnesituation="tandboerstning")  # fmt: skip
    assert "intervention-not-in-force" in _koder(_vurder(foer))


def test_bilag_1_use_of_an_intervention_not_yet_in_force_is_flagged(lav: Any) -> None:
    """SEL § 128 h from 1 July 2024: a Bilag 1 line before that day has no basis."""
    data = lav(
        "bilag_1",
        {
            "indgreb": "adgang_til_bolig",
            "periode_start": "2024-06-25",
            "registreringer": [
                {"tidspunkt": "2024-06-26T20:00:00+02:00", "varighed_minutter": 5,
                 "medarbejder_ref": "mdb-2001"},
            ],
            "registrering.registreret_tidspunkt": "2024-06-27T09:00:00+02:00",
        },
    )  # fmt: skip
    v = _vurder(data)
    assert "intervention-not-in-force" in _koder(v)
    assert v.allowed is Udfald.NOT_ALLOWED


def test_konfliktafvaergelse_124_b_stk_2_is_not_a_registered_intervention() -> None:
    """SEL § 124 b, stk. 4 (L 188): konfliktafværgelse "er ikke magtanvendelse" — no registration."""
    assert not [t for t in KAT.indgreb if t.kilde.paragraf == "124 b"]


def test_every_sel_code_has_no_overlapping_periods() -> None:
    """One rule per intervention and day: periods of the same code never overlap."""
    koder = KAT.indgrebskoder("sel")
    for kode in koder:
        typer = KAT.indgrebsperioder("sel", kode)
        for a, b in itertools.pairwise(typer):
            assert a.valid_to is not None, kode
            assert a.valid_to < b.valid_from, kode


def test_the_codes_in_force_follow_the_incident_day() -> None:
    """L 188 in force 1 July 2024: the codes of that day, not every code ever known."""
    foer, efter = KAT.indgrebskoder("sel", FOER_L188), KAT.indgrebskoder("sel", L188_FRA)
    assert {"fastholdelse_demens", "velfaerdsteknologi_akut"} <= foer - efter
    assert {"loesne_greb", "adgang_til_bolig", "hygiejne_forhaandsgodkendt"} <= efter - foer
    assert KAT.indgrebskoder("sel") == foer | efter
