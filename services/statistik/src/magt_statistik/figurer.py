"""The figures of one view (scope + filters), suppressed where they leave the operator.

Reports, the dashboard and the JSON endpoints all go through `visning()`, which applies
`domain.undertryk` (via `domain.tabel`) to every table it returns: no other path shows a count.
A suppressed view is one of the fixed published tables (see domain's docstring): no filters, no
months, breakdowns per year only, quarters as suppressed once per calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlmodel import Session

from magt_contracts.catalogue import standard_katalog
from magt_statistik import domain
from magt_statistik.domain import Omfang, Tabel
from magt_statistik.store import Filtre, raatal

VURDERING_TEKST = {
    "allowed": "Tilladt",
    "not-allowed": "Ikke tilladt",
    "needs-decision": "Kræver afgørelse",
    "ukendt": "Ukendt",
}
KLAGE_TEKST = {
    "medhold": "Medhold",
    "delvist_medhold": "Delvist medhold",
    "ikke_medhold": "Ikke medhold",
    "afvist": "Afvist",
    "omdirigeret": "Videresendt til rette instans",
    "verserende": "Verserende",
}
FRIST_TEKST = {"rettidig": "Overholdt", "overskredet": "Overskredet", "aaben": "Løber endnu"}
JA_NEJ_TEKST = {"ja": "Ja", "nej": "Nej", "ukendt": "Ikke oplyst"}
MEDHOLD = ("medhold", "delvist_medhold")
REGIME_TEKST = {"val": "Børn og unge (VAL)", "sel": "Voksne (SEL)"}


@cache
def indgreb_tekster() -> dict[str, str]:
    """Intervention codes → Danish titles (from the contracts' catalogue)."""
    tekster: dict[str, str] = {}
    for indgreb in standard_katalog().indgreb:
        tekster.setdefault(indgreb.kode, indgreb.titel)
    return tekster


@dataclass(frozen=True)
class Visning:
    """Every figure of one view, as tables after (or without) suppression.

    A table that is None is not shown in this view: in a suppressed view, tables whose cells add
    up to cells of another shown table (months within quarters, institutions within a
    Socialtilsyn, deadlines per kind within the overall deadline table) would let a reader undo
    the other table's secondary suppression, so only one level of each hierarchy is shown.
    """

    omfang: Omfang
    filtre: Filtre
    undertrykt: bool
    total: Tabel
    trend: Tabel
    per_maaned: Tabel | None
    per_indgreb: Tabel
    per_institution: Tabel | None
    per_driftsherre: Tabel | None
    per_socialtilsyn: Tabel | None
    per_kommune: Tabel
    per_regime: Tabel
    vurdering: Tabel
    barnets_redegoerelse: Tabel
    klagevejledning: Tabel
    frister: Tabel
    frister_per_art: dict[str, Tabel] | None
    klager: Tabel
    klager_per_type: Tabel
    institution_navne: dict[str, str]

    @property
    def andel_barnets_redegoerelse(self) -> float | None:
        """Share of children's reports with the child's account (unknown left out)."""
        return domain.andel(self.barnets_redegoerelse, ["ja"], ["ja", "nej"])

    @property
    def andel_klagevejledning(self) -> float | None:
        """Share of reports where complaint guidance was given (unknown left out)."""
        return domain.andel(self.klagevejledning, ["ja"], ["ja", "nej"])

    @property
    def andel_rettidige(self) -> float | None:
        """Share of ended deadlines that were met on time."""
        return domain.andel(self.frister, ["rettidig"], ["rettidig", "overskredet"])

    @property
    def andel_medhold(self) -> float | None:
        """Share of decided complaints where the complainant got (partly) their way."""
        return domain.andel(self.klager, MEDHOLD, [*MEDHOLD, "ikke_medhold"])

    def som_json(self) -> dict[str, Any]:
        """The figures as JSON (a suppressed cell is the string '<5')."""

        def t(tabel: Tabel | None) -> dict[str, Any] | None:
            if tabel is None:
                return None
            return {
                "celler": {k: _json(v) for k, v in tabel.celler.items()},
                "total": _json(tabel.total),
                "udeladt": tabel.udeladt,
            }

        return {
            "omfang": self.omfang.beskrivelse,
            "periode": self.filtre.periode.noegle,
            "filtre": {
                "regime": self.filtre.regime,
                "indgreb": self.filtre.indgreb,
                "socialtilsyn": self.filtre.socialtilsyn,
                "kommune": self.filtre.kommune,
            },
            "undertrykt": self.undertrykt,
            "total": _json(self.total.total),
            "trend_per_kvartal": t(self.trend),
            "per_maaned": t(self.per_maaned),
            "per_indgreb": t(self.per_indgreb),
            "per_institution": t(self.per_institution),
            "per_driftsherre": t(self.per_driftsherre),
            "per_kommune": t(self.per_kommune),
            "per_socialtilsyn": t(self.per_socialtilsyn),
            "per_regime": t(self.per_regime),
            "vurdering": t(self.vurdering),
            "barnets_redegoerelse": t(self.barnets_redegoerelse),
            "klagevejledning": t(self.klagevejledning),
            "frister": t(self.frister),
            "frister_per_art": (
                None
                if self.frister_per_art is None
                else {k: t(v) for k, v in self.frister_per_art.items()}
            ),
            "klager": t(self.klager),
            "klager_per_type": t(self.klager_per_type),
            "andele": {
                "barnets_redegoerelse": self.andel_barnets_redegoerelse,
                "klagevejledning": self.andel_klagevejledning,
                "frister_overholdt": self.andel_rettidige,
                "medhold": self.andel_medhold,
            },
        }


UDELADT = Tabel({}, None, udeladt=True)


def udsnit(filtre: Filtre) -> dict[str, str | None]:
    """The ad-hoc filters of a request by name (see `domain.udsnit_fejl`)."""
    return {
        "regime": filtre.regime,
        "indgreb": filtre.indgreb,
        "socialtilsyn": filtre.socialtilsyn,
        "kommune": filtre.kommune,
        "institution": filtre.institution,
    }


def _json(vaerdi: int | None) -> int | str:
    return domain.VIST_UNDERTRYKT if vaerdi is None else vaerdi


def visning(
    session: Session,
    omfang: Omfang,
    filtre: Filtre,
    *,
    undertrykt: bool | None = None,
    institutioner: bool | None = None,
) -> Visning:
    """Compute one view; `undertrykt` defaults to the scope's rule.

    `institutioner`: show the table per institution (then, when suppressed, not the tables per
    Socialtilsyn and operator above it); default: yes unless it is the national view.
    """
    u = omfang.undertrykt if undertrykt is None else undertrykt
    vis_inst = (omfang.kolonne is not None) if institutioner is None else institutioner
    if u and (fejl := domain.udsnit_fejl(filtre.periode.art, udsnit(filtre))):
        raise ValueError(fejl[0]["message"])
    r = raatal(session, omfang, filtre, trend_hele_aar=u)
    # a suppressed quarter: only its total, as suppressed in its calendar year's quarter table
    kun_total = u and filtre.periode.art is domain.PeriodeArt.KVARTAL

    def tab(celler: dict[str, int], grupper: list[list[str]] | None = None) -> Tabel:
        if kun_total:
            return UDELADT
        return domain.tabel(celler, undertrykt=u, grupper=grupper or [])

    aar: dict[str, list[str]] = {}
    for kvartal in r.per_kvartal:
        aar.setdefault(kvartal[:4], []).append(kvartal)
    trend = domain.trend_per_aar(r.per_kvartal) if u else tab(r.per_kvartal, list(aar.values()))
    if kun_total:
        kvartal_total = trend.celler[filtre.periode.noegle]
        total = Tabel({"i alt": kvartal_total}, kvartal_total)
    else:
        total = tab({"i alt": r.total})
    per_regime = tab(r.per_regime)
    barn = tab(r.barnets_redegoerelse)
    if u and per_regime.celler.get("val", 0) is None:
        # the children's count is suppressed: this table adds up to it, so it is left out
        barn = UDELADT
    return Visning(
        omfang=omfang,
        filtre=filtre,
        undertrykt=u,
        total=total,
        trend=trend,
        per_maaned=None if u else tab(r.per_maaned),
        per_indgreb=(
            domain.undertryk_overlappende(r.per_indgreb, r.total)
            if u and not kun_total
            else tab(r.per_indgreb)
        ),
        per_institution=tab(r.per_institution) if vis_inst or not u else None,
        per_driftsherre=None if u and vis_inst else tab(r.per_driftsherre),
        per_socialtilsyn=None if u and vis_inst else tab(r.per_socialtilsyn),
        per_kommune=tab(r.per_kommune),
        per_regime=per_regime,
        vurdering=tab(r.vurdering),
        barnets_redegoerelse=barn,
        klagevejledning=tab(r.klagevejledning),
        frister=tab(r.frister),
        frister_per_art=None if u else {k: tab(v) for k, v in sorted(r.frister_per_art.items())},
        klager=tab(r.klager),
        klager_per_type=tab(r.klager_per_type),
        institution_navne=r.institution_navne,
    )
