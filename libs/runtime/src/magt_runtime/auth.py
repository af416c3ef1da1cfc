"""Bearer tokens: who calls (role and organisation), signed so no caller can widen its own scope.

Tokens are JWTs signed with a shared secret (HS256) from settings. In production the platform would
verify tokens of the municipalities' identity provider (RS256 with its published keys) the same way;
only `TokenVerifier` changes. Role names and what each role may see are domain rules and live in
`magt_contracts`; this module only proves who the caller is.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, Field

ALGORITHM = "HS256"
ISSUER = "magtanvendelse"


class Principal(BaseModel):
    """The authenticated caller."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="Pseudonymous id of the person or system calling.")
    role: str = Field(description="Role code, e.g. leder, kommune, socialtilsyn.")
    organisation: str = Field(description="Institution id, municipality code or Socialtilsyn name.")


class InvalidTokenError(Exception):
    """The token is missing, expired, forged or malformed."""


class TokenVerifier:
    """Issues and verifies the platform's bearer tokens."""

    def __init__(self, secret: str, *, ttl: timedelta = timedelta(hours=8)) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self._ttl = ttl

    def issue(self, principal: Principal, *, now: datetime | None = None) -> str:
        """A signed token for `principal`, valid for the configured time."""
        issued = now or datetime.now(UTC)
        claims = {
            "sub": principal.subject,
            "role": principal.role,
            "org": principal.organisation,
            "iss": ISSUER,
            "iat": issued,
            "exp": issued + self._ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; InvalidTokenError otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from error
        try:
            return Principal(subject=claims["sub"], role=claims["role"], organisation=claims["org"])
        except (KeyError, ValueError) as error:
            raise InvalidTokenError("token lacks role or organisation") from error
