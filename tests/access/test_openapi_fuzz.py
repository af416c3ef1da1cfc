"""Schemathesis against every app's OpenAPI document, in-process and without Kafka.

Each operation gets a few generated requests (some with the path pinned to a seeded record of our
own organisation, so real rows go through the response models) with a valid in-scope token, and
each response must pass `not_a_server_error` and `response_schema_conformance`. The app is called
through Starlette's TestClient without entering it, so the lifespan (broker, relay, schedulers)
never runs; the schema comes from `app.openapi()` for the same reason (`from_asgi` would start
the lifespan to fetch it).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from adgangsmiljoe import (
    EGEN,
    TJENESTER,
    Tjeneste,
    bosted_advis_id,
    byg_og_saa,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Err

from magt.testing.mail import Pki

with warnings.catch_warnings():  # starlette asks for httpx2 for its test client; httpx works
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

EKSEMPLER_PR_OPERATION = 5
# The dashboard renders its charts with matplotlib (about a second a page on a busy machine).
FAERRE_EKSEMPLER = {"GET /dashboard": 2}
# A token in scope of most of each app's endpoints (role, organisation).
KALDER: dict[str, tuple[str, str]] = {
    "registrering": ("leder", EGEN.institution_id),
    "routing": ("operatoer", EGEN.driftsherre_id),
    "frister": ("leder", EGEN.institution_id),
    "klager": ("kommune", EGEN.kommune),
    "statistik": ("fagkonsulent", EGEN.driftsherre_id),
    "bosted": ("leder", EGEN.institution_id),
    "nexus": ("operatoer", EGEN.driftsherre_id),
    "sikkermail": ("leder", EGEN.institution_id),
}
# Path parameters pinned to seeded records of our own organisation.
SEEDEDE: dict[str, dict[str, str]] = {
    "registrering": {
        "case_id": "reg-egen-registreret",
        "institution_id": EGEN.institution_id,
        "kode": EGEN.kommune,
        "navn": EGEN.socialtilsyn,
    },
    "routing": {"case_id": "rut-egen"},
    "klager": {"case_id": "kla-egen", "klage_id": "k-egen"},
    "bosted": {"advis_id": str(bosted_advis_id(EGEN)), "dokument_id": "BST-egen"},
}
TAELLING: dict[str, int] = {}


@pytest.fixture(scope="module")
async def tjenester(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> dict[str, Tjeneste]:
    mappe: Path = tmp_path_factory.mktemp("fuzz")
    return {
        navn: await byg_og_saa(
            navn, mappe / navn, sender_cert=pki.sender.cert_file, sender_key=pki.sender.key_file
        )
        for navn in TJENESTER
    }


@pytest.fixture(scope="module", autouse=True)
def figur() -> Iterator[None]:
    yield
    print(  # the figure for the closing note (pytest -s)
        "\nschemathesis-cases: "
        + ", ".join(f"{navn} {n}" for navn, n in sorted(TAELLING.items()))
        + f" (i alt {sum(TAELLING.values())})"
    )


def _send(client: TestClient, case: Case[Any], headers: dict[str, str]) -> httpx.Response:
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url="http://test", headers=headers)
    data = kwargs.pop("data", None)
    if isinstance(data, bytes | str):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    for requests_only in ("timeout", "allow_redirects", "verify", "files"):
        kwargs.pop(requests_only, None)
    kwargs.setdefault("follow_redirects", False)
    svar: httpx.Response = client.request(**kwargs)
    return svar


@pytest.mark.parametrize("navn", TJENESTER)
def test_no_server_error_and_responses_match_the_schema(
    tjenester: dict[str, Tjeneste], navn: str
) -> None:
    t = tjenester[navn]
    schema = schemathesis.openapi.from_dict(t.app.openapi())
    role, org = KALDER[navn]
    headers = t.headers(role, org)
    client = TestClient(t.app, raise_server_exceptions=False, base_url="http://test")
    fejl: dict[str, str] = {}
    operationer = 0
    for resultat in schema.get_all_operations():
        if isinstance(resultat, Err):
            fejl[f"dokument {operationer}"] = f"OpenAPI-dokumentet kan ikke læses: {resultat.err()}"
            continue
        operation = resultat.ok()
        operationer += 1
        stier = {p.name for p in operation.path_parameters}
        faste = {k: v for k, v in SEEDEDE.get(navn, {}).items() if k in stier}
        strategi = operation.as_strategy()
        if faste:
            strategi = st.one_of(strategi, operation.as_strategy(path_parameters=faste))

        @settings(
            max_examples=FAERRE_EKSEMPLER.get(operation.label, EKSEMPLER_PR_OPERATION),
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
        @given(case=strategi)
        def kald(case: Case[Any]) -> None:
            label = case.operation.label
            TAELLING[navn] = TAELLING.get(navn, 0) + 1
            svar = _send(client, case, headers)
            try:
                case.validate_response(
                    svar, checks=[not_a_server_error, response_schema_conformance]
                )
            except (Failure, FailureGroup) as error:
                grund = str(error).strip().splitlines()
                fejl.setdefault(
                    label,
                    f"{case.as_curl_command(headers=headers, base_url='http://test')}\n"
                    f"  → {svar.status_code} {svar.text[:300]}\n  {' / '.join(grund[:3])}",
                )

        kald()
    assert operationer > 0 or navn == "sikkermail"
    assert fejl == {}, (
        f"{navn}: svar, der bryder OpenAPI-dokumentet eller er serverfejl (ST101 = 5xx; ST108 = "
        "svaret passer ikke til det dokumenterede skema, fx danske 422-fejl [{field, message}] "
        "mod FastAPI's dokumenterede HTTPValidationError {detail: [{loc, msg, type}]}):\n\n"
        + "\n\n".join(f"{label}:\n{tekst}" for label, tekst in fejl.items())
    )


async def test_dashboard_never_turns_an_unverified_query_token_into_a_cookie(
    tjenester: dict[str, Tjeneste],
) -> None:
    """Found by the fuzzing above: a valid bearer header plus a `?token=` the verifier never saw.

    The dashboard sets the query token as its login cookie without verifying it; a token with a
    character outside Latin-1 then fails when the header is encoded (500), and any other junk is
    stored as the caller's cookie.
    """
    t = tjenester["statistik"]
    headers = t.headers("fagkonsulent", EGEN.driftsherre_id)
    async with t.client() as c:
        for ugyldigt in ("Ā", "ikke-et-token"):
            try:
                svar = await c.get(
                    "/dashboard", params={"token": ugyldigt, "periode": "2019"}, headers=headers
                )
            except UnicodeEncodeError as error:
                pytest.fail(
                    "statistik GET /dashboard?token=Ā med gyldigt bærer-token giver 500 "
                    f"(UnicodeEncodeError i set_cookie): {error}. Ret api.py dashboard(): sæt kun "
                    "cookien, når netop query-tokenet er verificeret."
                )
            assert svar.status_code == 400, svar.text[:200]  # no token in a URL, ever
            assert "set-cookie" not in svar.headers, (
                f"statistik GET /dashboard?token={ugyldigt!r}: et ikke-verificeret token gemmes "
                f"som login-cookie: {svar.headers['set-cookie']}"
            )
