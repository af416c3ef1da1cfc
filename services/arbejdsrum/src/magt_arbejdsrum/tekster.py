"""Danish words the pages show for the services' codes, and the templates' filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

DK = ZoneInfo("Europe/Copenhagen")

ROLLER = {
    "medarbejder": "Medarbejder",
    "leder": "Leder",
    "fagkonsulent": "Fagkonsulent",
    "operatoer": "Driftsherre",
    "kommune": "Kommune",
    "socialtilsyn": "Socialtilsyn",
    "national": "National myndighed",
    "magtanvendelsesudvalg": "Magtanvendelsesudvalg",
}

STATUS = {
    "registreret": "Afventer lederens del",
    "leder_udfyldt": "Afventer godkendelse",
    "godkendt": "Godkendt",
    "afgoerelse": "Afgørelse",
}

SKEMATYPER = {
    "skema_1a": "Skema 1 a (SEL, nedsat funktionsevne)",
    "skema_1b": "Skema 1 b (SEL, demens)",
    "bilag_1": "Bilag 1 (SEL)",
    "skema_2": "Skema 2 (SEL, optagelse uden samtykke)",
    "skema_3": "Skema 3 (SEL)",
    "val_indberetning": "Indberetning (børn og unge, VAL)",
    "val_afgoerelse": "Afgørelse (børn og unge, VAL)",
    "kommunal_afgoerelse": "Kommunal afgørelse",
}

KLAGESTATUS = {
    "ny": "Ny",
    "afvist": "Afvist",
    "afventer_genvurdering": "Afventer genvurdering",
    "hos_ankestyrelsen": "Hos Ankestyrelsen",
    "afventer_udtalelse": "Afventer udtalelse",
    "udtalelse_afgivet": "Udtalelse afgivet",
    "afventer_kommunalbestyrelse": "Afventer kommunalbestyrelsen",
    "afgjort_af_kommunen": "Afgjort af kommunen",
    "hos_familieretshuset": "Hos Familieretshuset",
    "afgjort": "Afgjort",
}

KLAGEHANDLINGER = {
    "indgiv_afvist": "Klage modtaget og afvist",
    "indgiv_omdirigeret": "Klage modtaget og henført til afgørelsen",
    "indgiv_afgoerelse": "Klage over en afgørelse modtaget",
    "indgiv_akut": "Klage over akut magtanvendelse modtaget",
    "indgiv_val": "Klage fra barnet eller den unge modtaget",
    "indgiv_flytning": "Klage over flytning modtaget",
    "genvurdering_fastholdt": "Kommunen fastholdt afgørelsen",
    "genvurdering_aendret": "Kommunen ændrede afgørelsen",
    "afgoerelse_ankestyrelsen": "Ankestyrelsens afgørelse registreret",
    "afgoerelse_kommunalbestyrelse": "Kommunalbestyrelsens afgørelse registreret",
    "afgoerelse_familieretshuset": "Familieretshusets afgørelse registreret",
    "udtalelse": "Udtalelse afgivet",
    "anke": "Klaget videre til Ankestyrelsen",
}

FRISTSTATUS = {
    "open": "Åben",
    "warned": "Varslet",
    "met": "Overholdt",
    "breached": "Overskredet",
}


def _tid(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def dato(value: Any) -> str:
    """A date or time as a Danish date (12.3.2025)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"{value.day}.{value.month}.{value.year}"
    moment = _tid(value)
    if moment is None:
        return "" if value is None else str(value)
    local = moment.astimezone(DK) if moment.tzinfo else moment
    return f"{local.day}.{local.month}.{local.year}"


def tidspunkt(value: Any) -> str:
    """A time as Danish date and clock (12.3.2025 kl. 14.05)."""
    moment = _tid(value)
    if moment is None:
        return "" if value is None else str(value)
    local = moment.astimezone(DK) if moment.tzinfo else moment
    return f"{dato(local)} kl. {local.hour:02d}.{local.minute:02d}"


def ord_for(tabel: dict[str, str]) -> Callable[[Any], str]:
    def oversat(value: Any) -> str:
        key = str(value or "")
        return tabel.get(key, key.replace("_", " ").capitalize())

    return oversat


_BOGSTAVER = (("aa", "å"), ("ae", "æ"), ("oe", "ø"))


def kode(value: Any) -> str:
    """A code as a readable Danish phrase (noedvaerge → Nødværge, fysisk_magt → Fysisk magt)."""
    tekst = str(value or "").replace("_", " ")
    for ascii_, dansk in _BOGSTAVER:
        tekst = tekst.replace(ascii_, dansk)
    return tekst.capitalize()


@cache
def _indgrebstitler() -> dict[str, str]:
    from magt_contracts.catalogue import standard_katalog

    return {t.kode: t.titel for t in standard_katalog().indgreb}


@cache
def _fristtitler() -> dict[str, str]:
    from magt_contracts.catalogue.fristarter import FRISTARTER

    return {str(r.art): r.titel for r in FRISTARTER}


def fristart(value: Any) -> str:
    """A deadline kind as the catalogue names it (leder_godkendelse → Lederens godkendelse)."""
    return _fristtitler().get(str(value), kode(value))


def indgreb(value: Any) -> str:
    """An intervention code as the catalogue's title (fastholdelse → Fastholdelse m.v.)."""
    return _indgrebstitler().get(str(value), kode(value))


def skema_kort(value: Any) -> str:
    """A form type as its short name (skema_1a → Skema 1 a)."""
    return ord_for(SKEMATYPER)(value).split(" (")[0]


def organisation(value: Any) -> str:
    """An organisation code as people know it (0851 → Aalborg; the role already says "Kommune"); other codes unchanged."""
    from magt_contracts.catalogue.kommuner import KOMMUNER

    kode_ = str(value or "")
    fundet = KOMMUNER.get(kode_)
    return fundet.navn if fundet else kode_


def filtre() -> dict[str, Callable[[Any], str]]:
    """The filters every template may use."""
    return {
        "dato": dato,
        "tidspunkt": tidspunkt,
        "rolle": ord_for(ROLLER),
        "status": ord_for(STATUS),
        "skematype": ord_for(SKEMATYPER),
        "skema_kort": skema_kort,
        "klagestatus": ord_for(KLAGESTATUS),
        "klagehandling": ord_for(KLAGEHANDLINGER),
        "friststatus": ord_for(FRISTSTATUS),
        "kode": kode,
        "indgreb": indgreb,
        "fristart": fristart,
        "organisation": organisation,
    }
