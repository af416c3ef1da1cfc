"""`magt frister`: the rich overview from the database and through the HTTP API, scope-checked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import typer
import uvicorn
from fastapi import FastAPI
from sqlmodel import Session, select
from typer.testing import CliRunner

from magt.commands.frister import frister
from magt.testing.tokens import session_issuer
from magt_frister.api import build_router
from magt_frister.handlers import Handlers
from magt_frister.scheduler import Scheduler
from magt_frister.settings import Settings
from magt_runtime.audit import AuditRow
from magt_runtime.auth import Principal
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.integration


@pytest.fixture
def db(sqlite_url: str, clock: Any, lav_fakta: Any, ev: Any) -> str:
    settings = Settings(database_url=sqlite_url)
    engine = make_engine(sqlite_url)
    create_tables(engine)
    clock.set("2025-03-20T09:00:00+01:00")  # after the due times: the sweep breaches them
    f = lav_fakta("val_indberetning", godkendt="2025-03-15T09:00:00+01:00")
    Handlers(engine, settings, now=clock).apply("frister.ReportApproved", ev.approved("sag-c", f))
    Scheduler(engine, settings, now=clock).sweep_all()
    return sqlite_url


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(frister)
    return app


def test_database_listing_groups_per_municipality_in_danish(db: str) -> None:
    result = CliRunner().invoke(
        _app(),
        [
            "--database-url",
            db,
            "--rolle",
            "kommune",
            "--organisation",
            "0860",
            "--gruppe",
            "kommune",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "Frister pr. kommune" in result.output
    assert "Indberetning til handlekommunen" in result.output
    assert "Overskredet" in result.output
    assert "16.03.2025 09:00" in result.output  # due in Danish time


def test_out_of_scope_is_refused_and_audited(db: str) -> None:
    result = CliRunner().invoke(
        _app(),
        ["--database-url", db, "--rolle", "kommune", "--organisation", "0101", "--kommune", "0860"],
    )
    assert result.exit_code == 1
    assert "ikke adgang" in result.output
    with Session(make_engine(db)) as session:
        rows = session.exec(select(AuditRow)).all()
    assert [(a.organisation, a.allowed) for a in rows] == [("0101", False)]


@pytest.fixture
def server(db: str, unused_tcp_port: int) -> Iterator[str]:
    settings = Settings(database_url=db, **session_issuer().settings())
    app = FastAPI()
    app.include_router(build_router(make_engine(db), settings, settings.token_verifier()))
    config = uvicorn.Config(app, host="127.0.0.1", port=unused_tcp_port, log_config=None)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        thread.join(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{unused_tcp_port}"
    srv.should_exit = True
    thread.join(10)


def test_listing_through_the_http_api_as_json(server: str) -> None:
    token = session_issuer().token(Principal(subject="u", role="socialtilsyn", organisation="Nord"))
    result = CliRunner().invoke(
        _app(), ["--url", server, "--token", token, "--json", "-t", "breached"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["kind"] for r in rows} == {
        "indberetning_handlekommune",
        "orientering_foraeldremyndighed",
    }
    assert {r["state"] for r in rows} == {"breached"}
    refused = CliRunner().invoke(
        _app(), ["--url", server, "--token", token, "--socialtilsyn", "Syd"]
    )
    assert refused.exit_code == 1
    assert "Afvist (403)" in refused.output
