"""The masking processor is the last line of defence: no CPR number or name reaches a log line."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from magt_runtime.logging import CPR_MASK, configure_logging, mask_text, mask_value

pytestmark = pytest.mark.unit


class Citizen(BaseModel):
    cpr: str = Field(json_schema_extra={"personal": True})
    kaldenavn: str = Field(json_schema_extra={"personal": True})
    handlekommune: str


def test_masks_cpr_with_and_without_dash() -> None:
    assert mask_text("barn 010203-1234 og 0102031234") == f"barn {CPR_MASK} og {CPR_MASK}"


def test_leaves_other_numbers_alone() -> None:
    assert mask_text("sag 12345678901 kommune 0851 dato 2025-01-31") == (
        "sag 12345678901 kommune 0851 dato 2025-01-31"
    )


@given(
    day=st.integers(1, 28),
    month=st.integers(1, 12),
    year=st.integers(0, 99),
    serial=st.integers(0, 9999),
    dash=st.booleans(),
    prefix=st.text(alphabet="abc ,:", max_size=5),
)
def test_any_cpr_shape_is_masked(
    day: int, month: int, year: int, serial: int, dash: bool, prefix: str
) -> None:
    cpr = f"{day:02d}{month:02d}{year:02d}{'-' if dash else ''}{serial:04d}"
    assert cpr not in mask_text(f"{prefix}{cpr} slut")


def test_masks_personal_keys_and_marked_model_fields() -> None:
    value = mask_value(
        {
            "navn": "Testperson",
            "nested": [Citizen(cpr="x", kaldenavn="Kalle", handlekommune="0851")],
        }
    )
    assert value == {
        "navn": "***",
        "nested": [{"cpr": "***", "kaldenavn": "***", "handlekommune": "0851"}],
    }


def test_configured_logger_masks_in_json_output() -> None:
    buffer = io.StringIO()
    with redirect_stderr(buffer):
        configure_logging(service="test", json=True)
        structlog.get_logger().info("modtog 010203-1234", navn="Anders Testsen", case_id="c-1")
    line = json.loads(buffer.getvalue().strip().splitlines()[-1])
    assert line["event"] == f"modtog {CPR_MASK}"
    assert line["navn"] == "***"
    assert line["case_id"] == "c-1"
    assert line["service"] == "test"
    assert "010203" not in buffer.getvalue()
