"""docs/law.md is the catalogue's law table, generated, one row per rule with its full source."""

from __future__ import annotations

from pathlib import Path

import pytest

from magt_contracts.catalogue import standard_katalog
from magt_contracts.lovtabel import markdown, raekker

pytestmark = pytest.mark.unit
DOC = Path(__file__).resolve().parents[2] / "docs" / "law.md"
KAT = standard_katalog()


def test_committed_docs_law_md_equals_the_generated_table() -> None:
    """The table is generated: run `uv run python scripts/law_table.py` after a catalogue change."""
    assert DOC.read_text(encoding="utf-8") == markdown()


def test_every_rule_of_the_catalogue_is_a_row() -> None:
    """Every rule: paragraph, what the platform does, rule id, source and effective dates."""
    regler = (
        len(KAT.indgreb)
        + len(KAT.frister)
        + len(KAT.tal)
        + len(KAT.formversioner)
        + len(KAT.vaertskommuner)
        + len(KAT.specialomraader)
        + len(KAT.tilsynsfordeling)
        + len(KAT.pligter)
        + len(KAT.afgoerelsesarter)
    )
    rows = raekker()
    assert len(rows) == regler
    assert len({(r.regel, r.valid_from) for r in rows}) == regler


def test_the_childrens_registration_row_cites_val_21_and_the_executive_order() -> None:
    """VAL § 21: registration within 24 hours, with the executive order's number and date."""
    (row,) = [r for r in raekker() if r.regel == "frist:val.registrering"]
    assert row.kilde.henvisning == "VAL § 21, stk. 1 og 5"
    assert "nr. 980 af 30. juni 2025" in str(row.kilde)
    assert row.goer.startswith("deadline 24 hours")
    assert row.valid_to is None
    linje = next(x for x in markdown().splitlines() if "`frist:val.registrering`" in x)
    assert linje.startswith("| VAL § 21, stk. 1 og 5 | deadline 24 hours")


def test_the_plejecenter_row_names_the_municipal_supervisor_sel_148_a() -> None:
    """SEL § 148 a, stk. 1: a tilbud outside lov om socialtilsyn § 4 has the municipality's tilsyn."""
    (row,) = [r for r in raekker() if r.regel == "tilsyn:art.plejebolig"]
    assert row.kilde.henvisning == "SEL § 148 a, stk. 1"
    assert "the municipality as supervisor" in row.goer
    (bo,) = [r for r in raekker() if r.regel == "tilsyn:art.botilbud"]
    assert bo.kilde.henvisning == "Socialtilsynsloven § 4, stk. 1"
