"""Fixtures: the example documents of docs/bosted-format.md, settings, and a real Bosted emulator."""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import Engine

from magt.testing.tokens import session_issuer
from magt_bosted.emulator import EmulatorState, create_emulator
from magt_bosted.settings import Settings
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import create_tables, make_engine

DOC = Path(__file__).resolve().parents[3] / "docs" / "bosted-format.md"
PERSON_SECRET = "test-pseudonym-hemmelighed"
CASE_ID_SECRET = "test-case-id-secret-bosted"
# The synthetic child of the examples; tests assert these never reach a topic.
CPR = "010110-4321"
NAVN = "Alma Testesen"

Lav = Callable[..., dict[str, Any]]


def _eksempler() -> dict[str, dict[str, Any]]:
    tekst = DOC.read_text(encoding="utf-8")
    fund = re.findall(r"<!-- eksempel: (\w+) -->\s*```json\n(.*?)```", tekst, re.S)
    return {navn: json.loads(blok) for navn, blok in fund}


EKSEMPLER = _eksempler()


def _saet(data: dict[str, Any], sti: str, vaerdi: Any) -> None:
    *dele, sidste = sti.split(".")
    node: Any = data
    for del_ in dele:
        node = node[int(del_)] if isinstance(node, list) else node[del_]
    if vaerdi is SLET:
        node.pop(sidste, None)
    else:
        node[sidste] = vaerdi


SLET = object()


@pytest.fixture
def lav() -> Lav:
    """lav("magtanvendelsesskema", {"dokument_version": 2, ...}) → a changed copy of an example."""

    def _lav(navn: str = "magtanvendelsesskema", aendringer: dict[str, Any] | None = None) -> Any:
        data = copy.deepcopy(EKSEMPLER[navn])
        for sti, vaerdi in (aendringer or {}).items():
            _saet(data, sti, vaerdi)
        return data

    return _lav


@pytest.fixture(scope="session")
def payload_key() -> str:
    """One sealing key for the run."""
    return FieldCipher.new_key()


@pytest.fixture
def make_settings(tmp_path: Path, payload_key: str) -> Callable[..., Settings]:
    """Settings for a test: its own drop folder; override anything by keyword."""

    def make(database_url: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "drop_folder": tmp_path / "drop",
            "stable_after_s": 0,
            "payload_keys": payload_key,
            **session_issuer().settings(),
            "person_ref_secret": PERSON_SECRET,
            "case_id_secret": CASE_ID_SECRET,
            "send_backoff_base_s": 0,
            "log_json": True,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def engine_for() -> Callable[[str], Engine]:
    """An engine with the adapter's tables."""

    def make(url: str) -> Engine:
        import magt_bosted.store  # noqa: F401  (registers the tables)

        engine = make_engine(url)
        create_tables(engine)
        return engine

    return make


@dataclass
class Emulator:
    """A running Bosted emulator: its API base URL and its state."""

    url: str
    state: EmulatorState


@pytest.fixture
async def bosted() -> AsyncIterator[Emulator]:
    """The Bosted emulator served by uvicorn on a free loopback port."""
    state = EmulatorState()
    config = uvicorn.Config(
        create_emulator(state), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 10
    while not server.started:
        if task.done() or asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("the Bosted emulator did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Emulator(f"http://127.0.0.1:{port}/api", state)
    server.should_exit = True
    await task


Eventually = Callable[..., Any]


@pytest.fixture
def eventually() -> Eventually:
    """`await eventually(check)`: poll until `check()` (sync or async) is truthy, or fail."""
    return _eventually


async def _eventually(check: Callable[[], Any], within_s: float = 30.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)
