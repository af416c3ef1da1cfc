"""Fixtures: the example forms (contracts/examples) and a way to change one field of them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

Lav = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def eksempler() -> dict[str, dict[str, Any]]:
    """Every example form by file stem."""
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))
    }


def _saet(data: dict[str, Any], sti: str, vaerdi: Any) -> None:
    *dele, sidste = sti.split(".")
    node = data
    for del_ in dele:
        node = node[del_]
    if vaerdi is _SLET:
        node.pop(sidste, None)
    else:
        node[sidste] = vaerdi


_SLET = object()


@pytest.fixture(scope="session")
def slet() -> object:
    """Marker: remove the field."""
    return _SLET


@pytest.fixture(scope="session")
def lav(eksempler: dict[str, dict[str, Any]]) -> Lav:
    """lav("val_indberetning", {"barn.cpr": "..."}) → a changed deep copy of an example."""

    def _lav(navn: str, aendringer: dict[str, Any] | None = None) -> dict[str, Any]:
        data = copy.deepcopy(eksempler[navn])
        for sti, vaerdi in (aendringer or {}).items():
            _saet(data, sti, vaerdi)
        return data

    return _lav
