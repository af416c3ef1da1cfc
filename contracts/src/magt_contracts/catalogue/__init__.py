"""The legal rules catalogue: every rule as data with its source and effective period.

Lookups take a date and return the rule in force on that date. Services never hard-code a
paragraph, an age or a number of days: they ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from typing import TypeVar

from magt_contracts.begreber import Fristart, InstitutionArt
from magt_contracts.catalogue import (
    afgoerelser,
    fristarter,
    institutioner,
    klager,
    sel,
    socialtilsyn,
    val,
)
from magt_contracts.catalogue.model import (
    Afgoerelsesart,
    Begraensning,
    Formversion,
    Fristartregel,
    Fristregel,
    Indgrebstype,
    LokalFrist,
    Pligt,
    Talregel,
    gaeldende,
)

R = TypeVar("R")
_STEDSGRAENSER = frozenset({Begraensning.KUN_SIKRET, Begraensning.KUN_DELVIS_LUKKET})
"""The limits that depend on the kind of place (the others on the person or a decision)."""


@dataclass(frozen=True)
class Katalog:
    """All rule tables; replace a table (or build with other dates) to model a law change."""

    indgreb: tuple[Indgrebstype, ...]
    frister: tuple[Fristregel, ...]
    tal: tuple[Talregel, ...]
    formversioner: tuple[Formversion, ...]
    vaertskommuner: tuple[socialtilsyn.Vaertskommune, ...]
    specialomraader: tuple[socialtilsyn.Specialomraade, ...]
    pligter: tuple[Pligt, ...] = ()
    tilsynsfordeling: tuple[socialtilsyn.Tilsynsfordeling, ...] = ()
    fristarter: tuple[Fristartregel, ...] = ()
    lokale_frister: tuple[LokalFrist, ...] = ()
    afgoerelsesarter: tuple[Afgoerelsesart, ...] = ()
    steder: tuple[institutioner.Stedsregel, ...] = ()

    def sted(self, kode: institutioner.Sted, paa: date) -> institutioner.Stedsregel | None:
        """The rule for the kind of place `kode` in force on `paa`, if the catalogue has one."""
        fundne = gaeldende((s for s in self.steder if s.kode is kode), paa)
        return fundne[0] if fundne else None

    def tilladte_indgreb(self, kode: institutioner.Sted, paa: date) -> frozenset[str]:
        """The interventions of the place's regime the act permits at a place of kind `kode`."""
        sted = self.sted(kode, paa)
        if sted is None or sted.uden_for_loven:
            return frozenset()
        ud = set()
        for typ in gaeldende((t for t in self.indgreb if t.regime == sted.regime), paa):
            graenser = typ.begraensninger & _STEDSGRAENSER
            if Begraensning.IKKE_TILLADT in typ.begraensninger or not graenser <= sted.opfylder:
                continue
            if sted.kun_indgreb is None or typ.kode in sted.kun_indgreb:
                ud.add(typ.kode)
        return frozenset(ud)

    def afgoerelsesart(self, kode: str, paa: date) -> Afgoerelsesart | None:
        """The decision kind `kode` in force on `paa`, if any."""
        fundne = gaeldende((a for a in self.afgoerelsesarter if a.kode == kode), paa)
        return fundne[0] if fundne else None

    def afgoerelsesarter_for(self, regime: str, indgreb: str, paa: date) -> list[Afgoerelsesart]:
        """The decision kinds in force on `paa` that a use of `indgreb` may rest on."""
        return gaeldende(
            (a for a in self.afgoerelsesarter if a.regime == regime and indgreb in a.indgreb), paa
        )

    def tilsyn_for(
        self, art: InstitutionArt | institutioner.Sted, paa: date
    ) -> socialtilsyn.Tilsynsfordeling:
        """Who supervises a tilbud of kind `art` on `paa` (a Socialtilsyn or the municipality)."""
        fundne = (r for r in self.tilsynsfordeling if r.art is art)
        return _en(gaeldende(fundne, paa), f"tilsyn.{art.value}", paa)

    def frist(self, noegle: str, paa: date, *, kommune: str = "") -> Fristregel:
        """The deadline rule `noegle` in force on `paa`; a local-policy rule with `kommune`'s own
        period when that municipality set one."""
        regel = _en(gaeldende((r for r in self.frister if r.noegle == noegle), paa), noegle, paa)
        if regel.lokal and kommune:
            for egen in self.lokale_frister:
                if (egen.noegle, egen.kommune) == (noegle, kommune):
                    return replace(regel, varighed=egen.varighed)
        return regel

    def fristart(self, art: Fristart) -> Fristartregel:
        """What the platform does with deadlines of kind `art`."""
        fundne = [r for r in self.fristarter if r.art is art]
        if len(fundne) != 1:
            raise LookupError(f"{len(fundne)} beskrivelser af fristarten '{art}'")
        return fundne[0]

    def lovbestemt(self, art: Fristart, *, kilde: str | None = None) -> bool:
        """Whether an act sets the deadline of `art` (else it is local policy, never a legal
        breach). With `kilde` (a deadline's `source`) only the rules citing it count, so one kind
        can be law for children and local for adults. Without it, a kind is local only when every
        rule behind it is: a kind that is law for someone is never played down as local."""
        regler = frozenset(self.fristart(art).regler)
        bag = [r for r in self.frister if r.noegle in regler]
        egne = [r for r in bag if str(r.kilde) == kilde] if kilde else []
        return not bag or not all(r.lokal for r in egne or bag)

    def med_lokal_frist(self, egen: LokalFrist) -> Katalog:
        """A catalogue where municipality `egen.kommune` has its own period for a local rule."""
        if not any(r.noegle == egen.noegle and r.lokal for r in self.frister):
            raise ValueError(
                f"'{egen.noegle}' er ikke en lokal frist: en lovbestemt frist kan kommunen ikke ændre"
            )
        andre = tuple(
            e for e in self.lokale_frister if (e.noegle, e.kommune) != (egen.noegle, egen.kommune)
        )
        return replace(self, lokale_frister=(*andre, egen))

    def tal_regel(self, noegle: str, paa: date) -> Talregel:
        """The numeric rule `noegle` in force on `paa`."""
        return _en(gaeldende((r for r in self.tal if r.noegle == noegle), paa), noegle, paa)

    def indgrebstype(self, regime: str, kode: str, paa: date) -> Indgrebstype | None:
        """The intervention type `kode` of `regime` in force on `paa`, if any."""
        fundne = [r for r in self.indgreb if r.regime == regime and r.kode == kode]
        i_kraft = gaeldende(fundne, paa)
        return i_kraft[0] if i_kraft else None

    def indgrebskoder(self, regime: str, paa: date | None = None) -> frozenset[str]:
        """Every intervention code the regime has ever had, or (with `paa`) has on that day."""
        typer = (r for r in self.indgreb if r.regime == regime)
        return frozenset(r.kode for r in (gaeldende(typer, paa) if paa else typer))

    def indgrebsperioder(self, regime: str, kode: str) -> list[Indgrebstype]:
        """Every period of intervention `kode` (its paragraph may change), earliest first."""
        typer = (r for r in self.indgreb if r.regime == regime and r.kode == kode)
        return sorted(typer, key=lambda r: r.valid_from)

    def formversion_i_kraft(self, form_type: str, version: str, paa: date) -> bool:
        """Whether `version` of `form_type` may be used on `paa`."""
        fundne = (v for v in self.formversioner if (v.form_type, v.version) == (form_type, version))
        return bool(gaeldende(fundne, paa))

    def formversion(self, form_type: str, version: str) -> Formversion | None:
        """The catalogue's entry for `version` of `form_type` (None when unknown)."""
        return next(
            (v for v in self.formversioner if (v.form_type, v.version) == (form_type, version)),
            None,
        )

    def formversioner_for(self, form_type: str) -> frozenset[str]:
        """Every known version of `form_type`."""
        return frozenset(v.version for v in self.formversioner if v.form_type == form_type)

    def regler_fra(self) -> date:
        """The first day on which every deadline and numeric rule has a rule in force."""
        foerste: dict[str, date] = {}
        regler: tuple[Fristregel | Talregel, ...] = (*self.frister, *self.tal)
        for r in regler:
            foerste[r.noegle] = min(foerste.get(r.noegle, r.valid_from), r.valid_from)
        return max(foerste.values())

    def lovaendring(self, regel: Fristregel) -> Katalog:
        """A catalogue where `regel` replaces its key's rules from `regel.valid_from` on."""
        slut = regel.valid_from - timedelta(days=1)
        andre = tuple(r for r in self.frister if r.noegle != regel.noegle)
        samme = tuple(
            _afslut(r, slut)
            for r in self.frister
            if r.noegle == regel.noegle and r.valid_from <= slut
        )
        beholdt = andre + samme
        return replace(self, frister=(*beholdt, regel))


def _afslut(regel: Fristregel, slut: date) -> Fristregel:
    if regel.valid_to is not None and regel.valid_to <= slut:
        return regel
    return replace(regel, valid_to=slut)


def _en(regler: list[R], noegle: str, paa: date) -> R:
    if len(regler) != 1:
        raise LookupError(f"{len(regler)} regler '{noegle}' i kraft {paa.isoformat()}")
    return regler[0]


def byg_katalog() -> Katalog:
    """Build the catalogue from the act tables; a law change is `Katalog.lovaendring`."""
    return Katalog(
        indgreb=(*val.INDGREB, *sel.INDGREB),
        frister=(
            *val.FRISTER,
            *sel.FRISTER,
            *klager.FRISTER,
        ),
        tal=(*val.TAL, *sel.TAL),
        formversioner=(*val.FORMVERSIONER, *sel.FORMVERSIONER, *sel.AFGOERELSE_VERSIONER),
        vaertskommuner=socialtilsyn.VAERTSKOMMUNER,
        specialomraader=socialtilsyn.SPECIALOMRAADER,
        pligter=(*val.PLIGTER, *sel.PLIGTER),
        tilsynsfordeling=socialtilsyn.TILSYNSFORDELING,
        fristarter=fristarter.FRISTARTER,
        afgoerelsesarter=afgoerelser.AFGOERELSESARTER,
        steder=institutioner.STEDER,
    )


@cache
def standard_katalog() -> Katalog:
    """The catalogue as this release knows the law."""
    return byg_katalog()
