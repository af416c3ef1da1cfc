"""Bearer tokens: who calls (role and organisation), signed so no caller can widen its own scope.

Tokens are JWTs signed with a shared secret (HS256) from settings. In production the platform would
verify tokens of the municipalities' identity provider (RS256 with its published keys) the same way;
only `TokenVerifier` changes. Role names and what each role may see are domain rules and live in
`magt_contracts`; this module only proves who the caller is.

A token must say when it was issued and when it expires, must not be issued in the future, and its
lifetime (`exp - iat`) may not exceed the verifier's maximum: a token "valid until 9999" is refused,
however well signed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, Field

ALGORITHM = "HS256"
ISSUER = "magtanvendelse"
DEFAULT_TTL = timedelta(hours=8)
DEFAULT_MAX_LIFETIME = timedelta(hours=12)


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

    def __init__(
        self,
        secret: str,
        *,
        ttl: timedelta = DEFAULT_TTL,
        max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        if not timedelta(0) < ttl <= max_lifetime:
            raise ValueError("the token lifetime must be positive and at most the maximum")
        self._secret = secret
        self._ttl = ttl
        self._max_lifetime = max_lifetime

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
        lifetime = _seconds(claims["exp"]) - _seconds(claims["iat"])
        if lifetime > self._max_lifetime.total_seconds():
            raise InvalidTokenError("token lifetime exceeds the maximum")
        try:
            return Principal(subject=claims["sub"], role=claims["role"], organisation=claims["org"])
        except (KeyError, ValueError) as error:
            raise InvalidTokenError("token lacks role or organisation") from error


def _seconds(claim: object) -> float:
    """A NumericDate claim as seconds (PyJWT has already checked it is a number)."""
    if isinstance(claim, int | float) and not isinstance(claim, bool):
        return float(claim)
    raise InvalidTokenError("token times are not numbers")
