"""JSON Schema export of every contract, and the check that a change does not break readers.

Compatible (allowed within v1): new optional fields, new descriptions/examples/titles, a loosened
bound. Breaking (needs a new `…v2` contract): a removed field, a changed type/format/enum/const, a
new required field, a changed union, and a new or tightened bound (maxLength, maxItems, maximum,
minLength, minItems, minimum): data valid before would be refused by the new schema. A deliberate
tightening within v1 is made only where no published message can violate it, and it is written
down in docs/contracts.md before the committed schemas are re-exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from magt_contracts.forms import AnyForm
from magt_contracts.topics import TOPIC_FOR

_SAMMENLIGNES = ("type", "format", "enum", "const", "pattern")
_OEVRE = ("maxLength", "maxItems", "maximum", "exclusiveMaximum")
_NEDRE = ("minLength", "minItems", "minimum", "exclusiveMinimum")


def contracts() -> dict[str, dict[str, Any]]:
    """File name → live JSON Schema for every message and the form union."""
    ud: dict[str, dict[str, Any]] = {}
    for model, topic in TOPIC_FOR.items():
        ud[f"{topic}.json"] = model.model_json_schema()
    ud["forms.any-form.v1.json"] = TypeAdapter(AnyForm).json_schema()
    return ud


def export(path: Path) -> list[Path]:
    """Write every schema under `path` (sorted keys, stable) and return the files written."""
    path.mkdir(parents=True, exist_ok=True)
    skrevet = []
    for navn, skema in contracts().items():
        fil = path / navn
        fil.write_text(json.dumps(skema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        skrevet.append(fil)
    return skrevet


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Where `new` breaks readers of data described by `old` (empty when compatible)."""
    return _sammenlign(old, new, old, new, "$")


def _opslag(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in node and seen < 50:
        navn = node["$ref"].split("/")[-1]
        node = {**root.get("$defs", {})[navn], **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def _sammenlign(
    old: dict[str, Any], new: dict[str, Any], oroot: dict[str, Any], nroot: dict[str, Any], sti: str
) -> list[str]:
    old, new = _opslag(old, oroot), _opslag(new, nroot)
    fejl = [f"{sti}: {k} ændret" for k in _SAMMENLIGNES if old.get(k) != new.get(k)]
    fejl += [f"{sti}: {k} strammet" for k in (*_OEVRE, *_NEDRE) if _strammet(k, old, new)]
    fejl += _felter(old, new, oroot, nroot, sti)
    for key in ("anyOf", "oneOf", "allOf"):
        o, n = old.get(key, []), new.get(key, [])
        if len(o) != len(n):
            fejl.append(f"{sti}: {key} ændret")
            continue
        for i, (oo, nn) in enumerate(zip(o, n, strict=True)):
            fejl += _sammenlign(oo, nn, oroot, nroot, f"{sti}.{key}[{i}]")
    if "items" in old or "items" in new:
        fejl += _sammenlign(old.get("items", {}), new.get("items", {}), oroot, nroot, f"{sti}[]")
    return fejl


def _strammet(noegle: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether `new` bounds `noegle` more tightly than `old` (a new bound is a tighter one)."""
    if noegle not in new:
        return False
    if noegle not in old:
        return True
    return bool(new[noegle] < old[noegle] if noegle in _OEVRE else new[noegle] > old[noegle])


def _felter(
    old: dict[str, Any], new: dict[str, Any], oroot: dict[str, Any], nroot: dict[str, Any], sti: str
) -> list[str]:
    oprops, nprops = old.get("properties", {}), new.get("properties", {})
    fejl = [f"{sti}.{navn}: fjernet" for navn in oprops if navn not in nprops]
    nye_krav = set(new.get("required", [])) - set(old.get("required", []))
    fejl += [f"{sti}.{navn}: nyt påkrævet felt" for navn in sorted(nye_krav)]
    for navn in oprops.keys() & nprops.keys():
        fejl += _sammenlign(oprops[navn], nprops[navn], oroot, nroot, f"{sti}.{navn}")
    return fejl


def _main() -> None:
    """Export into contracts/schemas (run: python -m magt_contracts.schemas DIR)."""
    import sys

    for fil in export(Path(sys.argv[1] if len(sys.argv) > 1 else "contracts/schemas")):
        print(fil)


if __name__ == "__main__":
    _main()

__all__ = ["breaking_changes", "contracts", "export"]
