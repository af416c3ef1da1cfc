"""The runtime's migration history and `create_tables` on real SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import inspect

from magt_runtime import migrations
from magt_runtime.db import create_tables, make_engine
from magt_runtime.migrations import History, SchemaNotCurrentError

pytestmark = pytest.mark.integration

RUNTIME = History(migrations.RUNTIME)


@pytest.fixture(autouse=True)
def runtime_models() -> None:
    """The runtime's tables in the metadata, as in every service process."""
    RUNTIME.import_models()


def test_replicas_starting_together_upgrade_one_after_the_other(db_url: str) -> None:
    """Four starts on one fresh database at once: the lock lets one migrate, the rest find it done."""
    engines = [make_engine(db_url) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda engine: migrations.upgrade(engine, RUNTIME), engines))
    assert migrations.current(engines[0], RUNTIME) == RUNTIME.head()
    assert migrations.differences(engines[0], RUNTIME) == []


def test_checking_only_refuses_a_database_behind_and_accepts_it_at_head(db_url: str) -> None:
    engine = make_engine(db_url)
    with pytest.raises(SchemaNotCurrentError, match="runtime at none"):
        create_tables(engine, upgrade=False)
    assert "outbox" not in inspect(engine).get_table_names()

    create_tables(engine)
    create_tables(engine, upgrade=False)
    assert migrations.current(engine, RUNTIME) == RUNTIME.head()


def test_a_database_of_the_baseline_without_version_table_is_stamped_not_recreated(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    migrations.upgrade(engine, RUNTIME, migrations.BASELINE)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version_runtime")
        conn.exec_driver_sql(
            "INSERT INTO inbox (consumer, event_id, handled_at) VALUES ('c', 'e', '2026-01-01')"
        )

    migrations.upgrade(engine, RUNTIME)

    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT event_id FROM inbox").scalars().all() == ["e"]
    assert migrations.differences(engine, RUNTIME) == []
