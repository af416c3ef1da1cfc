"""The demo's documents: one PDF/A of each kind, written to a folder and read back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magt import dokumenter, scenarios
from magt_contracts.forms import AnyForm, ValIndberetning
from magt_documents import skema_pdf
from magt_documents.testing import (
    i_raekkefoelge,
    officielle_tekster,
    pdf_metadata,
    pdf_tekst,
    pdf_xmp,
)

CPR = re.compile(r"\d{6}-?\d{4}")


def test_one_pdf_of_each_kind_is_written(tmp_path: Path) -> None:
    nu = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
    filer = dokumenter.skriv_alle(tmp_path / "documents", nu=nu)
    navne = {p.stem for p in filer}
    assert {"skema_1a", "skema_1b", "bilag_1", "skema_2", "skema_3", "val_indberetning"} <= navne
    assert {
        "afgoerelsesbrev", "digital-post-brev", "klagekvittering", "udtalelse", "genvurdering",
        "videresendelse", "paaroerende-orientering", "foraelder-orientering",
    } <= navne  # fmt: skip
    skemaer = dokumenter.eksempelskemaer()
    for sti in filer:
        pdf = sti.read_bytes()
        tekst = pdf_tekst(pdf)
        assert "None" not in tekst, sti.name
        assert pdf_metadata(pdf)["CreationDate"].startswith("D:20251101"), sti.name
        if sti.stem in skemaer:
            assert skemaer[sti.stem].institution.navn in tekst
        else:  # letters name the case, never a person's CPR
            assert not CPR.search(tekst), sti.name
            assert "Sagsreference" in tekst


SKEMA_NU = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
SCENARIESKEMAER = dokumenter.scenarieskemaer(SKEMA_NU)


@pytest.mark.parametrize("navn", sorted(SCENARIESKEMAER))
def test_every_form_the_demo_scenarios_submit_renders_as_the_official_form(navn: str) -> None:
    form = SCENARIESKEMAER[navn]
    pdf = skema_pdf(form, sagsref=f"sag-demo-{navn}", oprettet=SKEMA_NU)
    tekst = pdf_tekst(pdf)
    assert i_raekkefoelge(tekst, officielle_tekster(form)) == [], navn
    person = form.barn if isinstance(form, ValIndberetning) else form.borger
    assert person.navn in tekst
    assert person.cpr in tekst
    assert form.institution.navn in tekst
    for vaerdi in _tekstvaerdier(form):
        assert re.sub(r"\s+", " ", vaerdi) in tekst, (navn, vaerdi)
    assert "None" not in tekst
    assert "Supplerende oplysninger" not in tekst
    for intern in scenarios.INTERNT.values():
        assert intern[:30] not in tekst  # the scenarios' internal notes never reach a document
    xmp = pdf_xmp(pdf)
    assert re.search(r"pdfaid:part[^0-9]{0,3}3", xmp)
    assert re.search(r"pdfaid:conformance[^A-Z]{0,3}B", xmp)
    meta = pdf_metadata(pdf)
    assert meta["Author"] == form.institution.navn
    assert meta["CreationDate"].startswith("D:20251101")


def _tekstvaerdier(form: AnyForm) -> list[str]:
    """The free-text values a form carries (episode and reasons), which must appear verbatim."""
    data = form.model_dump(mode="python", exclude={"intern"})
    kilder = [data, data.get("episode") or {}]
    felter = ("forloeb_foer", "beskrivelse", "begrundelse", "sted", "andre_tiltag")
    return [k[f] for k in kilder for f in felter if isinstance(k.get(f), str) and k[f]]


def test_the_scenarios_submit_every_kind_of_form_they_exercise() -> None:
    slags = {f.form_type for f in SCENARIESKEMAER.values()}
    assert {"val_indberetning", "skema_1a", "skema_2", "kommunal_afgoerelse"} <= slags
