"""Tokens prove role and organisation: RS256 against the provider's published keys; a forged,
expired, foreign, partial or over-long token is refused, and so is every other algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from magt.testing.tokens import TokenIssuer
from magt_runtime.audit import AuditRow, record
from magt_runtime.auth import InvalidTokenError, JwksDocument, Principal, TokenVerifier
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import principal_dependency
from magt_runtime.settings import ServiceSettings

pytestmark = pytest.mark.unit
LEDER = Principal(subject="u-1", role="leder", organisation="tilbud-7")


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer(issuer="http://127.0.0.1/realms/auth-test")


def verifier_for(issuer: TokenIssuer, **kw: Any) -> TokenVerifier:
    return TokenVerifier(JwksDocument(issuer.jwks()), issuer=issuer.issuer, **kw)


def unverified(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _b64(part: dict[str, Any]) -> str:
    raw = json.dumps(part, default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_round_trip(issuer: TokenIssuer) -> None:
    assert verifier_for(issuer).verify(issuer.token(LEDER)) == LEDER


def test_a_token_of_another_key_issuer_or_audience_is_refused(issuer: TokenIssuer) -> None:
    verifier = verifier_for(issuer)
    impostor = TokenIssuer(issuer=issuer.issuer)
    foreign_kid = impostor.token(LEDER)
    same_kid = impostor.sign(unverified(foreign_kid), kid=issuer.kid)
    for token in (
        foreign_kid,
        same_kid,
        issuer.token(LEDER, claims={"iss": "http://127.0.0.1/realms/andet"}),
        issuer.token(LEDER, claims={"aud": "en-anden-tjeneste"}),
    ):
        with pytest.raises(InvalidTokenError):
            verifier.verify(token)


def test_expired_and_partial_tokens_are_refused(issuer: TokenIssuer) -> None:
    verifier = verifier_for(issuer, leeway=timedelta(seconds=30))
    old = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(InvalidTokenError):
        verifier.verify(issuer.token(LEDER, now=old, ttl=timedelta(minutes=5)))
    # within the clock-skew leeway a just-expired token still counts
    just = datetime.now(UTC) - timedelta(minutes=5, seconds=10)
    assert verifier.verify(issuer.token(LEDER, now=just, ttl=timedelta(minutes=5))) == LEDER
    with pytest.raises(InvalidTokenError):
        verifier_for(issuer, leeway=timedelta(0)).verify(
            issuer.token(LEDER, now=just, ttl=timedelta(minutes=5))
        )
    for missing in ("role", "org", "aud", "sub"):
        claims = {k: v for k, v in unverified(issuer.token(LEDER)).items() if k != missing}
        with pytest.raises(InvalidTokenError):
            verifier.verify(issuer.sign(claims))


def test_alg_none_and_hs256_are_refused(issuer: TokenIssuer) -> None:
    verifier = verifier_for(issuer)
    claims = unverified(issuer.token(LEDER))
    unsigned = jwt.encode(claims, key="", algorithm="none", headers={"kid": issuer.kid})
    # the classic confusion attack: HS256 keyed with the published public key (built by hand:
    # PyJWT itself refuses to sign with a public key as an HMAC secret)
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": issuer.kid})
    body = f"{header}.{_b64(claims)}"
    mac = hmac.new(issuer.public_pem(), body.encode(), hashlib.sha256).digest()
    hs256 = f"{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    for token in (unsigned, hs256):
        with pytest.raises(InvalidTokenError):
            verifier.verify(token)


def test_tokens_beyond_the_maximum_lifetime_are_refused_over_http(issuer: TokenIssuer) -> None:
    """The probe's attack: a well-signed token valid until year 9999 was accepted."""
    verifier = verifier_for(issuer, max_lifetime=timedelta(hours=12))
    app = FastAPI()

    @app.get("/mig")
    def me(principal: Principal = Depends(principal_dependency(verifier))) -> dict[str, str]:  # noqa: B008
        return {"org": principal.organisation}

    client = TestClient(app)
    now = datetime.now(UTC)
    year_9999 = datetime(9999, 12, 31, tzinfo=UTC)

    def signed(claims: dict[str, Any], *, drop: str = "") -> str:
        body = {**unverified(issuer.token(LEDER)), **claims}
        return issuer.sign({k: v for k, v in body.items() if k != drop})

    forged = {
        "exp i år 9999": signed({"iat": now, "exp": year_9999}),
        "13 timer": signed({"iat": now, "exp": now + timedelta(hours=13)}),
        "uden iat": signed({"exp": now + timedelta(hours=1)}, drop="iat"),
        "uden exp": signed({"iat": now}, drop="exp"),
        "iat i fremtiden": signed({"iat": year_9999, "exp": year_9999 + timedelta(hours=1)}),
        "tid som tekst": signed({"iat": str(int(now.timestamp())), "exp": "253402300799"}),
    }
    for label, token in forged.items():
        answer = client.get("/mig", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, label
    within = signed({"iat": now, "exp": now + timedelta(hours=12)})
    assert client.get("/mig", headers={"Authorization": f"Bearer {within}"}).status_code == 200


def test_settings_carry_issuer_keys_and_maximum_lifetime(issuer: TokenIssuer) -> None:
    verifier = ServiceSettings(**issuer.settings(), token_max_lifetime_s=3600).token_verifier()
    with pytest.raises(InvalidTokenError):
        verifier.verify(issuer.token(LEDER, ttl=timedelta(hours=2)))
    assert verifier.verify(issuer.token(LEDER, ttl=timedelta(minutes=30))) == LEDER
    assert verifier.audience == "magt"


def test_settings_without_issuer_or_keys_are_refused(issuer: TokenIssuer) -> None:
    with pytest.raises(ValueError, match="MAGT_TOKEN_ISSUER"):
        ServiceSettings().token_verifier()
    with pytest.raises(ValueError, match="MAGT_TOKEN_JWKS_URL"):
        ServiceSettings(token_issuer=issuer.issuer).token_verifier()
    assert "token_secret" not in ServiceSettings.model_fields


def test_http_dependency_answers_401_in_danish(issuer: TokenIssuer) -> None:
    verifier = verifier_for(issuer)
    app = FastAPI()

    @app.get("/mig")
    def me(principal: Principal = Depends(principal_dependency(verifier))) -> dict[str, str]:  # noqa: B008
        return {"org": principal.organisation}

    client = TestClient(app)
    assert client.get("/mig").status_code == 401
    assert "token" in client.get("/mig", headers={"Authorization": "Bearer x"}).json()["detail"]
    ok = client.get("/mig", headers={"Authorization": f"Bearer {issuer.token(LEDER)}"})
    assert ok.json() == {"org": "tilbud-7"}


def test_audit_rows_record_who_what_and_verdict(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    create_tables(engine)
    with Session(engine) as session:
        record(session, principal=LEDER, action="read", resource="case-1", allowed=False)
        session.commit()
        row = session.exec(select(AuditRow)).one()
    assert (row.subject, row.role, row.action, row.resource, row.allowed) == (
        "u-1",
        "leder",
        "read",
        "case-1",
        False,
    )


def test_field_cipher_round_trip_and_key_rotation() -> None:
    from magt_runtime.crypto import CipherError, FieldCipher

    old, new = FieldCipher.new_key(), FieldCipher.new_key()
    token = FieldCipher([old]).encrypt("cpr 010190-1234")
    assert "010190" not in token
    assert FieldCipher([new, old]).decrypt(token) == "cpr 010190-1234"
    with pytest.raises(CipherError):
        FieldCipher([new]).decrypt(token)
