"""The adapter's HTTP API: the forms it could not take (visible, never silently dropped)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from magt_contracts.adgang import DRIFTSHERRENS_ROLLER, INSTITUTIONENS_ROLLER, rolle
from magt_nexus import store
from magt_nexus.settings import NexusSettings
from magt_runtime import tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, audited, principal_dependency


def _may_see(principal: Principal, settings: NexusSettings, institution_id: str | None) -> bool:
    """The municipality's fagkonsulent/operatoer see all; an institution sees its own."""
    kode = rolle(principal.role)
    if kode in DRIFTSHERRENS_ROLLER:
        return principal.organisation == settings.kommunekode
    if kode in INSTITUTIONENS_ROLLER:
        return institution_id is not None and principal.organisation == institution_id
    return False


def _may_list(principal: Principal, settings: NexusSettings) -> bool:
    kode = rolle(principal.role)
    if kode in DRIFTSHERRENS_ROLLER:
        return principal.organisation == settings.kommunekode
    return kode in INSTITUTIONENS_ROLLER


def build_router(engine: Engine, settings: NexusSettings, verifier: TokenVerifier) -> APIRouter:
    """GET /nexus/errors and GET /nexus/status, scoped and audited."""
    router = APIRouter(prefix="/nexus", tags=["nexus"], responses=ERROR_RESPONSES)
    current = principal_dependency(verifier)

    @router.get("/errors", summary="Skemaer fra Nexus, der ikke kunne modtages")
    def list_errors(
        include_resolved: Annotated[bool, Query(description="Også løste fejl.")] = False,
        principal: Principal = Depends(current),  # noqa: B008
    ) -> list[dict[str, Any]]:
        with Session(engine) as session:
            allowed = _may_list(principal, settings)
            audited(
                session,
                principal=principal,
                action="list",
                resource="nexus/errors",
                allowed=allowed,
            )
            session.commit()
            rows = store.errors(session, include_resolved=include_resolved)
            return [
                {
                    "form_id": row.form_id,
                    "case_id": row.case_id,
                    "source": row.source,
                    "nexus_version": row.nexus_version,
                    "institution_id": row.institution_id,
                    "errors": json.loads(row.errors),
                    "created_at": tid.utc(row.created_at).isoformat(),
                    "resolved_at": tid.utc(row.resolved_at).isoformat()
                    if row.resolved_at
                    else None,
                }
                for row in rows
                if _may_see(principal, settings, row.institution_id)
            ]

    @router.get("/status", summary="Indlæsningens status")
    def status(principal: Principal = Depends(current)) -> dict[str, Any]:  # noqa: B008
        with Session(engine) as session:
            allowed = rolle(principal.role) in DRIFTSHERRENS_ROLLER and _may_list(
                principal, settings
            )
            audited(
                session,
                principal=principal,
                action="read",
                resource="nexus/status",
                allowed=allowed,
            )
            session.commit()
            lease = session.get(store.NexusLease, "poller")
            pending = session.exec(
                select(func.count()).where(
                    col(store.NexusNote.sent_at).is_(None),
                    col(store.NexusNote.failed_at).is_(None),
                )
            ).one()
            failed = session.exec(
                select(func.count()).where(col(store.NexusNote.failed_at).is_not(None))
            ).one()
            return {
                "cursor": store.cursor(session),
                "lease_holder": lease.holder if lease else None,
                "lease_expires_at": tid.utc(lease.expires_at).isoformat() if lease else None,
                "forms": session.exec(select(func.count()).select_from(store.NexusForm)).one(),
                "notes_pending": pending,
                "notes_failed": failed,
            }

    return router
