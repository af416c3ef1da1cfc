"""HTTP: Bosted documents in (the same intake as the drop folder), advis and status out.

Only the institution's own staff (medarbejder, leder) may submit its documents and read its advis
(`magt_contracts.adgang.maa_skrive`). Every attempt, allowed or refused, is audited.
"""

# No `from __future__ import annotations` here: FastAPI must see the real `Annotated` types of the
# dependency built inside `build_router`, which a string annotation could not name.
from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from magt_bosted import dokument as fmt
from magt_bosted.domain import Udfald
from magt_bosted.intake import Kvittering, i_transaktion, modtag
from magt_bosted.settings import Settings
from magt_bosted.store import Advis, advis_for_institution, dokument
from magt_contracts.adgang import maa_skrive
from magt_contracts.errors import som_dicts
from magt_runtime import audit
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, audited, field_errors, principal_dependency, refused
from magt_runtime.tid import utc

MODTAGET = {Udfald.NY, Udfald.GENINDSENDT, Udfald.RETTELSE}


class Svar(BaseModel):
    """The verdict on a submitted document."""

    status: str
    dokument_id: str
    sag_id: str | None
    besked: str


class AdvisUd(BaseModel):
    """An advis as the institution reads it."""

    advis_id: str
    art: str
    titel: str
    tekst: str
    sag_id: str | None
    dokument_id: str | None
    oprettet: str


class DokumentStatus(BaseModel):
    """Where a Bosted document stands."""

    dokument_id: str
    dokumenttype: str
    sag_id: str
    version: int
    status: str


BESKED = {
    Udfald.NY: "Dokumentet er modtaget og sendt til registrering.",
    Udfald.GENINDSENDT: "Dokumentet er modtaget igen og sendt til registrering.",
    Udfald.RETTELSE: "Ændringen er modtaget og sendt som en rettelse.",
    Udfald.DUBLET: "Dokumentet er allerede modtaget med samme indhold; intet er ændret.",
    Udfald.FORAELDET: "Der er allerede modtaget en nyere version af dokumentet; intet er ændret.",
}


def build_router(engine: Engine, settings: Settings, verifier: TokenVerifier) -> APIRouter:
    """The adapter's scoped, audited endpoints."""
    router = APIRouter(prefix="/bosted", tags=["bosted"], responses=ERROR_RESPONSES)
    current = Annotated[Principal, Depends(principal_dependency(verifier))]

    def refuse(principal: Principal, action: str, resource: str) -> NoReturn:
        with Session(engine) as session:
            refused(session, principal=principal, action=action, resource=resource)

    @router.post(
        "/dokumenter",
        status_code=status.HTTP_202_ACCEPTED,
        responses={200: {"model": Svar}},
    )
    async def indsend(request: Request, principal: current) -> JSONResponse:
        """Submit one Bosted document (the format of docs/bosted-format.md)."""
        try:  # unreadable (not JSON, too large, too deep, invalid escapes): a Danish 400
            raw = fmt.laes_json(await request.body(), max_bytes=settings.max_document_bytes)
        except fmt.UgyldigtDokumentError as error:
            return field_errors(som_dicts(error.fejl), status_code=status.HTTP_400_BAD_REQUEST)
        try:
            kuvert = fmt.kuvert(raw)
        except fmt.UgyldigtDokumentError as error:
            return field_errors(som_dicts(error.fejl))
        if not maa_skrive(principal.role, principal.organisation, kuvert.institution.tilbud_id):
            await run_in_threadpool(refuse, principal, "submit", kuvert.dokument_id)

        def arbejde(session: Session) -> Kvittering:
            kvittering = modtag(session, raw=raw, settings=settings, kilde="http")
            resource = kvittering.case_id or kvittering.dokument_id
            audit.record(
                session, principal=principal, action="submit", resource=resource, allowed=True
            )
            return kvittering

        kvittering = await run_in_threadpool(i_transaktion, engine, arbejde)
        if kvittering.udfald is Udfald.AFVIST:
            return field_errors(som_dicts(kvittering.fejl))
        svar = Svar(
            status=kvittering.udfald,
            dokument_id=kvittering.dokument_id,
            sag_id=kvittering.case_id,
            besked=BESKED[kvittering.udfald],
        )
        code = status.HTTP_202_ACCEPTED if kvittering.udfald in MODTAGET else status.HTTP_200_OK
        return JSONResponse(svar.model_dump(), code)

    @router.get("/advis")
    def advis_liste(
        principal: current,
        institution_id: Annotated[str | None, Query(max_length=80)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[AdvisUd]:
        """The institution's advis, newest first."""
        institution = institution_id or principal.organisation
        with Session(engine) as session:
            allowed = maa_skrive(principal.role, principal.organisation, institution)
            audited(
                session,
                principal=principal,
                action="list",
                resource=f"advis:{institution}",
                allowed=allowed,
            )
            session.commit()
            rows = advis_for_institution(session, institution_id=institution, limit=limit)
            return [_advis_ud(row) for row in rows]

    @router.get("/advis/{advis_id}")
    def advis(advis_id: str, principal: current) -> AdvisUd:
        """One advis of the caller's institution."""
        with Session(engine) as session:
            row = session.get(Advis, advis_id)
            allowed = row is not None and maa_skrive(
                principal.role, principal.organisation, row.institution_id
            )
            audited(
                session,
                principal=principal,
                action="read",
                resource=f"advis:{advis_id}",
                allowed=allowed,
            )
            session.commit()
            assert row is not None  # a missing advis was refused above
            return _advis_ud(row)

    @router.get("/dokumenter/{dokument_id}")
    def dokument_status(dokument_id: str, principal: current) -> DokumentStatus:
        """Where one of the institution's Bosted documents stands."""
        with Session(engine) as session:
            # Only the caller's own institution's documents are looked up: another institution's
            # document with the same id gets the very answer of one that does not exist.
            row = dokument(session, institution_id=principal.organisation, dokument_id=dokument_id)
            allowed = row is not None and maa_skrive(
                principal.role, principal.organisation, row.institution_id
            )
            resource = row.case_id if row else f"dokument:{dokument_id}"
            audited(session, principal=principal, action="read", resource=resource, allowed=allowed)
            session.commit()
            assert row is not None  # a missing document was refused above
            return DokumentStatus(
                dokument_id=row.dokument_id,
                dokumenttype=row.dokumenttype,
                sag_id=row.case_id,
                version=row.version,
                status=row.status,
            )

    return router


def _advis_ud(row: Advis) -> AdvisUd:
    return AdvisUd(
        advis_id=row.advis_id,
        art=row.art,
        titel=row.titel,
        tekst=row.tekst,
        sag_id=row.case_id,
        dokument_id=row.dokument_id,
        oprettet=utc(row.oprettet).isoformat(),
    )
