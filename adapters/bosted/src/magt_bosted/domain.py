"""Pure rules of the Bosted adapter: what a received document means, ids, and Danish texts.

- A document is known by Bosted's document id; its content by a hash of the content (export
  metadata left out). Same id and same content: a duplicate, ignored. Same id and new content: a
  correction (CorrectForm with who, when and why), unless it is older than what we have (stale),
  or the first submission was rejected (then the new content is submitted afresh).
- A complaint cannot be corrected through Bosted (there is no command for it): a changed complaint
  is refused with a Danish explanation.
- The internal supplementary part never leaves the institution: it travels inside the sealed form
  to registrering, which keeps it out of every event (SPEC.md 1a, "supplerende oplysninger").
- Journalising (SPEC.md 1a pkt. 1 and 7): every delivery of a case taken in from Bosted is written
  into the citizen's correspondence in Bosted, and the fagkonsulent is told by advis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

NAMESPACE = UUID("5b0f3c1e-8a57-4d52-9a2e-6f1b0c7d2e41")


class Udfald(StrEnum):
    """What the adapter did with a received document."""

    NY = "ny"
    GENINDSENDT = "genindsendt"
    RETTELSE = "rettelse"
    DUBLET = "dublet"
    FORAELDET = "foraeldet"
    AFVIST = "afvist"


class Status(StrEnum):
    """Where a document stands as far as the adapter knows."""

    INDSENDT = "indsendt"
    RETTET = "rettet"
    AFVIST = "afvist"


@dataclass(frozen=True)
class Kendt:
    """What the adapter already holds about a document id."""

    dokumenttype: str
    version: int
    status: Status
    kendte_hashes: frozenset[str]


@dataclass(frozen=True)
class Afgoerelse:
    """The verdict on one received document, with a Danish reason when it is refused."""

    udfald: Udfald
    begrundelse: str | None = None


def afgoer(
    kendt: Kendt | None, *, dokumenttype: str, version: int, indholdshash: str
) -> Afgoerelse:
    """Decide what a received document is: new, duplicate, stale, correction or refused."""
    if kendt is None:
        return Afgoerelse(Udfald.NY)
    if indholdshash in kendt.kendte_hashes:
        return Afgoerelse(Udfald.DUBLET)
    if dokumenttype != kendt.dokumenttype:
        return Afgoerelse(
            Udfald.AFVIST, "Dokument-id'et er allerede brugt til en anden dokumenttype."
        )
    if version < kendt.version:
        return Afgoerelse(Udfald.FORAELDET)
    if dokumenttype == "klage":
        return Afgoerelse(
            Udfald.AFVIST,
            "Klagen er allerede modtaget og kan ikke rettes gennem Bosted. "
            "Opret en ny klage, hvis der er nye oplysninger.",
        )
    if kendt.status is Status.AFVIST:
        return Afgoerelse(Udfald.GENINDSENDT)
    return Afgoerelse(Udfald.RETTELSE)


KILDE = "bosted"  # the source system's name in case ids (`magt_runtime.sagsid`)


def kommando_id(noegle: str, indholdshash: str, art: str) -> UUID:
    """Deterministic id of the command made from one content of one document (`noegle`: its
    case id, or for a refused document its document id)."""
    return uuid5(NAMESPACE, f"bosted:{noegle}:{indholdshash}:{art}")


def korrelation_id(case_id: str) -> UUID:
    """One correlation id for everything that follows from one Bosted document."""
    return uuid5(NAMESPACE, f"bosted:{case_id}")


def afledt_id(aarsag: UUID, hvad: str) -> UUID:
    """Deterministic id of something derived from an event (advis, journal entry, delivery)."""
    return uuid5(NAMESPACE, f"{aarsag}:{hvad}")


def ventetid(forsoeg: int, *, basis_s: float, loft_s: float) -> timedelta:
    """Backoff before the next try after `forsoeg` failed tries: doubling, capped."""
    return timedelta(seconds=min(loft_s, basis_s * 2 ** max(0, forsoeg - 1)))


def er_stabil(
    foer: tuple[int, int] | None,
    nu: tuple[int, int],
    set_siden: datetime | None,
    *,
    tid: datetime,
    stabil_efter: timedelta,
) -> bool:
    """A file may be read when size and mtime are unchanged since an earlier look long enough ago."""
    return foer == nu and set_siden is not None and tid - set_siden >= stabil_efter


ROLLE_TEKST = {
    "handlekommune": "handlekommunen",
    "beliggenhedskommune": "beliggenhedskommunen",
    "socialtilsyn": "socialtilsynet",
    "kommunalt_tilsyn": "det kommunale tilsyn",
    "driftsherre": "driftsherren",
    "foraeldremyndighed": "forældremyndighedsindehaveren",
    "vaerge": "værgen",
    "paaroerende": "de pårørende",
    "fagkonsulent": "fagkonsulenten",
    "ankestyrelsen": "Ankestyrelsen",
    "familieretshuset": "Familieretshuset",
    "borger": "borgeren",
    "tilbud": "tilbuddet",
}
KANAL_TEKST = {
    "sikker_mail": "sikker mail",
    "digital_post": "Digital Post",
    "nexus": "Nexus",
    "bosted_advis": "advis i Bosted",
}


@dataclass(frozen=True)
class Tekst:
    """A Danish title and body."""

    titel: str
    tekst: str


def afvisningsadvis(dokument_id: str, fejl: list[tuple[str, str]]) -> Tekst:
    """The advis to the institution when a form was not registered."""
    linjer = "\n".join(f"- {felt}: {besked}" for felt, besked in fejl)
    return Tekst(
        titel=f"Indberetning om magtanvendelse afvist (dokument {dokument_id})",
        tekst=(
            f"Skemaet med dokument-id {dokument_id} er ikke registreret, fordi det indeholder "
            f"fejl. Ret følgende i Bosted, og eksportér skemaet igen:\n{linjer}\n"
        ),
    )


def journaltekst(
    *, rolle: str, modtager: str, kanal: str, reference: str, tidspunkt: datetime
) -> Tekst:
    """The journal entry for a delivered report, for the citizen's correspondence folder."""
    hvem = f"{ROLLE_TEKST.get(rolle, rolle)} ({modtager})"
    hvordan = KANAL_TEKST.get(kanal, kanal)
    return Tekst(
        titel=f"Indberetning om magtanvendelse sendt til {hvem}",
        tekst=(
            f"Indberetningen om magtanvendelse er sendt til {hvem} med {hvordan} "
            f"{tidspunkt.isoformat(timespec='minutes')}. Reference: {reference}."
        ),
    )


JOURNALDOKUMENT = Tekst(
    titel="Indberetning om magtanvendelse",
    tekst=(
        "Indberetningen om magtanvendelse på det officielle skema, som den er sendt til "
        "modtagerne. Skemaet er vedhæftet som PDF."
    ),
)
"""The journal entry that carries the report's form as a PDF document."""


def fagkonsulentadvis(*, sag: str, dokument_id: str | None, hvad: str) -> Tekst:
    """The advis that tells the fagkonsulent what happened with a report."""
    dokument = f" (Bosted-dokument {dokument_id})" if dokument_id else ""
    return Tekst(
        titel=f"Indberetning om magtanvendelse: {sag}",
        tekst=f"Indberetningen i sag {sag}{dokument}: {hvad}",
    )
