"""Readiness (`/ready`): 503 with a Danish reason while the outbox relay is stalled.

`/health` stays liveness (the process answers); `/ready` says whether the service does its work:
no dead-lettered outbox rows waiting for an operator, and no unsent row older than the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from magt_runtime.metrics import outbox_state

Check = Callable[[], str | None]
"""A readiness check: None when ready, else a Danish reason."""


def outbox_check(engine: Engine, *, stale_after_s: float) -> Check:
    """Not ready while dead rows are present or the oldest unsent row is older than the threshold."""

    def check() -> str | None:
        state = outbox_state(engine)
        if state.dead:
            return f"{state.dead} hændelse(r) kunne ikke sendes og ligger i dead letter-køen"
        if state.oldest_age_s(datetime.now(UTC)) > stale_after_s:
            return "udsendelsen af hændelser står stille"
        return None

    return check


def install_readiness(app: FastAPI, checks: Sequence[Check]) -> None:
    """Add `/ready` to `app`: 200 when every check passes, else 503 with the Danish reasons."""

    @app.get("/ready", include_in_schema=False)
    def ready() -> JSONResponse:
        reasons = [reason for reason in (check() for check in checks) if reason is not None]
        if reasons:
            return JSONResponse({"status": "ikke klar", "årsager": reasons}, status_code=503)
        return JSONResponse({"status": "klar"})
