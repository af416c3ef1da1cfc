"""Real Keycloak: a service account gets an RS256 token (role `tjeneste`, org = the service) by the
client-credentials grant, which a service verifies with the realm's keys and the contract allows
to fetch case keys; a wrong secret gets no token."""

from __future__ import annotations

from uuid import uuid4

import pytest

from magt.infra.keycloak import Keycloak, import_realm, realm_document
from magt_contracts import adgang
from magt_runtime.auth import JwksUrl, TokenVerifier
from magt_runtime.noegler import KeyUnavailableError, client_credentials

pytestmark = pytest.mark.integration


def _secret(client_id: str) -> str:
    client = next(c for c in realm_document("magt")["clients"] if c["clientId"] == client_id)
    return str(client["secret"])


async def test_service_account_token_opens_the_key_endpoint_only_for_its_service(
    keycloak_server: Keycloak,
) -> None:
    realm = f"svc{uuid4().hex[:8]}"
    issuer = import_realm(keycloak_server, realm)
    verifier = TokenVerifier(JwksUrl(keycloak_server.jwks_url(realm)), issuer=issuer)
    for service in ("sikkermail", "bosted"):
        client_id = f"magt-tjeneste-{service}"
        token = client_credentials(keycloak_server.token_url(realm), client_id, _secret(client_id))
        principal = verifier.verify(await token())
        assert (principal.role, principal.organisation) == ("tjeneste", service)
        assert adgang.maa_hente_noegle(principal.role, principal.organisation)
    wrong = client_credentials(keycloak_server.token_url(realm), client_id, "forkert")
    with pytest.raises(KeyUnavailableError):
        await wrong()
