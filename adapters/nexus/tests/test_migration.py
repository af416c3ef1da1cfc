"""The migration to HMAC case ids keeps the cases of forms taken in before it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, insert
from sqlmodel import Session

from magt_nexus import store
from magt_runtime import migrations
from magt_runtime.db import create_tables, make_engine
from magt_runtime.migrations import BASELINE, History

pytestmark = pytest.mark.integration  # SQLite and PostgreSQL
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _insert(engine: Engine, table: str, **values: Any) -> None:
    """A row written with the database's own columns (the previous release's, not the models')."""
    with engine.begin() as conn:
        conn.execute(insert(Table(table, MetaData(), autoload_with=conn)).values(**values))


def test_forms_taken_in_before_keep_their_cases_and_deliveries_find_them(db_url: str) -> None:
    engine = make_engine(db_url)
    for history in migrations.histories("nexus"):
        migrations.upgrade(engine, history, BASELINE)
    for form_id, institution in (("1001", "botilbud-0450-002"), ("1002", None)):
        _insert(
            engine,
            "nexus_form",
            form_id=form_id,
            case_id=f"nexus-{form_id}",
            self_href=f"http://127.0.0.1/x/formData/{form_id}",
            institution_id=institution,
            nexus_version=1,
            seen_hash="h" * 64,
            first_seen_at=NOW,
            updated_at=NOW,
        )

    create_tables(engine)

    assert migrations.differences(engine, History("nexus")) == []
    with Session(engine) as session:
        old = store.case(session, "nexus-1001")
        assert old is not None
        assert (old.institution_id, old.form_id) == ("botilbud-0450-002", "1001")
        assert store.case(session, "nexus-1002") is None  # never mapped to an institution
        store.record_error(
            session,
            form_id="1002",
            case_id=None,
            source="mapping",
            errors=[],
            nexus_version=1,
            institution_id=None,
        )
        session.commit()
