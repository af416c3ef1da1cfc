"""Nexus item values ↔ contract field values: the conversions a mapping's field types name.

`convert` reads one Nexus item value (text, number, checkbox, date as a UTC instant, option
`{"name": …}`, option list); `to_items` runs a mapping backwards (the emulator and the tests).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from magt_contracts.tid import tz

if TYPE_CHECKING:
    from magt_nexus.mapping import FieldMap, FormMapping

_JA = frozenset({"ja", "true", "1", "yes"})
_NEJ = frozenset({"nej", "false", "0", "no"})


def convert(fm: FieldMap, raw: Any) -> Any:
    """One item's value converted for the contract field; None when empty; ValueError (Danish)."""
    value = _plain(raw)
    if value is None or value == "" or value == []:
        return None
    match fm.type:
        case "text":
            return str(value).strip() or None
        case "int":
            try:
                return int(str(value).strip())
            except ValueError:
                raise ValueError("Skal være et heltal.") from None
        case "bool":
            return _bool(value)
        case "date":
            return _date(value).isoformat()
        case "datetime":
            return _datetime(value).isoformat()
        case "choice":
            assert fm.values is not None
            if str(value) not in fm.values:
                tilladt = ", ".join(fm.values)
                raise ValueError(f"Ugyldigt valg '{value}'. Tilladt: {tilladt}.")
            return fm.values[str(value)]
        case "list":
            entries = value if isinstance(value, list) else re.split(r"[,;\n]", str(value))
            cleaned = [str(e).strip() for e in entries if str(e).strip()]
            return [{fm.item_key: e} for e in cleaned] if fm.item_key else cleaned
    raise ValueError("Ukendt felttype.")  # pragma: no cover - types are checked on load


def _plain(raw: Any) -> Any:
    """Nexus option values ({"name": ...}) and option lists as plain names."""
    if isinstance(raw, dict):
        return raw.get("name", raw.get("value"))
    if isinstance(raw, list):
        return [_plain(v) for v in raw if _plain(v) not in (None, "")]
    return raw


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _JA:
        return True
    if text in _NEJ:
        return False
    raise ValueError("Skal være ja eller nej.")


def _datetime(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("Skal være et tidspunkt, fx 2025-03-14T21:40:00+01:00.") from None
    if moment.tzinfo is None:
        raise ValueError("Tidspunktet skal have en tidszone, fx +01:00.")
    return moment


def _date(value: Any) -> date:
    text = str(value).strip()
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("Skal være en dato (ÅÅÅÅ-MM-DD).") from None
    try:  # Nexus sends dates as UTC midnight of the Danish day
        return _datetime(text).astimezone(tz()).date()
    except ValueError:
        raise ValueError("Skal være en dato (ÅÅÅÅ-MM-DD).") from None


_NEXUS_TYPE = {
    "text": "text",
    "int": "number",
    "bool": "checkbox",
    "date": "date",
    "datetime": "dateTime",
    "choice": "radioGroup",
    "list": "text",
}


def nexus_type(fm: FieldMap) -> str:
    """The Nexus item type a mapped field is entered as (checkbox, date, radioGroup...)."""
    return _NEXUS_TYPE[fm.type]


def to_items(mapping: FormMapping, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The mapping run backwards: a contract form (as a dict) as Nexus items (emulator, tests)."""
    items: list[dict[str, Any]] = []
    for fm in mapping.fields:
        if fm.repeated:
            head, _, tail = fm.path.partition("[{n}]")
            rows = _value_at(data, head) or []
            for n, row in enumerate(rows, start=1):
                value = _value_at(row, tail.removeprefix("."))
                if value is not None:
                    items.append(_item(fm, fm.label.replace("{n}", str(n)), value))
            continue
        value = _value_at(data, fm.path)
        if value is not None:
            items.append(_item(fm, fm.label, value))
    return items


def _item(fm: FieldMap, label: str, value: Any) -> dict[str, Any]:
    shown: Any = value
    if fm.type == "choice":
        assert fm.values is not None
        name = next(k for k, v in fm.values.items() if v == value)
        shown = {"name": name}
    elif fm.type == "date":  # as Nexus sends it: UTC instant of the Danish midnight
        day = date.fromisoformat(str(value))
        shown = datetime(day.year, day.month, day.day, tzinfo=tz()).astimezone(UTC).isoformat()
    elif fm.type == "list":
        shown = ", ".join(str(v[fm.item_key]) if fm.item_key else str(v) for v in value)
    return {"label": label, "type": nexus_type(fm), "value": shown}


def _value_at(data: Any, path: str) -> Any:
    node = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node
