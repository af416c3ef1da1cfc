"""Identity for the tests: the session's token issuer, the session's Keycloak, and a person's login.

`token_issuer` signs tokens without Keycloak (`magt.testing.tokens`); `keycloak_server` starts the
project's Keycloak once per test session (about half a minute) and stops it at the end unless it
already ran. `log_ind` logs a person in the way a browser does: authorization code with PKCE,
through Keycloak's own login form, and returns the access token.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from magt.infra import keycloak
from magt.infra.keycloak import REALM, Keycloak
from magt.testing.tokens import TokenIssuer, session_issuer

WORKSPACE_CLIENT = "magt-workspace"
REDIRECT_URI = "http://127.0.0.1:8765/login/callback"
_FORM_ACTION = re.compile(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"')


class LoginError(RuntimeError):
    """Keycloak did not hand out a code or a token for the login."""


@pytest.fixture(scope="session")
def token_issuer() -> TokenIssuer:
    """The test session's RS256 issuer (one key per run)."""
    return session_issuer()


@pytest.fixture(scope="session")
def keycloak_server() -> Iterator[Keycloak]:
    """The run's one Keycloak with the repository's realm."""
    was_running = keycloak.running() is not None
    server = keycloak.current()
    yield server
    if not was_running:
        keycloak.stop()


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorization_code(
    kc: Keycloak,
    username: str,
    password: str,
    *,
    challenge: str,
    realm: str = REALM,
    client_id: str = WORKSPACE_CLIENT,
    redirect_uri: str = REDIRECT_URI,
) -> str:
    """Fill in Keycloak's login form as a browser does; the code from the redirect."""
    state = secrets.token_urlsafe(16)
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        page = browser.get(f"{kc.auth_url(realm)}?{urlencode(query)}")
        match = _FORM_ACTION.search(page.text)
        if page.status_code != 200 or match is None:
            raise LoginError(f"no login form (HTTP {page.status_code})")
        # Keycloak marks its session cookies Secure; a browser still sends them to a loopback
        # address (a trustworthy origin), httpx does not: send them as a browser would.
        cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies.jar)
        answer = browser.post(
            html.unescape(match.group(1)),
            data={"username": username, "password": password, "credentialId": ""},
            headers={"Cookie": cookies},
        )
    location: str = answer.headers.get("location", "")
    if answer.status_code != 302 or not location.startswith(redirect_uri):
        raise LoginError(f"the login was refused (HTTP {answer.status_code})")
    params: dict[str, list[str]] = parse_qs(urlsplit(location).query)
    if params.get("state") != [state] or "code" not in params:
        raise LoginError("the redirect carried no code for this login")
    return params["code"][0]


def exchange(
    kc: Keycloak,
    code: str,
    verifier: str | None,
    *,
    realm: str = REALM,
    client_id: str = WORKSPACE_CLIENT,
    redirect_uri: str = REDIRECT_URI,
) -> httpx.Response:
    """The token endpoint's answer to a code (and its PKCE verifier, unless None)."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect_uri,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return httpx.post(kc.token_url(realm), data=form, timeout=30)


def log_ind(kc: Keycloak, username: str, password: str, *, realm: str = REALM) -> str:
    """Log in with authorization code + PKCE through the login form; the access token."""
    verifier, challenge = pkce_pair()
    code = authorization_code(kc, username, password, challenge=challenge, realm=realm)
    token = exchange(kc, code, verifier, realm=realm)
    if token.status_code != 200:
        raise LoginError(f"the code was not exchanged (HTTP {token.status_code})")
    access: str = token.json()["access_token"]
    return access
