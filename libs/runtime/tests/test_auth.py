"""Tokens prove role and organisation; a forged, expired or partial token is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from magt_runtime.audit import AuditRow, record
from magt_runtime.auth import InvalidTokenError, Principal, TokenVerifier
from magt_runtime.db import create_tables, make_engine
from magt_runtime.http import principal_dependency

pytestmark = pytest.mark.unit
SECRET = "a-test-secret-that-is-long-enough-0123456789"
LEDER = Principal(subject="u-1", role="leder", organisation="tilbud-7")


def test_round_trip() -> None:
    verifier = TokenVerifier(SECRET)
    assert verifier.verify(verifier.issue(LEDER)) == LEDER


def test_forged_and_expired_tokens_are_refused() -> None:
    verifier = TokenVerifier(SECRET, ttl=timedelta(minutes=1))
    with pytest.raises(InvalidTokenError):
        TokenVerifier("another-secret-that-is-long-enough-012345").verify(verifier.issue(LEDER))
    with pytest.raises(InvalidTokenError):
        verifier.verify(verifier.issue(LEDER, now=datetime.now(UTC) - timedelta(hours=1)))
    partial = jwt.encode(
        {
            "sub": "x",
            "iss": "magtanvendelse",
            "iat": datetime.now(UTC),
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(InvalidTokenError):
        verifier.verify(partial)


def _signed(claims: dict[str, object]) -> str:
    base: dict[str, object] = {
        "sub": "u-1",
        "role": "leder",
        "org": "tilbud-7",
        "iss": "magtanvendelse",
    }
    return jwt.encode({**base, **claims}, SECRET, algorithm="HS256")


def test_tokens_beyond_the_maximum_lifetime_are_refused_over_http() -> None:
    """The probe's attack: a well-signed token valid until year 9999 was accepted."""
    verifier = TokenVerifier(SECRET, max_lifetime=timedelta(hours=12))
    app = FastAPI()

    @app.get("/mig")
    def me(principal: Principal = Depends(principal_dependency(verifier))) -> dict[str, str]:  # noqa: B008
        return {"org": principal.organisation}

    client = TestClient(app)
    now = datetime.now(UTC)
    year_9999 = datetime(9999, 12, 31, tzinfo=UTC)
    forged = {
        "exp i år 9999": _signed({"iat": now, "exp": year_9999}),
        "13 timer": _signed({"iat": now, "exp": now + timedelta(hours=13)}),
        "uden iat": _signed({"exp": now + timedelta(hours=1)}),
        "uden exp": _signed({"iat": now}),
        "iat i fremtiden": _signed({"iat": year_9999, "exp": year_9999 + timedelta(hours=1)}),
        "tid som tekst": _signed({"iat": str(int(now.timestamp())), "exp": "253402300799"}),
    }
    for label, token in forged.items():
        answer = client.get("/mig", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, label
    within = _signed({"iat": now, "exp": now + timedelta(hours=12)})
    assert client.get("/mig", headers={"Authorization": f"Bearer {within}"}).status_code == 200
    with pytest.raises(ValueError, match="maximum"):
        TokenVerifier(SECRET, ttl=timedelta(hours=13), max_lifetime=timedelta(hours=12))


def test_settings_carry_the_maximum_lifetime() -> None:
    from magt_runtime.settings import ServiceSettings

    verifier = ServiceSettings(token_secret=SECRET, token_max_lifetime_s=3600).token_verifier()
    now = datetime.now(UTC)
    with pytest.raises(InvalidTokenError):
        verifier.verify(_signed({"iat": now, "exp": now + timedelta(hours=2)}))
    assert verifier.verify(_signed({"iat": now, "exp": now + timedelta(minutes=30)})) == LEDER


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        TokenVerifier("short")


def test_http_dependency_answers_401_in_danish() -> None:
    verifier = TokenVerifier(SECRET)
    app = FastAPI()

    @app.get("/mig")
    def me(principal: Principal = Depends(principal_dependency(verifier))) -> dict[str, str]:  # noqa: B008
        return {"org": principal.organisation}

    client = TestClient(app)
    assert client.get("/mig").status_code == 401
    assert "token" in client.get("/mig", headers={"Authorization": "Bearer x"}).json()["detail"]
    ok = client.get("/mig", headers={"Authorization": f"Bearer {verifier.issue(LEDER)}"})
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
