"""Fixtures of the klager tests: settings, commands with synthetic references, tokens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from magt.testing.tokens import session_issuer
from magt_contracts.messages import (
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
)
from magt_klager.settings import Settings
from magt_runtime.auth import Principal

T0 = datetime.fromisoformat("2025-03-03T10:00:00+01:00")


@pytest.fixture
def klager_settings(sqlite_url: str, unique: Callable[[str], str]) -> Settings:
    """Settings on a fresh SQLite database with this test's own topic namespace."""
    return Settings(
        database_url=sqlite_url,
        topic_namespace=unique("t") + ".",
        **session_issuer().settings(),
        kafka_bootstrap_servers="127.0.0.1:1",
        log_json=True,
    )


@pytest.fixture
def indgivelse() -> Callable[..., SubmitComplaint]:
    """A SubmitComplaint (adult's complaint about a decision by default) with overrides."""

    def lav(**kw: Any) -> SubmitComplaint:
        klage_id = kw.pop("klage_id", f"k-{uuid4().hex[:12]}")
        data: dict[str, Any] = {
            "occurred_at": T0,
            "case_id": f"sag-{klage_id}",
            "correlation_id": uuid4(),
            "klage_id": klage_id,
            "klagetype": "afgoerelse",
            "klager_rolle": "borger",
            "person_ref": "p-testperson01",
            "handlekommune": "0851",
            "modtaget": T0,
        }
        return SubmitComplaint(**{**data, **kw})

    return lav


@pytest.fixture
def genvurdering() -> Callable[..., RecordReconsideration]:
    """A RecordReconsideration for a complaint."""

    def lav(klage: SubmitComplaint, *, fastholdt: bool, **kw: Any) -> RecordReconsideration:
        data: dict[str, Any] = {
            "occurred_at": T0,
            "case_id": klage.case_id,
            "correlation_id": klage.correlation_id,
            "klage_id": klage.klage_id,
            "fastholdt": fastholdt,
            "begrundelse": "Udvalget har vurderet sagen igen.",
        }
        return RecordReconsideration(**{**data, **kw})

    return lav


@pytest.fixture
def afgoerelse() -> Callable[..., RecordComplaintDecision]:
    """A RecordComplaintDecision for a complaint."""

    def lav(
        klage: SubmitComplaint, *, afgjort_af: str, udfald: str, **kw: Any
    ) -> RecordComplaintDecision:
        data: dict[str, Any] = {
            "occurred_at": T0,
            "case_id": klage.case_id,
            "correlation_id": klage.correlation_id,
            "klage_id": klage.klage_id,
            "afgjort_af": afgjort_af,
            "udfald": udfald,
            "afgjort": T0,
        }
        return RecordComplaintDecision(**{**data, **kw})

    return lav


@pytest.fixture
def token() -> Callable[[str, str], dict[str, str]]:
    """Authorization headers for a role and an organisation."""
    issuer = session_issuer()

    def lav(role: str, organisation: str) -> dict[str, str]:
        principal = Principal(subject=f"test-{role}", role=role, organisation=organisation)
        return {"Authorization": f"Bearer {issuer.token(principal)}"}

    return lav
