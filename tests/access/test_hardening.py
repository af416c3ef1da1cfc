"""Every app's every answer carries the security headers, and no app takes a token in its URL.

The probe found no Content-Security-Policy, nosniff, frame-ancestors or referrer policy on any
app, and `?token=` accepted on JSON endpoints. Each app is made by its own `create_app`; every
route is called (path parameters filled with a placeholder) with and without a valid token.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from adgangsmiljoe import EGEN, TJENESTER, Tjeneste, byg, endepunkter

from magt.testing.mail import Pki
from magt_runtime.hardening import SECURITY_HEADERS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> dict[str, Tjeneste]:
    mappe: Path = tmp_path_factory.mktemp("haerdning")
    return {
        navn: byg(
            navn, mappe / navn, sender_cert=pki.sender.cert_file, sender_key=pki.sender.key_file
        )
        for navn in TJENESTER
    }


def _mangler(svar: httpx.Response) -> list[str]:
    return [
        f"{navn}: {svar.headers.get(navn)!r}"
        for navn, vaerdi in SECURITY_HEADERS.items()
        if svar.headers.get(navn) != vaerdi
    ]


@pytest.mark.parametrize("navn", TJENESTER)
async def test_every_response_carries_the_security_headers(
    apps: dict[str, Tjeneste], navn: str
) -> None:
    t = apps[navn]
    kaldte = [("GET", "/health"), ("GET", "/openapi.json"), *sorted(endepunkter(t.app))]
    fejl: list[str] = []
    async with t.client() as c:
        for method, path in kaldte:
            url = re.sub(r"\{[^}]+\}", "x", path)
            uden: dict[str, str] = {}
            for headers in (uden, t.headers("leder", EGEN.institution_id)):
                svar = await c.request(method, url, headers=headers, json={})
                if mangler := _mangler(svar):
                    fejl.append(f"{method} {url} → {svar.status_code}: {', '.join(mangler)}")
        docs = await c.get("/docs")
        policy = docs.headers["content-security-policy"]
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy
    assert fejl == [], f"{navn}: svar uden sikkerhedsheadere:\n" + "\n".join(fejl)


@pytest.mark.parametrize("navn", TJENESTER)
async def test_a_token_in_the_url_is_refused_on_every_endpoint(
    apps: dict[str, Tjeneste], navn: str
) -> None:
    t = apps[navn]
    token = t.headers("operatoer", EGEN.driftsherre_id)["Authorization"].removeprefix("Bearer ")
    fejl: list[str] = []
    async with t.client() as c:
        for method, path in [("GET", "/health"), *sorted(endepunkter(t.app))]:
            url = re.sub(r"\{[^}]+\}", "x", path)
            for query in ({"token": token}, {"access_token": token}, {"t": token}):
                svar = await c.request(method, url, params=query, json={})
                if svar.status_code != 400 or "Authorization-headeren" not in svar.text:
                    fejl.append(f"{method} {url}?{next(iter(query))}=… → {svar.status_code}")
                elif _mangler(svar):
                    fejl.append(f"{method} {url}: afvisningen mangler sikkerhedsheadere")
                assert token not in svar.text
    assert fejl == [], f"{navn}: token i adressen blev ikke afvist:\n" + "\n".join(fejl)
