"""Forms of record as models, and the discriminated union over every form type."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from magt_contracts.forms.common import Borger, Episode, Institution, LederDel
from magt_contracts.forms.sel import (
    Bilag1,
    KommunalAfgoerelse,
    Skema1,
    Skema1a,
    Skema1b,
    Skema2,
    Skema3,
)
from magt_contracts.forms.val import SupplerendeOplysninger, ValAfgoerelse, ValIndberetning

AnyForm = Annotated[
    ValIndberetning
    | Skema1a
    | Skema1b
    | Bilag1
    | Skema2
    | Skema3
    | KommunalAfgoerelse
    | ValAfgoerelse,
    Field(discriminator="form_type"),
]
FORM_TYPES: tuple[str, ...] = (
    "val_indberetning",
    "skema_1a",
    "skema_1b",
    "bilag_1",
    "skema_2",
    "skema_3",
    "kommunal_afgoerelse",
    "val_afgoerelse",
)


FORM_ADAPTER: TypeAdapter[AnyForm] = TypeAdapter(AnyForm)


def parse_form(data: Any) -> AnyForm:
    """Parse one form of any type; raises pydantic.ValidationError."""
    return FORM_ADAPTER.validate_python(data)


__all__ = [
    "FORM_ADAPTER",
    "FORM_TYPES",
    "AnyForm",
    "Bilag1",
    "Borger",
    "Episode",
    "Institution",
    "KommunalAfgoerelse",
    "LederDel",
    "Skema1",
    "Skema1a",
    "Skema1b",
    "Skema2",
    "Skema3",
    "SupplerendeOplysninger",
    "ValAfgoerelse",
    "ValIndberetning",
    "parse_form",
]
