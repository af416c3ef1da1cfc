"""FastAPI glue shared by every HTTP API: the bearer-token dependency with Danish errors."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, NoReturn

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlmodel import Session

from magt_runtime import audit
from magt_runtime.auth import InvalidTokenError, Principal, TokenVerifier
from magt_runtime.hardening import Hardening
from magt_runtime.safejson import JsonBodyGuard


@functools.lru_cache(maxsize=1)
def client_tls() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process for every outgoing client:
    loading the trust store per request was 5 % of sikkermail's CPU."""
    return httpx.create_ssl_context()


_bearer = HTTPBearer(auto_error=False, description="Bærer-token med rolle og organisation.")


def api_app(
    *,
    title: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    description: str = "",
    version: str = "1",
) -> FastAPI:
    """The FastAPI app of a service or adapter, hardened (`magt_runtime.hardening`): security
    headers on every response, tokens in the URL refused; request bodies bounded and JSON parsed
    defensively (`magt_runtime.safejson`: Danish 413/400). Every app is built with this."""
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.add_middleware(JsonBodyGuard)  # inside Hardening: its refusals get the headers too
    app.add_middleware(Hardening)
    return app


def principal_dependency(verifier: TokenVerifier) -> Callable[..., Principal]:
    """A FastAPI dependency that returns the caller or answers 401 in Danish."""

    def current_principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Log ind: der mangler et bærer-token."
            )
        try:
            return verifier.verify(credentials.credentials)
        except InvalidTokenError as error:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "Dit token er ugyldigt eller udløbet."
            ) from error

    return current_principal


def forbidden() -> HTTPException:
    """The one refusal every API gives when a case lies outside the caller's scope."""
    return HTTPException(status.HTTP_403_FORBIDDEN, "Du har ikke adgang til denne sag.")


UKENDT_SAG = "Sagen findes ikke, eller du har ikke adgang til den."


def not_found(besked: str = UKENDT_SAG) -> HTTPException:
    """The one answer for a record by id that does not exist *or* lies outside the caller's scope.

    Both get the same 404 and text, so an outsider cannot learn that a case exists; a 403
    (`forbidden`) is only for a caller who may see the record but not take this step.
    """
    return HTTPException(status.HTTP_404_NOT_FOUND, besked)


def audited(
    session: Session,
    *,
    principal: Principal,
    action: str,
    resource: str,
    allowed: bool,
    refusal: Callable[[], HTTPException] = forbidden,
) -> None:
    """Audit, then refuse: record the access; a refused one is committed and raises `refusal()`.

    An allowed access stays in the caller's transaction (commit it with the work it did).

    The one way every API logs an access attempt, so a refusal can never skip its audit line.
    Use `not_found` as the refusal for a record by id (not-there and not-yours answer alike).
    """
    if not allowed:
        refused(session, principal=principal, action=action, resource=resource, refusal=refusal)
    audit.record(session, principal=principal, action=action, resource=resource, allowed=True)


def refused(
    session: Session,
    *,
    principal: Principal,
    action: str,
    resource: str,
    refusal: Callable[[], HTTPException] = forbidden,
) -> NoReturn:
    """Record a refused access, commit it, and raise `refusal()`."""
    audit.record(session, principal=principal, action=action, resource=resource, allowed=False)
    session.commit()
    raise refusal()


def asyncapi_document(broker: Any, *, title: str, description: str) -> dict[str, Any]:
    """The AsyncAPI 3 document of a service's broker: what it consumes and publishes."""
    from faststream.specification import AsyncAPI

    spec = AsyncAPI(broker, title=title, description=description, version="1")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document


class FieldErrorOut(BaseModel):
    """One field's error, in Danish."""

    field: str = Field(description="Feltets sti, punktum-separeret.", examples=["barn.cpr"])
    message: str = Field(description="Fejlen på dansk.", examples=["Feltet skal udfyldes."])


class ErrorBody(BaseModel):
    """The body of every 422 answer: the fields with errors, explained in Danish."""

    detail: list[FieldErrorOut]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "Fejl i felterne, forklaret på dansk."}
}
"""Pass as `APIRouter(responses=ERROR_RESPONSES)`: documents the one 422 shape every API answers
(FastAPI then leaves out its own English validation-error schema)."""


def field_errors(errors: Sequence[Mapping[str, str]], *, status_code: int = 422) -> JSONResponse:
    """A 422 (or `status_code`) answer in the platform's one shape:
    `{"detail": [{"field", "message"}, ...]}`."""
    body = ErrorBody(detail=[FieldErrorOut(field=e["field"], message=e["message"]) for e in errors])
    return JSONResponse(status_code=status_code, content=body.model_dump())


def install_validation_handler(
    app: FastAPI, translate: Callable[[Sequence[Mapping[str, Any]]], Sequence[Mapping[str, str]]]
) -> None:
    """Answer FastAPI's own request-validation errors in the same shape, translated by `translate`
    (each service passes the contracts' Danish translation); the input is never echoed back."""

    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        return field_errors(translate(list(errors)))

    app.add_exception_handler(RequestValidationError, handler)
