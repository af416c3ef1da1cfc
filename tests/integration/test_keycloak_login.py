"""Real login: a person logs in at Keycloak (authorization code + PKCE through its login form) and
the klager service, trusting only the realm's published keys, shows them their organisation's
complaints and nothing of another's; a token of another realm, or without PKCE, gets nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from magt.infra.keycloak import Keycloak, import_realm
from magt.testing.identity import LoginError, authorization_code, exchange, log_ind, pkce_pair
from magt_klager.app import create_app
from magt_klager.settings import Settings

pytestmark = pytest.mark.integration
DEMO_PASSWORD = "demo"  # the realm file's synthetic demo users


def klager_settings(kc: Keycloak, tmp_path: Path, realm: str = "magt") -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/klager.db",
        topic_namespace=f"kc{uuid4().hex[:8]}.",
        kafka_bootstrap_servers="127.0.0.1:1",
        token_issuer=kc.issuer(realm),
        token_jwks_url=kc.jwks_url(realm),
        log_json=True,
    )


@pytest.fixture
async def klager(keycloak_server: Keycloak, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(klager_settings(keycloak_server, tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://klager") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def complaint(handlekommune: str) -> dict[str, str]:
    klage_id = f"k-{uuid4().hex[:10]}"
    return {
        "klage_id": klage_id,
        "case_id": f"sag-{klage_id}",
        "klagetype": "afgoerelse",
        "klager_rolle": "vaerge",
        "person_ref": "p-testperson01",
        "handlekommune": handlekommune,
        "institution_id": "tilbud-0851-017",
        "modtaget": "2025-03-03T10:00:00+01:00",
    }


async def test_a_logged_in_municipality_sees_its_own_complaints_only(
    keycloak_server: Keycloak, klager: httpx.AsyncClient
) -> None:
    nord = log_ind(keycloak_server, "kommune.0851", DEMO_PASSWORD)
    syd = log_ind(keycloak_server, "kommune.0101", DEMO_PASSWORD)
    body = complaint("0851")
    created = await klager.post("/klager", json=body, headers=bearer(nord))
    assert created.status_code == 201, created.text
    own = await klager.get("/klager", headers=bearer(nord))
    assert own.status_code == 200, own.text
    assert [k["klage_id"] for k in own.json()["klager"]] == [body["klage_id"]]
    other = await klager.get("/klager", headers=bearer(syd))
    assert other.status_code == 200
    assert other.json()["klager"] == []
    read = await klager.get(f"/klager/{body['klage_id']}", headers=bearer(syd))
    assert read.status_code == 404
    assert (await klager.get("/klager", headers=bearer(nord + "x"))).status_code == 401


async def test_a_token_of_another_realm_is_refused(
    keycloak_server: Keycloak, klager: httpx.AsyncClient
) -> None:
    realm = f"magt-{uuid4().hex[:8]}"
    import_realm(keycloak_server, realm)
    foreign = log_ind(keycloak_server, "kommune.0851", DEMO_PASSWORD, realm=realm)
    answer = await klager.get("/klager", headers=bearer(foreign))
    assert answer.status_code == 401


def test_a_wrong_password_or_a_code_without_its_verifier_gets_no_token(
    keycloak_server: Keycloak,
) -> None:
    with pytest.raises(LoginError, match="refused"):
        log_ind(keycloak_server, "kommune.0851", "forkert-kodeord")
    verifier, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    for attempt in (None, other_verifier):
        code = authorization_code(
            keycloak_server, "kommune.0851", DEMO_PASSWORD, challenge=challenge
        )
        assert exchange(keycloak_server, code, attempt).status_code == 400
    code = authorization_code(keycloak_server, "kommune.0851", DEMO_PASSWORD, challenge=challenge)
    assert exchange(keycloak_server, code, verifier).status_code == 200
