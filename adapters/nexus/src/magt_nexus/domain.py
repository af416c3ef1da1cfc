"""Pure rules of the Nexus adapter: which forms to take, ids, what changed, the notes' wording.

- Only finished forms are taken: workflow state "Udfyldt" or "Låst" (SPEC.md 6); a draft is
  skipped and taken when it is finished (its change time moves, so the cursor finds it again).
- A form is identified by its Nexus id. Its case is keyed by (institution, form id): the case id
  is an HMAC under the platform's case-id secret (`magt_runtime.sagsid`), so it neither reveals
  the form id nor can be guessed, and the same form naming another institution is another case.
  The adapter records each case at first receipt (`store.NexusCase`) and looks ids up there.
  Every command's id is derived from (case id, content hash, kind), so a re-run stages the very
  same event.
- A form whose content hash was already handled changes nothing (a status move from "Udfyldt" to
  "Låst" alone does not correct anything); a changed mapped form after a submission is a
  correction (a change only in labels the mapping ignores is not).
- Notes written back to Nexus are Danish, carry no CPR number, and end with a marker that makes a
  repeated write recognisable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel

from magt_contracts.tid import lokal
from magt_runtime.sagsid import sags_id

KILDE = "nexus"  # the source system's name in case ids (`magt_runtime.sagsid`)
ACCEPTED_STATUSES = frozenset({"Udfyldt", "Låst"})
NAMESPACE = uuid5(NAMESPACE_URL, "https://magtanvendelse.dk/adapters/nexus")
NOTE_TITLE = "Magtanvendelse"
Action = Literal["skip", "submit", "correct", "error"]

ROLLE_TEKST = {
    "handlekommune": "handlekommunen",
    "beliggenhedskommune": "beliggenhedskommunen",
    "socialtilsyn": "socialtilsynet",
    "kommunalt_tilsyn": "det kommunale tilsyn",
    "driftsherre": "driftsherren",
    "vaerge": "værgen",
    "paaroerende": "de pårørende",
    "fagkonsulent": "fagkonsulenten",
    "familieretshuset": "Familieretshuset",
    "ankestyrelsen": "Ankestyrelsen",
    "borger": "borgeren",
    "tilbud": "tilbuddet",
    "foraeldremyndighed": "forældremyndighedsindehaveren",
}
AFSENDER_TEKST = {
    "fagkonsulent": "fagkonsulenten",
    "operatoer": "driftsherren",
    "kommune": "kommunen",
    "socialtilsyn": "socialtilsynet",
}
"""The token roles that give feedback on a report, as a note names them."""
KANAL_TEKST = {
    "sikker_mail": "sikker mail",
    "digital_post": "Digital Post",
    "nexus": "Nexus",
    "bosted_advis": "advis i Bosted",
}


def case_id(secret: bytes, *, institution_id: str, form_id: str) -> str:
    """The platform's case id for the Nexus form `form_id` of `institution_id`."""
    return sags_id(secret, kilde=KILDE, institution_id=institution_id, dokument_id=form_id)


def accepted(status: str | None) -> bool:
    """Whether a form in this workflow state is finished and should be taken."""
    return status in ACCEPTED_STATUSES


def content_hash(detail: Mapping[str, Any]) -> str:
    """A hash of what the form says (definition and items), independent of item order."""
    items = sorted(
        (str(i.get("label")), json.dumps(i.get("value"), sort_keys=True, ensure_ascii=False))
        for i in detail.get("items") or []
        if isinstance(i, dict)
    )
    canonical = json.dumps(
        {"definition": detail.get("formDefinition"), "items": items},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def form_hash(form: BaseModel) -> str:
    """A hash of the mapped form itself (labels the mapping ignores do not change it)."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()


def decide(
    *, seen_hash: str | None, submitted_hash: str | None, new_hash: str, new_form_hash: str | None
) -> Action:
    """What to do with a form's current content (`new_form_hash` is None when it is invalid)."""
    if new_hash == seen_hash:
        return "skip"
    if new_form_hash is None:
        return "error"
    if submitted_hash is None:
        return "submit"
    return "skip" if submitted_hash == new_form_hash else "correct"


def event_id(case: str, digest: str, kind: str) -> UUID:
    """The deterministic id of the command staged for this content of this case's form."""
    return uuid5(NAMESPACE, f"{case}:{digest}:{kind}")


def correlation_id(case: str) -> UUID:
    """One correlation id for everything that happens to one case."""
    return uuid5(NAMESPACE, f"{case}:case")


def correction_reason(old_version: int | None, new_version: int) -> str:
    """Why a CorrectForm is sent (Danish)."""
    fra = f"version {old_version}" if old_version is not None else "den modtagne version"
    return f"Skemaet er ændret i Nexus ({fra} → version {new_version})."


def marker(key: str) -> str:
    """The line that ends every note; finding it in Nexus means the note was already written."""
    return f"[magt-ref:{hashlib.sha256(key.encode()).hexdigest()[:20]}]"


def note_delivered(
    *, role: str, recipient_id: str, channel: str, message_ref: str, at: datetime
) -> str:
    """The journal note when the report reached a recipient."""
    tidspunkt = lokal(at).strftime("%d.%m.%Y kl. %H.%M")
    modtager = ROLLE_TEKST.get(role, role)
    kanal = KANAL_TEKST.get(channel, channel)
    return (
        f"Indberetningen om magtanvendelse er sendt til {modtager} ({recipient_id}) "
        f"med {kanal} den {tidspunkt}. Forsendelsens reference: {message_ref}."
    )


def note_rejected(errors: Iterable[tuple[str | None, str]]) -> str:
    """The journal note when the platform could not receive the form (label, Danish message)."""
    linjer = [f"- {label or 'Skemaet'}: {besked}" for label, besked in errors]
    return (
        "Skemaet om magtanvendelse kunne ikke modtages af magtanvendelsesplatformen. "
        "Ret følgende i Nexus, så sendes skemaet igen automatisk:\n" + "\n".join(linjer)
    )


def with_marker(text: str, key: str) -> str:
    """The note's text with its idempotency marker."""
    return f"{text}\n{marker(key)}"


def relatives(
    contacts: Iterable[Mapping[str, Any]], relation_types: Iterable[str]
) -> list[dict[str, str]]:
    """The citizen's network contacts that are relatives with a CPR number, as form parts.

    Each becomes `{"ref": "nexus-kontakt-<id>", "navn": ..., "cpr": ...}`; contacts without a
    CPR number cannot receive Digital Post and are left out.
    """
    wanted = frozenset(relation_types)
    found: list[dict[str, str]] = []
    for contact in contacts:
        relation = contact.get("relationType")
        kind = relation.get("name") if isinstance(relation, Mapping) else None
        cpr = contact.get("cpr")
        if kind not in wanted or not isinstance(cpr, str) or not cpr.strip():
            continue
        navn = " ".join(str(contact.get(k) or "").strip() for k in ("firstName", "lastName"))
        found.append({"ref": f"nexus-kontakt-{contact.get('id')}", "cpr": cpr.strip()})
        if navn.strip():
            found[-1]["navn"] = navn.strip()
    return found


def with_relatives(borger: Mapping[str, Any], found: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """The form's citizen part with the relatives from Nexus added (a part named by the same
    reference is completed, never overwritten)."""
    result = dict(borger)
    parts = [dict(p) for p in borger.get("paaroerende") or []]
    for relative in found:
        same = next((p for p in parts if p.get("ref") == relative["ref"]), None)
        if same is None:
            parts.append(dict(relative))
        else:
            for key, value in relative.items():
                if same.get(key) is None:
                    same[key] = value
    result["paaroerende"] = parts
    return result
