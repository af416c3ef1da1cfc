"""Database engines for a service's own database: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlmodel import SQLModel, create_engine

from magt_runtime import migrations

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and its folder created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_tables(engine: Engine, *, upgrade: bool = True) -> None:
    """Bring the database to the schema of every imported SQLModel table class (idempotent).

    The tables of a package with a migration history (the runtime and each service, see
    `magt_runtime.migrations`) are upgraded to the newest revision, or with `upgrade=False` only
    checked: a database behind the code then raises `SchemaNotCurrentError` after logging what to
    run. A service passes `upgrade=settings.upgrades_schema()`. Tables of a package without a
    history (a test's own) are created as they stand.
    """
    owners = migrations.table_owners()
    kept = {p: migrations.history_of_package(p) for p in set(owners.values())}
    histories = sorted(
        {h for h in kept.values() if h is not None},
        key=lambda h: (h.name != migrations.RUNTIME, h.name),
    )
    if upgrade:
        for history in histories:
            migrations.upgrade(engine, history)
    else:
        migrations.require_head(engine, histories)
    unkept = [
        t for t in SQLModel.metadata.sorted_tables if kept.get(owners.get(t.name, "")) is None
    ]
    if unkept:
        SQLModel.metadata.create_all(engine, tables=unkept)


async def off_loop(engine: Engine, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking database call in a worker thread, keeping the event loop free.

    An in-memory SQLite database lives in one connection per thread, so it is called inline.
    """
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return call(*args, **kwargs)
    return await asyncio.to_thread(call, *args, **kwargs)
