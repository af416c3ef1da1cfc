"""The HTTP API: scope per role and organisation, audit of every access, batch trigger."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_routing.api import build_router
from magt_routing.handlers import Handlers
from magt_routing.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")


def _approved(name: str, case_id: str) -> ReportApproved:
    form = parse_form(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))
    return ReportApproved(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=fakta(form, person_ref="p-test-0001"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
    )


@pytest.fixture
async def api(sqlite_url: str) -> tuple[httpx.AsyncClient, object]:
    settings = Settings(
        database_url=sqlite_url, **session_issuer().settings(), scheduler_enabled=False
    )
    engine = make_engine(sqlite_url)
    create_tables(engine)
    handlers = Handlers(engine, settings, clock=lambda: NU)
    await handlers.handle(_approved("val_indberetning", "sag-a"))
    await handlers.handle(_approved("skema_1a", "sag-b"))
    app = FastAPI()
    app.include_router(build_router(engine, settings, settings.token_verifier()))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://routing")
    return client, engine


def _auth(role: str, org: str) -> dict[str, str]:
    token = session_issuer().token(Principal(subject="u-1", role=role, organisation=org))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("role", "org", "status"),
    [
        ("kommune", "0860", 200),  # handlekommune
        ("kommune", "0101", 404),  # another municipality: as if no case
        ("socialtilsyn", "Nord", 200),
        ("socialtilsyn", "Syd", 404),
        ("leder", "tilbud-0851-017", 200),
        ("fagkonsulent", "1081", 200),
        ("operatoer", "1084", 404),
        ("national", "boerneraadet", 404),
    ],
)
async def test_plan_is_scoped(
    api: tuple[httpx.AsyncClient, object], role: str, org: str, status: int
) -> None:
    client, _ = api
    response = await client.get("/cases/sag-a/plan", headers=_auth(role, org))
    assert response.status_code == status
    if status == 200:
        lines = response.json()["lines"]
        assert {(x["role"], x["when_kind"]) for x in lines} >= {
            ("handlekommune", "immediately"),
            ("socialtilsyn", "by_month_end"),
        }
    else:
        assert response.json()["detail"] == "Sagen findes ikke, eller du har ikke adgang til den."


async def test_unknown_case_and_missing_token_are_refused(
    api: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = api
    assert (
        await client.get("/cases/ukendt/plan", headers=_auth("kommune", "0860"))
    ).status_code == 404
    assert (await client.get("/cases/sag-a/plan")).status_code == 401


async def test_every_access_is_audited(api: tuple[httpx.AsyncClient, object]) -> None:
    client, engine = api
    await client.get("/cases/sag-a/plan", headers=_auth("kommune", "0860"))
    await client.get("/cases/sag-a/plan", headers=_auth("kommune", "0101"))
    with Session(engine) as session:  # type: ignore[arg-type]
        rows = session.exec(select(AuditRow).where(AuditRow.resource == "sag-a")).all()
    assert [(r.organisation, r.action, r.allowed) for r in rows] == [
        ("0860", "read_plan", True),
        ("0101", "read_plan", False),
    ]


async def test_operator_builds_a_batch_once_others_may_not(
    api: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = api
    body = {"kind": "monthly", "period": "2025-10"}  # skema_1a: episode in October 2025
    refused = await client.post("/batches", json=body, headers=_auth("kommune", "0461"))
    assert refused.status_code == 403
    first = await client.post("/batches", json=body, headers=_auth("operatoer", "drift"))
    again = await client.post("/batches", json=body, headers=_auth("operatoer", "drift"))
    assert first.status_code == again.status_code == 200
    assert first.json()["addressed"] >= 4
    assert again.json()["addressed"] == 0
    listed = await client.get("/batches", headers=_auth("operatoer", "drift"))
    assert [(b["kind"], b["period"]) for b in listed.json()] == [("monthly_batch", "2025-10")]
    assert (await client.get("/batches", headers=_auth("kommune", "0461"))).status_code == 403


async def test_batch_request_errors_are_danish_field_errors(
    api: tuple[httpx.AsyncClient, object],
) -> None:
    client, _ = api
    bad = await client.post(
        "/batches", json={"kind": "yearly", "period": "2025-02"}, headers=_auth("operatoer", "d")
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "kind"
    future = await client.post(
        "/batches", json={"kind": "monthly", "period": "2099-01"}, headers=_auth("operatoer", "d")
    )
    assert future.status_code == 422
    assert "ikke afsluttet" in future.json()["detail"][0]["message"]
