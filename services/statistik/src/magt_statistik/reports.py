"""Quarterly and yearly reports: HTML (jinja2) and PDF (matplotlib PdfPages) with charts.

The operator's departments count force quarterly and inform the strategic leadership and the
political level yearly, with written commentary, since numbers alone mislead (seed 001). The
report therefore has a place for the operator's commentary and examples where force was reduced,
stored through `POST /kommentarer`. Reports leave the operator: every table is suppressed
(`domain.undertryk`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from sqlmodel import Session

from magt_contracts.tid import tz
from magt_runtime.db import create_tables, make_engine
from magt_statistik import domain
from magt_statistik.diagrammer import Diagram, diagrammer, som_png_data_url
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
    if driftsherre_id is None:
        return domain.Omfang(None, None, False, True, "Alle tilbud på platformen")
    return domain.Omfang(
        "driftsherre_id", driftsherre_id, False, True, f"Driftsherre {driftsherre_id}"
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
        create_tables(engine)
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


def render_html(indhold: Rapportindhold) -> str:
    """The HTML report with its charts inline (PNG)."""
    billeder = [(d.id, d.titel, som_png_data_url(d.figur)) for d in indhold.diagrammer]
    return (
        _jinja()
        .get_template("rapport.html.j2")
        .render(
            r=indhold,
            billeder=billeder,
            note_tal=NOTE_TAL,
            note_diskretion=NOTE_DISKRETION,
            art_tekst=ART_TEKST,
        )
    )


def write_pdf(indhold: Rapportindhold, path: Path) -> None:
    """Text pages (key figures, commentary, tables) followed by one page per chart."""
    linjer: list[tuple[str, str]] = [
        ("h1", indhold.titel),
        ("p", indhold.undertitel),
        ("p", f"Dannet {indhold.dannet}"),
        ("h2", "Nøgletal"),
        *[("p", f"{label}: {vaerdi}") for label, vaerdi in indhold.noegletal],
        ("p", NOTE_TAL),
        ("h2", "Driftsherrens kommentar"),
    ]
    if indhold.kommentarer:
        linjer += [("p", f"[{k.periode}] {k.tekst}") for k in indhold.kommentarer]
    else:
        linjer.append(("p", "Driftsherren har endnu ikke skrevet en kommentar til perioden."))
    linjer.append(("h2", "Eksempler på begrænset magtanvendelse"))
    if indhold.eksempler:
        linjer += [("p", f"[{k.periode}] {k.tekst}") for k in indhold.eksempler]
    else:
        linjer.append(("p", "Ingen eksempler er registreret for perioden."))
    for titel, rows in indhold.tabeller:
        linjer.append(("h2", titel))
        linjer += [("p", f"{label}: {vaerdi}") for label, vaerdi in rows] or [("p", "Ingen.")]
    linjer += [("h2", "Om tallene"), ("p", NOTE_DISKRETION)]
    with PdfPages(path) as pdf:
        for side in _tekstsider(linjer):
            pdf.savefig(side)
        for diagram in indhold.diagrammer:
            pdf.savefig(diagram.figur)
        info = pdf.infodict()
        info["Title"] = indhold.titel
        info["Subject"] = "Magtanvendelser"


def _tekstsider(linjer: list[tuple[str, str]]) -> list[Figure]:
    """Lay out headings and wrapped paragraphs on A4 pages."""
    sider: list[Figure] = []
    fig: Figure | None = None
    y = 0.0
    for art, tekst in linjer:
        stoerrelse, bredde, luft = {"h1": (15, 70, 0.035), "h2": (12, 85, 0.03)}.get(
            art, (9.5, 105, 0.018)
        )
        stykker = textwrap.wrap(tekst, bredde) or [""]
        behov = luft * len(stykker) + 0.01
        if fig is None or y - behov < 0.05:
            fig = Figure(figsize=(8.27, 11.69))
            sider.append(fig)
            y = 0.95
        for stykke in stykker:
            fig.text(
                0.08,
                y,
                stykke,
                fontsize=stoerrelse,
                weight="bold" if art != "p" else "normal",
                va="top",
            )
            y -= luft
        y -= 0.01
    return sider
