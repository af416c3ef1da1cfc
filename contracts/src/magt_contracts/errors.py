"""Pydantic validation errors as Danish, field-by-field messages a caseworker understands.

An error names the field and the rule, never the value: what was typed into a coded field may be
a CPR number or a name (the validators' own texts keep to that too). Field paths are built only
from field names and list positions; a key the sender made up that does not look like a field
name (a CPR number or a name used as a key) is never repeated, it is shown as `(nøgle)`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails

from magt_contracts.messages.base import FeltFejl

_FELTNAVN = re.compile(r"(?!.*\d{4})[a-z][a-z0-9_]{0,63}")
"""What a field name looks like (ASCII snake case, no run of digits): an unknown key of that
shape is a misspelt field and is named; any other key (a CPR number, a name) becomes `(nøgle)`."""
_NOEGLE = "(nøgle)"

_TEKST: dict[str, str] = {
    "missing": "Feltet skal udfyldes.",
    "extra_forbidden": "Feltet kendes ikke og må ikke være med.",
    "json_invalid": "Indholdet er ikke gyldig JSON.",
    "string_type": "Skal være tekst.",
    "bool_type": "Skal være ja/nej (true/false).",
    "bool_parsing": "Skal være ja/nej (true/false).",
    "int_type": "Skal være et heltal.",
    "int_parsing": "Skal være et heltal.",
    "datetime_type": "Skal være et tidspunkt, fx 2025-03-14T21:40:00+01:00.",
    "datetime_parsing": "Skal være et tidspunkt, fx 2025-03-14T21:40:00+01:00.",
    "datetime_from_date_parsing": "Skal være et tidspunkt, fx 2025-03-14T21:40:00+01:00.",
    "timezone_aware": "Tidspunktet skal have en tidszone, fx +01:00.",
    "date_type": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "date_from_datetime_parsing": "Skal være en dato (ÅÅÅÅ-MM-DD).",
    "uuid_parsing": "Skal være et UUID.",
    "uuid_type": "Skal være et UUID.",
    "model_type": "Skal være et objekt med felter.",
    "dict_type": "Skal være et objekt med felter.",
    "list_type": "Skal være en liste.",
    "union_tag_not_found": "Skematypen (form_type) mangler.",
    "string_pattern_mismatch": "Har ikke det rigtige format.",
    "frozen_instance": "Feltet kan ikke ændres.",
}


_GRAENSE = {
    "greater_than": "større end",
    "greater_than_equal": "mindst",
    "less_than": "mindre end",
    "less_than_equal": "højst",
}


def _graense_noegle(typ: str) -> str:
    """The context key pydantic gives a numeric bound's limit under (gt, ge, lt, le)."""
    return {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt"}.get(typ, "le")


def _besked(fejl: ErrorDetails) -> str:
    typ, ctx = fejl["type"], fejl.get("ctx") or {}
    if typ in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if typ in ("literal_error", "enum"):
        return f"Ugyldig værdi. Tilladt: {ctx.get('expected', '')}."
    if typ == "union_tag_invalid":
        return f"Ukendt skematype. Kendte: {ctx.get('expected_tags', '')}."
    if typ == "string_too_short":
        return (
            "Feltet skal udfyldes."
            if ctx.get("min_length") == 1
            else f"Mindst {ctx.get('min_length')} tegn."
        )
    if typ == "string_too_long":
        return f"Højst {ctx.get('max_length')} tegn."
    if typ == "too_short":
        return f"Skal indeholde mindst {ctx.get('min_length')} element(er)."
    if typ == "too_long":
        return f"Må højst indeholde {ctx.get('max_length')} element(er)."
    if typ in _GRAENSE:
        return f"Skal være {_GRAENSE[typ]} {ctx.get(_graense_noegle(typ))}."
    return _TEKST.get(typ, "Ugyldig værdi.")


def _sti(loc: tuple[int | str, ...], tags: frozenset[str]) -> str:
    dele = list(loc)
    if dele and dele[0] in tags:  # the discriminated union puts the form type first
        dele = dele[1:]
    return ".".join(_del(d) for d in dele)


def _del(del_: int | str) -> str:
    if isinstance(del_, int) or _FELTNAVN.fullmatch(del_):
        return str(del_)
    return _NOEGLE


def _tom_sti(fejl: ErrorDetails) -> str:
    """A whole-form error: the discriminator's own errors belong to `form_type`."""
    return "form_type" if fejl["type"].startswith("union_tag") else "(skema)"


def danske_fejl(exc: ValidationError, *, tags: frozenset[str] = frozenset()) -> list[FeltFejl]:
    """Each error of `exc` as {field: dotted path, message: Danish text}."""
    return [
        FeltFejl(
            field=_sti(fejl["loc"], tags) or _tom_sti(fejl),
            message=_besked(fejl),
        )
        for fejl in exc.errors(include_url=False)
    ]


def som_dicts(fejl: list[FeltFejl]) -> list[dict[str, Any]]:
    """Errors as plain dicts."""
    return [f.model_dump() for f in fejl]


def request_fejl(
    errors: Sequence[Mapping[str, Any]], *, tags: frozenset[str] = frozenset()
) -> list[FeltFejl]:
    """An HTTP framework's request-validation errors (pydantic's error dicts, with `body`,
    `query` or `path` first in `loc`) as Danish field errors; the input value is never echoed."""
    fejl: list[FeltFejl] = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        if error["type"] == "json_invalid":  # FastAPI's loc is the character position
            fejl.append(FeltFejl(field="(body)", message=_TEKST["json_invalid"]))
            continue
        detail = InitErrorDetails(type=error["type"], loc=loc, input=error.get("input"))
        if error.get("ctx"):
            detail["ctx"] = error["ctx"]
        try:
            fejl += danske_fejl(ValidationError.from_exception_data("request", [detail]), tags=tags)
        except (TypeError, ValueError, KeyError):
            sti = ".".join(_del(d) for d in loc) or "(body)"
            fejl.append(FeltFejl(field=sti, message="Ugyldig værdi."))
    return fejl


def request_fejl_dicts(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`request_fejl` as plain dicts: what every API's validation handler answers."""
    return som_dicts(request_fejl(errors))


def for_stor(stoerrelse: int, graense: int) -> str:
    """Why a form too large to be sent is refused (sizes only: never a value of the form)."""
    return (
        f"Indberetningen er for stor til at kunne sendes ({_mb(stoerrelse)} MB; højst "
        f"{_mb(graense)} MB). Forkort de længste fritekstfelter."
    )


def _mb(antal_bytes: int) -> str:
    return f"{antal_bytes / 1_000_000:.2f}".replace(".", ",")
