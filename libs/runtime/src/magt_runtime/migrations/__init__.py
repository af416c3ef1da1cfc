"""Alembic schema migrations: the runtime's shared tables and one history per service.

Every service database holds two histories. `runtime` migrates the tables the runtime defines
(outbox, inbox, audit log); `<service>` migrates the tables its package `magt_<service>` defines.
Each history keeps its place in its own version table, `alembic_version_<name>`, so several
services can share one database (the embedded SQLite default `./.state/magt.db`) and the
runtime's tables are migrated once per database, whichever service comes first.

A history's revisions live in `<package>/migrations/versions/` (package data, shipped in the
wheel); the script template and Alembic's `env.py` live here once. The target of autogenerate is
the SQLModel metadata, each table belonging to the package whose module defines its class.

A database made before migrations existed (the previous release's `create_all`) has the tables of
the baseline revision but no version table: `upgrade` stamps it at the baseline first.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import pkgutil
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.schema import SchemaItem
from sqlmodel import SQLModel
from sqlmodel.main import default_registry

log = structlog.get_logger(__name__)

RUNTIME = "runtime"
BASELINE = "0001"
"""The first revision of every history: the schema of the release before migrations."""
_ADVISORY_LOCK = 0x6D616774  # "magt": one schema change at a time per PostgreSQL database


class SchemaNotCurrentError(RuntimeError):
    """The database is not at the newest revision and the service may not upgrade it itself."""


class NothingToMigrateError(ValueError):
    """The models already match the newest revision: there is nothing to write."""


@dataclass(frozen=True)
class History:
    """One migration history: the runtime's or one service's."""

    name: str

    @property
    def package(self) -> str:
        return "magt_runtime" if self.name == RUNTIME else f"magt_{self.name}"

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    @property
    def versions_dir(self) -> Path:
        return Path(str(files(self.package).joinpath("migrations", "versions")))

    def exists(self) -> bool:
        try:
            return self.versions_dir.is_dir()
        except ModuleNotFoundError:
            return False

    def import_models(self) -> None:
        """Import every module of the package, so its SQLModel tables are in the metadata."""
        package = importlib.import_module(self.package)
        for module in pkgutil.walk_packages(package.__path__, f"{self.package}."):
            if ".migrations" not in module.name and not module.name.endswith("__main__"):
                importlib.import_module(module.name)

    def owns(self, table_name: str) -> bool:
        """Whether a table (in the metadata or only in a database) belongs to this history."""
        owner = table_owners().get(table_name)
        if owner is not None:
            return owner == self.package
        return self.name != RUNTIME and table_name.startswith(f"{self.name}_")

    def config(self, connection: Connection | None = None) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent))
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", str(self.versions_dir))
        cfg.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
        ruff = shutil.which("ruff")
        if ruff is not None:
            hooks = "post_write_hooks"
            cfg.set_section_option(hooks, "hooks", "ruff_fix, ruff_format")
            for hook, options in (("ruff_fix", "check --fix"), ("ruff_format", "format")):
                cfg.set_section_option(hooks, f"{hook}.type", "exec")
                cfg.set_section_option(hooks, f"{hook}.executable", ruff)
                cfg.set_section_option(
                    hooks, f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME"
                )
        cfg.attributes["connection"] = connection
        cfg.attributes["history"] = self
        return cfg

    def script(self) -> ScriptDirectory:
        return ScriptDirectory.from_config(self.config())

    def head(self) -> str:
        heads = self.script().get_heads()
        if len(heads) != 1:
            raise RuntimeError(f"migration history {self.name} has {len(heads)} heads: {heads}")
        return heads[0]

    def baseline_tables(self) -> tuple[str, ...]:
        """The tables the baseline revision creates (declared in it as BASELINE_TABLES)."""
        baseline = self.script().get_revision(BASELINE)
        if baseline is None:
            raise RuntimeError(f"migration history {self.name} has no revision {BASELINE}")
        return tuple(baseline.module.BASELINE_TABLES)


def histories(service: str) -> list[History]:
    """What a service's database holds: the runtime's history, then the service's."""
    own = History(service)
    if service == RUNTIME or not own.exists():
        raise ValueError(f"no migration history for service {service!r}")
    return [History(RUNTIME), own]


def table_owners() -> dict[str, str]:
    """Table name -> top-level package of the module that defines its SQLModel class."""
    return {
        str(mapper.local_table.name): mapper.class_.__module__.split(".")[0]
        for mapper in default_registry.mappers
        if mapper.local_table is not None and hasattr(mapper.local_table, "name")
    }


def current(engine: Engine, history: History) -> str | None:
    """The revision the database is at in this history (None: not under migrations yet)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": history.version_table})
        heads = context.get_current_heads()
    return heads[0] if heads else None


def upgrade(engine: Engine, history: History, revision: str = "head") -> None:
    """Upgrade the database to `revision` in this history (one process at a time)."""
    with _locked(engine) as conn:
        cfg = history.config(conn)
        context = MigrationContext.configure(conn, opts={"version_table": history.version_table})
        if not context.get_current_heads():
            existing = set(inspect(conn).get_table_names())
            if existing & set(history.baseline_tables()):
                log.info("migrations.stamp_baseline", history=history.name, revision=BASELINE)
                command.stamp(cfg, BASELINE)
        before = context.get_current_heads()
        command.upgrade(cfg, revision)
        conn.commit()
        after = context.get_current_heads()
    if before != after:
        log.info("migrations.upgraded", history=history.name, before=before, after=after)


def require_head(engine: Engine, kept: Sequence[History]) -> None:
    """Fail with one clear error when the database is behind (or ahead of) the code in any of
    these histories, naming the command that upgrades it."""
    behind = {h.name: (current(engine, h), h.head()) for h in kept}
    behind = {name: (at, head) for name, (at, head) in behind.items() if at != head}
    if not behind:
        return
    services = [h.name for h in kept if h.name != RUNTIME]
    target = f" {services[0]}" if len(services) == 1 else ""
    states = ", ".join(
        f"{name} at {at or 'none'} (needs {head})" for name, (at, head) in behind.items()
    )
    message = (
        f"database schema is not the one this release needs: {states}; upgrade it with "
        f"`magt db upgrade{target}` or turn on the service's DB_AUTO_UPGRADE setting"
    )
    log.error(
        "migrations.schema_not_current", histories=sorted(behind), hint=f"magt db upgrade{target}"
    )
    raise SchemaNotCurrentError(message)


def history_of_package(package: str) -> History | None:
    """The history of a top-level package, or None when it keeps none (a test's own tables)."""
    if package == "magt_runtime":
        return History(RUNTIME)
    if not package.startswith("magt_"):
        return None
    history = History(package.removeprefix("magt_"))
    return history if history.exists() else None


def differences(engine: Engine, history: History) -> list[Any]:
    """What autogenerate would change to bring the database to the models (empty: in step)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=_compare_options(history))
        return list(compare_metadata(context, SQLModel.metadata))


def _compare_options(history: History) -> dict[str, Any]:
    """Alembic options every use of a history shares (env.py, comparisons): its version table and
    only its own tables (another service's, in a shared database, are none of its business)."""

    def include_name(name: str | None, type_: str, _parents: object) -> bool:
        return type_ != "table" or (name is not None and history.owns(name))

    def include_object(
        _obj: SchemaItem, name: str | None, type_: str, _reflected: bool, _other: object
    ) -> bool:
        return type_ != "table" or (name is not None and history.owns(name))

    return {
        "version_table": history.version_table,
        "include_name": include_name,
        "include_object": include_object,
        "compare_type": True,
        "render_as_batch": True,
    }


def new_revision(history: History, message: str) -> Path:
    """Autogenerate the next revision of a history from its models (`magt db revision`).

    The comparison runs against a scratch SQLite database upgraded to the current head. Alembic
    does not see a changed primary key or a renamed column: edit the generated file for those.
    """
    history.import_models()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            upgrade(engine, history)
            if not differences(engine, history):
                raise NothingToMigrateError(
                    f"the models of {history.name} match its newest revision"
                )
            head = history.head()
            with engine.connect() as conn:
                scripts = command.revision(
                    history.config(conn),
                    message=message,
                    autogenerate=True,
                    rev_id=f"{int(head) + 1:04d}",
                )
        finally:
            engine.dispose()
    script = scripts[0] if isinstance(scripts, list) else scripts
    if script is None:
        raise RuntimeError("alembic wrote no revision")
    return Path(script.path)


def run_env() -> None:
    """Alembic's env.py for every history: online, on the connection `upgrade` passes in."""
    from alembic import context

    history: History = context.config.attributes["history"]
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "magt migrations run through `magt db upgrade|current|revision`, not `alembic`"
        )
    context.configure(
        connection=connection, target_metadata=SQLModel.metadata, **_compare_options(history)
    )
    with context.begin_transaction():
        context.run_migrations()


@contextlib.contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection holding the database's migration lock (advisory on PostgreSQL, a lock file
    beside a SQLite file), so replicas starting together upgrade one after the other."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_LOCK})
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    with open(f"{database}.migrate.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
