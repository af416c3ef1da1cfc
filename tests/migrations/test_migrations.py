"""Every service database's migrations, on SQLite and real PostgreSQL.

- at head, autogenerate finds no difference between the database and the SQLModel models;
- a database of the previous release (at revision 0001, or made by its `create_all` with no
  version table at all) upgrades in place with its rows intact and the new columns usable;
- a service refuses to start on a PostgreSQL database behind the code unless told to upgrade it,
  and starts once `magt db upgrade` has run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, insert, inspect, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from magt.cli import app as cli
from magt.platform import ALL, WORKSPACE
from magt_runtime import migrations
from magt_runtime.db import create_tables, make_engine
from magt_runtime.migrations import BASELINE, History
from magt_runtime.outbox import OutboxRow, claim

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module", autouse=True)
def models() -> None:
    """Every history's tables in the metadata (as in a process running that service)."""
    for name in (migrations.RUNTIME, *ALL, WORKSPACE):
        History(name).import_models()


def _insert(engine: Engine, table: str, **values: Any) -> None:
    """A row written with the database's own columns (the previous release's, not the models')."""
    with engine.begin() as conn:
        conn.execute(insert(Table(table, MetaData(), autoload_with=conn)).values(**values))


def _at_baseline(db_url: str, service: str) -> Engine:
    engine = make_engine(db_url)
    for history in migrations.histories(service):
        migrations.upgrade(engine, history, BASELINE)
    return engine


def _drop_version_tables(engine: Engine) -> None:
    """What the previous release left behind: its tables and no migration bookkeeping."""
    with engine.begin() as conn:
        for name in inspect(conn).get_table_names():
            if name.startswith("alembic_version_"):
                conn.execute(text(f'DROP TABLE "{name}"'))


@pytest.mark.parametrize("service", [*ALL, WORKSPACE])
def test_head_matches_the_models(service: str, db_url: str) -> None:
    engine = make_engine(db_url)
    for history in migrations.histories(service):
        migrations.upgrade(engine, history)
        assert migrations.current(engine, history) == history.head()
        assert migrations.differences(engine, history) == []


def test_services_sharing_one_database_each_keep_their_own_history(db_url: str) -> None:
    """The embedded default puts several services in one file: the runtime's tables once, each
    service's version in its own table, and no history sees another's tables as removed."""
    engine = make_engine(db_url)
    for service in ("frister", "klager", "sikkermail"):
        for history in migrations.histories(service):
            migrations.upgrade(engine, history)
    for service in ("frister", "klager", "sikkermail"):
        for history in migrations.histories(service):
            assert migrations.differences(engine, history) == []
    tables = set(inspect(engine).get_table_names())
    assert {
        "alembic_version_runtime",
        "alembic_version_frister",
        "alembic_version_klager",
    } <= tables


def test_previous_release_outbox_upgrades_with_its_rows_and_dead_letters_work(db_url: str) -> None:
    engine = _at_baseline(db_url, "frister")
    _insert(
        engine,
        "outbox",
        topic="magt.frist.aabnet.v1",
        key="sag-1",
        payload="{}",
        headers="{}",
        created_at=NOW,
    )
    _insert(engine, "inbox", consumer="magt.frister", event_id="e-1", handled_at=NOW)

    create_tables(engine)  # what the service does at start on SQLite / with auto-upgrade on

    assert migrations.current(engine, History(migrations.RUNTIME)) == History("runtime").head()
    with Session(engine) as session:
        (row,) = claim(session, limit=10)
        assert (row.topic, row.key, row.dead_at) == ("magt.frist.aabnet.v1", "sag-1", None)
        row.dead_at, row.dead_reason = NOW, "for stor"
        session.add(row)
        session.commit()
    with Session(engine) as session:
        dead = session.exec(select(OutboxRow)).one()
        assert dead.dead_reason == "for stor"
        assert claim(session, limit=10) == []
        inbox = session.execute(text("SELECT event_id FROM inbox")).scalars().all()
    assert inbox == ["e-1"]


def test_previous_release_database_without_version_tables_is_stamped_and_upgraded(
    db_url: str,
) -> None:
    """The previous release made its tables with `create_all`: no version table anywhere."""
    from magt_klager.store import SagsomfangRow, omfang

    engine = _at_baseline(db_url, "klager")
    _drop_version_tables(engine)
    _insert(
        engine,
        "klager_sag",
        case_id="sag-7",
        handlekommune="0851",
        institution_id="inst-1",
        indgreb="fastholdelse",
    )

    create_tables(engine)

    klager = History("klager")
    assert migrations.current(engine, klager) == klager.head() != BASELINE
    assert migrations.differences(engine, klager) == []
    with Session(engine) as session:
        assert omfang(session, case_id="sag-7") == ("0851", "inst-1")
        session.add(SagsomfangRow(case_id="sag-8", handlekommune="0101", institution_id="inst-2"))
        session.commit()
        assert omfang(session, case_id="sag-8") == ("0101", "inst-2")


def test_previous_release_bosted_documents_are_keyed_by_institution_after_upgrade(
    db_url: str,
) -> None:
    from magt_bosted.store import Dokument, dokument, modtagelse

    engine = _at_baseline(db_url, "bosted")
    _insert(
        engine,
        "bosted_dokument",
        dokument_id="42",
        dokumenttype="magtanvendelsesskema",
        institution_id="inst-a",
        case_id="sag-a",
        version=1,
        indholdshash="h" * 64,
        status="modtaget",
        oprettet=NOW,
        aendret=NOW,
    )
    _insert(
        engine,
        "bosted_modtagelse",
        dokument_id="42",
        indholdshash="h" * 64,
        version=1,
        udfald="sendt",
        kilde="mappe",
        modtaget=NOW,
    )

    create_tables(engine)

    assert migrations.differences(engine, History("bosted")) == []
    with Session(engine) as session:
        old = modtagelse(session, institution_id="inst-a", dokument_id="42", indholdshash="h" * 64)
        assert old is not None
        assert old.udfald == "sendt"
        session.add(
            Dokument(
                dokument_id="42",
                dokumenttype="magtanvendelsesskema",
                institution_id="inst-b",
                case_id="sag-b",
                version=1,
                indholdshash="i" * 64,
                status="modtaget",
            )
        )
        session.commit()
        first = dokument(session, institution_id="inst-a", dokument_id="42")
        second = dokument(session, institution_id="inst-b", dokument_id="42")
        assert first is not None
        assert first.case_id == "sag-a"
        assert second is not None
        assert second.case_id == "sag-b"


def test_previous_release_routing_lines_get_their_typed_reason_after_upgrade(
    db_url: str,
) -> None:
    """Lines stored before `grund` existed get it from their cause (a deadline its kind)."""
    from magt_contracts.begreber import Klagehaendelse, Leveringsgrund
    from magt_routing.addressing import grund_of
    from magt_routing.store import line_by_key

    engine = _at_baseline(db_url, "routing")
    gamle = {
        "l-report": ("report", "rapport-sag-r-v1"),
        "l-klage": ("complaint_statement_issued", "klage:k-1:statement_issued"),
        "l-frist": ("deadline_breached", "frist:forhaandsgodkendelse_udloeb"),
        "l-alarm": ("delivery_failed", "levering:sikker_mail:driftsherre"),
    }
    for key, (cause, ref) in gamle.items():
        _insert(
            engine,
            "routing_plan_line",
            line_key=key,
            case_id="sag-r",
            cause=cause,
            cause_event_id="c",
            correlation_id="k",
            role="handlekommune",
            recipient_id="0851",
            channel="sikker_mail",
            when_kind="monthly_batch",
            due=NOW,
            send_at=NOW,
            state="planned",
            rapport_ref=ref,
            addressed_event_id=key,
        )

    create_tables(engine)

    assert migrations.differences(engine, History("routing")) == []
    with Session(engine) as session:
        grunde = {}
        for key in gamle:
            row = line_by_key(session, key)
            assert row is not None
            grunde[key] = grund_of(row)
    assert grunde["l-report"].grund is Leveringsgrund.INDBERETNING
    assert grunde["l-klage"].grund is Leveringsgrund.KLAGE
    assert grunde["l-klage"].klage_art is Klagehaendelse.STATEMENT_ISSUED
    assert grunde["l-frist"].grund is Leveringsgrund.FRIST
    assert grunde["l-frist"].frist_art == "forhaandsgodkendelse_udloeb"
    assert grunde["l-alarm"].grund is Leveringsgrund.LEVERINGSFEJL


_START = """
import magt_klager.app
from magt_klager.settings import Settings
from magt_runtime.db import create_tables, make_engine
from magt_runtime.logging import configure_logging

settings = Settings()
configure_logging(service=settings.service_name, json=True, level="INFO")
create_tables(make_engine(settings.database_url), upgrade=settings.upgrades_schema())
"""


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The schema step of klager's start (`create_app`), in a process of klager alone."""
    return subprocess.run(
        [sys.executable, "-c", _START],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_service_refuses_a_postgresql_database_behind_the_code(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Auto-upgrade is off on PostgreSQL by default: start fails with the command to run, and
    succeeds once `magt db upgrade` has run."""
    monkeypatch.delenv("MAGT_KLAGER_DB_AUTO_UPGRADE")
    monkeypatch.setenv("MAGT_KLAGER_DATABASE_URL", pg_url)
    env = dict(os.environ)
    _at_baseline(pg_url, "klager").dispose()

    refused = _start(env)
    assert refused.returncode != 0
    (line,) = [
        json.loads(out)
        for out in refused.stderr.splitlines()
        if "migrations.schema_not_current" in out
    ]
    assert line["level"] == "error"
    assert line["hint"] == "magt db upgrade klager"
    assert "SchemaNotCurrentError" in refused.stderr

    runner = CliRunner()
    assert runner.invoke(cli, ["db", "current", "klager"]).exit_code == 1
    upgraded = runner.invoke(cli, ["db", "upgrade", "klager"])
    assert upgraded.exit_code == 0, upgraded.output
    assert runner.invoke(cli, ["db", "current", "klager"]).exit_code == 0
    started = _start(env)
    assert started.returncode == 0, started.stderr


def test_the_embedded_default_upgrades_at_start(tmp_path: Any) -> None:
    from magt_klager.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'klager.db'}", db_auto_upgrade=None)
    assert settings.upgrades_schema() is True
    on_postgres = Settings(database_url="postgresql+psycopg://h/db", db_auto_upgrade=None)
    assert on_postgres.upgrades_schema() is False
    assert Settings(
        database_url="postgresql+psycopg://h/db", db_auto_upgrade=True
    ).upgrades_schema()
