"""The shape of a rule: a value with its source and the period it is in force."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

from magt_contracts.adgang import Brugerrolle
from magt_contracts.begreber import Fristart, Rolle


class Aktart(StrEnum):
    """The kind of legal act a rule comes from."""

    LOV = "lov"
    BEKENDTGOERELSE = "bekendtgoerelse"


_MAANEDER = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip


@dataclass(frozen=True)
class Retsakt:
    """An act or executive order: short name, title and (for an executive order) number and date."""

    kort: str
    titel: str
    art: Aktart = Aktart.LOV
    nr: int | None = None
    dato: date | None = None

    def __str__(self) -> str:
        if self.nr is None or self.dato is None:
            return self.titel
        dag = f"{self.dato.day}. {_MAANEDER[self.dato.month - 1]} {self.dato.year}"
        art = "bekendtgørelse" if self.art is Aktart.BEKENDTGOERELSE else "lovbekendtgørelse"
        return f"{self.titel}, {art} nr. {self.nr} af {dag}"


@dataclass(frozen=True)
class Kilde:
    """Where a rule comes from: an act's paragraph and stk., and the executive order filling it in.

    `paragraf` is the act's paragraph ("21", "124 c"); `stk` its subsection(s) ("1", "2-5"), or
    None for the whole paragraph; `bekendtgoerelse` the executive order issued under it that sets
    the detail (a period, a form), with its number and date.
    """

    akt: Retsakt
    paragraf: str
    stk: str | None = None
    bekendtgoerelse: Retsakt | None = None

    @property
    def henvisning(self) -> str:
        """The short citation: 'VAL § 21, stk. 1'."""
        stk = f", stk. {self.stk}" if self.stk else ""
        return f"{self.akt.kort} § {self.paragraf}{stk}"

    def __str__(self) -> str:
        if self.bekendtgoerelse is None:
            return self.henvisning
        return f"{self.henvisning}; {self.bekendtgoerelse}"


VAL = Retsakt(
    "VAL", "Lov om voksenansvar for anbragte børn og unge", Aktart.LOV, 1006, date(2024, 8, 30)
)
SEL = Retsakt("SEL", "Lov om social service", Aktart.LOV, 155, date(2025, 2, 11))
SOCIALTILSYNSLOVEN = Retsakt(
    "Socialtilsynsloven", "Lov om socialtilsyn", Aktart.LOV, 236, date(2025, 2, 25)
)
RETSSIKKERHEDSLOVEN = Retsakt(
    "Retssikkerhedsloven", "Lov om retssikkerhed og administration på det sociale område"
)
STRAFFELOVEN = Retsakt("Straffeloven", "Straffeloven")
CPR_LOVEN = Retsakt("CPR-loven", "Lov om Det Centrale Personregister")
CPR_KILDE = Kilde(CPR_LOVEN, "3")
"""The personnummer (the modulus 11 check is only a warning: not every number passes it)."""
VOKSENANSVARSBEKENDTGOERELSEN = Retsakt(
    "Voksenansvarsbekendtgørelsen",
    "Bekendtgørelse om voksenansvar for anbragte børn og unge",
    Aktart.BEKENDTGOERELSE,
    980,
    date(2025, 6, 30),
)
"""The executive order under VAL §§ 21, stk. 5, and 23, stk. 8 (registration, reporting, forms)."""
MAGTANVENDELSESBEKENDTGOERELSEN = Retsakt(
    "Magtanvendelsesbekendtgørelsen",
    "Bekendtgørelse om magtanvendelse og andre indgreb i selvbestemmelsesretten over for voksne "
    "samt om særlige sikkerhedsforanstaltninger for voksne og modtagepligt i boformer efter lov "
    "om social service",
    Aktart.BEKENDTGOERELSE,
    1411,
    date(2024, 12, 5),
)
"""The adults' executive order under SEL chapters 24-24 b (its § 12: a § 128 h decision by Det
Socialfaglige Nævn lasts up to 12 months)."""


class Gyldig(Protocol):
    """Anything with an effective period."""

    @property
    def valid_from(self) -> date: ...

    @property
    def valid_to(self) -> date | None: ...


class Enhed(StrEnum):
    """Units of a legal period."""

    TIMER = "timer"
    DAGE = "dage"
    UGER = "uger"
    MAANEDER = "maaneder"
    MAANEDENS_UDGANG = "maanedens_udgang"
    MAANED_EFTER_KVARTAL = "maaned_efter_kvartalets_udgang"


@dataclass(frozen=True)
class Varighed:
    """A legal period; month ends count `antal` months ahead of the current month or quarter end."""

    antal: int
    enhed: Enhed


@dataclass(frozen=True)
class Fristregel:
    """A deadline rule: how long after its trigger something must happen."""

    noegle: str
    varighed: Varighed
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None
    note: str = ""
    lokal: bool = False
    """No act sets this period: local policy, configurable per municipality (`LokalFrist`)."""


@dataclass(frozen=True)
class LokalFrist:
    """A municipality's own period for a local-policy deadline rule (`Fristregel.lokal`)."""

    noegle: str
    kommune: str
    varighed: Varighed


@dataclass(frozen=True)
class Fristartregel:
    """What the platform does with one kind of deadline.

    `varsel` is how long before the due time the warning goes out (zero: no warning);
    `eskaleres_til` who is told of a breach (None: nobody, e.g. a complainant's window that
    closes); `opfyldes_af` the event (or API step) that meets it; `regler` the catalogue rules
    that set its period (their sources are the duty's; whether it is law or local policy follows
    from them); `kilde` the duty's source when no rule sets the period (a decision's own end
    date); `registreres_af` who may record it through the API (empty: only an event meets it);
    `spores` False for a duty to act at once ("straks"), which is no timer.
    """

    art: Fristart
    titel: str
    varsel: timedelta
    eskaleres_til: Brugerrolle | None
    opfyldes_af: str
    regler: tuple[str, ...] = ()
    kilde: Kilde | None = None
    registreres_af: frozenset[Brugerrolle] = frozenset()
    spores: bool = True
    leveret_til: frozenset[Rolle] = frozenset()
    """The recipients a delivery to whom (DeliverySent) meets this deadline."""


@dataclass(frozen=True)
class Talregel:
    """A numeric rule (an age, a count)."""

    noegle: str
    vaerdi: int
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None
    note: str = ""


G = TypeVar("G", bound=Gyldig)


def i_kraft(regel: Gyldig, paa: date) -> bool:
    """Whether `regel` is in force on `paa` (valid_to inclusive)."""
    return regel.valid_from <= paa and (regel.valid_to is None or paa <= regel.valid_to)


def gaeldende(regler: Iterable[G], paa: date) -> list[G]:
    """The rules of `regler` in force on `paa`."""
    return [r for r in regler if i_kraft(r, paa)]


class Begraensning(StrEnum):
    """A limit on an intervention type."""

    KUN_SIKRET = "kun_sikret_doegninstitution"
    KUN_DELVIS_LUKKET = "kun_delvis_lukket_doegninstitution"
    KUN_STRAFFERETLIG_ANBRINGELSE = "kun_strafferetlig_anbringelse"
    IKKE_TILLADT = "ikke_tilladt"
    KUN_HYGIEJNESITUATIONER = "kun_hygiejnesituationer"
    GENTAGELSE_KRAEVER_AFGOERELSE = "gentagelse_kraever_afgoerelse"
    KRAEVER_FORHAANDSGODKENDELSE = "kraever_forhaandsgodkendelse"
    KRAEVER_FLYTTEAFGOERELSE = "kraever_flytteafgoerelse"
    POLITIANMELDELSE = "politianmeldelse"


class Beslutter(StrEnum):
    """Who decides that an intervention may be used."""

    PERSONALE = "personale"
    KOMMUNE = "kommune"
    FAMILIERETSHUSET = "familieretshuset"
    SOCIALFAGLIGT_NAEVN = "det_socialfaglige_naevn"
    """Det Socialfaglige Nævn vedrørende Magtanvendelse over for Borgere med Handicap (SEL
    § 128 h; BEK nr. 1411 af 5. december 2024, § 12)."""
    INGEN = "ingen"


@dataclass(frozen=True)
class Indgrebstype:
    """One kind of intervention, with paragraph, chapter, limits, decider and forms."""

    kode: str
    regime: str
    paragraf: str
    titel: str
    kapitel: str | None
    beslutter: Beslutter
    skemaer: tuple[str, ...]
    kilde: Kilde
    begraensninger: frozenset[Begraensning] = frozenset()
    valid_from: date = date(2000, 1, 1)
    """The first day an incident may be assessed against this type (the act's commencement)."""
    valid_to: date | None = None
    """The last day (inclusive); None while in force. A use outside the period is flagged."""
    note: str = ""
    """What is inferred rather than read in a source (a repeal, a successor)."""


@dataclass(frozen=True)
class Pligt:
    """A duty the assessment checks or a classification it makes, with no period or number."""

    noegle: str
    kilde: Kilde
    goer: str
    valid_from: date = date(2000, 1, 1)
    valid_to: date | None = None


class Afgoerelsesmyndighed(StrEnum):
    """Who makes a decision that interventions rest on."""

    BOERNE_OG_UNGEUDVALGET = "boerne_og_ungeudvalget"
    KOMMUNALBESTYRELSEN = "kommunalbestyrelsen"
    LEDER_FORELOEBIG = "leder_foreloebig"
    FAMILIERETSHUSET = "familieretshuset"
    SOCIALFAGLIGT_NAEVN = "det_socialfaglige_naevn"


@dataclass(frozen=True)
class Afgoerelsesart:
    """A kind of decision an intervention rests on: who makes it, what it covers, for how long.

    `indgreb` are the intervention codes a use under it may have; `max_periode` the longest
    period the act lets one decision run (None: the act sets none); `indstilling` True when the
    municipality only recommends and Familieretshuset decides; `advokat` whether the person must
    have a lawyer; `godkendes_af` the kind that must approve a preliminary decision.
    """

    kode: str
    regime: str
    titel: str
    myndighed: Afgoerelsesmyndighed
    indgreb: frozenset[str]
    kilde: Kilde
    max_periode: Varighed | None = None
    indstilling: bool = False
    advokat: bool = False
    godkendes_af: str | None = None
    valid_from: date = date(2000, 1, 1)
    valid_to: date | None = None


@dataclass(frozen=True)
class Formversion:
    """A version of an official form and when it may be used."""

    form_type: str
    version: str
    kilde: Kilde
    valid_from: date
    valid_to: date | None = None
    uden_felter: frozenset[str] = frozenset()
    """Fields of the form model this version of the official form does not have (dotted paths):
    the version asks nothing there, so its silence is no gap."""

    def har_felt(self, felt: str) -> bool:
        """Whether this version of the form asks for `felt` (a dotted path)."""
        return felt not in self.uden_felter


# Rules in force before the period this release models; their earlier history is not modelled.
FOER_KILDERNE = date(2000, 1, 1)
