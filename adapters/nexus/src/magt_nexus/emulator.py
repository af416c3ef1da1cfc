"""A local KMD Nexus emulator over real HTTP, shaped like the API public Nexus clients use.

What it serves (docs/nexus.md names the public source of each shape, and what is assumed):
- Keycloak's token endpoint (client credentials as HTTP Basic or in the form body, expiring
  tokens) and the API root `/api/core/mobile/{instance}/v2/` whose `_links` name every entry;
- the user's `preferences` with an `ACTIVITY_LIST`; a list's `content` (pageSize, assignee
  filters) answering `pages`, each page's `content` answering the list's items (form references);
- citizens: `patientDetailsSearch` (businessKey, keyType "CPR"), `patientPreferences` with
  `CITIZEN_PATHWAY` views ("- Alt"), `pathwayReferences`, network contacts;
- formData with `items` (label, type, value, possibleValues), workflow state and `audit`;
- form definitions on the citizen, their prototypes, actions and `createFormData`;
- documents on the citizen's pathway ("Magtanvendelse"): `documentPrototype` → `create` (JSON)
  → `upload` (multipart `file`), as the public client's `opret_dokument` does.
Faults can be injected (5xx answers, revoked tokens, vanished forms). Run it alone, seeded with
one synthetic form per form type and version: `uv run python -m magt_nexus.emulator --port 8089`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

STATUSES = ("Kladde", "Udfyldt", "Låst")
REPEATED_ROWS = 10  # rows a prototype offers for each repeated label ("Indgreb {n}")
CPR_LABEL = "Borgerens CPR-nummer"
NAME_LABEL = "Borgerens navn"


@dataclass
class EmulatedDefinition:
    """A form definition (skematype): its title, version and item templates."""

    id: int
    title: str
    version: str
    items: list[dict[str, Any]]


@dataclass
class EmulatedPatient:
    """A citizen: CPR number (digits), name and network contacts."""

    id: int
    cpr: str
    name: str
    contacts: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EmulatedForm:
    """One form instance (formData) on a citizen."""

    id: int
    patient_id: int
    title: str
    definition_version: str
    items: list[dict[str, Any]]
    status: str
    version: int
    last_updated: datetime
    last_updated_by: str
    audit: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EmulatedDocument:
    """A document (a file, mostly PDF) on a citizen's pathway: metadata, then its uploaded file."""

    id: int
    patient_id: int
    name: str
    notes: str | None
    relevance_date: str | None
    original_file_name: str
    content: bytes | None = None
    content_type: str | None = None


def standard_definitions() -> list[EmulatedDefinition]:
    """Every mapped magtanvendelse form definition, plus the note the adapter writes back."""
    from magt_nexus.mapping import load_mappings
    from magt_nexus.values import nexus_type

    definitions: list[EmulatedDefinition] = []
    for n, mapping in enumerate(load_mappings().by_definition.values(), start=1):
        items: list[dict[str, Any]] = []
        for fm in mapping.fields:
            labels = (
                [fm.label.replace("{n}", str(r)) for r in range(1, REPEATED_ROWS + 1)]
                if fm.repeated
                else [fm.label]
            )
            for label in labels:
                item: dict[str, Any] = {"label": label, "type": nexus_type(fm), "value": None}
                if fm.type == "choice" and fm.values:
                    item["possibleValues"] = [{"name": name} for name in fm.values]
                items.append(item)
        definitions.append(EmulatedDefinition(n, mapping.nexus_title, mapping.nexus_version, items))
    note_items = [
        {"label": "Overskrift", "type": "text", "value": None},
        {"label": "Notat", "type": "textArea", "value": None},
    ]
    definitions.append(EmulatedDefinition(900, NOTE_DEFINITION, "1", note_items))
    return definitions


NOTE_DEFINITION = "Magtanvendelse - notat"
PATHWAY_NAME = "Magtanvendelse"
DOCUMENT_REFERENCE = "documentReference"


@dataclass
class EmulatorState:
    """Everything the emulator holds; tests change it directly (thread-safe)."""

    instance: str = "emulator"
    client_id: str = "magtanvendelse"
    client_secret: str = "hemmelig-test-noegle"  # noqa: S105 - a test-only credential
    token_ttl_s: float = 300.0
    max_page_size: int = 2  # pages of at most this many items (small: tests cross pages)
    activity_list: str = "Magtanvendelse"
    view_name: str = "- Alt"
    note_definition: str = NOTE_DEFINITION
    definitions: list[EmulatedDefinition] = field(default_factory=standard_definitions)
    patients: dict[int, EmulatedPatient] = field(default_factory=dict)
    forms: dict[int, EmulatedForm] = field(default_factory=dict)
    documents: dict[int, EmulatedDocument] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    token_requests: int = 0
    api_requests: int = 0
    rejected_401: int = 0
    failures: list[int] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)  # listed, but their data answers 404
    clock: Callable[[], float] = time.monotonic
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _patient_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _snapshots: dict[int, list[int]] = field(default_factory=dict)
    _last_change: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))

    def add_patient(self, *, cpr: str, name: str, patient_id: int | None = None) -> int:
        """Register a citizen; its id."""
        with self.lock:
            pid = patient_id if patient_id is not None else next(self._patient_ids)
            while patient_id is None and pid in self.patients:
                pid = next(self._patient_ids)
            self.patients[pid] = EmulatedPatient(pid, _digits(cpr), name)
            return pid

    def add_contact(
        self, patient_id: int, *, first: str, last: str, relation: str, cpr: str | None = None
    ) -> dict[str, Any]:
        """A network contact on a citizen (relationType e.g. "Pårørende", "Værge")."""
        with self.lock:
            patient = self.patients[patient_id]
            contact: dict[str, Any] = {
                "id": 7000 + sum(len(p.contacts) for p in self.patients.values()),
                "firstName": first,
                "lastName": last,
                "relationType": {"name": relation},
                "relationDescription": relation,
            }
            if cpr is not None:
                contact["cpr"] = cpr
            patient.contacts.append(contact)
            return contact

    def put_form(
        self,
        *,
        title: str,
        items: list[dict[str, Any]],
        patient_id: int | None = None,
        status: str = "Udfyldt",
        definition_version: str = "2025",
        form_id: int | None = None,
        by: str = "mdb-2001",
    ) -> EmulatedForm:
        """Create a form, or replace an existing one's items/status (its version goes up).

        The citizen is `patient_id` (registered with the form's CPR number when new), else the
        citizen with the form's CPR number, else a new one.
        """
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        with self.lock:
            old = self.forms.get(form_id) if form_id is not None else None
            pid = old.patient_id if old else self._patient_for(items, patient_id)
            stamp = self._tick()
            form = EmulatedForm(
                id=form_id if form_id is not None else next(self._ids),
                patient_id=pid,
                title=title,
                definition_version=definition_version,
                items=[dict(i) for i in items],
                status=status,
                version=old.version + 1 if old else 1,
                last_updated=stamp,
                last_updated_by=by,
                audit=[*(old.audit if old else [])],
            )
            form.audit.append(
                {
                    "version": form.version,
                    "date": stamp.isoformat(),
                    "action": "Oprettet" if old is None else "Rettet",
                    "workflowState": {"name": status},
                    "user": {"id": by},
                }
            )
            self.forms[form.id] = form
            return form

    def set_status(self, form_id: int, status: str) -> EmulatedForm:
        """Move a form to another workflow state (a change: version and time go up)."""
        form = self.forms[form_id]
        return self.put_form(
            title=form.title,
            items=form.items,
            status=status,
            definition_version=form.definition_version,
            form_id=form_id,
        )

    def fail_next(self, count: int, status: int = 503) -> None:
        """The next `count` API requests (not token requests) answer `status`."""
        with self.lock:
            self.failures.extend([status] * count)

    def revoke_tokens(self) -> None:
        """Every issued token becomes invalid (as when Keycloak's session is ended)."""
        with self.lock:
            self.tokens.clear()

    def notes_for(self, patient_id: int) -> list[dict[str, Any]]:
        """The note forms written on a citizen, as {id, title, text, createdAt}."""
        with self.lock:
            found = [
                f
                for f in self.forms.values()
                if f.patient_id == patient_id and f.title == self.note_definition
            ]
        return [
            {
                "id": f.id,
                "title": _value(f.items, "Overskrift"),
                "text": _value(f.items, "Notat"),
                "createdAt": f.last_updated.isoformat(),
            }
            for f in sorted(found, key=lambda f: f.id)
        ]

    def documents_for(self, patient_id: int) -> list[EmulatedDocument]:
        """The documents on a citizen's pathway whose file was uploaded, oldest first."""
        with self.lock:
            return sorted(
                (
                    d
                    for d in self.documents.values()
                    if d.patient_id == patient_id and d.content is not None
                ),
                key=lambda d: d.id,
            )

    def find_patient(self, cpr: str) -> EmulatedPatient | None:
        """The newest citizen registered with this CPR number."""
        with self.lock:
            found = [p for p in self.patients.values() if p.cpr == _digits(cpr)]
        return max(found, key=lambda p: p.id) if found else None

    def definition(self, definition_id: int) -> EmulatedDefinition | None:
        """A form definition by id."""
        return next((d for d in self.definitions if d.id == definition_id), None)

    def offered_definitions(self) -> list[EmulatedDefinition]:
        """The definitions a citizen offers: the newest version of each title."""
        newest: dict[str, EmulatedDefinition] = {}
        for d in self.definitions:
            if d.title not in newest or d.version > newest[d.title].version:
                newest[d.title] = d
        return list(newest.values())

    def listed(self) -> list[EmulatedForm]:
        """The activity list: every magtanvendelse form (not the notes), oldest change first."""
        with self.lock:
            return sorted(
                (f for f in self.forms.values() if f.title != self.note_definition),
                key=lambda f: (f.last_updated, f.id),
            )

    def snapshot(self) -> int:
        """Freeze the list's order for one reading of its pages; the snapshot's number."""
        with self.lock:
            number = len(self._snapshots) + 1
            self._snapshots[number] = [f.id for f in self.listed()]
            for old in [k for k in self._snapshots if k <= number - 50]:
                del self._snapshots[old]
            return number

    def snapshot_ids(self, number: int) -> list[int] | None:
        """The form ids of a snapshot, or None when it is unknown or expired."""
        with self.lock:
            return self._snapshots.get(number)

    def _patient_for(self, items: list[dict[str, Any]], patient_id: int | None) -> int:
        if patient_id is not None and patient_id in self.patients:
            return patient_id
        cpr = str(_value(items, CPR_LABEL) or "")
        existing = self.find_patient(cpr) if cpr and patient_id is None else None
        if existing is not None:
            return existing.id
        name = str(_value(items, NAME_LABEL) or "Ukendt borger")
        return self.add_patient(cpr=cpr or "0000000000", name=name, patient_id=patient_id)

    def _tick(self) -> datetime:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        stamp = max(now, self._last_change + timedelta(milliseconds=1))
        self._last_change = stamp
        return stamp


def _digits(cpr: str) -> str:
    return "".join(c for c in cpr if c.isdigit())


def _value(items: list[dict[str, Any]], label: str) -> Any:
    return next((i.get("value") for i in items if i.get("label") == label), None)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str] | None:
    """The client id and secret from HTTP Basic (RFC 6749 2.3.1) or from the form body."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except ValueError:
            return None
        user, sep, password = decoded.partition(":")
        return (
            (unquote(user.replace("+", " ")), unquote(password.replace("+", " "))) if sep else None
        )
    if "client_id" in form:
        return form["client_id"], form.get("client_secret", "")
    return None


def create_emulator(state: EmulatorState | None = None) -> FastAPI:
    """The emulator as an ASGI app; `state` lets a test seed forms and inject faults."""
    st = state or EmulatorState()
    app = FastAPI(title="Nexus-emulator (magtanvendelse)")
    app.state.emulator = st
    api = f"/api/core/mobile/{st.instance}/v2"

    @app.post(f"/authx/realms/{st.instance}/protocol/openid-connect/token")
    async def token(request: Request) -> JSONResponse:
        # application/x-www-form-urlencoded, parsed by hand (no multipart dependency needed)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        with st.lock:
            st.token_requests += 1
            if form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
            given = _client_credentials(request, form)
            if (
                given is None
                or given[0] != st.client_id
                or not secrets.compare_digest(given[1].encode(), st.client_secret.encode())
            ):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            value = secrets.token_urlsafe(24)
            st.tokens[value] = st.clock() + st.token_ttl_s
            body = {"access_token": value, "expires_in": st.token_ttl_s, "token_type": "Bearer"}
            return JSONResponse(body)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[..., Any]) -> Response:
        if not request.url.path.startswith(api):
            response: Response = await call_next(request)
            return response
        with st.lock:
            st.api_requests += 1
            if st.failures:
                return JSONResponse({"error": "injected"}, status_code=st.failures.pop(0))
            auth = request.headers.get("authorization", "")
            expires = st.tokens.get(auth.removeprefix("Bearer ").strip())
            if not auth.startswith("Bearer ") or expires is None or st.clock() >= expires:
                st.rejected_401 += 1
                return JSONResponse({"error": "invalid_token"}, status_code=401)
        response = await call_next(request)
        return response

    def href(request: Request, path: str) -> dict[str, str]:
        return {"href": str(request.base_url).rstrip("/") + api + path}

    def form_reference(request: Request, form: EmulatedForm) -> dict[str, Any]:
        return {
            "id": form.id,
            "type": "formDataV2Reference",
            "formDataId": form.id,
            "name": form.title,
            "date": form.last_updated.isoformat(),
            "workflowState": {"name": form.status},
            "patientId": form.patient_id,
            "_links": {
                "self": href(request, f"/formData/{form.id}"),
                "referencedObject": href(request, f"/formData/{form.id}"),
            },
        }

    def form_body(request: Request, form: EmulatedForm) -> dict[str, Any]:
        definition = next(
            (
                d
                for d in st.definitions
                if (d.title, d.version) == (form.title, form.definition_version)
            ),
            None,
        )
        options = {
            str(i["label"]): i["possibleValues"]
            for i in (definition.items if definition else [])
            if "possibleValues" in i
        }
        items = []
        for item in form.items:
            shown = dict(item)
            if str(item.get("label")) in options:
                shown["possibleValues"] = options[str(item["label"])]
            items.append(shown)
        return {
            "id": form.id,
            "formDefinition": {
                "id": definition.id if definition else None,
                "title": form.title,
                "version": form.definition_version,
            },
            "workflowState": {"name": form.status},
            "status": form.status,
            "version": form.version,
            "lastUpdated": form.last_updated.isoformat(),
            "lastUpdatedBy": {"id": form.last_updated_by},
            "items": items,
            "_links": {
                "self": href(request, f"/formData/{form.id}"),
                "audit": href(request, f"/formData/{form.id}/audit"),
            },
        }

    def patient_body(request: Request, patient: EmulatedPatient) -> dict[str, Any]:
        base = f"/patients/{patient.id}"
        return {
            "id": patient.id,
            "fullName": patient.name,
            "patientIdentifier": {"type": "cpr", "identifier": patient.cpr},
            "_links": {
                "self": href(request, base),
                "patientPreferences": href(request, f"{base}/preferences"),
                "availableFormDefinitions": href(request, f"{base}/formDefinitions"),
                "networkContacts": href(request, f"{base}/networkContacts"),
            },
        }

    def patient_or_404(patient_id: int) -> EmulatedPatient:
        with st.lock:
            found = st.patients.get(patient_id)
        if found is None:
            raise HTTPException(404, "ukendt borger")
        return found

    @app.get(api + "/")
    def root(request: Request) -> dict[str, Any]:
        return {
            "_links": {
                "self": href(request, "/"),
                "preferences": href(request, "/preferences"),
                "patientDetailsSearch": href(request, "/patientDetailsSearch"),
            }
        }

    @app.get(api + "/preferences")
    def preferences(request: Request) -> dict[str, Any]:
        entry = {
            "id": 1,
            "name": st.activity_list,
            "_links": {"self": href(request, "/activityLists/1")},
        }
        return {"ACTIVITY_LIST": [entry]}

    @app.get(api + "/activityLists/1")
    def activity_list(request: Request) -> dict[str, Any]:
        return {
            "id": 1,
            "name": st.activity_list,
            "_links": {
                "self": href(request, "/activityLists/1"),
                "content": href(request, "/activityLists/1/content?listId=1"),
            },
        }

    @app.get(api + "/activityLists/1/content")
    def content(request: Request) -> dict[str, Any]:
        query = request.query_params
        try:
            size = min(int(query.get("pageSize", "50")), st.max_page_size)
        except ValueError:
            raise HTTPException(400, "pageSize skal være et tal") from None
        if size < 1:
            raise HTTPException(400, "pageSize skal være mindst 1")
        number = st.snapshot()
        count = len(st.snapshot_ids(number) or [])
        pages = [
            {
                "page": p,
                "_links": {
                    "content": href(
                        request,
                        f"/activityLists/1/content/page?snapshot={number}&page={p}&pageSize={size}",
                    )
                },
            }
            for p in range((count + size - 1) // size)
        ]
        return {"totalItems": count, "pages": pages}

    @app.get(api + "/activityLists/1/content/page")
    def page(request: Request, snapshot: int, page: int, pageSize: int) -> list[dict[str, Any]]:  # noqa: N803
        ids = st.snapshot_ids(snapshot)
        if ids is None:
            raise HTTPException(410, "listens indhold er udløbet; hent det igen")
        chosen = ids[page * pageSize : (page + 1) * pageSize]
        with st.lock:
            rows = [st.forms[i] for i in chosen if i in st.forms]
        return [form_reference(request, f) for f in rows]

    @app.get(api + "/formData/{form_id}")
    def form(request: Request, form_id: int) -> dict[str, Any]:
        with st.lock:
            found = st.forms.get(form_id) if form_id not in st.deleted else None
        if found is None:
            raise HTTPException(404, "ukendt skema")
        return form_body(request, found)

    @app.get(api + "/formData/{form_id}/audit")
    def audit(form_id: int) -> dict[str, Any]:
        with st.lock:
            found = st.forms.get(form_id) if form_id not in st.deleted else None
        if found is None:
            raise HTTPException(404, "ukendt skema")
        return {"auditEntries": copy.deepcopy(found.audit)}

    @app.post(api + "/patientDetailsSearch")
    async def search(request: Request) -> dict[str, Any]:
        body = await request.json()
        if not isinstance(body, dict) or body.get("keyType") != "CPR":
            raise HTTPException(400, "keyType skal være CPR")
        found = st.find_patient(str(body.get("businessKey") or ""))
        if found is None:
            raise HTTPException(404, "ingen borger med det CPR-nummer")
        return {"isPatientAccessible": True, "patient": patient_body(request, found)}

    @app.get(api + "/patients/{patient_id}")
    def patient(request: Request, patient_id: int) -> dict[str, Any]:
        return patient_body(request, patient_or_404(patient_id))

    @app.get(api + "/patients/{patient_id}/networkContacts")
    def contacts(patient_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(patient_or_404(patient_id).contacts)

    @app.get(api + "/patients/{patient_id}/preferences")
    def patient_preferences(request: Request, patient_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        view = {
            "id": 1,
            "name": st.view_name,
            "_links": {"self": href(request, f"/patients/{patient_id}/views/1")},
        }
        return {"CITIZEN_PATHWAY": [view]}

    @app.get(api + "/patients/{patient_id}/views/1")
    def view(request: Request, patient_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        base = f"/patients/{patient_id}/views/1"
        return {
            "id": 1,
            "name": st.view_name,
            "_links": {
                "self": href(request, base),
                "pathwayReferences": href(request, f"{base}/pathwayReferences"),
                "patientActivities": href(request, f"{base}/patientActivities"),
            },
        }

    @app.get(api + "/patients/{patient_id}/views/1/pathwayReferences")
    def references(request: Request, patient_id: int) -> list[dict[str, Any]]:
        patient_or_404(patient_id)
        with st.lock:
            own = sorted(
                (f for f in st.forms.values() if f.patient_id == patient_id), key=lambda f: f.id
            )
        on_pathway = [form_reference(request, f) for f in own if f.title != st.note_definition]
        on_citizen = [form_reference(request, f) for f in own if f.title == st.note_definition]
        with st.lock:
            documents = [
                document_reference(request, d)
                for d in sorted(st.documents.values(), key=lambda d: d.id)
                if d.patient_id == patient_id and d.content is not None
            ]
        pathway = {
            "id": 100 + patient_id,
            "type": "patientPathwayReference",
            "name": PATHWAY_NAME,
            "children": [*on_pathway, *documents],
            "_links": {
                "self": href(request, f"/patients/{patient_id}"),
                "referencedObject": href(request, f"/patients/{patient_id}/pathways/1"),
            },
        }
        return [pathway, *on_citizen]

    def document_reference(request: Request, document: EmulatedDocument) -> dict[str, Any]:
        return {
            "id": document.id,
            "type": DOCUMENT_REFERENCE,
            "name": document.name,
            "_links": {
                "self": href(request, f"/documents/{document.id}"),
                "referencedObject": href(request, f"/documents/{document.id}"),
            },
        }

    def document_body(request: Request, document: EmulatedDocument) -> dict[str, Any]:
        return {
            "id": document.id,
            "name": document.name,
            "notes": document.notes,
            "relevanceDate": document.relevance_date,
            "originalFileName": document.original_file_name,
            "contentType": document.content_type,
            "size": len(document.content or b""),
            "_links": {
                "self": href(request, f"/documents/{document.id}"),
                "upload": href(request, f"/documents/{document.id}/upload"),
            },
        }

    def document_or_404(document_id: int) -> EmulatedDocument:
        with st.lock:
            found = st.documents.get(document_id)
        if found is None:
            raise HTTPException(404, "ukendt dokument")
        return found

    @app.get(api + "/patients/{patient_id}/pathways/1")
    def pathway(request: Request, patient_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        base = f"/patients/{patient_id}/pathways/1"
        return {
            "id": 100 + patient_id,
            "name": PATHWAY_NAME,
            "_links": {
                "self": href(request, base),
                "documentPrototype": href(request, f"{base}/documentPrototype"),
            },
        }

    @app.get(api + "/patients/{patient_id}/pathways/1/documentPrototype")
    def document_prototype(request: Request, patient_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        return {
            "id": None,
            "name": None,
            "notes": None,
            "relevanceDate": None,
            "originalFileName": None,
            "_links": {"create": href(request, f"/patients/{patient_id}/pathways/1/documents")},
        }

    @app.post(api + "/patients/{patient_id}/pathways/1/documents")
    async def create_document(request: Request, patient_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        body = await request.json()
        if not isinstance(body, dict) or not str(body.get("name") or "").strip():
            raise HTTPException(422, "dokumentet skal have et navn")
        file_name = str(body.get("originalFileName") or "")
        if not file_name.strip():
            raise HTTPException(422, "dokumentet skal have et filnavn")
        with st.lock:
            document = EmulatedDocument(
                id=next(st._ids),
                patient_id=patient_id,
                name=str(body["name"]),
                notes=None if body.get("notes") is None else str(body["notes"]),
                relevance_date=None
                if body.get("relevanceDate") is None
                else str(body["relevanceDate"]),
                original_file_name=file_name,
            )
            st.documents[document.id] = document
        return document_body(request, document)

    @app.post(api + "/documents/{document_id}/upload")
    async def upload(request: Request, document_id: int) -> dict[str, Any]:
        document = document_or_404(document_id)
        part = _multipart_file(request.headers.get("content-type", ""), await request.body())
        if part is None:
            raise HTTPException(422, "filen skal sendes som multipart-feltet 'file'")
        file_name, content_type, content = part
        with st.lock:
            document.content, document.content_type = content, content_type
            document.original_file_name = file_name or document.original_file_name
        return document_body(request, document)

    @app.get(api + "/documents/{document_id}")
    def document(request: Request, document_id: int) -> dict[str, Any]:
        return document_body(request, document_or_404(document_id))

    @app.get(api + "/patients/{patient_id}/views/1/patientActivities")
    def activities(patient_id: int) -> list[dict[str, Any]]:
        patient_or_404(patient_id)
        return []

    def definition_or_404(definition_id: int) -> EmulatedDefinition:
        found = st.definition(definition_id)
        if found is None or found not in st.offered_definitions():
            raise HTTPException(404, "ukendt skematype")
        return found

    @app.get(api + "/patients/{patient_id}/formDefinitions")
    def definitions(request: Request, patient_id: int) -> list[dict[str, Any]]:
        patient_or_404(patient_id)
        base = f"/patients/{patient_id}/formDefinitions"
        return [
            {
                "id": d.id,
                "title": d.title,
                "name": d.title,
                "version": d.version,
                "_links": {"formDataPrototype": href(request, f"{base}/{d.id}/prototype")},
            }
            for d in st.offered_definitions()
        ]

    @app.get(api + "/patients/{patient_id}/formDefinitions/{definition_id}/prototype")
    def prototype(request: Request, patient_id: int, definition_id: int) -> dict[str, Any]:
        patient_or_404(patient_id)
        d = definition_or_404(definition_id)
        base = f"/patients/{patient_id}/formDefinitions/{d.id}/prototype"
        return {
            "id": None,
            "formDefinition": {"id": d.id, "title": d.title, "version": d.version},
            "items": copy.deepcopy(d.items),
            "_links": {"availableActions": href(request, f"{base}/actions")},
        }

    @app.get(api + "/patients/{patient_id}/formDefinitions/{definition_id}/prototype/actions")
    def actions(request: Request, patient_id: int, definition_id: int) -> list[dict[str, Any]]:
        patient_or_404(patient_id)
        d = definition_or_404(definition_id)
        base = f"/patients/{patient_id}/formDefinitions/{d.id}/prototype/actions"
        return [
            {
                "id": n,
                "name": name,
                "_links": {"createFormData": href(request, f"{base}/{n}/create")},
            }
            for n, name in enumerate(STATUSES)
        ]

    @app.post(
        api + "/patients/{patient_id}/formDefinitions/{definition_id}/prototype/actions/{n}/create",
        status_code=201,
    )
    async def create(
        request: Request, patient_id: int, definition_id: int, n: int
    ) -> dict[str, Any]:
        patient_or_404(patient_id)
        d = definition_or_404(definition_id)
        if not 0 <= n < len(STATUSES):
            raise HTTPException(404, "ukendt handling")
        body = await request.json()
        given = body.get("items") if isinstance(body, dict) else None
        if not isinstance(given, list):
            raise HTTPException(422, "skemaet skal have items")
        templates = {str(i["label"]): i for i in d.items}
        items: list[dict[str, Any]] = []
        for item in given:
            label = str(item.get("label")) if isinstance(item, dict) else ""
            if label not in templates:
                raise HTTPException(422, "et felt findes ikke i skematypen")
            value = item.get("value")
            if value in (None, "", []):
                continue
            allowed = templates[label].get("possibleValues")
            if allowed is not None and not (isinstance(value, dict) and value in allowed):
                raise HTTPException(422, f"feltet '{label}' skal være en af dets valgmuligheder")
            items.append({"label": label, "type": templates[label]["type"], "value": value})
        created = st.put_form(
            title=d.title,
            items=items,
            patient_id=patient_id,
            status=STATUSES[n],
            definition_version=d.version,
            by=st.client_id,
        )
        return form_body(request, created)

    return app


def _multipart_file(content_type: str, body: bytes) -> tuple[str, str, bytes] | None:
    """The (file name, content type, bytes) of the multipart field `file`, or None."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return part.get_filename() or "", part.get_content_type(), payload
    return None


def seed_examples(state: EmulatorState, examples: Path) -> list[EmulatedForm]:
    """One synthetic form per mapped form type and version, from the contracts' examples."""
    from magt_nexus.mapping import load_mappings
    from magt_nexus.values import to_items

    created: list[EmulatedForm] = []
    for mapping in load_mappings().by_definition.values():
        path = examples / f"{mapping.form_type}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        items = to_items(mapping, data)
        created.append(
            state.put_form(
                title=mapping.nexus_title,
                items=items,
                definition_version=mapping.nexus_version,
                status="Udfyldt",
            )
        )
    return created


def _examples_folder() -> Path:
    import magt_contracts

    return Path(magt_contracts.__file__).resolve().parents[2] / "examples"


def create_demo_emulator() -> FastAPI:
    """The emulator with one synthetic form per form type and version (`--factory` for uvicorn)."""
    state = EmulatorState()
    seed_examples(state, _examples_folder())
    return create_emulator(state)


def main(argv: list[str] | None = None) -> None:
    """`python -m magt_nexus.emulator --port 8089`: the seeded emulator on loopback."""
    import uvicorn

    parser = argparse.ArgumentParser(description="KMD Nexus-emulator med eksempelskemaer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--instance", default="emulator")
    args = parser.parse_args(argv)
    state = EmulatorState(instance=args.instance)
    seeded = seed_examples(state, _examples_folder())
    print(
        f"Nexus-emulator: {len(seeded)} eksempelskemaer; klient '{state.client_id}', "
        f"hemmelighed '{state.client_secret}', aktivitetsliste '{state.activity_list}'.\n"
        f"API: http://{args.host}:{args.port}/api/core/mobile/{state.instance}/v2/"
    )
    uvicorn.run(create_emulator(state), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
