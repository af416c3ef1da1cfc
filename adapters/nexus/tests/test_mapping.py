"""Mapping Nexus items to the contracts' forms: every form type, Nexus' value shapes, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from magt_contracts.catalogue import standard_katalog
from magt_contracts.catalogue.model import gaeldende
from magt_contracts.forms import parse_form
from magt_nexus.mapping import (
    PERSONAL_MESSAGE,
    Mapped,
    MappingFileError,
    Mappings,
    Unmapped,
    load_mappings,
    map_form,
)

pytestmark = pytest.mark.unit


def _detail(form: Any, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "formDefinition": {"title": form.title, "version": form.version},
        "items": form.items if items is None else items,
    }


def _replace(items: list[dict[str, Any]], label: str, value: Any) -> list[dict[str, Any]]:
    found = [i for i in items if i["label"] == label]
    assert found, label
    return [{**i, "value": value} if i["label"] == label else i for i in items]


@pytest.mark.parametrize("form_type", ["skema_1a", "skema_1b", "bilag_1", "skema_2", "skema_3"])
def test_every_form_type_maps_to_the_contract_model(
    form_type: str,
    nexus_form: Callable[..., Any],
    form_data: Callable[..., dict[str, Any]],
    mappings: Mappings,
) -> None:
    result = map_form(_detail(nexus_form(form_type)), mappings)
    assert isinstance(result, Mapped), getattr(result, "errors", None)
    assert result.form == parse_form(form_data(form_type))
    assert result.form.form_type == form_type


def test_skema_1a_reads_nexus_value_shapes(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    items = nexus_form("skema_1a").items
    items = _replace(items, "Borgeren kan selv klage", {"name": "Ja"})  # a radio Ja/Nej
    items = _replace(items, "Involverede medarbejdere", [{"name": "mdb-7"}, {"name": "mdb-8"}])
    items = _replace(items, "Episodens start", "2025-10-25T23:31:00Z")  # UTC with Z
    items = [*items, {"label": "Nexus' egen note", "type": "text", "value": "ignoreres"}]
    result = map_form(_detail(nexus_form("skema_1a"), items), mappings)
    assert isinstance(result, Mapped), getattr(result, "errors", None)
    form = result.form
    assert form.form_type == "skema_1a"
    assert form.borger.kan_selv_klage is True
    assert [i.medarbejder_ref for i in form.involverede] == ["mdb-7", "mdb-8"]
    assert form.episode.start.isoformat() == "2025-10-25T23:31:00+00:00"
    assert form.indgreb == "hygiejne"
    assert form.hygiejnesituation == "tandboerstning"


def test_skema_2_dates_sent_as_utc_midnight_are_the_danish_day(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("skema_2")
    dates = {i["label"]: i["value"] for i in form.items if i["type"] == "date"}
    assert dates["Dato for flytningen"] == "2025-03-02T23:00:00+00:00"
    result = map_form(_detail(form), mappings)
    assert isinstance(result, Mapped)
    assert str(result.form.flytning_dato) == "2025-03-03"  # type: ignore[union-attr]


def test_bilag_1_repeated_rows_are_read_in_row_order(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("bilag_1")
    items = list(reversed(form.items))
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Mapped)
    rows = result.form.registreringer  # type: ignore[union-attr]
    assert [r.medarbejder_ref for r in rows] == ["mdb-2001", "mdb-2003"]
    assert rows[0].varighed_minutter == 480


def test_unknown_form_definition_is_an_error_not_a_silent_drop(mappings: Mappings) -> None:
    detail = {"formDefinition": {"title": "Magtanvendelse - Skema 1 a", "version": "2031"}}
    result = map_form(detail, mappings)
    assert isinstance(result, Unmapped)
    assert "ukendt skema" in result.errors[0].message
    assert "2031" in result.errors[0].message


def test_invalid_cpr_is_reported_by_label_without_its_value(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("skema_3")
    items = _replace(form.items, "Borgerens CPR-nummer", "311399-1234")
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    [fejl] = result.errors
    assert (fejl.field, fejl.label, fejl.message) == (
        "borger.cpr",
        "Borgerens CPR-nummer",
        PERSONAL_MESSAGE,
    )
    assert "1399" not in json.dumps([e.as_dict() for e in result.errors])
    assert result.institution_id == "botilbud-0450-002"


def test_missing_and_wrong_values_name_the_nexus_labels(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("skema_1b")
    items = [i for i in form.items if i["label"] != "Beskrivelse af indgrebet"]
    items = _replace(items, "Indgreb", {"name": "Noget helt andet"})
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    assert result.errors[0].label == "Indgreb"
    assert "Ugyldigt valg 'Noget helt andet'" in result.errors[0].message
    items = [i for i in form.items if i["label"] != "Beskrivelse af indgrebet"]
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    assert [(e.label, e.message) for e in result.errors] == [
        ("Beskrivelse af indgrebet", "Feltet skal udfyldes.")
    ]


def test_intervention_not_on_the_form_is_a_form_level_error(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("skema_1b")
    label = "Kortvarig fastholdelse i personlige hygiejnesituationer (§ 136 a)"
    items = _replace(form.items, "Indgreb", {"name": label})
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    assert any("registreres ikke på skema 1b" in e.message for e in result.errors)


def test_error_on_a_whole_group_names_its_first_label(
    nexus_form: Callable[..., Any], mappings: Mappings
) -> None:
    form = nexus_form("skema_1a")
    items = _replace(form.items, "Episodens slut", "2025-10-25T20:00:00+02:00")
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    assert [(e.field, e.label) for e in result.errors] == [("episode", "Episodens start")]
    assert "slut ligger før" in result.errors[0].message


def test_bad_bilag_row_names_the_row(nexus_form: Callable[..., Any], mappings: Mappings) -> None:
    form = nexus_form("bilag_1")
    items = _replace(form.items, "Anvendelse 2: varighed (minutter)", "otte timer")
    result = map_form(_detail(form, items), mappings)
    assert isinstance(result, Unmapped)
    assert [(e.label, e.message) for e in result.errors] == [
        ("Anvendelse 2: varighed (minutter)", "Skal være et heltal.")
    ]


def test_malformed_mapping_files_fail_on_load(tmp_path: Path) -> None:
    bad = {
        "nexus_title": "X",
        "nexus_version": "1",
        "form_type": "skema_3",
        "fields": [{"label": "A", "path": "a", "type": "farve"}],
    }
    (tmp_path / "x.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(MappingFileError, match="unknown type"):
        load_mappings(tmp_path)
    bad["fields"] = [{"label": "A {n}", "path": "a", "type": "text"}]
    (tmp_path / "x.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(MappingFileError, match="both label and path"):
        load_mappings(tmp_path)


def test_shipped_mappings_cover_every_adult_form(mappings: Mappings) -> None:
    assert {m.form_type for m in mappings.by_definition.values()} == {
        "skema_1a",
        "skema_1b",
        "bilag_1",
        "skema_2",
        "skema_3",
    }


def test_demo_emulator_holds_one_valid_form_per_form_type_and_version(mappings: Mappings) -> None:
    from magt_nexus.emulator import create_demo_emulator

    state = create_demo_emulator().state.emulator
    seeded = {(f.title, f.definition_version): f for f in state.forms.values()}
    assert set(seeded) == set(mappings.by_definition)
    assert len(seeded) == len(state.forms) == 10
    for form in seeded.values():
        detail = {
            "formDefinition": {"title": form.title, "version": form.definition_version},
            "items": form.items,
        }
        outcome = map_form(detail, mappings)
        assert isinstance(outcome, Mapped), outcome
        expected = "2022" if form.definition_version == "2024" else "2025"
        assert outcome.form.form_version == expected


def test_the_2024_edition_keeps_the_labels_of_the_2025_edition(mappings: Mappings) -> None:
    """The same form in Nexus, its own version; only Skema 1's interventions differ (L 188)."""
    editions = {(m.form_type, m.nexus_version): m for m in mappings.by_definition.values()}
    for form_type in {t for t, _ in editions}:
        old, new = editions[(form_type, "2024")], editions[(form_type, "2025")]
        assert [f.label for f in old.fields] == [f.label for f in new.fields]
        assert [f for f in old.fields if f.path != "indgreb"] == [
            f for f in new.fields if f.path != "indgreb"
        ]
        assert old.nexus_title == new.nexus_title
        assert (old.constants["form_version"], new.constants["form_version"]) == ("2022", "2025")


@pytest.mark.parametrize(
    ("version", "paa"), [("2024", date(2024, 6, 30)), ("2025", date(2025, 1, 1))]
)
def test_each_editions_interventions_are_the_ones_in_force_for_it(
    mappings: Mappings, version: str, paa: date
) -> None:
    """L 188 (2023-24), from 1 July 2024: § 124 d splits into stk. 1 (løsne greb) and stk. 2,
    § 128 h is new, §§ 136 d-e end. The 2025 edition offers exactly the SEL interventions in
    force then; the 2024 edition those in force before (and none of the new ones)."""
    kat = standard_katalog()
    i_kraft = {t.kode for t in gaeldende(kat.indgreb, paa) if t.regime == "sel"}
    for m in mappings.by_definition.values():
        if m.nexus_version != version or m.form_type not in ("skema_1a", "skema_1b"):
            continue
        (indgreb,) = [f for f in m.fields if f.path == "indgreb"]
        koder = set((indgreb.values or {}).values())
        assert koder <= i_kraft, sorted(koder - i_kraft)
        nye = {"loesne_greb", "adgang_til_bolig"}
        assert (nye <= koder) == (version == "2025")
        assert ({"fastholdelse_demens", "velfaerdsteknologi_akut"} <= koder) == (version == "2024")
