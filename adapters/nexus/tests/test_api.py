"""The adapter's HTTP API: errors visible to the right callers only, every access audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_nexus import store
from magt_nexus.api import build_router
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.unit


@pytest.fixture
def api(
    nexus_settings: Callable[..., Any],
) -> tuple[Any, Any, Callable[[str, str], dict[str, str]]]:
    settings = nexus_settings()
    engine = make_engine(settings.database_url)
    create_tables(engine)
    with Session(engine) as session:
        for form_id, institution in (
            ("1", "botilbud-0450-002"),
            ("2", "botilbud-0450-009"),
            ("3", None),
        ):
            store.record_error(
                session,
                form_id=form_id,
                case_id=f"nexus-{form_id}",
                source="mapping",
                errors=[{"field": "indgreb", "label": "Indgreb", "message": "Ugyldigt valg."}],
                nexus_version=1,
                institution_id=institution,
            )
        session.commit()
    verifier = settings.token_verifier()
    app = FastAPI()
    app.include_router(build_router(engine, settings, verifier))

    def auth(role: str, org: str) -> dict[str, str]:
        token = session_issuer().token(Principal(subject="u-1", role=role, organisation=org))
        return {"Authorization": f"Bearer {token}"}

    return app, engine, auth


async def _get(app: Any, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://nexus") as client:
        return await client.get(path, headers=headers or {})


async def test_municipality_operator_sees_every_error(api: Any) -> None:
    app, _, auth = api
    response = await _get(app, "/nexus/errors", auth("operatoer", "0450"))
    assert response.status_code == 200
    assert sorted(e["form_id"] for e in response.json()) == ["1", "2", "3"]
    assert response.json()[0]["errors"][0]["label"] == "Indgreb"


async def test_institution_sees_only_its_own_errors(api: Any) -> None:
    app, _, auth = api
    response = await _get(app, "/nexus/errors", auth("leder", "botilbud-0450-002"))
    assert [e["form_id"] for e in response.json()] == ["1"]


async def test_others_are_refused_in_danish_and_audited(api: Any) -> None:
    app, engine, auth = api
    for role, org in (("operatoer", "0851"), ("kommune", "0450"), ("socialtilsyn", "Syd")):
        response = await _get(app, "/nexus/errors", auth(role, org))
        assert response.status_code == 403
        assert response.json()["detail"] == "Du har ikke adgang til denne sag."
    assert (await _get(app, "/nexus/errors")).status_code == 401
    response = await _get(app, "/nexus/status", auth("leder", "botilbud-0450-002"))
    assert response.status_code == 403
    with Session(engine) as session:
        verdicts = [(a.role, a.allowed) for a in session.exec(select(AuditRow))]
    assert verdicts == [
        ("operatoer", False),
        ("kommune", False),
        ("socialtilsyn", False),
        ("leder", False),
    ]


async def test_status_for_the_municipality(api: Any) -> None:
    app, _, auth = api
    response = await _get(app, "/nexus/status", auth("fagkonsulent", "0450"))
    assert response.status_code == 200
    assert response.json()["cursor"] is None
    assert response.json()["notes_pending"] == 0
