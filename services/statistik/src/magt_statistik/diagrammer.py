"""Charts with matplotlib (object API, no pyplot: safe in a server and in threads).

Every label is plain text (`parse_math=False`): a data value such as an institution name
with `$...$` is never parsed as mathtext. Every chart draws a `Tabel` after suppression: a suppressed cell is drawn as an empty bar
labelled "<5", never with its value.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.figure import Figure

from magt_statistik import domain
from magt_statistik.domain import Tabel
from magt_statistik.figurer import (
    FRIST_TEKST,
    JA_NEJ_TEKST,
    KLAGE_TEKST,
    Visning,
    indgreb_tekster,
)

FARVE = "#1f5f8b"
FARVE_SKJULT = "#bbbbbb"


@dataclass(frozen=True)
class Diagram:
    """One chart: an id (for HTML), a Danish title and the figure."""

    id: str
    titel: str
    figur: Figure


def soejlediagram(
    titel: str,
    tabel: Tabel,
    *,
    etiketter: Mapping[str, str] | None = None,
    vandret: bool = False,
    orden: list[str] | None = None,
) -> Figure:
    """A bar chart of a (suppressed) table; '<5' bars are empty and labelled."""
    fig = Figure(figsize=(7.5, 3.6), dpi=100)
    ax = fig.add_subplot()
    ax.set_title(titel, fontsize=11, loc="left", parse_math=False)
    noegler = orden if orden is not None else list(tabel.celler)
    if tabel.udeladt or not noegler:
        besked = "Udeladt (færre end 5)" if tabel.udeladt else "Ingen data i perioden"
        ax.text(
            0.5, 0.5, besked, ha="center", va="center", transform=ax.transAxes, parse_math=False
        )
        ax.set_axis_off()
        fig.tight_layout()
        return fig
    navne = [(etiketter or {}).get(k, k) for k in noegler]
    vaerdier = [tabel.celler.get(k, 0) for k in noegler]
    hoejder = [v if v is not None else 0 for v in vaerdier]
    farver = [FARVE if v is not None else FARVE_SKJULT for v in vaerdier]
    positioner = list(range(len(noegler)))
    if vandret:
        bars = ax.barh(positioner, hoejder, color=farver)
        ax.set_yticks(positioner, [n[:45] for n in navne], fontsize=8, parse_math=False)
        ax.invert_yaxis()
    else:
        bars = ax.bar(positioner, hoejder, color=farver)
        ax.set_xticks(
            positioner,
            [n[:18] for n in navne],
            fontsize=8,
            rotation=20,
            ha="right",
            parse_math=False,
        )
    ax.bar_label(
        bars, labels=[domain.vis(v) for v in vaerdier], fontsize=8, padding=2, parse_math=False
    )
    ax.margins(x=0.1, y=0.15)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def diagrammer(v: Visning) -> list[Diagram]:
    """The report's and the dashboard's charts for one view."""
    resultat = [
        Diagram(
            "trend",
            "Udvikling pr. kvartal",
            soejlediagram("Magtanvendelser pr. kvartal", v.trend),
        ),
        Diagram(
            "indgreb",
            "Fordelt på type af indgreb",
            soejlediagram(
                "Indberetninger pr. type af indgreb",
                v.per_indgreb,
                etiketter=indgreb_tekster(),
                vandret=True,
            ),
        ),
    ]
    if v.per_institution is not None:
        resultat.append(
            Diagram(
                "institution",
                "Fordelt på tilbud",
                soejlediagram(
                    "Indberetninger pr. tilbud",
                    v.per_institution,
                    etiketter=v.institution_navne,
                    vandret=True,
                ),
            )
        )
    if v.per_socialtilsyn is not None:
        resultat.append(
            Diagram(
                "socialtilsyn",
                "Fordelt på socialtilsyn",
                soejlediagram("Indberetninger pr. socialtilsyn", v.per_socialtilsyn),
            )
        )
    resultat += [
        Diagram(
            "barnets_redegoerelse",
            "Barnets redegørelse",
            soejlediagram(
                "Børn: barnets egen redegørelse indgår",
                v.barnets_redegoerelse,
                etiketter=JA_NEJ_TEKST,
                orden=["ja", "nej", "ukendt"],
            ),
        ),
        Diagram(
            "klager",
            "Klager og medhold",
            soejlediagram(
                "Klager efter udfald", v.klager, etiketter=KLAGE_TEKST, orden=list(KLAGE_TEKST)
            ),
        ),
        Diagram(
            "frister",
            "Overholdelse af frister",
            soejlediagram(
                "Frister efter udfald", v.frister, etiketter=FRIST_TEKST, orden=list(FRIST_TEKST)
            ),
        ),
    ]
    return resultat


def som_svg(figur: Figure) -> str:
    """The figure as inline SVG (without the XML prologue)."""
    buffer = io.StringIO()
    figur.savefig(buffer, format="svg")
    tekst = buffer.getvalue()
    return tekst[tekst.index("<svg") :]


def som_png_data_url(figur: Figure) -> str:
    """The figure as a PNG data URL (for the HTML report)."""
    buffer = io.BytesIO()
    figur.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
