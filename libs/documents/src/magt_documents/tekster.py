"""The official forms' texts as data: one JSON file per form type and version in the contracts.

A file lists the form's title, its sections in order and, for each section, the field texts in
order with the path of the value in the form and how it is written (date, yes/no, a choice, ...).
A new form version is a new file `magt_contracts/skematekster/<form_type>-<version>.json`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any


class Format(StrEnum):
    """How a value is written in the document."""

    TEKST = "tekst"
    DATO = "dato"
    TIDSPUNKT = "tidspunkt"
    JANEJ = "janej"
    VALG = "valg"
    KOMMUNE = "kommune"
    INDGREB = "indgreb"
    INDGREBSLISTE = "indgrebsliste"
    HYGIEJNE = "hygiejne"
    TABEL = "tabel"


@dataclass(frozen=True)
class Felt:
    """One field text with where its value is and how it is written."""

    tekst: str
    felt: str
    format: Format
    valg: dict[str, str]
    kolonner: tuple[Felt, ...]


@dataclass(frozen=True)
class Afsnit:
    """A section: its heading and fields in the official order."""

    overskrift: str
    felter: tuple[Felt, ...]


@dataclass(frozen=True)
class Skematekst:
    """The texts of one version of one official form."""

    form_type: str
    version: str
    titel: str
    undertitel: str
    udgiver: str
    afsnit: tuple[Afsnit, ...]
    titel_pr_art: dict[str, str]


class UkendtSkemaversionError(LookupError):
    """No texts are shipped for this form type and version."""


def _felt(data: dict[str, Any]) -> Felt:
    return Felt(
        tekst=str(data["tekst"]),
        felt=str(data["felt"]),
        format=Format(data.get("format", "tekst")),
        valg={str(k): str(v) for k, v in data.get("valg", {}).items()},
        kolonner=tuple(_felt(k) for k in data.get("kolonner", [])),
    )


@cache
def skematekst(form_type: str, version: str) -> Skematekst:
    """The texts of `form_type` in `version`, read from the contracts' package data."""
    fil = resources.files("magt_contracts").joinpath("skematekster", f"{form_type}-{version}.json")
    if not fil.is_file():
        raise UkendtSkemaversionError(f"Der findes ingen skematekst for {form_type} {version}.")
    data = json.loads(fil.read_text(encoding="utf-8"))
    return Skematekst(
        form_type=str(data["form_type"]),
        version=str(data["version"]),
        titel=str(data["titel"]),
        undertitel=str(data.get("undertitel", "")),
        udgiver=str(data.get("udgiver", "")),
        afsnit=tuple(
            Afsnit(str(a["overskrift"]), tuple(_felt(f) for f in a["felter"]))
            for a in data["afsnit"]
        ),
        titel_pr_art={str(k): str(v) for k, v in data.get("titel_pr_art", {}).items()},
    )
