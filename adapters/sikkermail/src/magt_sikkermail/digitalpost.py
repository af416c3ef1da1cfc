"""POST a MeMo message to the Digital Post endpoint with retries and exponential backoff.

2xx is delivered; 409 means Digital Post already has this messageUUID (a redelivery), which is
delivered too. Connection errors, time-outs, 408, 429 and 5xx are retried; any other 4xx is a
permanent refusal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import structlog

from magt_runtime.http import client_tls

from .delivery import DeliveryResult, Failed, Sent, backoff_delay

log = structlog.get_logger(__name__)
_TRANSIENT_STATUS = {408, 425, 429}


async def post_memo(
    document: bytes,
    *,
    url: str,
    message_uuid: str,
    token: str | None,
    timeout_s: float,
    max_attempts: int,
    backoff_base_s: float,
    backoff_max_s: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> DeliveryResult:
    """Deliver one MeMo document; Sent or Failed (retryable False for a permanent refusal)."""
    headers = {"Content-Type": "application/xml; charset=utf-8", "X-Message-UUID": message_uuid}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(timeout=timeout_s, verify=client_tls()) as client:
        for attempt in range(1, max_attempts + 1):
            try:
                response = await client.post(url, content=document, headers=headers)
            except httpx.TransportError as error:
                reason, permanent = f"{type(error).__name__}", False
            else:
                if response.is_success or response.status_code == 409:
                    return Sent(message_uuid, attempt)
                code = response.status_code
                reason = f"HTTP {code}"
                permanent = code < 500 and code not in _TRANSIENT_STATUS
            log.warning(
                "digitalpost.attempt_failed", attempt=attempt, permanent=permanent, reason=reason
            )
            if permanent or attempt == max_attempts:
                return Failed(message_uuid, reason, attempt, retryable=not permanent)
            await sleep(backoff_delay(attempt, base_s=backoff_base_s, max_s=backoff_max_s))
    raise ValueError("max_attempts must be at least 1")
