"""Quarterly and yearly reports: HTML (jinja2) and PDF (matplotlib PdfPages) with charts.

The operator's departments count force quarterly and inform the strategic leadership and the
political level yearly, with written commentary, since numbers alone mislead (seed 001). The
report therefore has a place for the operator's commentary and examples where force was reduced,
stored through `POST /kommentarer`. Reports leave the operator: every table is suppressed
(`domain.undertryk`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
import matplotlib
from matplotlib.figure import Figure
from sqlmodel import Session

from magt_contracts.tid import tz
from magt_documents.pdf import pdf_af_html
from magt_runtime.db import create_tables, make_engine
from magt_statistik import domain
from magt_statistik.diagrammer import Diagram, diagrammer, som_png_data_url, som_svg
from magt_statistik.figurer import (
    FRIST_TEKST,
    KLAGE_TEKST,
    REGIME_TEKST,
    VURDERING_TEKST,
    Visning,
    indgreb_tekster,
    visning,
)
from magt_statistik.settings import Settings
from magt_statistik.store import Filtre, Kommentar, kommentarer

ARTER = {"quarterly": domain.PeriodeArt.KVARTAL, "yearly": domain.PeriodeArt.AAR}
TITLER = {"quarterly": "Kvartalsopgørelse", "yearly": "Årsopgørelse"}
NOTE_TAL = (
    "Tal alene kan give et misvisende billede: antallet af magtanvendelser hænger ofte tæt "
    "sammen med enkelte borgere og med typen af tilbud. Læs derfor tallene sammen med "
    "driftsherrens kommentar."
)
NOTE_DISKRETION = (
    'Af hensyn til diskretion vises tal under 5 som "<5", og enkelte andre celler skjules, så '
    "de små tal ikke kan regnes ud. Andele vises kun, når alle tal bag dem kan vises."
)
FORFATTER = "Magtanvendelsesplatformen (statistik)"
ART_TEKST = {"kommentar": "Driftsherrens kommentar", "eksempel": "Eksempel på begrænset magt"}


@dataclass(frozen=True)
class Rapportindhold:
    """What both the HTML and the PDF show."""

    titel: str
    undertitel: str
    dannet: str
    noegletal: list[tuple[str, str]]
    visning: Visning
    diagrammer: list[Diagram]
    kommentarer: list[Kommentar]
    eksempler: list[Kommentar]
    tabeller: list[tuple[str, list[tuple[str, str]]]]


def procent(vaerdi: float | None) -> str:
    """A share in Danish notation, or why it is not shown."""
    if vaerdi is None:
        return "ikke vist"
    return f"{vaerdi:.1f} %".replace(".", ",")


def noegletal(v: Visning) -> list[tuple[str, str]]:
    """The key figures (label, value) of a view."""
    return [
        ("Indberetninger i alt", v.total.vist_total),
        ("Heraf vurderet ikke tilladt", v.vurdering.vist("not-allowed")),
        ("Børn: barnets redegørelse indgår", procent(v.andel_barnets_redegoerelse)),
        ("Klagevejledning givet", procent(v.andel_klagevejledning)),
        ("Frister overholdt", procent(v.andel_rettidige)),
        ("Overskredne frister", v.frister.vist("overskredet")),
        ("Klager modtaget", v.klager.vist_total),
        ("Medhold i afgjorte klager", procent(v.andel_medhold)),
    ]


def tabeller(v: Visning) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report's tables as (title, rows of label and shown value)."""

    def rows(tabel: domain.Tabel, etiketter: dict[str, str]) -> list[tuple[str, str]]:
        if tabel.udeladt:
            return [("Udeladt af hensyn til diskretion", domain.VIST_UNDERTRYKT)]
        return [(etiketter.get(k, k), tabel.vist(k)) for k in tabel.celler]

    result = [
        ("Pr. kvartal", rows(v.trend, {})),
        ("Pr. type af indgreb", rows(v.per_indgreb, indgreb_tekster())),
        ("Pr. lovgrundlag", rows(v.per_regime, REGIME_TEKST)),
        ("Vurdering", rows(v.vurdering, VURDERING_TEKST)),
        ("Klager efter udfald", rows(v.klager, KLAGE_TEKST)),
        ("Frister", rows(v.frister, FRIST_TEKST)),
    ]
    if v.per_institution is not None:
        result.insert(2, ("Pr. tilbud", rows(v.per_institution, v.institution_navne)))
    if v.per_socialtilsyn is not None:
        result.insert(2, ("Pr. socialtilsyn", rows(v.per_socialtilsyn, {})))
    return result


def _omfang(driftsherre_id: str | None) -> domain.Omfang:
    # a published (suppressed) report counts approved reports, like every suppressed view
    if driftsherre_id is None:
        return domain.Omfang(None, None, True, True, "Alle tilbud på platformen")
    return domain.Omfang(
        "driftsherre_id", driftsherre_id, True, True, f"Driftsherre {driftsherre_id}"
    )


def build_report(
    settings: Settings,
    *,
    kind: str,
    period: str,
    out_dir: Path,
    driftsherre_id: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Write the quarterly or yearly report (HTML and PDF) to `out_dir`; return both paths.

    `kind` is "quarterly" (period "2025-Q1") or "yearly" (period "2025"); `driftsherre_id`
    narrows the report to one operator's institutions (default: every institution).
    """
    if kind not in ARTER:
        raise ValueError(f"Ukendt rapporttype '{kind}': brug quarterly eller yearly.")
    p = domain.periode(period)
    if p.art is not ARTER[kind]:
        raise ValueError(f"Perioden '{period}' passer ikke til rapporttypen '{kind}'.")
    engine = make_engine(settings.database_url)
    try:
        create_tables(engine, upgrade=settings.upgrades_schema())
        with Session(engine) as session:
            v = visning(session, _omfang(driftsherre_id), Filtre(periode=p), undertrykt=True)
            perioder = [period]
            if p.art is domain.PeriodeArt.AAR:
                perioder += [q.noegle for q in domain.kvartaler(int(period))]
            tekster = kommentarer(session, driftsherre_id=driftsherre_id, perioder=perioder)
            for tekst in tekster:
                session.expunge(tekst)
    finally:
        engine.dispose()
    indhold = Rapportindhold(
        titel=f"Magtanvendelser – {TITLER[kind].lower()} for {p.titel}",
        undertitel=v.omfang.beskrivelse,
        dannet=(now or datetime.now(UTC)).astimezone(tz()).strftime("%d.%m.%Y %H:%M"),
        noegletal=noegletal(v),
        visning=v,
        diagrammer=diagrammer(v),
        kommentarer=[t for t in tekster if t.art == "kommentar"],
        eksempler=[t for t in tekster if t.art == "eksempel"],
        tabeller=tabeller(v),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    navn = f"magtanvendelser-{kind}-{period}" + (f"-{driftsherre_id}" if driftsherre_id else "")
    html_path = out_dir / f"{navn}.html"
    pdf_path = out_dir / f"{navn}.pdf"
    html_path.write_text(render_html(indhold), encoding="utf-8")
    write_pdf(indhold, pdf_path)
    return [html_path, pdf_path]


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("magt_statistik", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )


def _svg_data_url(figur: Figure) -> str:
    # Text stays text in the SVG (not paths), so the PDF's charts are searchable and tagged.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = som_svg(figur)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def render_html(indhold: Rapportindhold, *, til_pdf: bool = False) -> str:
    """The HTML report: charts inline as PNG for the browser, as SVG (vector) for the PDF."""
    billede = _svg_data_url if til_pdf else som_png_data_url
    billeder = [(d.id, d.titel, billede(d.figur)) for d in indhold.diagrammer]
    return (
        _jinja()
        .get_template("rapport.html.j2")
        .render(
            r=indhold,
            billeder=billeder,
            note_tal=NOTE_TAL,
            note_diskretion=NOTE_DISKRETION,
            art_tekst=ART_TEKST,
            til_pdf=til_pdf,
            forfatter=FORFATTER,
            oprettet=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    )


def write_pdf(indhold: Rapportindhold, path: Path) -> None:
    """The same HTML typeset as PDF/A by WeasyPrint: text flow, tables, vector charts, page numbers."""
    path.write_bytes(pdf_af_html(render_html(indhold, til_pdf=True)))
