"""Database engines for a service's own database: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, event
from sqlmodel import SQLModel, create_engine

from magt_runtime import migrations

T = TypeVar("T")
E = TypeVar("E")


class HasEngine(Protocol):
    """A handler object bound to its service's database."""

    engine: Engine


H = TypeVar("H", bound=HasEngine)


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


def in_worker_thread(
    method: Callable[[H, E], None],
) -> Callable[[H, E], Coroutine[Any, Any, None]]:
    """Make a handler method whose body is blocking database work an async handler that runs it
    in a worker thread (`off_loop` with the object's `engine`), so the event loop stays free."""

    @functools.wraps(method)
    async def handler(self: H, event: E) -> None:
        await off_loop(self.engine, method, self, event)

    return handler
