"""Reports: HTML and PDF written, the PDF opens and shows its charts, small cells suppressed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from sqlmodel import Session

from magt_documents.testing import pdf_objekter, pdf_xmp
from magt_runtime.db import create_tables, make_engine
from magt_statistik import syntetisk as s
from magt_statistik.handlers import Aggregering
from magt_statistik.reports import build_report
from magt_statistik.settings import Settings
from magt_statistik.store import Kommentar

pytestmark = pytest.mark.unit


def _seed(url: str) -> None:
    engine = make_engine(url)
    create_tables(engine)
    agg = Aggregering(Settings(topic_namespace="r."))
    with Session(engine) as session:
        for event in s.stroem(1500, seed=3):
            agg.anvend(session, event)
        session.add(
            Kommentar(
                driftsherre_id="region-midt",
                periode="2025-Q2",
                art="kommentar",
                tekst="Stigningen skyldes især én nyindflyttet borger på Solsikken.",
                forfatter="fagkonsulent-1",
            )
        )
        session.add(
            Kommentar(
                driftsherre_id="region-midt",
                periode="2025",
                art="eksempel",
                tekst="Egebakken har halveret fastholdelser med faste skærmede pauser.",
                forfatter="fagkonsulent-1",
            )
        )
        session.commit()
    engine.dispose()


def _ink(page: pdfium.PdfPage) -> tuple[float, int]:
    """Share of non-white pixels and the number of distinct colours of a rendered page."""
    image = page.render(scale=1).to_pil().convert("RGB").resize((200, 280))
    colours = image.getcolors(maxcolors=200 * 280) or []
    non_white = sum(n for n, rgb in colours if sum(rgb) < 720)
    return non_white / (200 * 280), len(colours)


def test_yearly_report_has_html_pdf_charts_and_commentary(sqlite_url: str, tmp_path: Path) -> None:
    _seed(sqlite_url)
    settings = Settings(database_url=sqlite_url)
    paths = build_report(
        settings,
        kind="yearly",
        period="2025",
        out_dir=tmp_path,
        driftsherre_id="region-midt",
        now=datetime(2026, 1, 15, tzinfo=UTC),
    )
    html_path, pdf_path = paths
    html = html_path.read_text(encoding="utf-8")
    assert "Årsopgørelse".lower() in html
    assert "én nyindflyttet borger" in html  # the quarter's commentary is in the yearly report
    assert "halveret fastholdelser" in html
    assert html.count("data:image/png;base64,") == 6
    assert "Solsikken" in html
    assert "Havgården" not in html

    raw = pdf_path.read_bytes()
    pdf = pdfium.PdfDocument(str(pdf_path))
    assert len(pdf) >= 2  # one text flow: key figures, commentary, charts, tables
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Driftsherrens kommentar" in text
    assert "halveret fastholdelser" in text  # the operator's commentary, as real text
    assert f"Side 1 af {len(pdf)}" in text  # CSS @page counters
    assert "vises tal under 5" in text  # the small-cell note
    for title in ("pr. kvartal", "type af indgreb", "pr. tilbud", "redegørelse", "udfald"):
        assert title in text
    assert re.search(r"pdfaid:part[^0-9]{0,3}3", pdf_xmp(raw))
    objekter = pdf_objekter(raw)
    assert not re.search(rb"/Subtype\s*/Image", objekter)  # charts are vector, not bitmaps
    # the chart pages are not blank: there is ink and the bar colour
    ink, colours = max(_ink(pdf[i]) for i in range(len(pdf)))
    assert ink > 0.01
    assert colours > 5


def test_small_cells_never_reach_a_report(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    agg = Aggregering(Settings())
    with Session(engine) as session:
        for event in s.stroem(40, seed=9):  # about ten cases: every cell is small
            agg.anvend(session, event)
        session.commit()
    html_path, _ = build_report(
        Settings(database_url=sqlite_url), kind="quarterly", period="2025-Q1", out_dir=tmp_path
    )
    html = html_path.read_text(encoding="utf-8")
    shown = [int(n) for n in re.findall(r'<td class="tal">(\d+)</td>', html)]
    assert all(n == 0 or n >= 5 for n in shown)
    assert "&lt;5" in html


def test_wrong_kind_or_period_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="passer ikke"):
        build_report(Settings(), kind="yearly", period="2025-Q1", out_dir=tmp_path)
    with pytest.raises(ValueError, match="Ukendt rapporttype"):
        build_report(Settings(), kind="monthly", period="2025", out_dir=tmp_path)
