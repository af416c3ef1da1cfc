"""Pure rules of statistik: periods, small-cell suppression, scope, complaint outcomes, alerts.

No IO and no clock here; the law (roles and scope) comes from `magt_contracts`.

Small-cell suppression (`undertryk`) is THE one rule for anything that leaves the operator
(reports, the dashboard for municipalities, Socialtilsyn and the national view, JSON figures).
A table is a set of counts that add up to its total; `grupper` are the subsets whose sums are
published elsewhere in the same view (the quarters of a year in the trend, the institutions of one
Socialtilsyn, the rows and columns of a two-way table). For the table and for each group:

1. If the table's total is 1-4 the whole table is left out (`udeladt`): only "<5" is shown.
2. Every cell of 1-4 is suppressed (primary suppression); a group whose sum is 1-4 has all its
   non-zero cells suppressed (its sum is suppressed where it is shown).
3. Secondary suppression: a reader who knows a group's sum can subtract the shown cells and learn
   the sum S of its k suppressed cells. Each of them is then at most S - (k - 1) * m, where m is 1
   when the reader can tell suppressed cells are non-zero (no zero was suppressed in the group)
   and 0 otherwise. Until k >= 2 and that bound is at least 5 (no suppressed cell pinned down, nor
   shown to be small), the smallest shown non-zero cell of the group is suppressed too; when none
   is left, the group's zero cells are suppressed as well (m = 0).
4. If a group still cannot be protected (every cell already suppressed), the table is left out.
Shares (e.g. "with the child's account") are shown only when every cell they use is shown.
A suppressed cell is shown as "<5" (`VIST_UNDERTRYKT`).
Early alerts (`vurder_alarm`): for an institution and for a single citizen (person_ref), the
count of reports with an episode in the rolling window of W days (default 28) ending on the new
report's episode date is compared with the subject's own baseline: its mean count per window over
the N preceding windows (default 6), counting only the windows since its first report. Under a
Poisson model with that rate (floored at 0.5 per window), an alert is raised when the count is at
least the minimum (default 5) and P(X >= count) < p (default 0.001), i.e. far above what is
normal for that subject, not above a fixed number. An institution whose first report lies in the
current window or less than one window before it has no baseline and is not assessed; a citizen
with no (or less than a window of) earlier reports has the floor rate (no force is the norm for a person). The alert's event id is uuid5 of (subject, the
W-day block since 2000-01-03 that the episode date falls in): it fires at most once per subject
and block, also when events are redelivered or replayed.

Differencing across views (issue 13, item 6). Per-view suppression alone is undone by subtracting
views from each other: a total minus its filtered totals, a year minus its shown quarters, a trend
whose pattern depends on its sliding window. Suppressed scopes therefore get *fixed published
aggregates only* (the method of Eurostat's and Danmarks Statistik's guidance on statistical
disclosure control, as implemented by tau-ARGUS: publish a fixed set of tables, apply primary
suppression to small cells and secondary (complementary) suppression within every published
margin, and answer no ad-hoc query), see `udsnit_fejl`:

- no filters (regime, type of intervention, Socialtilsyn, municipality, institution) and no
  months: only whole years and quarters;
- the breakdown tables (per municipality, regime, ...) are published per calendar year only;
  a year's tables are separate partitions of the same total, each protected by `undertryk`; the
  table per type of intervention counts overlapping sets, so its sum is not published and the
  overlap it would reveal is protected (`undertryk_overlappende`);
- quarters are published only as the quarter totals of a calendar year, suppressed once per
  calendar year with the year's total as the margin (`trend_per_aar`), so a quarter's cell is the
  same in every view and report, and a quarter view shows exactly that cell as its total;
- every suppressed view, dashboard and report counts the same population (approved reports).
The property test `tests/test_differencing.py` checks with exact linear algebra over synthetic
data that no hidden cell lies in the span of the cells a suppressed role can see.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from magt_contracts import adgang
from magt_contracts.tid import lokal

GRAENSE = 5
VIST_UNDERTRYKT = "<5"
ALERT_NAMESPACE = uuid.UUID("6f1d3b1e-5a0c-4c55-9d8e-2f4b6a7c8d90")
ALERT_EPOCH = date(2000, 1, 3)  # a Monday: tumbling alert windows start here
MEDHOLD_UDFALD = frozenset({"medhold", "delvist_medhold"})


# --- periods -------------------------------------------------------------------------------


class PeriodeArt(StrEnum):
    """The kinds of period the statistics are kept by."""

    MAANED = "maaned"
    KVARTAL = "kvartal"
    AAR = "aar"


@dataclass(frozen=True)
class Periode:
    """A calendar period (Danish dates, both ends included)."""

    art: PeriodeArt
    noegle: str
    start: date
    slut: date

    @property
    def titel(self) -> str:
        """The period in Danish, e.g. '1. kvartal 2025'."""
        if self.art is PeriodeArt.KVARTAL:
            return f"{self.noegle[-1]}. kvartal {self.noegle[:4]}"
        if self.art is PeriodeArt.MAANED:
            return f"{MAANEDER[self.start.month - 1]} {self.start.year}"
        return f"året {self.noegle}"


MAANEDER = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_KVARTAL = re.compile(r"^(\d{4})-Q([1-4])$")
_MAANED = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_AAR = re.compile(r"^(\d{4})$")


def periode(noegle: str) -> Periode:
    """Parse '2025', '2025-Q1' or '2025-03'; ValueError (Danish) otherwise."""
    if m := _KVARTAL.match(noegle):
        year, q = int(m[1]), int(m[2])
        start = date(year, 3 * q - 2, 1)
        return Periode(PeriodeArt.KVARTAL, noegle, start, _maaned_slut(year, 3 * q))
    if m := _MAANED.match(noegle):
        year, month = int(m[1]), int(m[2])
        return Periode(PeriodeArt.MAANED, noegle, date(year, month, 1), _maaned_slut(year, month))
    if m := _AAR.match(noegle):
        year = int(m[1])
        return Periode(PeriodeArt.AAR, noegle, date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"Ukendt periode '{noegle}': brug fx 2025, 2025-Q1 eller 2025-03.")


def _maaned_slut(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def kvartaler(aar: int) -> list[Periode]:
    """The four quarters of a year."""
    return [periode(f"{aar}-Q{q}") for q in range(1, 5)]


@dataclass(frozen=True)
class Periodenoegler:
    """The Danish date of a moment and its month, quarter and year keys."""

    dato: date
    maaned: str
    kvartal: str
    aar: str


def periodenoegler(moment: datetime) -> Periodenoegler:
    """Month, quarter and year of `moment` in Danish time."""
    dag = lokal(moment).date()
    return Periodenoegler(
        dato=dag,
        maaned=f"{dag.year}-{dag.month:02d}",
        kvartal=f"{dag.year}-Q{(dag.month - 1) // 3 + 1}",
        aar=str(dag.year),
    )


# --- suppression -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tabel:
    """A table after suppression: None marks a suppressed cell (or total)."""

    celler: dict[str, int | None]
    total: int | None
    udeladt: bool = False

    def vist(self, noegle: str) -> str:
        """The cell as text: the number or '<5'."""
        if self.udeladt:
            return VIST_UNDERTRYKT
        return vis(self.celler.get(noegle, 0))

    @property
    def vist_total(self) -> str:
        """The total as text."""
        return vis(self.total)


def vis(vaerdi: int | None) -> str:
    """A (possibly suppressed) count as text."""
    return VIST_UNDERTRYKT if vaerdi is None else str(vaerdi)


def undertryk(celler: Mapping[str, int], grupper: Iterable[Iterable[str]] = ()) -> Tabel:
    """Suppress small cells (see the module docstring): the one rule used everywhere."""
    if any(v < 0 for v in celler.values()):
        raise ValueError("counts cannot be negative")
    total = sum(celler.values())
    if 0 < total < GRAENSE:
        return Tabel({}, None, udeladt=True)
    alle = [list(celler), *([k for k in g if k in celler] for g in grupper)]
    skjult = {k for k, v in celler.items() if 0 < v < GRAENSE}
    for gruppe in alle:
        if 0 < sum(celler[k] for k in gruppe) < GRAENSE:
            skjult |= {k for k in gruppe if celler[k] > 0}
    aendret = True
    while aendret:
        aendret = False
        for gruppe in alle:
            if not any(k in skjult for k in gruppe) or gruppe_sikker(celler, gruppe, skjult):
                continue
            synlige = sorted((celler[k], k) for k in gruppe if k not in skjult and celler[k] > 0)
            nuller = [k for k in gruppe if k not in skjult and celler[k] == 0]
            if synlige:
                skjult.add(synlige[0][1])
                aendret = True
            elif nuller:
                skjult |= set(nuller)
                aendret = True
    for gruppe in alle:
        if any(k in skjult for k in gruppe) and not gruppe_sikker(celler, gruppe, skjult):
            return Tabel({}, total, udeladt=True)
    return Tabel({k: (None if k in skjult else v) for k, v in celler.items()}, total)


def gruppe_sikker(celler: Mapping[str, int], gruppe: Iterable[str], skjult: set[str]) -> bool:
    """Can a reader who knows the group's sum pin down or bound below 5 a suppressed cell?"""
    gruppe = list(gruppe)
    summen = sum(celler[k] for k in gruppe)
    if 0 < summen < GRAENSE:  # the sum itself is suppressed wherever it is shown
        return all(k in skjult for k in gruppe if celler[k] > 0)
    s = [k for k in gruppe if k in skjult]
    if not s:
        return True
    mindst = 0 if any(celler[k] == 0 for k in s) else 1
    return len(s) >= 2 and sum(celler[k] for k in s) - (len(s) - 1) * mindst >= GRAENSE


def raa_tabel(celler: Mapping[str, int]) -> Tabel:
    """The same table without suppression (for the operator's own staff)."""
    return Tabel(dict(celler), sum(celler.values()))


def tabel(
    celler: Mapping[str, int], *, undertrykt: bool, grupper: Iterable[Iterable[str]] = ()
) -> Tabel:
    """Suppressed or raw, as the caller's scope says."""
    return undertryk(celler, grupper) if undertrykt else raa_tabel(celler)


UDSNIT_FILTRE = ("regime", "indgreb", "socialtilsyn", "kommune", "institution")


def udsnit_fejl(art: PeriodeArt, filtre: Mapping[str, str | None]) -> list[dict[str, str]]:
    """Why a suppressed scope may not ask for this view (field errors in Danish; none: allowed).

    Suppressed scopes get the fixed published tables only (see the module docstring).
    """
    fejl = [
        {
            "field": navn,
            "message": "Udsnit kan ikke vælges i tal, der offentliggøres med diskretion: "
            "de faste tabeller for år og kvartal viser alle fordelinger.",
        }
        for navn in UDSNIT_FILTRE
        if filtre.get(navn)
    ]
    if art is PeriodeArt.MAANED:
        fejl.append(
            {
                "field": "periode",
                "message": "Tal med diskretion offentliggøres kun for hele år og kvartaler, "
                "ikke for måneder.",
            }
        )
    return fejl


def undertryk_overlappende(celler: Mapping[str, int], antal: int) -> Tabel:
    """Cells of overlapping sets (a report can hold several types), `antal` reports in all.

    The cells' sum is not published: with the number of reports it would give the overlap
    (for two types, the reports with both). Cells of 1-4 are suppressed; when none is and the
    overlap (sum minus `antal`) is 1-4, the smallest non-zero cell is suppressed as well.
    """
    if 0 < antal < GRAENSE:
        return Tabel({}, None, udeladt=True)
    skjult = {k for k, v in celler.items() if 0 < v < GRAENSE}
    overlap = sum(celler.values()) - antal
    synlige = sorted((v, k) for k, v in celler.items() if v > 0)
    if not skjult and 0 < overlap < GRAENSE and synlige:
        skjult.add(synlige[0][1])
    return Tabel({k: (None if k in skjult else v) for k, v in celler.items()}, None)


def trend_per_aar(per_kvartal: Mapping[str, int]) -> Tabel:
    """Quarter totals suppressed once per calendar year (the year's total is the margin).

    `per_kvartal` must hold all four quarters of each year. The result's total (the sum over the
    years) is shown only when every year's total is shown in its own year view.
    """
    aar: dict[str, dict[str, int]] = {}
    for kvartal, antal in per_kvartal.items():
        aar.setdefault(kvartal[:4], {})[kvartal] = antal
    celler: dict[str, int | None] = {}
    total: int | None = 0
    for kvartal_tal in aar.values():
        if len(kvartal_tal) != 4:
            raise ValueError("the trend needs all four quarters of each year")
        t = undertryk(kvartal_tal)
        celler |= dict.fromkeys(kvartal_tal, None) if t.udeladt else t.celler
        total = None if total is None or t.total is None else total + t.total
    return Tabel(celler, total)


def andel(tabel_: Tabel, taeller: Iterable[str], naevner: Iterable[str]) -> float | None:
    """Share in percent of the `taeller` cells among the `naevner` cells of one table.

    None when any cell involved is suppressed (a share must not reveal a small cell) or the
    denominator is zero.
    """
    if tabel_.udeladt:
        return None
    t = [tabel_.celler.get(k, 0) for k in taeller]
    n = [tabel_.celler.get(k, 0) for k in naevner]
    if any(v is None for v in (*t, *n)):
        return None
    nummer = sum(v for v in t if v is not None)
    i_alt = sum(v for v in n if v is not None)
    if i_alt == 0:
        return None
    return round(100 * nummer / i_alt, 1)


# --- complaints and deadlines ----------------------------------------------------------------


def er_medhold(udfald: str) -> bool:
    """Did the complainant get (partly) their way?"""
    return udfald in MEDHOLD_UDFALD


def udtalelse_udfald(lovlig: bool) -> str:
    """A statement on acute force: unlawful force means the complainant was right."""
    return "ikke_medhold" if lovlig else "medhold"


class Fristudfald(StrEnum):
    """How a deadline ended."""

    AABEN = "aaben"
    RETTIDIG = "rettidig"
    OVERSKREDET = "overskredet"


def fristudfald(*, due: datetime, met_at: datetime | None, breached: bool) -> Fristudfald:
    """Met on time, breached (or met late), or still open."""
    if met_at is not None and met_at <= due and not breached:
        return Fristudfald.RETTIDIG
    if breached or met_at is not None:
        return Fristudfald.OVERSKREDET
    return Fristudfald.AABEN


# --- scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Omfang:
    """What a caller may see: one column restricted to one value (or nothing), suppression."""

    kolonne: str | None
    vaerdi: str | None
    kun_godkendte: bool
    undertrykt: bool
    beskrivelse: str


def omfang(rolle_kode: str, organisation: str) -> Omfang | None:
    """The caller's scope (magt_contracts.adgang roles); None when the role sees nothing.

    Institution staff see their own institution, the operator's staff the institutions they
    operate (both raw: the figures stay inside the operator); a municipality sees approved reports
    about its own citizens, a Socialtilsyn those of the institutions it supervises, the national
    view everything aggregated; those three are suppressed (they leave the operator).
    """
    match adgang.rolle(rolle_kode):
        case adgang.Brugerrolle.MEDARBEJDER | adgang.Brugerrolle.LEDER:
            return Omfang("institution_id", organisation, False, False, f"Tilbud {organisation}")
        case adgang.Brugerrolle.FAGKONSULENT | adgang.Brugerrolle.OPERATOER:
            return Omfang(
                "driftsherre_id", organisation, False, False, f"Driftsherre {organisation}"
            )
        case adgang.Brugerrolle.KOMMUNE:
            return Omfang("handlekommune", organisation, True, True, f"Kommune {organisation}")
        case adgang.Brugerrolle.MAGTANVENDELSESUDVALG:  # the municipality's committee
            return Omfang(
                "handlekommune", organisation, True, True, f"Magtanvendelsesudvalget {organisation}"
            )
        case adgang.Brugerrolle.SOCIALTILSYN:
            return Omfang("socialtilsyn", organisation, True, True, f"Socialtilsyn {organisation}")
        case adgang.Brugerrolle.NATIONAL:
            return Omfang(None, None, True, True, "Hele landet")
        case _:
            return None


def maa_skrive_kommentar(rolle_kode: str) -> bool:
    """Only the operator's administration writes the report's commentary."""
    return adgang.rolle(rolle_kode) in adgang.DRIFTSHERRENS_ROLLER


# --- early alerts ------------------------------------------------------------------------------


def poisson_hale(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate), computed stably in log space."""
    if k <= 0:
        return 1.0
    # 1 - P(X <= k-1); sum the pmf terms up to k-1 in a numerically safe way.
    log_term = -rate
    cdf = math.exp(log_term)
    for i in range(1, k):
        log_term += math.log(rate) - math.log(i)
        cdf += math.exp(log_term)
    return max(0.0, 1.0 - cdf)


def poisson_graense(rate: float, p: float) -> int:
    """The smallest k with P(X >= k) < p for X ~ Poisson(rate) (one pass over the pmf)."""
    log_term = -rate
    cdf = 0.0
    k = 0
    while True:
        # here cdf = P(X <= k - 1), so the tail P(X >= k) = 1 - cdf
        if 1.0 - cdf < p:
            return k
        cdf += math.exp(log_term)
        k += 1
        log_term += math.log(rate) - math.log(k)


@dataclass(frozen=True)
class Alarmregler:
    """The knobs of the alert method (from settings)."""

    vindue_dage: int = 28
    basis_vinduer: int = 6
    mindste_antal: int = 5
    p_graense: float = 0.001
    mindste_rate: float = 0.5


@dataclass(frozen=True)
class Alarmvindue:
    """The rolling window ending on a day and the baseline windows before it."""

    start: date
    slut: date
    basis_start: date
    basis_slut: date
    blok_start: date


def alarmvindue(dag: date, regler: Alarmregler) -> Alarmvindue:
    """The window [dag - W + 1, dag], its baseline of N windows before, and its tumbling block."""
    w = regler.vindue_dage
    start = dag - timedelta(days=w - 1)
    blok = ALERT_EPOCH + timedelta(days=((dag - ALERT_EPOCH).days // w) * w)
    return Alarmvindue(
        start=start,
        slut=dag,
        basis_start=start - timedelta(days=w * regler.basis_vinduer),
        basis_slut=start - timedelta(days=1),
        blok_start=blok,
    )


@dataclass(frozen=True)
class Alarmvurdering:
    """The test's result for one subject and window."""

    antal: int
    forventet: float
    p: float
    graense: int
    alarm: bool


def vurder_alarm(
    antal: int, basis_antal: int, regler: Alarmregler, *, basis_vinduer: float | None = None
) -> Alarmvurdering:
    """Is `antal` in the window far above the subject's own baseline?

    The baseline rate is the subject's count per window over the preceding windows it was observed
    in (`basis_vinduer`, default all N), floored at `mindste_rate`. An alert needs
    `antal >= mindste_antal` and P(X >= antal | rate) < p_graense for X ~ Poisson(rate).
    `graense` is the smallest count that would have alerted (reported as the threshold).
    """
    vinduer = regler.basis_vinduer if basis_vinduer is None else max(basis_vinduer, 1.0)
    rate = max(basis_antal / vinduer, regler.mindste_rate)
    p = poisson_hale(antal, rate)
    graense = max(regler.mindste_antal, poisson_graense(rate, regler.p_graense))
    return Alarmvurdering(
        antal=antal,
        forventet=round(rate, 2),
        p=p,
        graense=graense,
        alarm=antal >= regler.mindste_antal and p < regler.p_graense,
    )


def observerede_vinduer(foerste: date, vindue: Alarmvindue, regler: Alarmregler) -> float | None:
    """How many baseline windows the subject was observed in (from its first report on).

    None when the subject has less than one full window of history before the current window:
    too little to compare with.
    """
    fra = max(foerste, vindue.basis_start)
    dage = (vindue.basis_slut - fra).days + 1
    if dage < regler.vindue_dage:
        return None
    return dage / regler.vindue_dage


class Alarmemne(StrEnum):
    """What an alert is about."""

    TILBUD = "tilbud"
    BORGER = "borger"


def alarm_id(emne: Alarmemne, emne_id: str, blok_start: date) -> uuid.UUID:
    """The deterministic event id of the alert for one subject in one tumbling window."""
    return uuid.uuid5(ALERT_NAMESPACE, f"statistik-alert:{emne}:{emne_id}:{blok_start}")


def alarm_tekst(emne: Alarmemne, emne_id: str, vurdering: Alarmvurdering, dage: int) -> str:
    """The alert's reason in Danish."""
    hvem = f"Tilbud {emne_id}" if emne is Alarmemne.TILBUD else f"Borger {emne_id}"
    return (
        f"{hvem}: {vurdering.antal} magtanvendelser på {dage} dage mod forventet "
        f"{vurdering.forventet:g} ud fra de foregående perioder (Poisson p={vurdering.p:.1e}). "
        "Reager nu; vent ikke på årsopgørelsen."
    )
