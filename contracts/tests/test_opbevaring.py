"""The retention table: every data class has a reason and a source; policy periods are settings."""

from __future__ import annotations

from magt_contracts.catalogue.opbevaring import GDPR_5_1_E, TABEL, Kilde, som_markdown


def test_every_data_class_says_why_and_on_what_source() -> None:
    assert len({p.dataklasse for p in TABEL}) == len(TABEL)
    for p in TABEL:
        assert p.hvorfor
        assert p.grundlag
        assert p.hvor_laenge


def test_a_policy_period_is_a_setting_never_a_law() -> None:
    for p in TABEL:
        if p.standard is not None:
            assert p.kilde is Kilde.POLITIK
            assert p.indstilling is not None
    assert all(p.kilde is Kilde.POLITIK for p in TABEL)  # no period here comes from an act


def test_the_markdown_table_has_one_row_per_data_class() -> None:
    lines = som_markdown().splitlines()
    assert len(lines) == 2 + len(TABEL)
    assert GDPR_5_1_E in som_markdown()
