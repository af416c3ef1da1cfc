"""Every document rendered with WeasyPrint and read back: texts in order, values, PDF/A, no leaks."""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from magt_contracts.catalogue import standard_katalog
from magt_contracts.forms import AnyForm, Skema1a, ValIndberetning, parse_form
from magt_contracts.messages.klager import (
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintStatementIssued,
)
from magt_contracts.rules.klageadgang import Spor
from magt_contracts.rules.klagevejledning import vejledning
from magt_documents import brev_pdf, breve, i_traad, skema_pdf
from magt_documents.klageret import for_skema
from magt_documents.tekster import Format, skematekst
from magt_documents.testing import (
    i_raekkefoelge,
    officielle_tekster,
    pdf_metadata,
    pdf_objekter,
    pdf_tekst,
    pdf_xmp,
)

EKSEMPLER = Path(__file__).parents[3] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-11-01T10:00:00+01:00")
CPR = re.compile(r"\d{6}-?\d{4}")


def _eksempel(navn: str, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EKSEMPLER / f"{navn}.json").read_text())
    data.update(over)
    return data


def _alle_versioner() -> list[tuple[str, str]]:
    return sorted(
        (p.stem, v.version)
        for p in EKSEMPLER.glob("*.json")
        for v in standard_katalog().formversioner
        if v.form_type == json.loads(p.read_text())["form_type"]
    )


def _skema(navn: str, version: str) -> AnyForm:
    return parse_form(_eksempel(navn, form_version=version))


@pytest.mark.parametrize(("navn", "version"), _alle_versioner())
def test_every_form_version_has_its_official_texts_in_order(navn: str, version: str) -> None:
    form = _skema(navn, version)
    pdf = skema_pdf(form, sagsref="sag-2025-0001", oprettet=NU)
    tekst = pdf_tekst(pdf)
    assert i_raekkefoelge(tekst, officielle_tekster(form)) == []
    assert "None" not in tekst
    assert "Side 1 af" in tekst


@pytest.mark.parametrize("navn", sorted(p.stem for p in EKSEMPLER.glob("*.json")))
def test_filled_in_values_appear(navn: str) -> None:
    data = _eksempel(navn)
    form = parse_form(data)
    tekst = pdf_tekst(skema_pdf(form, sagsref="sag-2025-0001", oprettet=NU))
    assert form.institution.navn in tekst
    person: dict[str, Any] = data.get("borger") or data["barn"]
    assert person["navn"] in tekst
    assert re.sub(r"\s+", " ", str(person["cpr"])) in tekst
    for felt in ("andre_tiltag", "begrundelse", "beskrivelse", "socialpaedagogisk_indsats"):
        if isinstance(data.get(felt), str):
            assert re.sub(r"\s+", " ", data[felt]) in tekst
    if "episode" in data:
        assert data["episode"]["forloeb_foer"] in tekst
        assert "kl." in tekst


def test_internal_part_is_never_included() -> None:
    data = _eksempel("val_indberetning")
    assert data["intern"]  # the example has an internal part
    form = parse_form(data)
    assert isinstance(form, ValIndberetning)
    assert form.intern is not None
    tekst = pdf_tekst(skema_pdf(form, sagsref="sag-1", oprettet=NU))
    for vaerdi in data["intern"].values():
        if isinstance(vaerdi, str):
            assert vaerdi[:40] not in tekst
    assert "Supplerende oplysninger" not in tekst


def test_missing_optional_fields_are_empty_never_none() -> None:
    data = _eksempel("skema_1a")
    data["borger"]["vaerge"] = None
    data["episode"].pop("skader", None)
    data.pop("leder")
    form = parse_form(data)
    assert isinstance(form, Skema1a)
    assert form.leder is None
    tekst = pdf_tekst(skema_pdf(form, sagsref="sag-1", oprettet=NU))
    assert "None" not in tekst
    assert "Lederens kommentarer Lederens vurdering" in tekst  # empty fields, still in order


def test_pdf_a_metadata_and_embedded_fonts() -> None:
    form = parse_form(_eksempel("skema_1a"))
    pdf = skema_pdf(form, sagsref="sag-1", oprettet=NU)
    meta = pdf_metadata(pdf)
    assert meta["Title"] == "Skema 1 a"
    assert meta["Author"] == form.institution.navn
    assert meta["CreationDate"].startswith("D:20251101")
    xmp = pdf_xmp(pdf)
    assert re.search(r"pdfaid:part[^0-9]{0,3}3", xmp), xmp[:400]
    assert re.search(r"pdfaid:conformance[^A-Z]{0,3}B", xmp)
    assert "Skema 1 a" in xmp
    objekter = pdf_objekter(pdf)
    assert b"/Lang (da)" in objekter
    assert b"/FontFile2" in objekter  # TrueType font programs embedded


def _er_indgreb(form: AnyForm) -> Skema1a:
    assert isinstance(form, Skema1a)
    return form


def test_letters_name_the_case_and_the_complaint_route_of_this_case() -> None:
    akut = parse_form(_eksempel("skema_1a", indgreb="fastholdelse", hygiejnesituation=None))
    afgoerelse = parse_form(_eksempel("kommunal_afgoerelse"))
    brev_akut = pdf_tekst(
        brev_pdf(
            breve.foelgebrev(
                akut,
                sagsref="sag-7",
                afsender="Odense Kommune",
                paa=date(2025, 11, 1),
                titel="Indberetning om magtanvendelse",
            )
        )
    )
    assert (
        i_raekkefoelge(
            brev_akut,
            [
                "Indberetning om magtanvendelse",
                "Hvad er der sket",
                "Der er brugt magt (fastholde, tilbageholde eller føre tilbage (SEL § 124 d, stk. 2)) på "
                "Bofællesskabet Egely",
                "Din ret til at klage",
                "kommunalbestyrelsen i Odense Kommune",
                "Der er ingen frist",
            ],
        )
        == []
    )
    brev_afg = pdf_tekst(
        brev_pdf(
            breve.foelgebrev(
                afgoerelse,
                sagsref="sag-8",
                afsender="Odense Kommune",
                paa=date(2025, 4, 1),
                titel="Afgørelse om magtanvendelse",
            )
        )
    )
    assert "senest 4 uger efter, at afgørelsen er modtaget, dvs. senest den" in brev_afg
    assert "Ankestyrelsen" in brev_afg
    assert "ingen frist" not in brev_afg
    for tekst in (brev_akut, brev_afg):
        assert not CPR.search(tekst)


def test_move_without_consent_names_court_review_and_advokat() -> None:
    flyt = parse_form(_eksempel("skema_2"))
    tekst = pdf_tekst(
        brev_pdf(
            breve.foelgebrev(
                flyt, sagsref="sag-9", afsender="Kommunen", paa=date(2025, 6, 1), titel="Flytning"
            )
        )
    )
    assert "indbringes for retten" in tekst
    assert "advokat" in tekst


def test_complaint_and_orientation_letters() -> None:
    faelles: dict[str, Any] = {
        "occurred_at": NU,
        "case_id": "sag-3",
        "correlation_id": uuid4(),
        "causation_id": uuid4(),
    }
    modtaget = ComplaintReceived(
        klage_id="klage-1",
        klagetype="akut_magt",
        klager_rolle="vaerge",
        person_ref="person-0001",
        handlekommune="0461",
        rettidig=True,
        **faelles,
    )
    breve_ud = {
        "kvittering": breve.klagekvittering(modtaget, afsender="Odense Kommune"),
        "udtalelse": breve.udtalelse(
            ComplaintStatementIssued(klage_id="klage-1", lovlig=False, **faelles),
            afsender="Odense Kommune",
        ),
        "genvurdering": breve.genvurdering(
            ComplaintReconsidered(klage_id="klage-1", fastholdt=True, **faelles),
            afsender="Odense Kommune",
        ),
        "videresendelse": breve.videresendelse(
            ComplaintForwarded(klage_id="klage-1", **faelles), afsender="Odense Kommune"
        ),
        "paaroerende": breve.paaroerende_orientering(
            [_er_indgreb(parse_form(_eksempel("skema_1a")))],
            maaned="oktober 2025",
            sagsref="sag-3",
            afsender="Bofællesskabet Egely",
            paa=date(2025, 11, 1),
        ),
        "foraelder": breve.foraelder_orientering(
            _val(), sagsref="sag-4", afsender="Solsikkehuset", paa=date(2025, 3, 15)
        ),
    }
    forventet = {
        "kvittering": [
            "Kvittering for din klage",
            "Odense Kommune har modtaget din klage",
            "skriftlig udtalelse",
        ],
        "udtalelse": ["Udtalelse om magtanvendelse", "ikke var lovlig"],
        "genvurdering": ["fastholder den", "Ankestyrelsen"],
        "videresendelse": ["sendt videre til Ankestyrelsen", "sagens akter"],
        "paaroerende": [
            "Månedlig orientering om magtindgreb, oktober 2025",
            "Magtindgreb i perioden",
            "Din ret til at klage",
            "domstolsprøvelse",
            "advokat",
        ],
        "foraelder": [
            "Orientering om magtanvendelse over for dit barn",
            "Forældremyndighedens indehaver kan også klage",
        ],
    }
    for navn, brev in breve_ud.items():
        tekst = pdf_tekst(brev_pdf(brev, oprettet=NU))
        assert i_raekkefoelge(tekst, forventet[navn]) == [], navn
        assert not CPR.search(tekst), navn
        assert "None" not in tekst, navn


def _val() -> ValIndberetning:
    form = parse_form(_eksempel("val_indberetning"))
    assert isinstance(form, ValIndberetning)
    return form


def test_a_text_is_data_every_field_format_is_known() -> None:
    for form_type, version in {(v.form_type, v.version) for v in standard_katalog().formversioner}:
        tekst = skematekst(form_type, version)
        assert all(isinstance(f.format, Format) for a in tekst.afsnit for f in a.felter)


async def test_rendering_runs_off_the_event_loop_and_fast_enough() -> None:
    form = parse_form(_eksempel("skema_1a"))
    skema_pdf(form, sagsref="sag-1")  # warm fonts and templates
    start = time.perf_counter()
    pdf = await i_traad(skema_pdf, form, sagsref="sag-1")
    assert pdf.startswith(b"%PDF")
    assert time.perf_counter() - start < 2.0


def test_the_right_to_complain_is_worded_once_in_the_contracts() -> None:
    akut = parse_form(_eksempel("skema_1a", indgreb="fastholdelse", hygiejnesituation=None))
    assert isinstance(akut, Skema1a)
    paa = date(2025, 11, 1)
    guidance = vejledning(Spor.AKUT_MAGT, kommune=akut.borger.handlekommune, paa=paa)
    assert for_skema(akut, paa).tekst == guidance.afsnit_tekster()
    val = _val()
    kommune = val.institution.beliggenhedskommune
    assert (
        for_skema(val, paa).tekst == vejledning(Spor.VAL, kommune=kommune, paa=paa).afsnit_tekster()
    )


def test_a_naevn_decision_is_complained_of_to_ankestyrelsen_directly() -> None:
    """SEL § 134, stk. 1 and 4: Det Socialfaglige Nævn's decision (here § 128 h) "kan indbringes
    for Ankestyrelsen, inden 4 uger", without a reconsideration — not sent to the municipality."""
    naevnet = parse_form(
        _eksempel(
            "kommunal_afgoerelse",
            indgreb="adgang_til_bolig",
            art="sel.adgang_til_bolig",
            afgjort_af="det_socialfaglige_naevn",
            gyldig_fra="2025-05-01",
            gyldig_til="2026-04-30",
        )
    )
    paa = date(2025, 6, 1)
    tekst = " ".join(for_skema(naevnet, paa).tekst)
    assert "Afgørelsen fra Det Socialfaglige Nævn vedrørende Magtanvendelse" in tekst
    assert "Send klagen direkte til Ankestyrelsen." in tekst
    assert "Send klagen til" not in tekst.replace("Send klagen direkte til", "")
    kommunens = " ".join(for_skema(parse_form(_eksempel("kommunal_afgoerelse")), paa).tekst)
    assert "Kommunen vurderer afgørelsen igen" in kommunens
    assert "Det Socialfaglige Nævn" in pdf_tekst(skema_pdf(naevnet, sagsref="sag-naevn-1"))
    brev = breve.foelgebrev(
        naevnet, sagsref="sag-naevn-1", afsender="Odense Kommune", paa=paa, titel="Afgørelse"
    )
    brevtekst = pdf_tekst(brev_pdf(brev))
    assert "Send klagen direkte til Ankestyrelsen." in brevtekst
    assert "Handicap har givet tilladelse til adgang til en beboers bolig" in brevtekst
    assert "Odense Kommune har givet" not in brevtekst


def test_an_indstilling_is_not_a_decision_and_says_who_decides() -> None:
    """SEL § 129, stk. 1: the municipality recommends to Familieretshuset, which decides (§ 131);
    the letter neither invents a complaint to the municipality nor calls it a refusal."""
    indstilling = parse_form(
        _eksempel(
            "kommunal_afgoerelse",
            indgreb="flytning",
            art="sel.129_stk1_indstilling",
            udfald="indstillet",
            gyldig_fra=None,
            gyldig_til=None,
        )
    )
    paa = date(2025, 6, 1)
    brev = breve.foelgebrev(
        indstilling, sagsref="sag-fl-1", afsender="Odense Kommune", paa=paa, titel="Indstilling"
    )
    tekst = pdf_tekst(brev_pdf(brev))
    assert "har indstillet til Familieretshuset" in tekst
    assert "Indstillingen er ikke en afgørelse. Familieretshuset træffer afgørelsen" in tekst
    assert "afslag" not in tekst
    assert "Send klagen til" not in tekst
