"""Who may complain, about what, to whom and by when: standing and the track of a complaint.

Rules and sources (data in `catalogue/klager.py` and `catalogue/val.py`; the rest here):
- adults, a decision or staff's acute force: the citizen, or relatives, guardian, fremtidsfuldmægtig
  or another representative when the citizen cannot complain (SEL § 134, stk. 3, and § 137;
  `KLAGEBERETTIGEDE_VOKSNE`);
- a decision: within 4 weeks of notification (retssikkerhedsloven § 67, stk. 1); the municipality
  reconsiders within 4 weeks (§ 66, stk. 1); upheld → Ankestyrelsen;
- staff's acute force: to the handlekommune's kommunalbestyrelse, no deadline, a written statement
  on lawfulness; force under a pre-approval is complained of through the decision (SEL § 137);
- children: a placed child who has turned 12 (VAL § 23, stk. 1; `val.klagealder`) or the
  forældremyndighedsindehaver, to the kommunalbestyrelse (§ 23, stk. 3); its decision may be
  brought before Ankestyrelsen within 4 weeks (§ 23, stk. 4; `val.klage_ankestyrelsen`);
- a spouse or another close person sharing the home may complain to Familieretshuset about the
  municipality's refusal to recommend a § 129 move (SEL § 131, stk. 3); Familieretshuset decides
  within two weeks (§ 131, stk. 1; `sel.familieretshuset_afgoerelse`).

Interpretations (docs/contracts.md):
- "when the citizen cannot complain" is checked only when it is known (`borger_kan_selv_klage` from
  the report); unknown gives the representative standing (a complaint is never lost on a guess);
- a child whose age is not given has no established standing: dismissed with the reason, stored;
- a decision's notification known only as a date runs from the end of that day (benefit of doubt);
- a complaint about a refusal to recommend a move has no complaint window in SEL § 131, stk. 3; only
  Familieretshuset's two weeks are tracked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from magt_contracts.adgang import INSTITUTIONENS_ROLLER, Brugerrolle, rolle
from magt_contracts.begreber import Fristart
from magt_contracts.catalogue import Katalog, standard_katalog
from magt_contracts.catalogue.klager import (
    KLAGE_AKUT_INGEN_FRIST,
    KLAGEBERETTIGEDE_KILDE,
    KLAGEBERETTIGEDE_VOKSNE,
)
from magt_contracts.catalogue.model import SEL, Kilde
from magt_contracts.catalogue.val import KLAGEALDER_KILDE
from magt_contracts.rules.deadlines import familieretshuset_frist, frist
from magt_contracts.tid import dansk_dato, ved_dag_slut
from magt_contracts.vaerdier import Frist


class Spor(StrEnum):
    """The track a complaint runs on."""

    AFGOERELSE = "afgoerelse"  # reconsideration, then Ankestyrelsen
    AKUT_MAGT = "akut_magt"  # the kommunalbestyrelse's written statement
    VAL = "val_magtanvendelse"  # the opholdskommune's kommunalbestyrelse, appeal to Ankestyrelsen
    FLYTNING_AFSLAG = "flytning_afslag"  # Familieretshuset


class Udfaldstype(StrEnum):
    """What the first look at a complaint leads to."""

    MODTAGET = "modtaget"
    AFVIST = "afvist"  # no standing
    OMDIRIGERET = "omdirigeret"  # force under a pre-approval: goes on as one about the decision


BARNETS_KLAGEBERETTIGEDE = frozenset({"barn", "foraeldremyndighed"})
BARNETS_KILDE = KLAGEALDER_KILDE
FLYTNING_KLAGEBERETTIGEDE = frozenset({"aegtefaelle", "paaroerende"})
FLYTNING_KILDE = Kilde(SEL, "131", "3")
REPRAESENTANTER = KLAGEBERETTIGEDE_VOKSNE - {"borger"}
AKUT_KILDE = KLAGE_AKUT_INGEN_FRIST
ANKESTYRELSEN = "ankestyrelsen"
KOMMUNALBESTYRELSE = "kommunalbestyrelse"
FAMILIERETSHUSET = "familieretshuset"
# Disclosure control for national figures: cells under this count are suppressed (not law: policy).
MINDSTE_VISTE_ANTAL = 5


@dataclass(frozen=True)
class Klagevurdering:
    """Standing and classification of one complaint, with the reason in plain Danish."""

    udfald: Udfaldstype
    spor: Spor
    grund: str
    kilde: str
    instans: str
    ankeinstans: str | None
    klagefrist: Frist | None = None
    rettidig: bool = True


def klagealder(paa: date, *, katalog: Katalog | None = None) -> int:
    """The age from which a child may complain on `paa` (effective-dated rule `val.klagealder`)."""
    return (katalog or standard_katalog()).tal_regel("val.klagealder", paa).vaerdi


def klagefrist(meddelt: datetime | date, *, katalog: Katalog | None = None) -> Frist:
    """The 4-week complaint window from a decision's notification (a date: from its end)."""
    start = meddelt if isinstance(meddelt, datetime) else ved_dag_slut(meddelt)
    return frist(
        Fristart.KLAGEFRIST, start, "klage.klagefrist_afgoerelse", katalog or standard_katalog()
    )


def genvurderingsfrist(modtaget: datetime, *, katalog: Katalog | None = None) -> Frist:
    """The municipality's 4 weeks to reconsider a decision after receiving the complaint."""
    return frist(
        Fristart.GENVURDERING, modtaget, "klage.genvurdering", katalog or standard_katalog()
    )


def ankefrist(afgjort: datetime, *, katalog: Katalog | None = None) -> Frist:
    """The 4 weeks to bring the kommunalbestyrelse's decision on a child's complaint further."""
    kat = katalog or standard_katalog()
    return frist(Fristart.KLAGE_ANKESTYRELSEN, afgjort, "val.klage_ankestyrelsen", kat)


def familieretshusfrist(modtaget: datetime, *, katalog: Katalog | None = None) -> Frist:
    """Familieretshuset's two weeks (the same rule as a § 129 recommendation's)."""
    return familieretshuset_frist(modtaget, katalog=katalog)


def spor_for(klagetype: str) -> Spor:
    """The track of a complaint type."""
    return Spor(klagetype)


def vurder_klage(
    *,
    klagetype: str,
    klager_rolle: str,
    modtaget: datetime,
    klager_alder: int | None = None,
    afgoerelse_meddelt: datetime | date | None = None,
    under_forhaandsgodkendelse: bool = False,
    borger_kan_selv_klage: bool | None = None,
    katalog: Katalog | None = None,
) -> Klagevurdering:
    """Standing first (no standing: dismissed), then the track (force under a pre-approval:
    redirected to a complaint about the decision), then the window (late: flagged, kept)."""
    kat = katalog or standard_katalog()
    spor = spor_for(klagetype)
    instans, anke = _instanser(spor)
    nej = _ingen_klageadgang(spor, klager_rolle, klager_alder, borger_kan_selv_klage, modtaget, kat)
    if nej is not None:
        grund, kilde = nej
        return Klagevurdering(Udfaldstype.AFVIST, spor, grund, kilde, instans, anke)
    udfald = Udfaldstype.MODTAGET
    if spor is Spor.AKUT_MAGT and under_forhaandsgodkendelse:
        # The complaint goes on as one about the pre-approval decision (SEL § 137).
        udfald, spor = Udfaldstype.OMDIRIGERET, Spor.AFGOERELSE
        instans, anke = _instanser(spor)
    vindue = None
    if spor is Spor.AFGOERELSE and afgoerelse_meddelt is not None:
        vindue = klagefrist(afgoerelse_meddelt, katalog=kat)
    rettidig = vindue is None or modtaget <= vindue.due
    grund = _modtaget_grund(spor, rettidig)
    if udfald is Udfaldstype.OMDIRIGERET:
        grund = f"{OMDIRIGERET_GRUND} {grund}"
    return Klagevurdering(
        udfald,
        spor,
        grund,
        str(AKUT_KILDE) if udfald is Udfaldstype.OMDIRIGERET else _kilde(spor),
        instans,
        anke,
        klagefrist=vindue,
        rettidig=rettidig,
    )


OMDIRIGERET_GRUND = (
    "Magten blev brugt efter en forhåndsgodkendelse fra kommunen. Man kan ikke klage over selve "
    "indgrebet, men man kan klage over afgørelsen om forhåndsgodkendelse. Vi behandler derfor "
    "klagen som en klage over afgørelsen."
)


def _instanser(spor: Spor) -> tuple[str, str | None]:
    match spor:
        case Spor.AFGOERELSE | Spor.VAL:
            return KOMMUNALBESTYRELSE, ANKESTYRELSEN
        case Spor.AKUT_MAGT:
            return KOMMUNALBESTYRELSE, None
        case Spor.FLYTNING_AFSLAG:
            return FAMILIERETSHUSET, None


def _kilde(spor: Spor) -> str:
    match spor:
        case Spor.AFGOERELSE:
            return str(KLAGEBERETTIGEDE_KILDE)
        case Spor.AKUT_MAGT:
            return str(AKUT_KILDE)
        case Spor.VAL:
            return str(BARNETS_KILDE)
        case Spor.FLYTNING_AFSLAG:
            return str(FLYTNING_KILDE)


def _modtaget_grund(spor: Spor, rettidig: bool) -> str:
    tekst = {
        Spor.AFGOERELSE: "Kommunen vurderer afgørelsen igen inden 4 uger.",
        Spor.AKUT_MAGT: "Kommunalbestyrelsen vurderer, om magtanvendelsen var lovlig.",
        Spor.VAL: "Kommunalbestyrelsen i opholdskommunen behandler klagen.",
        Spor.FLYTNING_AFSLAG: "Klagen sendes til Familieretshuset, som afgør den inden 2 uger.",
    }[spor]
    if not rettidig:
        tekst += " Klagen kom efter klagefristen på 4 uger; den er registreret som for sen."
    return tekst


def _ingen_klageadgang(
    spor: Spor,
    klager_rolle: str,
    alder: int | None,
    borger_kan_selv_klage: bool | None,
    modtaget: datetime,
    kat: Katalog,
) -> tuple[str, str] | None:
    """None when the complainant has standing; otherwise (reason in Danish, source)."""
    if spor is Spor.VAL:
        return _barnets_klageadgang(klager_rolle, alder, dansk_dato(modtaget), kat)
    if spor is Spor.FLYTNING_AFSLAG:
        if klager_rolle in FLYTNING_KLAGEBERETTIGEDE:
            return None
        return (
            "Kun en ægtefælle eller en anden nærtstående, der bor sammen med borgeren, kan klage "
            "til Familieretshuset over, at kommunen ikke vil indstille til flytning.",
            str(FLYTNING_KILDE),
        )
    if klager_rolle not in KLAGEBERETTIGEDE_VOKSNE:
        return (
            "Klagen kan kun indgives af borgeren selv eller af pårørende, værge, "
            "fremtidsfuldmægtig eller en anden repræsentant for borgeren.",
            str(KLAGEBERETTIGEDE_KILDE),
        )
    if klager_rolle in REPRAESENTANTER and borger_kan_selv_klage is True:
        return (
            "Borgeren kan selv klage. Pårørende, værge, fremtidsfuldmægtig eller en anden "
            "repræsentant kan klage på borgerens vegne, når borgeren ikke selv kan klage.",
            str(KLAGEBERETTIGEDE_KILDE),
        )
    return None


def _barnets_klageadgang(
    klager_rolle: str, alder: int | None, paa: date, kat: Katalog
) -> tuple[str, str] | None:
    graense = klagealder(paa, katalog=kat)
    kilde = str(kat.tal_regel("val.klagealder", paa).kilde)
    if klager_rolle == "foraeldremyndighed":
        return None
    if klager_rolle != "barn":
        return (
            "En klage over magtanvendelse over for et barn kan indgives af barnet selv eller af "
            "forældremyndighedens indehaver.",
            str(BARNETS_KILDE),
        )
    if alder is None:
        return (f"Barnets alder er ikke oplyst. Et barn kan selv klage fra {graense} år.", kilde)
    if alder < graense:
        return (
            f"Et barn kan selv klage fra {graense} år. Forældremyndighedens indehaver kan klage "
            "på barnets vegne.",
            kilde,
        )
    return None


# --- who may see and handle complaints (the scope rules of `adgang`, for complaints) ---


def maa_se_klage(
    rolle_kode: str, organisation: str, *, handlekommune: str, institution_id: str | None
) -> bool:
    """The handlekommune sees its complaints; the institution's staff those about its cases."""
    match rolle(rolle_kode):
        case Brugerrolle.KOMMUNE:
            return organisation == handlekommune
        case Brugerrolle.MEDARBEJDER | Brugerrolle.LEDER:
            return institution_id is not None and organisation == institution_id
        case _:
            return False


def maa_indgive_klage(
    rolle_kode: str, organisation: str, *, handlekommune: str, institution_id: str | None
) -> bool:
    """A complaint is handed in at the municipality or to the leader (local practice)."""
    return maa_se_klage(
        rolle_kode, organisation, handlekommune=handlekommune, institution_id=institution_id
    )


def maa_behandle_klage(rolle_kode: str, organisation: str, *, handlekommune: str) -> bool:
    """Reconsideration, statements and recorded decisions: the handlekommune only."""
    return rolle(rolle_kode) is Brugerrolle.KOMMUNE and organisation == handlekommune


def maa_registrere_vejledning(
    rolle_kode: str, organisation: str, *, handlekommune: str, institution_id: str | None
) -> bool:
    """The leader (or staff) gives guidance; the municipality may record it too."""
    if rolle(rolle_kode) in INSTITUTIONENS_ROLLER:
        return institution_id is not None and organisation == institution_id
    return rolle(rolle_kode) is Brugerrolle.KOMMUNE and organisation == handlekommune


class Statistikadgang(StrEnum):
    """How much of the complaint figures a caller may see."""

    INGEN = "ingen"
    EGEN_KOMMUNE = "egen_kommune"  # the municipality's own complaints, unsuppressed
    NATIONAL = "national"  # every municipality, aggregated, small cells suppressed


def klagestatistik_adgang(rolle_kode: str) -> Statistikadgang:
    """National figures for the national role; a municipality sees its own."""
    match rolle(rolle_kode):
        case Brugerrolle.NATIONAL:
            return Statistikadgang.NATIONAL
        case Brugerrolle.KOMMUNE:
            return Statistikadgang.EGEN_KOMMUNE
        case _:
            return Statistikadgang.INGEN
