"""Bearer tokens: who calls (role and organisation), signed so no caller can widen its own scope.

Tokens are RS256 JWTs of an OpenID Connect identity provider (Keycloak, realm `magt`, in
`infra/keycloak/magt-realm.json`). A service holds no secret: it checks the signature against the
provider's published keys (its JWKS, fetched and cached from a URL, or given as a document where no
provider runs), and checks issuer, audience, expiry and issue time with a small clock-skew leeway.
Role and organisation come from the token's `role` and `org` claims. Role names and what each role
may see are domain rules and live in `magt_contracts`; this module only proves who the caller is.

A token must say when it was issued and when it expires, must not be issued in the future, and its
lifetime (`exp - iat`) may not exceed the verifier's maximum: a token "valid until 9999" is refused,
however well signed. Only RS256 is accepted: `none`, HS256 and every other algorithm are refused.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Protocol

import jwt
from pydantic import BaseModel, ConfigDict, Field

ALGORITHM = "RS256"
DEFAULT_AUDIENCE = "magt"
DEFAULT_LEEWAY = timedelta(seconds=30)
DEFAULT_MAX_LIFETIME = timedelta(hours=12)
JWKS_CACHE_LIFESPAN_S = 300


class Principal(BaseModel):
    """The authenticated caller."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="Pseudonymous id of the person or system calling.")
    role: str = Field(description="Role code, e.g. leder, kommune, socialtilsyn.")
    organisation: str = Field(description="Institution id, municipality code or Socialtilsyn name.")


class InvalidTokenError(Exception):
    """The token is missing, expired, forged or malformed."""


class SigningKeys(Protocol):
    """Where the verifier finds the public key a token names in its header (`kid`)."""

    def key_for(self, token: str) -> Any:
        """The public key to check `token` with; InvalidTokenError when none fits."""


class JwksUrl:
    """The identity provider's published keys, fetched over HTTP and cached (new keys on rotation)."""

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self._client = jwt.PyJWKClient(
            url, cache_keys=True, lifespan=JWKS_CACHE_LIFESPAN_S, timeout=int(timeout_s)
        )

    def key_for(self, token: str) -> Any:
        try:
            return self._client.get_signing_key_from_jwt(token).key
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from error


class JwksDocument:
    """A fixed set of public keys given as a JWKS document (tests and demos without a provider)."""

    def __init__(self, document: str | dict[str, Any]) -> None:
        raw = json.loads(document) if isinstance(document, str) else document
        self._keys = jwt.PyJWKSet.from_dict(raw)

    def key_for(self, token: str) -> Any:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            return self._keys[str(kid)].key
        except (jwt.PyJWTError, KeyError) as error:
            raise InvalidTokenError("no published key matches the token") from error


class TokenVerifier:
    """Verifies the identity provider's bearer tokens (it never issues any)."""

    def __init__(
        self,
        keys: SigningKeys,
        *,
        issuer: str,
        audience: str = DEFAULT_AUDIENCE,
        leeway: timedelta = DEFAULT_LEEWAY,
        max_lifetime: timedelta = DEFAULT_MAX_LIFETIME,
    ) -> None:
        if not issuer or not audience:
            raise ValueError("the token issuer and audience must be named")
        if max_lifetime <= timedelta(0) or leeway < timedelta(0):
            raise ValueError("the maximum lifetime must be positive and the leeway not negative")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._max_lifetime = max_lifetime

    @property
    def issuer(self) -> str:
        return self._issuer

    @property
    def audience(self) -> str:
        return self._audience

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; InvalidTokenError otherwise."""
        try:
            if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
                raise InvalidTokenError("only RS256 tokens are accepted")
            claims = jwt.decode(
                token,
                self._keys.key_for(token),
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
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
