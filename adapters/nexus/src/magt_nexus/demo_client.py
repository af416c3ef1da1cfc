"""A caseworker's Nexus client for the sandbox and the tests, following the public request sequence.

Written from the public developer documentation of Odense Kommune's `kmd-nexus-client`
(docs/nexus.md lists what it shows): token by client credentials sent as HTTP Basic, the API
root's `_links`, `patientDetailsSearch`, `patientPreferences` → `CITIZEN_PATHWAY` → "- Alt" →
`pathwayReferences` → `referencedObject`, `availableFormDefinitions` → `formDataPrototype` →
`availableActions` → `createFormData`, and the user's `preferences` → `ACTIVITY_LIST` →
`content` (with `&pageSize=…` appended as that client does) → `pages` → each page's `content`.
It is synchronous, like that client, and deliberately independent of the adapter's own client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

Json = dict[str, Any]


class NexusUser:
    """One logged-in API user of a Nexus (or of the emulator); `with NexusUser(...) as user:`."""

    def __init__(self, api_root: str, token_url: str, client_id: str, client_secret: str) -> None:
        self._http = httpx.Client(timeout=30)
        answer = self._http.post(
            token_url,
            data={"grant_type": "client_credentials"},
            auth=(client_id, client_secret),
        )
        answer.raise_for_status()
        self._http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        self.api = {rel: link["href"] for rel, link in self.get(api_root)["_links"].items()}

    def __enter__(self) -> NexusUser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def get(self, href: str) -> Any:
        """GET an href as JSON (object or list)."""
        answer = self._http.get(href)
        answer.raise_for_status()
        return answer.json()

    def post(self, href: str, body: Json) -> Any:
        """POST JSON to an href; the JSON answer."""
        answer = self._http.post(href, json=body)
        answer.raise_for_status()
        return answer.json()

    def citizen(self, cpr: str) -> Json | None:
        """The citizen by CPR number, or None."""
        answer = self._http.post(
            self.api["patientDetailsSearch"],
            json={"businessKey": cpr.replace("-", "").replace(" ", ""), "keyType": "CPR"},
        )
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        data = answer.json()
        return None if data["isPatientAccessible"] is False else dict(data["patient"])

    def view(self, citizen: Json, name: str = "- Alt") -> Json | None:
        """One of the citizen's CITIZEN_PATHWAY views."""
        preferences = self.get(citizen["_links"]["patientPreferences"]["href"])
        for item in preferences["CITIZEN_PATHWAY"]:
            if item["name"] == name:
                return dict(self.get(item["_links"]["self"]["href"]))
        return None

    def form_references(self, citizen: Json, view: str = "- Alt") -> list[Json]:
        """Every formDataV2Reference in the view's reference tree."""
        shown = self.view(citizen, view)
        if shown is None:
            return []
        tree = self.get(shown["_links"]["pathwayReferences"]["href"])
        return list(_walk(tree))

    def resolve(self, reference: Json) -> Json:
        """The object behind a reference."""
        links = reference["_links"]
        return dict(self.get((links.get("referencedObject") or links["self"])["href"]))

    def audit(self, form: Json) -> list[Json]:
        """A form's audit entries."""
        return list(self.get(form["_links"]["audit"]["href"]).get("auditEntries", []))

    def create_form(self, citizen: Json, definition: str, action: str, items: list[Json]) -> Json:
        """Create a form on the citizen: items given as {label, value}; options by their name."""
        definitions = self.get(citizen["_links"]["availableFormDefinitions"]["href"])
        chosen = next(d for d in definitions if d.get("title") == definition)
        prototype = self.get(chosen["_links"]["formDataPrototype"]["href"])
        actions = self.get(prototype["_links"]["availableActions"]["href"])
        wanted = next(a for a in actions if a["name"] == action)
        values = {str(i["label"]): i["value"] for i in items}
        for item in prototype["items"]:
            if item["label"] not in values:
                continue
            value = values[item["label"]]
            if item.get("type") in ("radioGroup", "dropDown"):
                name = value.get("name") if isinstance(value, dict) else value
                value = next(v for v in item["possibleValues"] if v.get("name") == name)
            item["value"] = value
        return dict(self.post(wanted["_links"]["createFormData"]["href"], prototype))

    def activity_list(self, name: str, page_size: int = 50) -> list[Json]:
        """Every item of a named activity list (no organisation or professional filter)."""
        preferences = self.get(self.api["preferences"])
        entry = next(i for i in preferences.get("ACTIVITY_LIST", []) if i.get("name") == name)
        listing = self.get(entry["_links"]["self"]["href"])
        url = (
            listing["_links"]["content"]["href"]
            + f"&pageSize={page_size}"
            + "&assignmentOrganizationAssignee=ALL_ORGANIZATIONS"
            + "&assignmentProfessionalAssignee=NO_PROFESSIONAL_CRITERIA"
        )
        found: list[Json] = []
        for page in self.get(url).get("pages", []):
            content = self.get(page["_links"]["content"]["href"])
            found.extend(a for a in content if isinstance(a, dict) and "id" in a)
        return found


def _walk(nodes: list[Json]) -> Iterator[Json]:
    for node in nodes:
        if node.get("type") == "formDataV2Reference":
            yield node
        yield from _walk(list(node.get("children") or []))
