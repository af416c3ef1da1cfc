"""Defensive JSON: what the standard library accepts or chokes on is refused in Danish."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magt_runtime.safejson import JsonRefusedError, parse_json


@pytest.mark.parametrize(
    ("data", "besked"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "indlejret for dybt"),  # RecursionError in json
        (b"[" * 33 + b"]" * 33, "indlejret for dybt"),
        (b'{"sted": "\\ud800"}', "ugyldigt tegn"),  # json accepts it; every encode breaks
        (b'{"\\udc00": 1}', "ugyldigt tegn"),
        (b'{"a": NaN}', "NaN"),
        (b"1" * 5000, "for mange cifre"),  # ValueError, not JSONDecodeError
        (b"\xff\xfe", "UTF-8"),
        (b"{ikke json", "gyldig JSON"),
        (b" " * 11, "for stort"),
    ],
)
def test_hostile_documents_are_refused_in_danish(data: bytes, besked: str) -> None:
    with pytest.raises(JsonRefusedError) as refused:
        parse_json(data, max_bytes=10 if besked == "for stort" else 2**22)
    assert besked in refused.value.message


def test_real_documents_pass_unchanged() -> None:
    assert parse_json('{"a": [1, 2.5, "æø 😀", null, true]}'.encode()) == {
        "a": [1, 2.5, "æø 😀", None, True]
    }
    assert parse_json(b'"\\ud83d\\ude00"') == "😀"  # a surrogate pair is a character


@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_danish_refusal(data: bytes) -> None:
    besked = ""
    try:
        parse_json(data)
    except JsonRefusedError as refused:
        besked = refused.message
    assert besked == "" or besked.startswith(("Indholdet ", "Dokumentet "))
