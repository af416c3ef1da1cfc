"""Real Keycloak: the Magtanvendelsesudvalg's demo user logs in (authorization code + PKCE) and its
token carries the role and municipality the contract's follow-up rules need."""

from __future__ import annotations

from uuid import uuid4

import pytest

from magt.infra.keycloak import Keycloak, import_realm
from magt.testing.identity import log_ind
from magt_contracts import adgang
from magt_runtime.auth import JwksUrl, TokenVerifier

pytestmark = pytest.mark.integration


def test_udvalg_logs_in_with_its_role_and_municipality(keycloak_server: Keycloak) -> None:
    realm = f"udv{uuid4().hex[:8]}"  # a fresh import of the repository's realm file
    issuer = import_realm(keycloak_server, realm)
    verifier = TokenVerifier(JwksUrl(keycloak_server.jwks_url(realm)), issuer=issuer)
    principal = verifier.verify(log_ind(keycloak_server, "udvalg.0851", "demo", realm=realm))
    assert (principal.role, principal.organisation) == ("magtanvendelsesudvalg", "0851")
    sag = adgang.SagensParter("tilbud-0851-017", "0851", "Nord", godkendt=True)
    assert adgang.maa_sende_bemaerkninger(principal.role, principal.organisation, sag)
    assert not adgang.maa_give_tilbagemelding(principal.role, principal.organisation, sag)
