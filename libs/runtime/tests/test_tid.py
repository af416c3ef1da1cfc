"""One meaning of a moment: naive values from our own database are UTC, never the local time."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from magt_runtime import tid

pytestmark = pytest.mark.unit


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """Run with the machine's local time zone far from UTC (where `astimezone` would differ)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_naive_value_is_utc_not_local_time(far_from_utc: None) -> None:
    stored = datetime(2026, 3, 1, 12, 0)  # as SQLite hands it back
    assert tid.utc(stored) == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert tid.utc(stored).tzinfo is UTC


def test_an_aware_value_is_the_same_moment_in_utc() -> None:
    copenhagen_summer = timezone(timedelta(hours=2))
    moment = datetime(2026, 7, 1, 14, 0, tzinfo=copenhagen_summer)
    assert tid.utc(moment) == moment
    assert (tid.utc(moment).hour, tid.utc(moment).tzinfo) == (12, UTC)


def test_nullable_columns_pass_none_through() -> None:
    assert tid.utc_or_none(None) is None
    assert tid.utc_or_none(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)


def test_now_is_aware_utc(far_from_utc: None) -> None:
    before = datetime.now(UTC)
    now = tid.now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)
