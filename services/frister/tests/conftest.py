"""Fixtures for frister: report facts from the contract examples, events built from them, clocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from magt_contracts.begreber import Kanal, Rolle
from magt_contracts.cpr import person_ref
from magt_contracts.forms import parse_form
from magt_contracts.messages import DeliverySent, IncidentRegistered, ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Indberetningsfakta, Udfald, Vurdering

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
T = datetime.fromisoformat


class Clock:
    """An injectable clock that tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def set(self, moment: datetime | str) -> None:
        self.t = T(moment) if isinstance(moment, str) else moment


@pytest.fixture
def clock() -> Clock:
    """A clock at 2025-03-14 12:00 UTC."""
    return Clock(datetime(2025, 3, 14, 12, 0, tzinfo=UTC))


Fakta = Callable[..., Indberetningsfakta]


@pytest.fixture(scope="session")
def lav_fakta() -> Fakta:
    """lav_fakta("val_indberetning", registreret=..., godkendt=...) → facts of an example form."""
    cache: dict[str, Indberetningsfakta] = {}

    def make(name: str, **changes: Any) -> Indberetningsfakta:
        if name not in cache:
            form = parse_form(json.loads((EXAMPLES / f"{name}.json").read_text("utf-8")))
            ref = person_ref("010190-1234", b"test-hemmelighed")
            cache[name] = fakta(form, person_ref=ref)  # type: ignore[arg-type]
        for key in ("episode_start", "registreret", "godkendt"):
            if isinstance(changes.get(key), str):
                changes[key] = T(changes[key])
        return cache[name].model_copy(update=changes)

    return make


def _envelope(case_id: str, at: datetime) -> dict[str, Any]:
    return {"occurred_at": at, "case_id": case_id, "correlation_id": uuid4()}


def registered(case_id: str, f: Indberetningsfakta) -> IncidentRegistered:
    """IncidentRegistered of `f`."""
    return IncidentRegistered(
        **_envelope(case_id, f.registreret),
        fakta=f,
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        source="bosted",
    )


def approved(case_id: str, f: Indberetningsfakta) -> ReportApproved:
    """ReportApproved of `f` (which must have `godkendt`)."""
    assert f.godkendt is not None
    return ReportApproved(
        **_envelope(case_id, f.godkendt),
        fakta=f,
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}-v1",
    )


def delivered(case_id: str, role: Rolle, at: datetime | str) -> DeliverySent:
    """DeliverySent of a case's report to `role`."""
    moment = T(at) if isinstance(at, str) else at
    return DeliverySent(
        **_envelope(case_id, moment),
        role=role,
        recipient_id="0860",
        channel=Kanal.SIKKER_MAIL,
        message_ref=f"<{uuid4()}@test>",
    )


class Builders:
    """The event builders as one fixture (test modules cannot import conftest)."""

    registered = staticmethod(registered)
    approved = staticmethod(approved)
    delivered = staticmethod(delivered)
    envelope = staticmethod(_envelope)


@pytest.fixture(scope="session")
def ev() -> Builders:
    """Event builders: ev.registered(case, fakta), ev.approved(...), ev.delivered(...)."""
    return Builders()
