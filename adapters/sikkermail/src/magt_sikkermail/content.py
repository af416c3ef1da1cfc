"""What a delivery carries: the opened report (or a pseudonymous summary), the letter, the CPR.

The sealed report comes unchanged from `report.approved` through `report.addressed`; it is opened
here with the platform's payload key and never logged. Events that are not a report (a decision, a
complaint, an alert) carry no report: the recipient gets a summary with references only.
"""

from __future__ import annotations

import json
from typing import Any

from magt_contracts.begreber import Fristart, Leveringsgrund, Rolle
from magt_contracts.catalogue import standard_katalog
from magt_contracts.cpr import normaliser_cpr
from magt_contracts.messages.routing import ReportAddressed

from .mime import REPORT_TITLE

EMNER: dict[Leveringsgrund, str] = {
    Leveringsgrund.INDBERETNING: REPORT_TITLE,
    Leveringsgrund.MISTANKE: "Mistanke om strafbart forhold",
    Leveringsgrund.AFGOERELSE: "Afgørelse om magtanvendelse",
    Leveringsgrund.KLAGE: "Klage over magtanvendelse",
    Leveringsgrund.FRIST: "Overskredet lovbestemt frist",
    Leveringsgrund.STATISTIK_ALARM: "Usædvanligt mange magtanvendelser",
    Leveringsgrund.LEVERINGSFEJL: "Levering af indberetning mislykkedes",
}


LOKAL_FRIST_EMNE = "Overskredet lokal frist"
FRIST_BEMAERKNING = {
    True: "Fristen er fastsat ved lov. Overskridelsen er et brud på loven og skal følges op.",
    False: "Fristen er en lokal frist: kommunens egen praksis, som ingen lov fastsætter. "
    "Overskridelsen er ikke et brud på loven, men sagen venter på et skridt.",
}


def lovbestemt_frist(event: ReportAddressed) -> bool | None:
    """For a deadline notice: whether an act sets the deadline (None: not a deadline notice).

    Routing says so on the event; an event from before that field asks the catalogue by kind.
    """
    if event.grund is not Leveringsgrund.FRIST:
        return None
    if event.frist_lovbestemt is not None:
        return event.frist_lovbestemt
    try:
        return standard_katalog().lovbestemt(Fristart(event.frist_art or ""))
    except (ValueError, LookupError):
        return True  # an unknown kind is not silently downgraded to local policy


def emne(event: ReportAddressed) -> str:
    """The Danish subject of what is delivered, from the event's typed reason."""
    if lovbestemt_frist(event) is False:
        return LOKAL_FRIST_EMNE
    return EMNER[event.grund]


def _frist(event: ReportAddressed) -> dict[str, Any]:
    lovbestemt = lovbestemt_frist(event)
    if lovbestemt is None:
        return {}
    try:
        titel: str | None = standard_katalog().fristart(Fristart(event.frist_art or "")).titel
    except (ValueError, LookupError):
        titel = None
    return {
        "overskredet_frist": {
            "art": event.frist_art,
            "titel": titel,
            "lovbestemt": lovbestemt,
            "bemaerkning": FRIST_BEMAERKNING[lovbestemt],
        }
    }


def summary(event: ReportAddressed) -> bytes:
    """A pseudonymous summary (references only) when no report travels with the event."""
    data = {
        "emne": emne(event),
        "sag": event.case_id,
        "grund": event.grund.value,
        "reference": event.rapport_ref,
        "modtager": {"rolle": event.role.value, "id": event.recipient_id},
        "frist": {"art": event.when.kind.value, "senest": event.when.due.isoformat()},
        "haendelse_id": str(event.event_id),
        **_frist(event),
        "bemaerkning": "Der er ingen rapport vedhæftet. Kontakt afsenderen med sagsreferencen "
        "for at få sagens oplysninger.",
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def letter(event: ReportAddressed, *, sender_label: str, with_report: bool) -> str:
    """The Danish letter of a Digital Post message (no CPR, no names)."""
    vedhaeftet = (
        "Indberetningen er vedhæftet som et struktureret dokument."
        if with_report
        else "Der er vedhæftet et resumé med sagens referencer."
    )
    lovbestemt = lovbestemt_frist(event)
    frist = "" if lovbestemt is None else f"{FRIST_BEMAERKNING[lovbestemt]}\n\n"
    return (
        f"{emne(event)}\n\n"
        "Du modtager dette brev, fordi du efter reglerne skal orienteres om sagen.\n\n"
        f"{frist}"
        f"Sagsreference: {event.case_id}\n"
        f"Afsender: {sender_label}\n\n"
        f"{vedhaeftet}\n\n"
        "Du har ret til at klage. Kontakt tilbuddet eller kommunen og oplys sagsreferencen, hvis\n"
        "du har spørgsmål eller vil klage.\n"
    )


class MissingCprError(LookupError):
    """The opened report holds no CPR number for this Digital Post recipient."""


def _dicts(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(_dicts(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_dicts(value))
    return found


def recipient_cpr(report: dict[str, Any], *, role: Rolle, recipient_id: str) -> str:
    """The recipient's CPR number from the opened report.

    The citizen (`borger`) is the child or adult of the report; any other person (a parent, værge,
    relative) is the party entry whose `ref` is the recipient id and which carries a `cpr`.
    """
    if role is Rolle.BORGER:
        for key in ("borger", "barn"):
            person = report.get(key)
            if isinstance(person, dict) and isinstance(person.get("cpr"), str):
                return normaliser_cpr(person["cpr"])
    else:
        for entry in _dicts(report):
            if entry.get("ref") == recipient_id and isinstance(entry.get("cpr"), str):
                return normaliser_cpr(entry["cpr"])
    raise MissingCprError("Rapporten indeholder ikke modtagerens CPR-nummer til Digital Post.")
