"""What every endpoint of the klager API shares: Danish validation errors, the caller's name,
the audit line with the scope verdict, and rows as JSON with aware times."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session, SQLModel

from magt_contracts.errors import danske_fejl
from magt_runtime import tid
from magt_runtime.auth import Principal
from magt_runtime.http import audited

M = TypeVar("M", bound=BaseModel)
Clock = Callable[[], datetime]


class Input(BaseModel):
    """A request body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def valider(model: type[M], body: Any) -> M:
    """The body as `model`, or 422 with Danish field-by-field errors."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise HTTPException(
            422,
            [f.model_dump() for f in danske_fejl(error)],
        ) from error


def ugyldig(felt: str, besked: str) -> HTTPException:
    """A 422 for one query parameter, in the same shape as a body's errors."""
    return HTTPException(422, [{"field": felt, "message": besked}])


def kalder(principal: Principal) -> str:
    """Who acted, as stored on a transition: role, organisation and subject."""
    return f"{principal.role}:{principal.organisation}:{principal.subject}"


def revider(
    session: Session, principal: Principal, action: str, resource: str, allowed: bool
) -> None:
    """Record the access; a refused one is answered with 403."""
    audited(session, principal=principal, action=action, resource=resource, allowed=allowed)


def raekke(row: SQLModel) -> dict[str, Any]:
    """A stored row as JSON-ready data, times aware."""
    data = row.model_dump(exclude={"id"})
    return {k: tid.utc_or_none(v) if isinstance(v, datetime) else v for k, v in data.items()}
