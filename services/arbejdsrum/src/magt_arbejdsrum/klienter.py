"""Typed clients of the services' HTTP APIs, each call with the person's own bearer token.

The workspace never reads a service's database: registrering, klager and frister check scope
and audit every call as they do for any other caller. An answer keeps its status code, so a page
can show the service's own Danish 422/403/404/409 text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

UTILGAENGELIG = 503


@dataclass(frozen=True)
class Svar:
    """A service's answer: status and JSON body (None when the body was not JSON)."""

    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def felt_fejl(self) -> dict[str, str]:
        """A 422's field-by-field Danish errors, by field path."""
        detail = self.data.get("detail") if isinstance(self.data, dict) else None
        if not isinstance(detail, list):
            return {}
        fejl: dict[str, str] = {}
        for item in detail:
            if isinstance(item, dict) and "message" in item:
                fejl.setdefault(str(item.get("field", "")), str(item["message"]))
        return fejl

    def besked(self) -> str:
        """A one-line Danish message for a refusal that is not field by field."""
        detail = self.data.get("detail") if isinstance(self.data, dict) else None
        if isinstance(detail, str):
            return detail
        if self.status == 404:
            return "Sagen findes ikke, eller du har ikke adgang til den."
        if self.status == 403:
            return "Du har ikke adgang til at foretage dette skridt."
        if self.status == UTILGAENGELIG:
            return "Tjenesten svarer ikke lige nu. Prøv igen om lidt."
        if self.status == 409:
            return "Skridtet passer ikke med sagens tilstand."
        return f"Tjenesten svarede med fejl ({self.status}). Prøv igen om lidt."


def _p(value: str) -> str:
    return quote(value, safe="")


class Tjeneste:
    """One service's API."""

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self._http = http
        self._base = base_url.rstrip("/")

    async def get(self, token: str, path: str, **params: Any) -> Svar:
        try:
            answer = await self._http.get(
                self._base + path, params=params or None, headers=_bearer(token)
            )
        except httpx.HTTPError:
            return Svar(UTILGAENGELIG, None)
        return _svar(answer)

    async def post(self, token: str, path: str, body: Any | None = None) -> Svar:
        try:
            answer = await self._http.post(self._base + path, json=body, headers=_bearer(token))
        except httpx.HTTPError:
            return Svar(UTILGAENGELIG, None)
        return _svar(answer)


class Registrering(Tjeneste):
    """registrering: cases, the leader's part, approval, follow-up."""

    async def sag(self, token: str, case_id: str) -> Svar:
        return await self.get(token, f"/sager/{_p(case_id)}")

    async def opfoelgning(self, token: str, case_id: str) -> Svar:
        return await self.get(token, f"/sager/{_p(case_id)}/opfoelgning")

    async def institutionens(self, token: str, institution_id: str) -> Svar:
        return await self.get(token, f"/institutioner/{_p(institution_id)}/sager")

    async def kommunens(self, token: str, kode: str) -> Svar:
        return await self.get(token, f"/kommuner/{_p(kode)}/rapporter")

    async def tilsynets(self, token: str, navn: str) -> Svar:
        return await self.get(token, f"/socialtilsyn/{_p(navn)}/rapporter")

    async def driftsherrens(self, token: str, driftsherre_id: str) -> Svar:
        return await self.get(token, f"/driftsherrer/{_p(driftsherre_id)}/rapporter")

    async def indsend(self, token: str, form: dict[str, Any]) -> Svar:
        return await self.post(token, "/sager", form)

    async def lederdel(self, token: str, case_id: str, lederdel: dict[str, Any]) -> Svar:
        return await self.post(token, f"/sager/{_p(case_id)}/lederdel", lederdel)

    async def godkend(self, token: str, case_id: str) -> Svar:
        return await self.post(token, f"/sager/{_p(case_id)}/godkendelse")

    async def tilbagemelding(self, token: str, case_id: str, tekst: str) -> Svar:
        return await self.post(token, f"/sager/{_p(case_id)}/tilbagemeldinger", {"tekst": tekst})

    async def bemaerkning(self, token: str, case_id: str, tekst: str, i_orden: bool) -> Svar:
        body = {"tekst": tekst, "afgoerelse_i_orden": i_orden}
        return await self.post(token, f"/sager/{_p(case_id)}/bemaerkninger", body)

    async def handleplan(self, token: str, case_id: str, body: dict[str, Any]) -> Svar:
        return await self.post(token, f"/sager/{_p(case_id)}/handleplan", body)


class Klager(Tjeneste):
    """klager: the complaint queue and every step."""

    async def liste(self, token: str) -> Svar:
        return await self.get(token, "/klager")

    async def klage(self, token: str, klage_id: str) -> Svar:
        return await self.get(token, f"/klager/{_p(klage_id)}")

    async def skridt(self, token: str, klage_id: str, skridt: str, body: dict[str, Any]) -> Svar:
        if skridt not in KLAGESKRIDT:
            raise ValueError(f"unknown complaint step {skridt!r}")
        return await self.post(token, f"/klager/{_p(klage_id)}/{skridt}", body)


KLAGESKRIDT = ("genvurdering", "afgoerelse", "anke", "udtalelse")


class Frister(Tjeneste):
    """frister: the deadlines a person may see."""

    async def for_sag(self, token: str, case_id: str, **filter_: str) -> Svar:
        svar = await self.get(
            token, "/frister", state=["open", "warned", "breached", "met"], **filter_
        )
        if svar.ok and isinstance(svar.data, list):
            return Svar(svar.status, [f for f in svar.data if f.get("case_id") == case_id])
        return svar


@dataclass(frozen=True)
class Klienter:
    """Every service the workspace calls."""

    registrering: Registrering
    klager: Klager
    frister: Frister


def klienter(http: httpx.AsyncClient, *, registrering: str, klager: str, frister: str) -> Klienter:
    """The clients over one shared connection pool."""
    return Klienter(Registrering(http, registrering), Klager(http, klager), Frister(http, frister))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _svar(answer: httpx.Response) -> Svar:
    try:
        data = answer.json()
    except ValueError:
        data = None
    return Svar(answer.status_code, data)
