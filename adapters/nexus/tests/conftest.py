"""Fixtures: synthetic Nexus forms, the Nexus emulator served by uvicorn, adapter settings."""

from __future__ import annotations

import copy
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography.fernet import Fernet

from magt.testing.tokens import session_issuer
from magt_nexus import domain
from magt_nexus.demo_client import NexusUser
from magt_nexus.emulator import EmulatorState, create_emulator
from magt_nexus.mapping import FormMapping, Mappings, load_mappings
from magt_nexus.settings import NexusSettings
from magt_nexus.values import to_items

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
# Synthetic person data only: a made-up CPR number and name.
TEST_CPR = "140371-9982"
TEST_NAME = "Testa Fiktivsen"
CASE_ID_SECRET = b"test-case-id-secret-nexus"  # the secret nexus_settings carry
MAPPING_OF = {
    "skema_1a": "skema1a-2025",
    "skema_1b": "skema1b-2025",
    "bilag_1": "bilag1-2025",
    "skema_2": "skema2-2025",
    "skema_3": "skema3-2025",
}


@pytest.fixture(scope="session")
def mappings() -> Mappings:
    """The mappings shipped in the package."""
    return load_mappings()


def mapping_for(mappings: Mappings, form_type: str) -> FormMapping:
    """The 2025 mapping of a form type."""
    return next(m for m in mappings.by_definition.values() if m.name == MAPPING_OF[form_type])


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parts, last = path.split(".")
    node = data
    for part in parts:
        node = node[part]
    node[last] = value


@pytest.fixture(scope="session")
def form_data() -> Callable[..., dict[str, Any]]:
    """form_data("skema_1a", {"episode.sted": "Køkkenet"}): a synthetic contract form as a dict."""
    examples = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES.glob("*.json")}

    def make(form_type: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        data: dict[str, Any] = copy.deepcopy(examples[form_type])
        data["borger"]["cpr"], data["borger"]["navn"] = TEST_CPR, TEST_NAME
        for path, value in (changes or {}).items():
            _set(data, path, value)
        return data

    return make


@dataclass
class NexusForm:
    """A synthetic form as Nexus holds it: its definition and items."""

    title: str
    version: str
    items: list[dict[str, Any]]


@pytest.fixture(scope="session")
def nexus_form(
    mappings: Mappings, form_data: Callable[..., dict[str, Any]]
) -> Callable[..., NexusForm]:
    """nexus_form("skema_2", {...}) → the form's Nexus title, version and items."""

    def make(form_type: str, changes: dict[str, Any] | None = None) -> NexusForm:
        mapping = mapping_for(mappings, form_type)
        items = to_items(mapping, form_data(form_type, changes))
        return NexusForm(mapping.nexus_title, mapping.nexus_version, items)

    return make


@dataclass
class RunningEmulator:
    """An emulator served over HTTP on loopback."""

    state: EmulatorState
    base_url: str

    @property
    def api_root(self) -> str:
        return f"{self.base_url}/api/core/mobile/{self.state.instance}/v2/"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/authx/realms/{self.state.instance}/protocol/openid-connect/token"


class FakeClock:
    """A monotonic clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh Nexus emulator (uvicorn on a free loopback port, in a thread)."""
    state = EmulatorState()
    port = _free_port()
    config = uvicorn.Config(
        create_emulator(state), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Nexus emulator did not start")
        time.sleep(0.01)
    yield RunningEmulator(state, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def payload_key() -> str:
    """One sealing key for the run."""
    return Fernet.generate_key().decode()


@pytest.fixture
def nexus_settings(
    emulator: RunningEmulator, sqlite_url: str, payload_key: str
) -> Callable[..., NexusSettings]:
    """Settings pointing at the emulator (override any field)."""

    def make(**overrides: Any) -> NexusSettings:
        values: dict[str, Any] = {
            "api_root": emulator.api_root,
            "token_url": emulator.token_url,
            "client_id": emulator.state.client_id,
            "client_secret": emulator.state.client_secret,
            "database_url": sqlite_url,
            "payload_keys": payload_key,
            "http_backoff_base_s": 0.0,
            "http_max_attempts": 4,
            "kommunekode": "0450",
            "case_id_secret": CASE_ID_SECRET.decode(),
            **session_issuer().settings(),
            "poll_interval_s": 0.2,
            "poll_idle_max_s": 1.0,
            "note_interval_s": 0.1,
            "note_idle_max_s": 0.5,
            "note_backoff_s": 0.0,
        }
        values.update(overrides)
        return NexusSettings(**values)

    return make


@pytest.fixture(scope="session")
def nexus_case() -> Callable[[str, str], str]:
    """nexus_case(institution_id, form_id) → the case id the adapter derives (test secret)."""
    return lambda institution_id, form_id: domain.case_id(
        CASE_ID_SECRET, institution_id=institution_id, form_id=form_id
    )


@pytest.fixture
def fake_clock() -> FakeClock:
    """A hand-moved monotonic clock."""
    return FakeClock()


@pytest.fixture(scope="session")
def person() -> tuple[str, str]:
    """The synthetic CPR number and name every test form carries."""
    return TEST_CPR, TEST_NAME


@pytest.fixture(scope="session")
def mapping_of(mappings: Mappings) -> Callable[[str], FormMapping]:
    """mapping_of("skema_1a") → its 2025 mapping."""
    return lambda form_type: mapping_for(mappings, form_type)


@pytest.fixture
def nexus_user(emulator: RunningEmulator) -> Iterator[NexusUser]:
    """A caseworker's client of the emulator, using the public client's request sequence."""
    state = emulator.state
    with NexusUser(
        emulator.api_root, emulator.token_url, state.client_id, state.client_secret
    ) as user:
        yield user
