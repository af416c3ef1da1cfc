"""structlog set up once per process, with a last-line-of-defence mask for personal data.

Every line carries the service name, and the case id and event id when a handler bound them. CPR
numbers (ddmmyy-xxxx and ddmmyyxxxx) are masked wherever they appear, and so is every value under a
key that names personal data or a pydantic field marked ``json_schema_extra={"personal": True}``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from pydantic import BaseModel

MASK = "***"
CPR_MASK = "******-****"

# A date-shaped ddmmyy followed by four digits, with or without the dash, not inside a longer number.
CPR_PATTERN = re.compile(r"(?<!\d)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")

PERSONAL_KEYS = frozenset(
    {
        "cpr",
        "cpr_nummer",
        "cprnr",
        "personnummer",
        "navn",
        "name",
        "fornavn",
        "efternavn",
        "fulde_navn",
        "full_name",
        "first_name",
        "last_name",
        "adresse",
        "address",
        "email",
        "telefon",
        "phone",
    }
)


def mask_text(text: str) -> str:
    """Replace every CPR-shaped number in `text`."""
    return CPR_PATTERN.sub(CPR_MASK, text)


def personal_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the model's fields marked personal in their JSON schema extra."""
    names = set()
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, Mapping) and extra.get("personal"):
            names.add(name)
    return frozenset(names)


def mask_value(value: Any, personal: frozenset[str] = frozenset()) -> Any:
    """Return a copy of `value` with CPR numbers and personal fields masked, at any depth."""
    if isinstance(value, BaseModel):
        marked = personal | personal_fields(type(value))
        return mask_value(value.model_dump(mode="json"), marked)
    if isinstance(value, Mapping):
        return {
            key: MASK if _is_personal(key, personal) else mask_value(item, personal)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(item, personal) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bytes):
        return mask_text(value.decode("utf-8", errors="replace"))
    return value


def _is_personal(key: object, personal: frozenset[str]) -> bool:
    return isinstance(key, str) and (key.lower() in PERSONAL_KEYS or key in personal)


def mask_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: mask CPR numbers and personal fields in every key and the message."""
    return {
        key: MASK if key != "event" and _is_personal(key, frozenset()) else mask_value(value)
        for key, value in event_dict.items()
    }


def configure_logging(*, service: str, json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog for this process: JSON off a terminal, console on one; masking last."""
    use_json = (not sys.stderr.isatty()) if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_personal_data,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    structlog.contextvars.bind_contextvars(service=service)
