"""The pure part of `magt explain`: a form as a dict in, errors/assessment/recipients/deadlines out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from magt_contracts.catalogue import standard_katalog
from magt_contracts.cpr import person_ref
from magt_contracts.errors import danske_fejl, som_dicts
from magt_contracts.forms import (
    FORM_TYPES,
    AnyForm,
    KommunalAfgoerelse,
    ValAfgoerelse,
    ValIndberetning,
    parse_form,
)
from magt_contracts.rules.afgoerelser import Afgoerelse
from magt_contracts.rules.assess import assess
from magt_contracts.rules.deadlines import deadlines
from magt_contracts.rules.fakta import fakta
from magt_contracts.rules.recipients import decision_recipients, recipients
from magt_contracts.vaerdier import Frist, Modtager

# Only used inside this process to build the facts; the reference never leaves it.
_LOKAL_HEMMELIGHED = b"magt-explain-local"


def explain_form(data: Any, *, now: datetime) -> dict[str, Any]:
    """Validate and explain one form; the result is JSON-ready.

    A report may carry the decisions it rests on beside it, as `afgoerelser` (decision forms):
    the assessment then checks the use against them (existence, period, the act's limits).
    """
    afgoerelser: list[Afgoerelse] | None = None
    if isinstance(data, dict) and "afgoerelser" in data:
        data = dict(data)
        try:
            afgoerelser = _afgoerelser(data.pop("afgoerelser"))
        except ValidationError as exc:
            fejl = som_dicts(danske_fejl(exc, tags=frozenset(FORM_TYPES)))
            return tom_forklaring([{**f, "field": f"afgoerelser.{f['field']}"} for f in fejl])
    try:
        form = parse_form(data)
    except ValidationError as exc:
        return tom_forklaring(som_dicts(danske_fejl(exc, tags=frozenset(FORM_TYPES))))
    vurdering = assess(form, now=now, decisions=afgoerelser)
    modtagere, frister = _modtagere_og_frister(form, now)
    return {
        "errors": [],
        "assessment": vurdering.model_dump(mode="json"),
        "decisions": [k.konklusion for k in vurdering.afgoerelser],
        "recipients": [m.model_dump(mode="json") for m in modtagere],
        "deadlines": [_frist(f) for f in frister],
    }


def _afgoerelser(data: Any) -> list[Afgoerelse]:
    """The decision forms given beside a report (anything else is an error)."""
    ud: list[Afgoerelse] = []
    for d in data if isinstance(data, list) else [data]:
        a = parse_form(d)
        if not isinstance(a, KommunalAfgoerelse | ValAfgoerelse):
            raise ValidationError.from_exception_data(
                "afgoerelser",
                [{"type": "value_error", "loc": ("form_type",), "input": a.form_type,
                  "ctx": {"error": "Kun afgørelser kan angives som afgørelser."}}],
            )  # fmt: skip
        ud.append(a)
    return ud


def tom_forklaring(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The result shape for input that could not be read."""
    return {
        "errors": errors,
        "assessment": {"allowed": None, "flags": []},
        "decisions": [],
        "recipients": [],
        "deadlines": [],
    }


def _frist(f: Frist) -> dict[str, Any]:
    # A deadline no act sets is shown as the municipality's own (local policy), not the law's.
    lov = standard_katalog().lovbestemt(f.kind, kilde=f.source)
    return {**f.model_dump(mode="json"), "lovbestemt": lov}


def _modtagere_og_frister(form: AnyForm, now: datetime) -> tuple[list[Modtager], list[Frist]]:
    cpr = form.barn.cpr if isinstance(form, ValIndberetning | ValAfgoerelse) else form.borger.cpr
    ref = person_ref(cpr, _LOKAL_HEMMELIGHED)
    if isinstance(form, ValAfgoerelse):
        return decision_recipients(form, person_ref=ref), []
    if isinstance(form, KommunalAfgoerelse):
        return decision_recipients(form, person_ref=ref), deadlines(form, now=now)
    f = fakta(form, person_ref=ref)
    return recipients(f, now=now), deadlines(f, now=now)
