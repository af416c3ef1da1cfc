"""HTTP API: a case's addressing plan (scoped), the batches, and a batch trigger for operators.

No `from __future__ import annotations` here: FastAPI must see the local dependency types.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from magt_contracts.adgang import Brugerrolle, SagensParter, maa_se_sag, rolle
from magt_contracts.errors import danske_fejl, som_dicts
from magt_routing import batches, store
from magt_routing.settings import Settings
from magt_runtime import audit, tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import ERROR_RESPONSES, forbidden, not_found, principal_dependency


class PlanLinje(BaseModel):
    """One line of a case's addressing plan."""

    role: str
    recipient_id: str
    channel: str
    when_kind: str = Field(description="immediately, by_month_end, monthly_batch, quarterly_batch")
    due: datetime
    send_at: datetime
    period: str | None
    state: str = Field(description="planned, addressed, sent, failed")
    cause: str
    addressed_at: datetime | None
    delivered_at: datetime | None


class Plan(BaseModel):
    """A case's plan."""

    case_id: str
    lines: list[PlanLinje]


class Batch(BaseModel):
    """One batch and how many lines it addressed."""

    kind: str
    period: str
    lines: int
    first_built_at: datetime
    last_built_at: datetime


class BatchOrdre(BaseModel):
    """An operator's request to build a batch now."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["monthly", "quarterly"] = Field(description="monthly eller quarterly")
    period: str = Field(min_length=7, max_length=7, examples=["2025-03", "2025-Q1"])


class BatchResultat(BaseModel):
    """How many lines a batch build addressed now."""

    kind: str
    period: str
    addressed: int


def _opt(moment: datetime | None) -> datetime | None:
    return tid.utc(moment) if moment is not None else None


def _linje(row: store.PlanLine) -> PlanLinje:
    return PlanLinje(
        role=row.role,
        recipient_id=row.recipient_id,
        channel=row.channel,
        when_kind=row.when_kind,
        due=tid.utc(row.due),
        send_at=tid.utc(row.send_at),
        period=row.period,
        state=row.state,
        cause=row.cause,
        addressed_at=_opt(row.addressed_at),
        delivered_at=_opt(row.delivered_at),
    )


def _parter(sag: store.RoutingCase) -> SagensParter:
    return SagensParter(
        institution_id=sag.institution_id or "",
        handlekommune=sag.handlekommune or "",
        socialtilsyn=sag.socialtilsyn or "",
        driftsherre_id=sag.driftsherre_id,
        beliggenhedskommune=sag.beliggenhedskommune,
        godkendt=sag.godkendt,
    )


def _er_operatoer(principal: Principal) -> bool:
    return rolle(principal.role) is Brugerrolle.OPERATOER


def build_router(engine: Engine, settings: Settings, verifier: TokenVerifier) -> APIRouter:
    """The routing API."""
    router = APIRouter(tags=["routing"], responses=ERROR_RESPONSES)
    caller = Annotated[Principal, Depends(principal_dependency(verifier))]

    @router.get("/cases/{case_id}/plan", response_model=Plan)
    def case_plan(case_id: str, principal: caller) -> Plan:
        """The addressing plan of a case: who, which channel, when, and how far it got."""
        with Session(engine) as session:
            sag = session.get(store.RoutingCase, case_id)
            allowed = sag is not None and maa_se_sag(
                principal.role, principal.organisation, _parter(sag)
            )
            audit.record(
                session, principal=principal, action="read_plan", resource=case_id, allowed=allowed
            )
            session.commit()
            if not allowed:  # no such case, or not the caller's: one answer for both
                raise not_found()
            lines = [_linje(r) for r in store.plan_of_case(session, case_id)]
        return Plan(case_id=case_id, lines=lines)

    @router.get("/batches", response_model=list[Batch])
    def list_batches(principal: caller) -> list[Batch]:
        """Every batch built so far (operators only; no case data)."""
        with Session(engine) as session:
            allowed = _er_operatoer(principal)
            audit.record(
                session, principal=principal, action="list", resource="batches", allowed=allowed
            )
            session.commit()
            if not allowed:
                raise forbidden()
            return [
                Batch(
                    kind=b.kind,
                    period=b.period,
                    lines=b.lines,
                    first_built_at=tid.utc(b.first_built_at),
                    last_built_at=tid.utc(b.last_built_at),
                )
                for b in store.batches(session)
            ]

    @router.post("/batches", response_model=BatchResultat)
    def trigger_batch(principal: caller, body: Annotated[dict[str, Any], Body()]) -> BatchResultat:
        """Build a monthly or quarterly batch now (operators); building twice sends nothing twice."""
        with Session(engine) as session:
            allowed = _er_operatoer(principal)
            resource = f"batch:{body.get('kind')}:{body.get('period')}"[:200]
            audit.record(
                session, principal=principal, action="build", resource=resource, allowed=allowed
            )
            session.commit()
        if not allowed:
            raise forbidden()
        try:
            ordre = BatchOrdre.model_validate(body)
        except ValidationError as error:
            raise HTTPException(422, som_dicts(danske_fejl(error))) from error
        try:
            count = batches.build_batch_with(
                engine, settings, kind=ordre.kind, period=ordre.period, now=datetime.now(UTC)
            )
        except ValueError as error:
            raise HTTPException(422, [{"field": "period", "message": str(error)}]) from error
        return BatchResultat(kind=ordre.kind, period=ordre.period, addressed=count)

    return router
