"""The demo's documents: one PDF/A of each kind, written to a folder and read back."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from magt import dokumenter
from magt_documents.testing import pdf_metadata, pdf_tekst

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
