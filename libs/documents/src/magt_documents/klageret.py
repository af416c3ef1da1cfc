"""The right to complain that applies to one case: where, how, by when, court and advokat.

The words are the contracts' guidance (`magt_contracts.rules.klagevejledning`, the same texts
klager's guidance letter shows); this module only chooses the track and its facts for a form: the
track (`klageadgang.Spor`), the municipality, the decision's notification, and whether the
intervention is a move without consent (catalogue limit `KRAEVER_FLYTTEAFGOERELSE`), which the law
lets the citizen bring before a court with an advokat (seed 003, § 129 pkt. 2 and
"Orienteringspligt" pkt. 2 and 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.model import Begraensning, Beslutter
from magt_contracts.forms import AnyForm, KommunalAfgoerelse, ValAfgoerelse, ValIndberetning
from magt_contracts.forms.sel import Udfald
from magt_contracts.rules import klageadgang as ka
from magt_contracts.rules.klagevejledning import RET_OG_ADVOKAT, kommunenavn, vejledning

from .udfyld import dato

IKKE_EN_AFGOERELSE = (
    "Ansøgningen er ikke en afgørelse. Kommunens afgørelse om ansøgningen kommer med sin egen "
    "klagevejledning."
)
INDSTILLING = (
    "Indstillingen er ikke en afgørelse. Familieretshuset træffer afgørelsen, og den kommer med "
    "sin egen klagevejledning: Familieretshusets afgørelse kan indbringes for Ankestyrelsen."
)
"""SEL § 129, stk. 1, and § 129 a: the municipality recommends (indstiller), Familieretshuset
decides (§§ 131 and 131 a), and its decision is the one brought before Ankestyrelsen (§ 134,
stk. 1)."""


@dataclass(frozen=True)
class Klageret:
    """The complaint paragraphs of a letter: the track and the plain Danish text."""

    spor: ka.Spor | None
    tekst: tuple[str, ...]


def _kan_for_retten(indgreb: str, paa: date, kat: Katalog) -> bool:
    typ = kat.indgrebstype("sel", indgreb, paa)
    return typ is not None and Begraensning.KRAEVER_FLYTTEAFGOERELSE in typ.begraensninger


def for_skema(form: AnyForm, paa: date, *, katalog: Katalog | None = None) -> Klageret:
    """The right to complain that applies to the case of `form`, as the rules stand on `paa`."""
    kat = katalog or standard_katalog()

    def tekst(
        spor: ka.Spor,
        kommune: str,
        meddelt: datetime | None = None,
        for_retten: bool = False,
        afgjort_af: Beslutter | None = None,
    ) -> tuple[str, ...]:
        return vejledning(
            spor,
            kommune=kommune,
            paa=paa,
            afgoerelse_meddelt=meddelt,
            for_retten=for_retten,
            afgjort_af=afgjort_af,
            katalog=kat,
        ).afsnit_tekster()

    if isinstance(form, ValIndberetning | ValAfgoerelse):
        # A VAL decision's complaint rules are the children's (VAL § 23), not serviceloven's.
        return Klageret(ka.Spor.VAL, tekst(ka.Spor.VAL, form.institution.beliggenhedskommune))
    if isinstance(form, KommunalAfgoerelse) and form.udfald is Udfald.INDSTILLET:
        return Klageret(None, (INDSTILLING,))
    if isinstance(form, KommunalAfgoerelse):
        spor = ka.Spor.AFGOERELSE
        return Klageret(
            spor,
            tekst(
                spor,
                form.kommune,
                meddelt=form.meddelt_tidspunkt,
                for_retten=_kan_for_retten(form.indgreb, paa, kat),
                afgjort_af=Beslutter(form.afgjort_af),
            ),
        )
    if form.form_type == "skema_2":
        return Klageret(None, (RET_OG_ADVOKAT,))
    if form.form_type == "skema_3":
        return Klageret(None, (IKKE_EN_AFGOERELSE,))
    kommune = form.borger.handlekommune
    if getattr(form, "afgoerelse_ref", None) is not None:
        spor = ka.Spor.AFGOERELSE
        return Klageret(spor, (ka.OMDIRIGERET_GRUND, *tekst(spor, kommune)))
    return Klageret(ka.Spor.AKUT_MAGT, tekst(ka.Spor.AKUT_MAGT, kommune))


__all__ = ["Klageret", "dato", "for_skema", "kommunenavn"]
