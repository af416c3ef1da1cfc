"""A local Nexus emulator over real HTTP: Keycloak token endpoint, HATEOAS root, forms, notes.

It emulates what the adapter uses of KMD Nexus (see docs/nexus.md): OAuth2 client credentials
with expiring tokens, a root resource with `_links`, a paged list of magtanvendelse forms ordered
by change time (templated `changedSince`), form data with `items` (label, type, value) and a
`workflowState`, the citizen (patient) resource and its journal notes. Faults can be injected
(5xx answers, revoked tokens). Run it alone with
`uvicorn magt_nexus.emulator:create_emulator --factory --port 8089`.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

STATUSES = ("Kladde", "Udfyldt", "Låst")


@dataclass
class EmulatedForm:
    """One form instance in the emulated Nexus."""

    id: int
    patient_id: int
    title: str
    definition_version: str
    items: list[dict[str, Any]]
    status: str
    version: int
    last_updated: datetime
    last_updated_by: str


@dataclass
class EmulatorState:
    """Everything the emulator holds; tests change it directly (thread-safe)."""

    instance: str = "emulator"
    client_id: str = "magtanvendelse"
    client_secret: str = "hemmelig-test-noegle"  # noqa: S105 - a test-only credential
    token_ttl_s: float = 300.0
    page_size: int = 2
    forms: dict[int, EmulatedForm] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    token_requests: int = 0
    api_requests: int = 0
    rejected_401: int = 0
    failures: list[int] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)  # listed, but their data answers 404
    clock: Callable[[], float] = time.monotonic
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))
    _last_change: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))

    def put_form(
        self,
        *,
        title: str,
        items: list[dict[str, Any]],
        patient_id: int,
        status: str = "Udfyldt",
        definition_version: str = "2025",
        form_id: int | None = None,
        by: str = "mdb-2001",
    ) -> EmulatedForm:
        """Create a form, or replace an existing one's items/status (its version goes up)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        with self.lock:
            stamp = self._tick()
            old = self.forms.get(form_id) if form_id is not None else None
            form = EmulatedForm(
                id=form_id if form_id is not None else next(self._ids),
                patient_id=patient_id,
                title=title,
                definition_version=definition_version,
                items=[dict(i) for i in items],
                status=status,
                version=old.version + 1 if old else 1,
                last_updated=stamp,
                last_updated_by=by,
            )
            self.forms[form.id] = form
            self.notes.setdefault(patient_id, [])
            return form

    def set_status(self, form_id: int, status: str) -> EmulatedForm:
        """Move a form to another workflow state (a change: version and time go up)."""
        form = self.forms[form_id]
        return self.put_form(
            title=form.title,
            items=form.items,
            patient_id=form.patient_id,
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
        """The journal notes written on a citizen's case."""
        with self.lock:
            return list(self.notes.get(patient_id, []))

    def _tick(self) -> datetime:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        stamp = max(now, self._last_change + timedelta(milliseconds=1))
        self._last_change = stamp
        return stamp


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
            client_secret = form.get("client_secret", "")
            if form.get("client_id") != st.client_id or not secrets.compare_digest(
                client_secret.encode(), st.client_secret.encode()
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

    def href(request: Request, path: str) -> str:
        return str(request.base_url).rstrip("/") + api + path

    @app.get(api + "/")
    def root(request: Request) -> dict[str, Any]:
        return {
            "_links": {
                "self": {"href": href(request, "/")},
                "magtanvendelseForms": {
                    "href": href(request, "/magtanvendelse/forms{?changedSince}"),
                    "templated": True,
                },
            }
        }

    @app.get(api + "/magtanvendelse/forms")
    def forms(
        request: Request,
        changed_since: Annotated[str | None, Query(alias="changedSince")] = None,
        page: int = 0,
    ) -> dict[str, Any]:
        since = datetime.fromisoformat(changed_since) if changed_since else None
        with st.lock:
            chosen = sorted(
                (f for f in st.forms.values() if since is None or f.last_updated >= since),
                key=lambda f: (f.last_updated, f.id),
            )
        start = page * st.page_size
        rows = chosen[start : start + st.page_size]
        query = f"changedSince={quote(changed_since, safe='')}&" if changed_since else ""
        base = f"/magtanvendelse/forms?{query}page="
        links: dict[str, Any] = {"self": {"href": href(request, f"{base}{page}")}}
        if start + st.page_size < len(chosen):
            links["next"] = {"href": href(request, f"{base}{page + 1}")}
        return {"forms": [_summary(request, f, href) for f in rows], "_links": links}

    @app.get(api + "/formData/{form_id}")
    def form(request: Request, form_id: int) -> dict[str, Any]:
        with st.lock:
            found = st.forms.get(form_id) if form_id not in st.deleted else None
        if found is None:
            raise HTTPException(404, "ukendt skema")
        body = _summary(request, found, href)
        body["items"] = [dict(i) for i in found.items]
        body["_links"]["patient"] = {"href": href(request, f"/patients/{found.patient_id}")}
        return body

    @app.get(api + "/patients/{patient_id}")
    def patient(request: Request, patient_id: int) -> dict[str, Any]:
        if patient_id not in st.notes:
            raise HTTPException(404, "ukendt borger")
        return {
            "id": patient_id,
            "_links": {
                "self": {"href": href(request, f"/patients/{patient_id}")},
                "journalNotes": {"href": href(request, f"/patients/{patient_id}/journalNotes")},
            },
        }

    @app.get(api + "/patients/{patient_id}/journalNotes")
    def list_notes(patient_id: int) -> dict[str, Any]:
        return {"notes": st.notes_for(patient_id)}

    @app.post(api + "/patients/{patient_id}/journalNotes", status_code=201)
    async def add_note(request: Request, patient_id: int) -> dict[str, Any]:
        body = await request.json()
        if not isinstance(body, dict) or not body.get("title") or not body.get("text"):
            raise HTTPException(422, "notatet skal have titel og tekst")
        with st.lock:
            if patient_id not in st.notes:
                raise HTTPException(404, "ukendt borger")
            note = {
                "id": len(st.notes[patient_id]) + 1,
                "title": str(body["title"]),
                "text": str(body["text"]),
                "createdAt": datetime.now(UTC).isoformat(),
            }
            st.notes[patient_id].append(note)
        return note

    return app


def _summary(
    request: Request, form: EmulatedForm, href: Callable[[Request, str], str]
) -> dict[str, Any]:
    return {
        "id": form.id,
        "formDefinition": {"title": form.title, "version": form.definition_version},
        "workflowState": {"name": form.status},
        "version": form.version,
        "lastUpdated": form.last_updated.isoformat(),
        "lastUpdatedBy": {"id": form.last_updated_by},
        "_links": {
            "self": {"href": href(request, f"/formData/{form.id}")},
            "referencedObject": {"href": href(request, f"/formData/{form.id}")},
        },
    }


# A synthetic Skema 3 (made-up CPR number and names) for running the emulator on its own.
DEMO_SKEMA_3: dict[str, Any] = {
    "form_type": "skema_3",
    "form_version": "2025",
    "institution": {
        "institution_id": "botilbud-0450-002",
        "navn": "Bofællesskabet Egely (fiktivt)",
        "art": "botilbud",
        "beliggenhedskommune": "0450",
        "driftsform": "offentlig_kommunal",
        "driftsherre_id": "0450",
    },
    "borger": {
        "cpr": "140371-9982",
        "navn": "Testa Fiktivsen",
        "handlekommune": "0461",
        "kan_selv_klage": False,
    },
    "ansoegt_indgreb": "stofseler",
    "dokumentation_funktionsnedsaettelse": "Udredning 2024 (fiktiv).",
    "socialpaedagogisk_indsats": "Faste aftenrutiner afprøvet i tre måneder.",
    "forventet_periode_fra": "2025-04-01",
    "forventet_periode_til": "2025-09-30",
    "bemaerkninger_borger": "Borgeren kan ikke give udtryk for en holdning.",
    "bemaerkninger_paaroerende": "Pårørende støtter ansøgningen.",
    "leder_ref": "leder-12",
    "ansoegt_tidspunkt": "2025-03-10T14:00:00+01:00",
}


def create_demo_emulator() -> FastAPI:
    """The emulator with one synthetic Skema 3 (`uvicorn ...:create_demo_emulator --factory`)."""
    from magt_nexus.mapping import load_mappings
    from magt_nexus.values import to_items

    mapping = next(m for m in load_mappings().by_definition.values() if m.form_type == "skema_3")
    state = EmulatorState()
    state.put_form(
        title=mapping.nexus_title,
        definition_version=mapping.nexus_version,
        items=to_items(mapping, DEMO_SKEMA_3),
        patient_id=1,
    )
    return create_emulator(state)
