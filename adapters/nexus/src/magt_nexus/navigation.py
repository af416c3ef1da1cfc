"""The ways through KMD Nexus' HATEOAS API that the adapter walks (see docs/nexus.md).

- activity list: root `preferences` → `ACTIVITY_LIST` entry by name → the list (`self`) →
  `content` (pageSize, assignee filters) → `pages` → each page's `content` → items;
- citizen: root `patientDetailsSearch` (businessKey, keyType "CPR") → `patient`; its network
  contacts; its `patientPreferences` → `CITIZEN_PATHWAY` view by name → `pathwayReferences`;
- a new form on the citizen: `availableFormDefinitions` → definition by title →
  `formDataPrototype` → `availableActions` → action by name → POST `createFormData`;
- a document on a pathway: the pathway reference → `referencedObject` → `documentPrototype` →
  POST its `create` (name, notes, relevanceDate, originalFileName) → POST the file to `upload`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from magt_nexus.client import NexusClient, NexusError, Resource
from magt_nexus.settings import NexusSettings

FORM_REFERENCE = "formDataV2Reference"
DOCUMENT_REFERENCE = "documentReference"


def _named(entries: list[Any], name: str, *keys: str) -> Resource | None:
    return next(
        (e for e in entries if isinstance(e, dict) and any(e.get(k) == name for k in keys)), None
    )


async def activity_items(client: NexusClient, settings: NexusSettings) -> list[Resource]:
    """Every item on the configured activity list, all pages read."""
    root = await client.root()
    preferences = await client.follow(root, "preferences")
    entry = _named(list(preferences.get("ACTIVITY_LIST") or []), settings.activity_list, "name")
    if entry is None:
        raise NexusError("the configured activity list is not among the user's preferences")
    listing = await client.follow(entry, "self")
    content = await client.get(
        client.link(listing, "content"),
        pageSize=settings.activity_page_size,
        assignmentOrganizationAssignee=settings.activity_organization,
        assignmentProfessionalAssignee=settings.activity_professional,
    )
    items: list[Resource] = []
    for page in content.get("pages") or []:
        items.extend(await client.get_list(client.link(page, "content")))
    return items


async def find_citizen(client: NexusClient, cpr: str) -> Resource | None:
    """The citizen (patient) with this CPR number, or None when absent or not accessible."""
    root = await client.root()
    digits = "".join(c for c in cpr if c.isdigit())
    try:
        found = await client.post(
            client.link(root, "patientDetailsSearch"), {"businessKey": digits, "keyType": "CPR"}
        )
    except NexusError as error:
        if error.status in (403, 404):  # unknown, or not the integration's to see
            return None
        raise
    patient = found.get("patient")
    if found.get("isPatientAccessible") is False or not isinstance(patient, dict):
        return None
    return patient


async def network_contacts(client: NexusClient, citizen: Resource) -> list[Resource]:
    """The citizen's network contacts (relatives, guardians...), empty when none are offered."""
    if not client.has_link(citizen, "networkContacts"):
        return []
    try:
        return await client.get_list(client.link(citizen, "networkContacts"))
    except NexusError as error:
        if error.status in (403, 404):
            return []
        raise


async def pathway_references(
    client: NexusClient, citizen: Resource, view_name: str
) -> list[Resource]:
    """The reference tree of one of the citizen's CITIZEN_PATHWAY views (e.g. "- Alt")."""
    preferences = await client.follow(citizen, "patientPreferences")
    entry = _named(list(preferences.get("CITIZEN_PATHWAY") or []), view_name, "name")
    if entry is None:
        raise NexusError("the citizen has no view of the configured name")
    view = await client.follow(entry, "self")
    return await client.get_list(client.link(view, "pathwayReferences"))


def form_references(tree: list[Resource], title: str) -> Iterator[Resource]:
    """The form references named `title` anywhere in a reference tree."""
    for node in tree:
        if node.get("type") == FORM_REFERENCE and node.get("name") == title:
            yield node
        yield from form_references(list(node.get("children") or []), title)


def pathway_of_form(tree: list[Resource], form_id: str) -> Resource | None:
    """The pathway reference whose children hold the form `form_id`, or None."""
    for node in tree:
        children = list(node.get("children") or [])
        if any(
            c.get("type") == FORM_REFERENCE and str(c.get("formDataId", c.get("id"))) == form_id
            for c in children
        ):
            return node
        found = pathway_of_form(children, form_id)
        if found is not None:
            return found
    return None


def document_references(node: Resource, name: str) -> Iterator[Resource]:
    """The document references named `name` below a pathway reference."""
    for child in node.get("children") or []:
        if child.get("type") == DOCUMENT_REFERENCE and child.get("name") == name:
            yield child
        yield from document_references(child, name)


async def create_document(
    client: NexusClient,
    pathway_reference: Resource,
    *,
    name: str,
    notes: str,
    file_name: str,
    content: bytes,
    content_type: str,
    received: datetime,
) -> Resource:
    """Create a document on a pathway and upload its file (prototype → create → upload)."""
    rel = "referencedObject" if client.has_link(pathway_reference, "referencedObject") else "self"
    pathway = await client.follow(pathway_reference, rel)
    prototype = await client.follow(pathway, "documentPrototype")
    prototype.update(
        name=name, notes=notes, relevanceDate=received.isoformat(), originalFileName=file_name
    )
    created = await client.post(client.link(prototype, "create"), prototype)
    return await client.upload(
        client.link(created, "upload"),
        filename=file_name,
        content=content,
        content_type=content_type,
    )


async def create_form(
    client: NexusClient,
    owner: Resource,
    *,
    definition: str,
    action: str,
    values: Mapping[str, str],
) -> Resource:
    """Create a form of `definition` on `owner` (citizen or pathway), items filled by label."""
    definitions = await client.get_list(client.link(owner, "availableFormDefinitions"))
    chosen = _named(definitions, definition, "title", "name")
    if chosen is None:
        raise NexusError("the note's form definition is not available on the citizen")
    rel = (
        "formDataPrototype" if client.has_link(chosen, "formDataPrototype") else "formdataPrototype"
    )
    prototype = await client.follow(chosen, rel)
    actions = await client.get_list(client.link(prototype, "availableActions"))
    chosen_action = _named(actions, action, "name")
    if chosen_action is None:
        raise NexusError("the note's form definition offers no action of the configured name")
    labels = {str(i.get("label")) for i in prototype.get("items") or [] if isinstance(i, dict)}
    missing = set(values) - labels
    if missing:
        raise NexusError("the note's form definition lacks an item the note needs")
    for item in prototype.get("items") or []:
        if isinstance(item, dict) and item.get("label") in values:
            item["value"] = values[str(item["label"])]
    return await client.post(client.link(chosen_action, "createFormData"), prototype)
