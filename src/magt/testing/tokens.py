"""A test identity provider: RS256 tokens signed with a key made for this test session only.

The services never issue tokens; Keycloak does (`magt.infra.keycloak`). Tests and demos that run
without Keycloak use this issuer instead: it makes one RSA key per process, signs tokens with the
claims Keycloak's realm puts in (`iss`, `aud`, `sub`, `role`, `org`, `iat`, `exp`), and gives the
services its public keys as a JWKS document through their settings (`token_jwks`) or environment
(`MAGT_TOKEN_JWKS`). The private key never leaves memory.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from magt_runtime.auth import ALGORITHM, DEFAULT_AUDIENCE, Principal

TEST_ISSUER = "http://127.0.0.1/realms/magt-test"
DEFAULT_TTL = timedelta(minutes=30)


class TokenIssuer:
    """Signs tokens for tests; `settings()` / `env()` tell a service to trust exactly this key."""

    def __init__(self, *, issuer: str = TEST_ISSUER, audience: str = DEFAULT_AUDIENCE) -> None:
        self.issuer = issuer
        self.audience = audience
        self.kid = f"test-{uuid.uuid4().hex[:12]}"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        """The public half as a JWKS document, as Keycloak publishes its keys."""
        public: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key())
        )
        return {"keys": [{**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}]}

    def settings(self) -> dict[str, Any]:
        """ServiceSettings fields that make a service trust this issuer (`Settings(**these)`)."""
        return {
            "token_issuer": self.issuer,
            "token_audience": self.audience,
            "token_jwks": json.dumps(self.jwks()),
        }

    def env(self) -> dict[str, str]:
        """The same as environment variables, for services run as processes."""
        return {f"MAGT_{name.upper()}": str(value) for name, value in self.settings().items()}

    def token(
        self,
        principal: Principal,
        *,
        now: datetime | None = None,
        ttl: timedelta = DEFAULT_TTL,
        claims: Mapping[str, Any] | None = None,
    ) -> str:
        """A signed token for `principal`; `claims` overrides or adds claims (for attacks)."""
        issued = now or datetime.now(UTC)
        body: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": principal.subject,
            "role": principal.role,
            "org": principal.organisation,
            "iat": issued,
            "exp": issued + ttl,
            **(claims or {}),
        }
        return self.sign(body)

    def sign(self, claims: Mapping[str, Any], *, kid: str | None = None) -> str:
        """Sign exactly `claims` (tests of refusals); `kid` names another key in the header."""
        return jwt.encode(
            dict(claims), self._key, algorithm=ALGORITHM, headers={"kid": kid or self.kid}
        )

    def public_pem(self) -> bytes:
        """The public key as PEM (the bytes an HS256 key-confusion attack would use)."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def headers(self, role: str, organisation: str, subject: str | None = None) -> dict[str, str]:
        """An Authorization header for a role and an organisation."""
        principal = Principal(
            subject=subject or f"test-{role}", role=role, organisation=organisation
        )
        return {"Authorization": f"Bearer {self.token(principal)}"}


@cache
def session_issuer() -> TokenIssuer:
    """The test session's one issuer (one key per process)."""
    return TokenIssuer()
