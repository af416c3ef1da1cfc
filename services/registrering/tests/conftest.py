"""Fixtures of registrering's tests: example forms, settings with fresh keys, outbox reading."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from magt.testing.tokens import session_issuer
from magt_registrering.settings import Settings
from magt_runtime.crypto import FieldCipher
from magt_runtime.outbox import OutboxRow

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"

Lav = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def eksempler() -> dict[str, dict[str, Any]]:
    """Every example form by file stem (synthetic CPR numbers and names)."""
    return {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.json"))}


@pytest.fixture(scope="session")
def lav(eksempler: dict[str, dict[str, Any]]) -> Lav:
    """lav("val_indberetning", {"barn.cpr": "..."}) → a changed deep copy of an example."""

    def _lav(navn: str, aendringer: dict[str, Any] | None = None) -> dict[str, Any]:
        data = copy.deepcopy(eksempler[navn])
        for sti, vaerdi in (aendringer or {}).items():
            *dele, sidste = sti.split(".")
            node = data
            for del_ in dele:
                node = node[del_]
            if vaerdi is None:
                node.pop(sidste, None)
            else:
                node[sidste] = vaerdi
        return data

    return _lav


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings with fresh keys (payload, storage) for one test."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": "127.0.0.1:1",
        "payload_keys": FieldCipher.new_key(),
        "storage_keys": FieldCipher.new_key(),
        "person_ref_secret": "test-person-secret",
        **session_issuer().settings(),
        "consumer_max_attempts": 2,
        "consumer_retry_backoff_s": 0.01,
        "log_json": True,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """Settings on a fresh SQLite database."""
    return make_settings(sqlite_url)


def outbox_events(engine: Engine, event_type: str | None = None) -> list[tuple[str, str, str]]:
    """(event type, topic, payload) of every staged event, oldest first."""
    with Session(engine) as session:
        rows = list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))))
    out = [(json.loads(r.headers)["event-type"], r.topic, r.payload) for r in rows]
    return [o for o in out if event_type is None or o[0] == event_type]


@pytest.fixture(scope="session")
def ny_settings() -> Callable[..., Settings]:
    """Factory: settings for a database URL, with overrides."""
    return make_settings


@pytest.fixture(scope="session")
def udgaaende() -> Callable[..., list[tuple[str, str, str]]]:
    """Reader of the staged outbox events."""
    return outbox_events
