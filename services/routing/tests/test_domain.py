"""Routing rules from SPEC.md scenarios: who, which channel, which moment, which batch."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from magt_contracts.forms import KommunalAfgoerelse, parse_form
from magt_contracts.messages import Message
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.recipients import recipients
from magt_routing import domain

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-03-15T13:05:00+01:00")
LEAD = timedelta(hours=24)
assert Message  # imported before the rules (contracts import order)
CAUSE = UUID("00000000-0000-0000-0000-000000000001")


def _form(name: str, changes: dict[str, Any] | None = None) -> Any:
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    for path, value in (changes or {}).items():
        *parts, last = path.split(".")
        node = data
        for part in parts:
            node = node[part]
        node[last] = value
    form = parse_form(data)
    assert not isinstance(form, KommunalAfgoerelse)
    return form


def _plan(name: str, changes: dict[str, Any] | None = None) -> dict[tuple[str, str], Any]:
    f = fakta(_form(name, changes), person_ref="p-test-0001")
    linjer = domain.plan(recipients(f, now=NU), cause_event_id=CAUSE, now=NU, month_end_lead=LEAD)
    return {(line.role, line.recipient_id): line for line in linjer}


def test_child_report_recipients_channels_and_moments_val_21() -> None:
    plan = _plan("val_indberetning")
    assert set(plan) == {
        ("handlekommune", "0860"),
        ("foraeldremyndighed", "part-mor-77"),
        ("driftsherre", "1081"),
        ("fagkonsulent", "fagkonsulent-rn-3"),
        ("socialtilsyn", "Nord"),
    }
    assert plan[("handlekommune", "0860")].channel == "sikker_mail"
    assert plan[("foraeldremyndighed", "part-mor-77")].channel == "digital_post"
    assert plan[("fagkonsulent", "fagkonsulent-rn-3")].channel == "bosted_advis"
    for key in [("handlekommune", "0860"), ("driftsherre", "1081")]:
        assert plan[key].when.kind == "immediately"
        assert plan[key].send_at == NU
        assert plan[key].period is None


def test_socialtilsyn_copy_by_month_end_sent_before_the_month_ends_seed_000_pkt_8() -> None:
    line = _plan("val_indberetning")[("socialtilsyn", "Nord")]
    assert line.when.kind == "by_month_end"
    assert line.period == "2025-03"
    assert line.when.due == datetime.fromisoformat("2025-03-31T23:59:59+02:00")
    assert line.send_at == line.when.due - LEAD


def test_socialtilsyn_at_once_when_the_institution_chose_so() -> None:
    line = _plan("val_indberetning", {"institution.kopi_til_socialtilsyn_straks": True})[
        ("socialtilsyn", "Nord")
    ]
    assert line.when.kind == "immediately"


def test_internal_school_adds_beliggenhedskommune_val_21_stk_3() -> None:
    plan = _plan("val_indberetning", {"paa_intern_skole": True})
    assert plan[("beliggenhedskommune", "0851")].when.kind == "immediately"
    assert domain.recipient_topic_name("beliggenhedskommune", "0851") == "magt.til.kommune.0851.v1"


def test_private_institution_has_no_driftsherre() -> None:
    plan = _plan(
        "val_indberetning",
        {"institution.driftsform": "privat", "institution.driftsherre_id": None},
    )
    assert not any(role == "driftsherre" for role, _ in plan)


def test_crime_suspicion_at_once_to_operator_and_tilsyn_seed_000_pkt_9() -> None:
    plan = _plan("val_indberetning", {"mistanke_om_strafbart_forhold": True})
    assert plan[("socialtilsyn", "Nord")].when.kind == "immediately"
    assert plan[("driftsherre", "1081")].when.kind == "immediately"


def test_adult_report_monthly_to_kommune_tilsyn_driftsherre_vaerge_seed_004() -> None:
    plan = _plan("skema_1a")
    assert {"handlekommune", "socialtilsyn", "driftsherre", "vaerge"} <= {r for r, _ in plan}
    vaerge = plan[("vaerge", "vaerge-31")]
    assert vaerge.channel == "digital_post"
    for line in plan.values():
        assert line.when.kind == "monthly_batch"
        month = line.period
        assert month is not None
        assert line.send_at == domain.period_end("monthly", month)
        assert line.send_at <= line.when.due


def test_skema2_quarterly_to_socialtilsyn_seed_003() -> None:
    plan = _plan("skema_2")
    [line] = plan.values()
    assert line.when.kind == "quarterly_batch"
    assert line.period is not None
    assert "-Q" in line.period
    assert line.send_at == domain.period_end("quarterly", line.period)


def test_period_ends_and_labels() -> None:
    assert domain.period_end("monthly", "2025-12") == datetime.fromisoformat(
        "2026-01-01T00:00:00+01:00"
    )
    assert domain.period_end("quarterly", "2025-Q1") == datetime.fromisoformat(
        "2025-04-01T00:00:00+02:00"
    )
    with pytest.raises(ValueError, match="ÅÅÅÅ-MM"):
        domain.period_end("monthly", "2025-13")
    with pytest.raises(ValueError, match="monthly"):
        domain.period_end("yearly", "2025")


def test_lines_and_event_ids_are_deterministic() -> None:
    first, again = _plan("val_indberetning"), _plan("val_indberetning")
    assert [x.addressed_event_id for x in first.values()] == [
        x.addressed_event_id for x in again.values()
    ]
    other = domain.plan(
        recipients(fakta(_form("val_indberetning"), person_ref="p-test-0001"), now=NU),
        cause_event_id=uuid4(),
        now=NU,
        month_end_lead=LEAD,
    )
    assert {x.addressed_event_id for x in other}.isdisjoint(
        {x.addressed_event_id for x in first.values()}
    )
