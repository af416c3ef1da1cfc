"""FastAPI glue shared by every HTTP API: the bearer-token dependency with Danish errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from magt_runtime.auth import InvalidTokenError, Principal, TokenVerifier

_bearer = HTTPBearer(auto_error=False, description="Bærer-token med rolle og organisation.")


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


def asyncapi_document(broker: Any, *, title: str, description: str) -> dict[str, Any]:
    """The AsyncAPI 3 document of a service's broker: what it consumes and publishes."""
    from faststream.specification import AsyncAPI

    spec = AsyncAPI(broker, title=title, description=description, version="1")
    document: dict[str, Any] = spec.to_specification().to_jsonable()
    return document
