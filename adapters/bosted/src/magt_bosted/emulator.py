"""A small Bosted emulator: the two API calls the adapter makes, with Bosted's idempotency.

Bosted publishes no open API. This emulator stands in for it in tests and local runs
(`uvicorn --factory magt_bosted.emulator:create_emulator`): it keeps journal entries (the citizen's
correspondence folder, found by Bosted document id) and advis (by recipient) in memory and shows
them with GET. A real integration replaces it behind the same two calls; see
docs/bosted-format.md ("Bosted's API, as the adapter uses it").

- POST /api/journal: a journal entry, optionally with a PDF document (`dokument`: file name,
  mime type, base64 content); 201 when new, 200 when `journal_id` is known (same entry).
- POST /api/advis: an advis to a recipient; 201/200 likewise on `advis_id`.
- GET  /api/journal?dokument_id=…, GET /api/advis?modtager=…: what "the source system shows".
Tests may make it fail: `state.fejl_foer_svar = n` answers the next n POSTs with 503; `state.kald`
counts POSTs.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Header, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator


class Journaldokument(BaseModel):
    """A document attached to a journal entry: a PDF, its file name and base64 content."""

    model_config = ConfigDict(extra="forbid")

    filnavn: str = Field(pattern=r"^[A-Za-z0-9._-]{1,120}\.pdf$")
    mimetype: Literal["application/pdf"]
    indhold: str = Field(min_length=1)

    @field_validator("indhold")
    @classmethod
    def _pdf(cls, vaerdi: str) -> str:
        try:
            data = base64.b64decode(vaerdi, validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError("indhold skal være base64") from error
        if not data.startswith(b"%PDF-"):
            raise ValueError("dokumentet skal være en PDF")
        return vaerdi

    def pdf(self) -> bytes:
        """The document's bytes."""
        return base64.b64decode(self.indhold)


class Journalpost(BaseModel):
    """A journal entry in a citizen's correspondence folder."""

    model_config = ConfigDict(extra="forbid")

    journal_id: str = Field(min_length=1, max_length=80)
    dokument_id: str = Field(min_length=1, max_length=60)
    sag_id: str
    institution_id: str
    mappe: str = "korrespondance"
    titel: str = Field(min_length=1)
    tekst: str = Field(min_length=1)
    tidspunkt: str
    dokument: Journaldokument | None = None


class BostedAdvis(BaseModel):
    """An advis (notification) to a Bosted user, such as the fagkonsulent."""

    model_config = ConfigDict(extra="forbid")

    advis_id: str = Field(min_length=1, max_length=80)
    modtager: str = Field(min_length=1)
    institution_id: str
    sag_id: str
    dokument_id: str | None = None
    titel: str = Field(min_length=1)
    tekst: str = Field(min_length=1)


@dataclass
class EmulatorState:
    """What the emulated Bosted holds, and the test's fault switch."""

    token: str | None = None
    journal: dict[str, Journalpost] = field(default_factory=dict)
    advis: dict[str, BostedAdvis] = field(default_factory=dict)
    kald: int = 0
    fejl_foer_svar: int = 0


def create_emulator(state: EmulatorState | None = None) -> FastAPI:
    """The emulator app; pass a state to inspect or steer it from a test."""
    app = FastAPI(title="Bosted-emulator (test)")
    app.state.bosted = state or EmulatorState()
    app.include_router(_router(app.state.bosted), prefix="/api")
    return app


def _router(state: EmulatorState) -> APIRouter:
    router = APIRouter()

    def tjek(authorization: str | None, *, skriver: bool = True) -> None:
        if state.token is not None and authorization != f"Bearer {state.token}":
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Ugyldigt token.")
        if not skriver:
            return
        state.kald += 1
        if state.fejl_foer_svar > 0:
            state.fejl_foer_svar -= 1
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "Bosted er utilgængeligt.")

    @router.post("/journal")
    def journaliser(
        post: Journalpost,
        response: Response,
        authorization: Annotated[str | None, Header()] = None,
    ) -> Journalpost:
        tjek(authorization)
        if post.journal_id in state.journal:
            response.status_code = status.HTTP_200_OK
            return state.journal[post.journal_id]
        state.journal[post.journal_id] = post
        response.status_code = status.HTTP_201_CREATED
        return post

    @router.get("/journal")
    def journal(
        dokument_id: Annotated[str, Query()],
        authorization: Annotated[str | None, Header()] = None,
    ) -> list[Journalpost]:
        tjek(authorization, skriver=False)
        return [p for p in state.journal.values() if p.dokument_id == dokument_id]

    @router.post("/advis")
    def send_advis(
        advis: BostedAdvis,
        response: Response,
        authorization: Annotated[str | None, Header()] = None,
    ) -> BostedAdvis:
        tjek(authorization)
        if advis.advis_id in state.advis:
            response.status_code = status.HTTP_200_OK
            return state.advis[advis.advis_id]
        state.advis[advis.advis_id] = advis
        response.status_code = status.HTTP_201_CREATED
        return advis

    @router.get("/advis")
    def advis_liste(
        modtager: Annotated[str, Query()],
        authorization: Annotated[str | None, Header()] = None,
    ) -> list[dict[str, Any]]:
        tjek(authorization, skriver=False)
        return [a.model_dump() for a in state.advis.values() if a.modtager == modtager]

    return router
