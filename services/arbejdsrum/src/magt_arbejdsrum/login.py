"""OpenID Connect login: authorization code with PKCE (S256), state and nonce, against Keycloak.

The realm's discovery document names the endpoints; the id token is checked with the realm's
published keys (`magt_runtime.auth`: RS256 only, issuer, audience = this client, expiry) and
its nonce against the one this login sent. The access token is never inspected here: the
services verify it on every call.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from magt_runtime.auth import InvalidTokenError, JwksUrl, Principal, TokenVerifier

DISCOVERY = "/.well-known/openid-configuration"


class LoginFailedError(Exception):
    """The identity provider refused the code, or its answer did not check out."""


@dataclass(frozen=True)
class Endpoints:
    """The parts of the discovery document the workspace uses."""

    issuer: str
    authorization: str
    token: str
    jwks: str
    end_session: str | None


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint handed out, and who the id token says logged in."""

    principal: Principal
    name: str
    access_token: str
    access_expires: datetime
    refresh_token: str | None
    id_token: str


@dataclass(frozen=True)
class LoginStart:
    """A login's secrets (kept in the session) and the address to send the browser to."""

    state: str
    nonce: str
    code_verifier: str
    url: str


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 § 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class OidcClient:
    """The workspace's public client at the realm (discovery fetched once, keys cached)."""

    def __init__(self, *, issuer: str, client_id: str, redirect_uri: str, timeout_s: float) -> None:
        if not issuer:
            raise ValueError("MAGT_ARBEJDSRUM_OIDC_ISSUER is not set: nobody can log in")
        self._issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._redirect_uri = redirect_uri
        self._timeout = timeout_s
        self._endpoints: Endpoints | None = None
        self._verifier: TokenVerifier | None = None

    async def endpoints(self) -> Endpoints:
        """The discovery document's endpoints (fetched on first use)."""
        if self._endpoints is None:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                answer = await http.get(self._issuer + DISCOVERY)
            answer.raise_for_status()
            doc: dict[str, Any] = answer.json()
            if doc.get("issuer") != self._issuer:
                raise LoginFailedError("the discovery document names another issuer")
            self._endpoints = Endpoints(
                issuer=doc["issuer"],
                authorization=doc["authorization_endpoint"],
                token=doc["token_endpoint"],
                jwks=doc["jwks_uri"],
                end_session=doc.get("end_session_endpoint"),
            )
            self._verifier = TokenVerifier(
                JwksUrl(doc["jwks_uri"]), issuer=doc["issuer"], audience=self._client_id
            )
        return self._endpoints

    async def start(self) -> LoginStart:
        """New state, nonce and PKCE verifier, and the authorization URL that carries them."""
        ep = await self.endpoints()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        query = {
            "client_id": self._client_id,
            "response_type": "code",
            "scope": "openid profile",
            "redirect_uri": self._redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return LoginStart(state, nonce, verifier, f"{ep.authorization}?{urlencode(query)}")

    async def exchange(self, *, code: str, verifier: str, nonce: str, now: datetime) -> Tokens:
        """Trade the code (with its PKCE verifier) for tokens; check the id token and nonce."""
        form = {
            "grant_type": "authorization_code",
            "client_id": self._client_id,
            "code": code,
            "redirect_uri": self._redirect_uri,
            "code_verifier": verifier,
        }
        return await self._tokens(form, now=now, nonce=nonce)

    async def refresh(self, *, refresh_token: str, now: datetime) -> Tokens:
        """A fresh access token for a logged-in person."""
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "refresh_token": refresh_token,
        }
        return await self._tokens(form, now=now, nonce=None)

    async def logout_url(self, *, id_token: str | None, after: str) -> str | None:
        """Keycloak's end-session address that also ends its own session, then comes back."""
        ep = await self.endpoints()
        if ep.end_session is None:
            return None
        query = {"client_id": self._client_id, "post_logout_redirect_uri": after}
        if id_token:
            query["id_token_hint"] = id_token
        return f"{ep.end_session}?{urlencode(query)}"

    async def _tokens(self, form: dict[str, str], *, now: datetime, nonce: str | None) -> Tokens:
        ep = await self.endpoints()
        async with httpx.AsyncClient(timeout=self._timeout) as http:
            answer = await http.post(ep.token, data=form)
        if answer.status_code != 200:
            raise LoginFailedError(f"token endpoint answered HTTP {answer.status_code}")
        body: dict[str, Any] = answer.json()
        id_token = str(body.get("id_token", ""))
        assert self._verifier is not None  # set with the endpoints
        try:
            principal = self._verifier.verify(id_token)
        except InvalidTokenError as error:
            raise LoginFailedError("the id token did not check out") from error
        claims: dict[str, Any] = jwt.decode(id_token, options={"verify_signature": False})
        if nonce is not None and not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise LoginFailedError("the id token carries another login's nonce")
        name = str(claims.get("name") or claims.get("preferred_username") or principal.subject)
        return Tokens(
            principal=principal,
            name=name,
            access_token=str(body["access_token"]),
            access_expires=now + timedelta(seconds=int(body.get("expires_in", 60))),
            refresh_token=body.get("refresh_token"),
            id_token=id_token,
        )
