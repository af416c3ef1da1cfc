"""The deadline overview: open and breached deadlines per institution, municipality or Socialtilsyn,
and the recording of duties no event proves (the § 141 handleplan, the relatives' orientation).

Scope comes from `magt_contracts.adgang` (the same rule as for reading a case); every listing,
allowed or refused, is audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from magt_contracts.adgang import Brugerrolle, SagensParter, maa_se_sag, rolle
from magt_contracts.begreber import Fristart
from magt_contracts.catalogue import standard_katalog
from magt_frister.domain import (
    BREACHED,
    MET,
    OPEN,
    RECORDED_BY,
    STATES,
    WARNED,
    fulfilment_error,
)
from magt_frister.settings import Settings
from magt_frister.store import FristRow, in_scope_query
from magt_frister.transitions import meet
from magt_runtime import audit, tid
from magt_runtime.auth import Principal, TokenVerifier
from magt_runtime.http import (
    ERROR_RESPONSES,
    field_errors,
    forbidden,
    not_found,
    principal_dependency,
)
from magt_runtime.tid import utc

DEFAULT_STATES = (OPEN, WARNED, BREACHED)


class FristUd(BaseModel):
    """One deadline in the overview (no personal data: the case id and the organisations)."""

    model_config = ConfigDict(frozen=True)

    id: str
    case_id: str
    kind: Fristart
    lovbestemt: bool = Field(
        default=True, description="Om en lov sætter fristen; nej: en lokal frist (kommunens egen)."
    )
    state: str
    due: datetime
    opened_at: datetime
    warned_at: datetime | None = None
    breached_at: datetime | None = None
    met_at: datetime | None = None
    institution_id: str
    handlekommune: str
    socialtilsyn: str
    source: str = Field(default="", description="Reglens kilde.")


class Oversigtsfilter(BaseModel):
    """What the caller asks for."""

    model_config = ConfigDict(frozen=True)

    states: tuple[str, ...] = DEFAULT_STATES
    institution_id: str | None = None
    handlekommune: str | None = None
    socialtilsyn: str | None = None
    limit: int = 1000


class Opfyldelse(BaseModel):
    """A duty no event proves was done (the handleplan, the relatives' orientation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    met_at: AwareDatetime = Field(description="Hvornår det skete (med tidszone).")


class OutOfScopeError(Exception):
    """The caller asked for an organisation outside their scope."""


class InvalidFulfilmentError(ValueError):
    """The reported time cannot be when the duty was met (the Danish reason is the message)."""


def _parter(row: FristRow) -> SagensParter:
    return SagensParter(
        institution_id=row.institution_id,
        handlekommune=row.handlekommune,
        socialtilsyn=row.socialtilsyn,
        driftsherre_id=row.driftsherre_id,
        beliggenhedskommune=row.beliggenhedskommune,
        godkendt=row.godkendt,
    )


def _filter_in_scope(principal: Principal, f: Oversigtsfilter) -> bool:
    """An explicit organisation filter must be the caller's own (operators: any of theirs)."""
    match rolle(principal.role):
        case Brugerrolle.MEDARBEJDER | Brugerrolle.LEDER:
            return f.institution_id in (None, principal.organisation)
        case Brugerrolle.KOMMUNE | Brugerrolle.MAGTANVENDELSESUDVALG:
            return f.handlekommune in (None, principal.organisation)
        case Brugerrolle.SOCIALTILSYN:
            return (
                f.socialtilsyn is None or f.socialtilsyn.lower() == principal.organisation.lower()
            )
        case Brugerrolle.FAGKONSULENT | Brugerrolle.OPERATOER:
            return True  # narrowed to their own institutions row by row
        case _:
            return False


def _ud(row: FristRow) -> FristUd:
    return FristUd(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        lovbestemt=standard_katalog().lovbestemt(Fristart(row.kind), kilde=row.source),
        state=row.state,
        due=utc(row.due),
        opened_at=utc(row.opened_at),
        warned_at=utc(row.warned_at) if row.warned_at else None,
        breached_at=utc(row.breached_at) if row.breached_at else None,
        met_at=utc(row.met_at) if row.met_at else None,
        institution_id=row.institution_id,
        handlekommune=row.handlekommune,
        socialtilsyn=row.socialtilsyn,
        source=row.source,
    )


def oversigt(engine: Engine, principal: Principal, f: Oversigtsfilter) -> list[FristUd]:
    """The deadlines the caller may see, audited; OutOfScopeError when the filter is not theirs."""
    resource = "frister?" + "&".join(
        f"{k}={v}"
        for k, v in (
            ("state", ",".join(f.states)),
            ("institution_id", f.institution_id),
            ("handlekommune", f.handlekommune),
            ("socialtilsyn", f.socialtilsyn),
        )
        if v
    )
    with Session(engine) as session:
        allowed = _filter_in_scope(principal, f)
        audit.record(
            session, principal=principal, action="list", resource=resource, allowed=allowed
        )
        if not allowed:
            session.commit()
            raise OutOfScopeError(resource)
        statement = in_scope_query(
            role=principal.role,
            organisation=principal.organisation,
            states=f.states,
            institution_id=f.institution_id,
            handlekommune=f.handlekommune,
            socialtilsyn=f.socialtilsyn,
            limit=f.limit,
        )
        rows = [
            r
            for r in session.exec(statement)
            if maa_se_sag(principal.role, principal.organisation, _parter(r))
        ]
        session.commit()
        return [_ud(r) for r in rows]


def may_record(principal: Principal, row: FristRow) -> bool:
    """Only the party responsible for a duty records it, and only for its own cases."""
    roles = RECORDED_BY.get(row.kind, frozenset())
    if principal.role not in roles:
        return False
    match rolle(principal.role):
        case Brugerrolle.KOMMUNE:
            return principal.organisation == row.handlekommune
        case Brugerrolle.LEDER:
            return principal.organisation == row.institution_id
        case _:
            return False


def record_fulfilment(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    deadline_id: str,
    met_at: datetime,
    now: datetime,
) -> FristUd | None:
    """Mark a recorded duty met (late: breached and met); None if there is no such deadline."""
    with Session(engine) as session:
        row = session.exec(
            select(FristRow).where(col(FristRow.id) == deadline_id).with_for_update()
        ).first()
        allowed = row is not None and may_record(principal, row)
        audit.record(
            session,
            principal=principal,
            action="record_met",
            resource=f"frister/{deadline_id}",
            allowed=allowed,
        )
        if row is None or not allowed:
            session.commit()
            # Not visible to the caller: the very answer of a deadline that does not exist.
            if row is None or not maa_se_sag(principal.role, principal.organisation, _parter(row)):
                return None
            raise OutOfScopeError(deadline_id)
        fejl = fulfilment_error(row.opened_at, met_at, now)
        if fejl is not None:
            session.commit()  # the allowed attempt stays audited
            raise InvalidFulfilmentError(fejl)
        if row.state != MET:
            meet(session, settings, row, met_at, now)
        session.commit()
        return _ud(row)


def build_router(
    engine: Engine,
    settings: Settings,
    verifier: TokenVerifier,
    *,
    now: Callable[[], datetime] = tid.now,
) -> APIRouter:
    """GET /frister: the overview; POST /frister/{id}/opfyldt: a recorded duty. Scoped, audited."""
    router = APIRouter(tags=["frister"], responses=ERROR_RESPONSES)
    current = principal_dependency(verifier)

    @router.get("/frister", response_model=list[FristUd])
    def list_frister(
        state: Annotated[list[str] | None, Query(description="open, warned, met, breached")] = None,
        institution_id: str | None = None,
        handlekommune: str | None = None,
        socialtilsyn: str | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        principal: Principal = Depends(current),  # noqa: B008
    ) -> list[FristUd]:
        """Open and breached deadlines the caller may see (filter by state and organisation)."""
        states = tuple(state) if state else DEFAULT_STATES
        ukendte = [s for s in states if s not in STATES]
        if ukendte:
            raise HTTPException(
                422,
                [
                    {
                        "field": "state",
                        "message": f"Ukendt tilstand: {', '.join(ukendte)}. "
                        f"Brug {', '.join(STATES)}.",
                    }
                ],
            )
        f = Oversigtsfilter(
            states=states,
            institution_id=institution_id,
            handlekommune=handlekommune,
            socialtilsyn=socialtilsyn,
            limit=limit,
        )
        try:
            return oversigt(engine, principal, f)
        except OutOfScopeError as error:
            raise forbidden() from error

    @router.post("/frister/{deadline_id}/opfyldt", response_model=FristUd)
    def record_met(
        deadline_id: str,
        body: Opfyldelse,
        principal: Principal = Depends(current),  # noqa: B008
    ) -> FristUd | JSONResponse:
        """Record that a duty without an event was done: § 141 handleplan, orientation, request."""
        try:
            result = record_fulfilment(engine, settings, principal, deadline_id, body.met_at, now())
        except OutOfScopeError as error:
            raise forbidden() from error
        except InvalidFulfilmentError as error:
            return field_errors([{"field": "met_at", "message": str(error)}])
        if result is None:
            raise not_found("Fristen findes ikke, eller du har ikke adgang til den.")
        return result

    return router
