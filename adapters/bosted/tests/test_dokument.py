"""The Bosted format: the documented examples, the mapping to the contract, errors in Bosted's paths."""

from __future__ import annotations

from typing import Any

import pytest

from magt_bosted import dokument as fmt
from magt_bosted import mapping
from magt_contracts.forms import ValIndberetning
from magt_contracts.messages import FeltFejl

pytestmark = pytest.mark.unit


def _oversaet(raw: dict[str, Any]) -> ValIndberetning:
    dok = fmt.fortolk(raw)
    assert isinstance(dok, fmt.SkemaDokument)
    return mapping.til_skema(dok)


def _fejl(raw: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(fmt.UgyldigtDokumentError) as info:
        _oversaet(raw)
    return {f.field: f.message for f in info.value.fejl}


def test_documented_example_maps_to_the_val_form(lav: Any) -> None:
    dok = fmt.fortolk(lav())
    assert isinstance(dok, fmt.SkemaDokument)
    form = mapping.til_skema(dok)
    assert isinstance(form, ValIndberetning)
    assert form.institution.institution_id == "tilbud-0851-017"
    assert form.institution.art == "doegninstitution"
    assert form.institution.driftsherre_id == "1081"
    assert form.institution.fagkonsulent_ref == "fagkonsulent-rn-3"
    assert form.institution.har_intern_skole is True
    assert form.form_version == "2024"
    assert form.barn.cpr == "010110-4321"
    assert form.barn.foraeldremyndighed[0].ref == "part-mor-77"
    assert form.episode.forloeb_foer.startswith("Alma var ked af det")
    assert [i.medarbejder_ref for i in form.involverede] == ["mdb-1042", "mdb-1077"]
    assert form.involverede[0].funktion == "pædagog"
    assert form.registrering.registreret_af == "mdb-1042"
    assert form.barnets_redegoerelse.indgaar is True
    assert form.leder is None


def test_internal_part_is_its_own_section_and_becomes_intern(lav: Any) -> None:
    dok = fmt.fortolk(lav())
    assert isinstance(dok, fmt.SkemaDokument)
    form = mapping.til_skema(dok)
    assert form.intern is not None
    assert form.intern.refleksioner == "Vi kunne have tilbudt en rolig pause tidligere."
    uden = fmt.fortolk(lav(aendringer={"supplerende_oplysninger": None}))
    assert isinstance(uden, fmt.SkemaDokument)
    assert mapping.til_skema(uden).intern is None


def test_leaders_part_and_missing_account_reason_map(lav: Any) -> None:
    raw = lav(
        aendringer={
            "magtanvendelsesskema.leders_del": {
                "leder_id": "leder-7",
                "kommentarer": "Godt beskrevet.",
                "vurdering": "Nødvendigt.",
                "godkendt": True,
                "godkendt_tidspunkt": "2025-03-15T13:00:00+01:00",
            },
            "magtanvendelsesskema.barnets_redegoerelse": {
                "indgaar": False,
                "aarsag_hvis_ikke": "barnet_oenskede_ikke",
            },
        }
    )
    dok = fmt.fortolk(raw)
    assert isinstance(dok, fmt.SkemaDokument)
    form = mapping.til_skema(dok)
    assert form.leder is not None
    assert form.leder.leder_ref == "leder-7"
    assert form.barnets_redegoerelse.aarsag == "barnet_oenskede_ikke"


def test_contract_errors_come_back_in_the_documents_paths(lav: Any) -> None:
    fejl = _fejl(
        lav(
            aendringer={
                "magtanvendelsesskema.indgreb": ["flyvende_tallerken"],
                "magtanvendelsesskema.skemaversion": "1999",
                "institution.driftsherre": "0851",
                "magtanvendelsesskema.barnets_redegoerelse": {"indgaar": False},
            }
        )
    )
    assert "Ukendt indgreb" in fejl["magtanvendelsesskema.indgreb"]
    assert "Ukendt skemaversion" in fejl["magtanvendelsesskema.skemaversion"]
    assert "regionskoden" in fejl["institution"]
    assert "hvorfor" in fejl["magtanvendelsesskema.barnets_redegoerelse"]


def test_format_errors_are_danish_and_in_the_documents_paths(lav: Any) -> None:
    fejl = _fejl(
        lav(
            aendringer={
                "magtanvendelsesskema.barn.cpr": "310299-1234",
                "magtanvendelsesskema.episode.start": "i går",
                "magtanvendelsesskema.involverede_medarbejdere.0.medarbejder_id": "",
                "institution.tilbudstype": "rumstation",
                "magtanvendelsesskema.ukendt_felt": 1,
            }
        )
    )
    assert "gyldig dato" in fejl["magtanvendelsesskema.barn.cpr"]
    assert "tidspunkt" in fejl["magtanvendelsesskema.episode.start"]
    assert fejl["magtanvendelsesskema.involverede_medarbejdere.0.medarbejder_id"]
    assert "Ugyldig værdi" in fejl["institution.tilbudstype"]
    assert "kendes ikke" in fejl["magtanvendelsesskema.ukendt_felt"]


def test_unknown_document_type_is_named_as_such(lav: Any) -> None:
    fejl = _fejl(lav(aendringer={"dokumenttype": "indkøbsliste"}))
    assert "Dokumenttypen" in fejl["dokumenttype"]


@pytest.mark.parametrize(
    ("kontrakt", "bosted"),
    [
        ("barn.cpr", "magtanvendelsesskema.barn.cpr"),
        (
            "barn.foraeldremyndighed.1.ref",
            "magtanvendelsesskema.barn.foraeldremyndighedsindehavere.1.part_id",
        ),
        (
            "involverede.0.funktion",
            "magtanvendelsesskema.involverede_medarbejdere.0.stilling",
        ),
        ("registrering.registreret_af", "magtanvendelsesskema.registreret_af"),
        ("leder.godkendt", "magtanvendelsesskema.leders_del.godkendt"),
        ("intern.refleksioner", "supplerende_oplysninger.refleksioner"),
        ("institution.institution_id", "institution.tilbud_id"),
        ("form_version", "magtanvendelsesskema.skemaversion"),
        ("(skema)", "magtanvendelsesskema"),
    ],
)
def test_paths_translate(kontrakt: str, bosted: str) -> None:
    assert mapping.oversaet_sti(kontrakt) == bosted
    assert mapping.oversaet(FeltFejl(field=kontrakt, message="x")).field == bosted


def test_hash_ignores_export_metadata_but_not_content(lav: Any) -> None:
    grund = fmt.indholdshash(lav())
    reeksport = lav(
        aendringer={
            "eksporteret": "2025-04-01T10:00:00+02:00",
            "dokument_version": 7,
            "rettelse": {"rettet_af": "x", "rettet_tidspunkt": "2025-04-01T10:00:00+02:00"},
        }
    )
    assert fmt.indholdshash(reeksport) == grund
    aendret = lav(aendringer={"magtanvendelsesskema.episode.sted": "Køkkenet"})
    assert fmt.indholdshash(aendret) != grund
    assert fmt.indholdshash(lav(aendringer={"supplerende_oplysninger": None})) != grund


@pytest.mark.parametrize(
    ("data", "tekst"),
    [
        (b"\xff\xfe", "UTF-8"),
        (b'{"dokument_id": "x"', "gyldig JSON"),
        (b"[1, 2]", "ét JSON-objekt"),
    ],
)
def test_unreadable_bytes_give_danish_errors(data: bytes, tekst: str) -> None:
    with pytest.raises(fmt.UgyldigtDokumentError) as info:
        fmt.laes_json(data)
    assert tekst in info.value.fejl[0].message


def test_envelope_needs_document_and_institution_id() -> None:
    with pytest.raises(fmt.UgyldigtDokumentError) as info:
        fmt.kuvert({"dokument_id": "a b"})
    felter = {f.field for f in info.value.fejl}
    assert felter == {"dokument_id", "institution"}


def test_complaint_example_parses(lav: Any) -> None:
    dok = fmt.fortolk(lav("klage"))
    assert isinstance(dok, fmt.KlageDokument)
    assert dok.klage.klagetype == "val_magtanvendelse"
    assert dok.klage.sag_dokument_id == "BST-2025-000123"
    assert dok.institution.tilbud_id == "tilbud-0851-017"
