"""All 98 Danish municipalities with code, name and region (kommunalreformen, 1 January 2007).

Source: Danmarks Statistik's municipality classification, public and stable since 2007. Never
derive a region from a code's number range: Horsens 0615 and Hedensted 0766 lie in Midtjylland,
Morsø 0773 and Thisted 0787 in Nordjylland.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field

from magt_contracts.begreber import Region

H, SJ, SD, MJ, NJ = (
    Region.HOVEDSTADEN,
    Region.SJAELLAND,
    Region.SYDDANMARK,
    Region.MIDTJYLLAND,
    Region.NORDJYLLAND,
)


@dataclass(frozen=True)
class Kommune:
    """A municipality."""

    kode: str
    navn: str
    region: Region


_RAA: tuple[tuple[str, str, Region], ...] = (
    ("0101", "København", H), ("0147", "Frederiksberg", H), ("0151", "Ballerup", H),
    ("0153", "Brøndby", H), ("0155", "Dragør", H), ("0157", "Gentofte", H),
    ("0159", "Gladsaxe", H), ("0161", "Glostrup", H), ("0163", "Herlev", H),
    ("0165", "Albertslund", H), ("0167", "Hvidovre", H), ("0169", "Høje-Taastrup", H),
    ("0173", "Lyngby-Taarbæk", H), ("0175", "Rødovre", H), ("0183", "Ishøj", H),
    ("0185", "Tårnby", H), ("0187", "Vallensbæk", H), ("0190", "Furesø", H),
    ("0201", "Allerød", H), ("0210", "Fredensborg", H), ("0217", "Helsingør", H),
    ("0219", "Hillerød", H), ("0223", "Hørsholm", H), ("0230", "Rudersdal", H),
    ("0240", "Egedal", H), ("0250", "Frederikssund", H), ("0260", "Halsnæs", H),
    ("0270", "Gribskov", H), ("0400", "Bornholm", H),
    ("0253", "Greve", SJ), ("0259", "Køge", SJ), ("0265", "Roskilde", SJ),
    ("0269", "Solrød", SJ), ("0306", "Odsherred", SJ), ("0316", "Holbæk", SJ),
    ("0320", "Faxe", SJ), ("0326", "Kalundborg", SJ), ("0329", "Ringsted", SJ),
    ("0330", "Slagelse", SJ), ("0336", "Stevns", SJ), ("0340", "Sorø", SJ),
    ("0350", "Lejre", SJ), ("0360", "Lolland", SJ), ("0370", "Næstved", SJ),
    ("0376", "Guldborgsund", SJ), ("0390", "Vordingborg", SJ),
    ("0410", "Middelfart", SD), ("0420", "Assens", SD), ("0430", "Faaborg-Midtfyn", SD),
    ("0440", "Kerteminde", SD), ("0450", "Nyborg", SD), ("0461", "Odense", SD),
    ("0479", "Svendborg", SD), ("0480", "Nordfyns", SD), ("0482", "Langeland", SD),
    ("0492", "Ærø", SD), ("0510", "Haderslev", SD), ("0530", "Billund", SD),
    ("0540", "Sønderborg", SD), ("0550", "Tønder", SD), ("0561", "Esbjerg", SD),
    ("0563", "Fanø", SD), ("0573", "Varde", SD), ("0575", "Vejen", SD),
    ("0580", "Aabenraa", SD), ("0607", "Fredericia", SD), ("0621", "Kolding", SD),
    ("0630", "Vejle", SD),
    ("0615", "Horsens", MJ), ("0657", "Herning", MJ), ("0661", "Holstebro", MJ),
    ("0665", "Lemvig", MJ), ("0671", "Struer", MJ), ("0706", "Syddjurs", MJ),
    ("0707", "Norddjurs", MJ), ("0710", "Favrskov", MJ), ("0727", "Odder", MJ),
    ("0730", "Randers", MJ), ("0740", "Silkeborg", MJ), ("0741", "Samsø", MJ),
    ("0746", "Skanderborg", MJ), ("0751", "Aarhus", MJ), ("0756", "Ikast-Brande", MJ),
    ("0760", "Ringkøbing-Skjern", MJ), ("0766", "Hedensted", MJ), ("0779", "Skive", MJ),
    ("0791", "Viborg", MJ),
    ("0773", "Morsø", NJ), ("0787", "Thisted", NJ), ("0810", "Brønderslev", NJ),
    ("0813", "Frederikshavn", NJ), ("0820", "Vesthimmerlands", NJ), ("0825", "Læsø", NJ),
    ("0840", "Rebild", NJ), ("0846", "Mariagerfjord", NJ), ("0849", "Jammerbugt", NJ),
    ("0851", "Aalborg", NJ), ("0860", "Hjørring", NJ),
)  # fmt: skip

KOMMUNER: dict[str, Kommune] = {kode: Kommune(kode, navn, region) for kode, navn, region in _RAA}

REGIONSKODER: dict[Region, str] = {
    Region.NORDJYLLAND: "1081",
    Region.MIDTJYLLAND: "1082",
    Region.SYDDANMARK: "1083",
    Region.HOVEDSTADEN: "1084",
    Region.SJAELLAND: "1085",
}


def kommune(kode: str) -> Kommune:
    """The municipality with `kode`; KeyError when there is none."""
    return KOMMUNER[kode]


def kommune_findes(kode: str) -> bool:
    """Whether `kode` is one of the 98 municipality codes."""
    return kode in KOMMUNER


def _kommunekode(kode: str) -> str:
    if not kommune_findes(kode):
        raise ValueError("Kommunekoden er ikke en dansk kommunekode (4 cifre, fx 0851).")
    return kode


def _regionskode(kode: str) -> str:
    if kode not in REGIONSKODER.values():
        raise ValueError("Regionskoden er ikke en dansk regionskode (1081-1085).")
    return kode


KommuneKode = Annotated[
    str,
    Field(description="Kommunekode (4 cifre).", examples=["0851"]),
    AfterValidator(_kommunekode),
]
RegionsKode = Annotated[
    str, Field(description="Regionskode.", examples=["1081"]), AfterValidator(_regionskode)
]
