"""The municipal supervisor (SEL § 148 a, stk. 1) as a real recipient, on a real database."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlmodel import Session, select

from magt.testing.tokens import session_issuer
from magt_contracts.forms import parse_form
from magt_contracts.messages import ReportAddressed, ReportApproved
from magt_contracts.rules.fakta import fakta
from magt_contracts.vaerdier import Udfald, Vurdering
from magt_routing import batches, domain, store
from magt_routing.handlers import Handlers
from magt_routing.settings import Settings
from magt_runtime.db import create_tables, make_engine
from magt_runtime.outbox import OutboxRow

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[3] / "contracts" / "examples"
NU = datetime.fromisoformat("2025-10-28T13:05:00+01:00")


def _approved(name: str, case_id: str) -> ReportApproved:
    form = parse_form(json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8")))
    return ReportApproved(
        occurred_at=NU,
        case_id=case_id,
        correlation_id=uuid4(),
        fakta=fakta(form, person_ref="p-test-0001"),  # type: ignore[arg-type]
        vurdering=Vurdering(allowed=Udfald.ALLOWED),
        rapport_ref=f"rapport-{case_id}",
        rapport_sealed="sealed-token",
    )


def _setup(url: str) -> tuple[Any, Settings, Handlers]:
    settings = Settings(
        database_url=url,
        topic_namespace="t.",
        **session_issuer().settings(),
        scheduler_enabled=False,
    )
    engine = make_engine(url)
    create_tables(engine)
    return engine, settings, Handlers(engine, settings, clock=lambda: NU)


def _sent(engine: Any, case_id: str) -> set[tuple[str, str, str]]:
    """(topic, role, recipient) of every ReportAddressed of the case on a recipient's own topic."""
    with Session(engine) as session:
        rows = session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()  # type: ignore[arg-type]
    ud = set()
    for r in rows:
        if ".magt.til." not in f".{r.topic}":
            continue
        e = ReportAddressed.model_validate_json(r.payload)
        if e.case_id == case_id:
            ud.add((r.topic, e.role.value, e.recipient_id))
    return ud


async def test_plejecenter_report_reaches_the_municipal_tilsyn_and_no_socialtilsyn(
    db_url: str,
) -> None:
    """SEL § 148 a, stk. 1: a dementia report from Randers' own plejecenter goes, in the monthly
    batch, to "det kommunale tilsyn" on Randers' topic — and to no Socialtilsyn's topic."""
    engine, settings, handlers = _setup(db_url)
    await handlers.handle(_approved("skema_1b", "sag-pleje-1"))
    planned = {(x.role, x.recipient_id) for x in _plan(engine, "sag-pleje-1")}
    assert ("kommunalt_tilsyn", "0751") in planned
    assert not any(role == "socialtilsyn" for role, _ in planned)
    [period] = {x.period for x in _plan(engine, "sag-pleje-1") if x.period}
    end = domain.period_end("monthly", period)
    batches.build_batch_with(engine, settings, kind="monthly", period=period, now=end)
    sent = _sent(engine, "sag-pleje-1")
    assert ("t.magt.til.kommune.0751.v1", "kommunalt_tilsyn", "0751") in sent
    assert not any(".socialtilsyn." in topic for topic, _, _ in sent)


async def test_botilbud_report_still_reaches_its_socialtilsyn(db_url: str) -> None:
    """Lov om socialtilsyn § 4, stk. 1, nr. 2: a botilbud's report goes to its Socialtilsyn."""
    engine, _, handlers = _setup(db_url)
    await handlers.handle(_approved("skema_1a", "sag-bo-1"))
    planned = {(x.role, x.recipient_id) for x in _plan(engine, "sag-bo-1")}
    assert ("socialtilsyn", "Syd") in planned
    assert not any(role == "kommunalt_tilsyn" for role, _ in planned)


def _plan(engine: Any, case_id: str) -> list[store.PlanLine]:
    with Session(engine) as session:
        return list(store.plan_of_case(session, case_id))
