"""Nexus forms → the contracts' form models, by label, with the mapping per form version as data.

A mapping file (`magt_nexus/mappings/*.json`) names the Nexus form definition (title and version)
it reads, the contract form type it produces, constants, and for each Nexus label the dotted field
path and the type conversion. A label with `{n}` is a repeated row (`registreringer[{n}].tidspunkt`).
`include` pulls in label blocks shared by several forms. A new form version is a new file;
`extends` names the file of another edition whose labels it keeps (own version and constants).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from magt_contracts.errors import danske_fejl
from magt_contracts.forms import FORM_TYPES, AnyForm, parse_form
from magt_nexus import values

FieldType = Literal["text", "int", "bool", "date", "datetime", "choice", "list"]
_TYPES: frozenset[str] = frozenset({"text", "int", "bool", "date", "datetime", "choice", "list"})
_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\{n\}|\d+)\])?$")
PERSONAL_MESSAGE = "Feltet er udfyldt forkert (værdien vises ikke af hensyn til persondata)."


class MappingFileError(Exception):
    """A mapping file is malformed (a programming error, found when the mappings load)."""


@dataclass(frozen=True)
class FieldMap:
    """One Nexus label → one field path, with its conversion."""

    label: str
    path: str
    type: FieldType
    values: Mapping[str, Any] | None = None
    item_key: str | None = None
    personal: bool = False

    @property
    def repeated(self) -> bool:
        """A label with `{n}`: one per row of a repeated group."""
        return "{n}" in self.label

    def label_regex(self) -> re.Pattern[str]:
        """The label as a pattern capturing the row number."""
        head, _, tail = self.label.partition("{n}")
        return re.compile(f"^{re.escape(head)}(\\d+){re.escape(tail)}$")


@dataclass(frozen=True)
class FormMapping:
    """How one Nexus form definition version becomes one contract form."""

    name: str
    nexus_title: str
    nexus_version: str
    form_type: str
    constants: Mapping[str, Any]
    fields: tuple[FieldMap, ...]

    def label_for(self, path: str) -> str | None:
        """The Nexus label behind a (validation error's) field path, if any."""
        parts = path.split(".")
        for fm in self.fields:
            if fm.repeated:
                head, _, tail = fm.path.partition("[{n}]")
                match = re.fullmatch(re.escape(head) + r"\.(\d+)" + re.escape(tail), path)
                if match:
                    return fm.label.replace("{n}", str(int(match.group(1)) + 1))
            elif fm.path == path or path.startswith(fm.path + "."):
                return fm.label
        for cut in range(len(parts), 0, -1):  # an error on a whole group: its first label
            prefix = ".".join(parts[:cut]) + "."
            for fm in self.fields:
                if fm.path.startswith(prefix):
                    return fm.label
        return None

    def is_personal(self, path: str) -> bool:
        """Whether the field at `path` holds personal data (its value is never echoed)."""
        return any(fm.personal and (fm.path == path) for fm in self.fields)


@dataclass(frozen=True)
class Fejl:
    """One problem with a Nexus form, in Danish, with the Nexus label when known."""

    field: str
    message: str
    label: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """Plain dict for storage and the HTTP API."""
        return {"field": self.field, "label": self.label, "message": self.message}


@dataclass(frozen=True)
class Mapped:
    """A Nexus form read into the contract model."""

    form: AnyForm
    mapping: FormMapping


@dataclass(frozen=True)
class Unmapped:
    """A Nexus form that cannot become a contract form: why, field by field."""

    errors: tuple[Fejl, ...]
    mapping: FormMapping | None = None
    institution_id: str | None = None


@dataclass(frozen=True)
class Mappings:
    """Every known mapping by (Nexus title, Nexus version)."""

    by_definition: Mapping[tuple[str, str], FormMapping] = field(default_factory=dict)

    def find(self, title: str, version: str) -> FormMapping | None:
        """The mapping for a form definition, or None when it is not mapped."""
        return self.by_definition.get((title, version))

    def titles(self) -> frozenset[str]:
        """The Nexus form titles the adapter reads."""
        return frozenset(t for t, _ in self.by_definition)


def load_mappings(folder: Path | None = None) -> Mappings:
    """Load every mapping file (files starting with `_` are include-only blocks)."""
    base = folder or Path(str(resources.files("magt_nexus") / "mappings"))
    found: dict[tuple[str, str], FormMapping] = {}
    for path in sorted(base.glob("*.json")):
        if path.name.startswith("_"):
            continue
        mapping = _load(path)
        key = (mapping.nexus_title, mapping.nexus_version)
        if key in found:
            raise MappingFileError(f"{path.name}: form definition {key} is mapped twice")
        found[key] = mapping
    return Mappings(found)


def _load(path: Path) -> FormMapping:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if "extends" in raw:  # another edition of a form: the same labels, its own version
        base = json.loads((path.parent / str(raw["extends"])).read_text(encoding="utf-8"))
        if "extends" in base:
            raise MappingFileError(f"{path.name}: extends a file that extends another")
        raw = {**base, **{k: v for k, v in raw.items() if k != "extends"}}
    try:
        fields: list[FieldMap] = []
        for include in raw.get("include", []):
            block = json.loads((path.parent / include).read_text(encoding="utf-8"))
            fields.extend(_field(f) for f in block["fields"])
        fields.extend(_field(f) for f in raw.get("fields", []))
        form_type = str(raw["form_type"])
        if form_type not in FORM_TYPES:
            raise MappingFileError(f"unknown form_type {form_type!r}")
        labels = [f.label for f in fields]
        if len(labels) != len(set(labels)):
            raise MappingFileError("a label is mapped twice")
        return FormMapping(
            name=path.stem,
            nexus_title=str(raw["nexus_title"]),
            nexus_version=str(raw["nexus_version"]),
            form_type=form_type,
            constants={"form_type": form_type, **raw.get("constants", {})},
            fields=tuple(fields),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MappingFileError(f"{path.name}: {error}") from error


def _field(raw: Mapping[str, Any]) -> FieldMap:
    kind = str(raw["type"])
    if kind not in _TYPES:
        raise MappingFileError(f"label {raw.get('label')!r}: unknown type {kind!r}")
    for segment in str(raw["path"]).split("."):
        if not _SEGMENT.match(segment):
            raise MappingFileError(f"label {raw.get('label')!r}: bad path {raw['path']!r}")
    fm = FieldMap(
        label=str(raw["label"]),
        path=str(raw["path"]),
        type=kind,  # type: ignore[arg-type]
        values=raw.get("values"),
        item_key=raw.get("item_key"),
        personal=bool(raw.get("personal", False)),
    )
    if fm.repeated != ("[{n}]" in fm.path):
        raise MappingFileError(f"label {fm.label!r}: {{n}} must be in both label and path")
    if kind == "choice" and not fm.values:
        raise MappingFileError(f"label {fm.label!r}: a choice needs values")
    return fm


def map_form(detail: Mapping[str, Any], mappings: Mappings) -> Mapped | Unmapped:
    """Read one Nexus form (its `formDefinition` and `items`) into the contract model."""
    definition = detail.get("formDefinition") or {}
    title, version = str(definition.get("title", "")), str(definition.get("version", ""))
    mapping = mappings.find(title, version)
    if mapping is None:
        message = f"Skemaet '{title}' i version '{version}' kan ikke modtages (ukendt skema)."
        return Unmapped((Fejl("formDefinition", message, "Skematype"),))
    data, errors = _collect(mapping, _items(detail.get("items")))
    institution_id = _get(data, "institution.institution_id")
    if errors:
        return Unmapped(tuple(errors), mapping, institution_id)
    try:
        form = parse_form(data)
    except ValidationError as exc:
        fejl = [
            Fejl(
                f.field,
                PERSONAL_MESSAGE if mapping.is_personal(f.field) else f.message,
                mapping.label_for(f.field),
            )
            for f in danske_fejl(exc, tags=frozenset(FORM_TYPES))
        ]
        return Unmapped(tuple(fejl), mapping, institution_id)
    return Mapped(form, mapping)


def _items(raw: object) -> list[tuple[str, Any]]:
    if not isinstance(raw, list):
        return []
    return [
        (str(item["label"]), item.get("value"))
        for item in raw
        if isinstance(item, dict) and "label" in item
    ]


def _collect(
    mapping: FormMapping, items: Iterable[tuple[str, Any]]
) -> tuple[dict[str, Any], list[Fejl]]:
    data: dict[Any, Any] = {}
    errors: list[Fejl] = []
    plain = {fm.label: fm for fm in mapping.fields if not fm.repeated}
    repeated = [(fm, fm.label_regex()) for fm in mapping.fields if fm.repeated]
    for key, value in mapping.constants.items():
        _put(data, key, value)
    for label, raw in items:
        fm, row = plain.get(label), None
        if fm is None:
            for candidate, regex in repeated:
                match = regex.match(label)
                if match:
                    fm, row = candidate, int(match.group(1))
                    break
        if fm is None:
            continue  # labels the platform does not need (e.g. Nexus' own bookkeeping)
        try:
            value = values.convert(fm, raw)
        except ValueError as error:
            shown = fm.label.replace("{n}", str(row)) if row else fm.label
            message = PERSONAL_MESSAGE if fm.personal else str(error)
            errors.append(Fejl(fm.path.replace("{n}", str(row or 0)), message, shown))
            continue
        if value is None:
            continue
        path = fm.path.replace("[{n}]", f"[{row}]") if row is not None else fm.path
        _put(data, path, value)
    return _lists(data), errors


def _put(data: dict[Any, Any], path: str, value: Any) -> None:
    node: dict[Any, Any] = data
    segments = path.split(".")
    for i, segment in enumerate(segments):
        match = _SEGMENT.match(segment)
        assert match is not None
        name, index = match.group(1), match.group(2)
        last = i == len(segments) - 1
        if index is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        rows = node.setdefault(name, {"__rows__": True})
        if last:
            rows[int(index)] = value
        else:
            node = rows.setdefault(int(index), {})


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("__rows__"):
            return [_lists(node[k]) for k in sorted(k for k in node if isinstance(k, int))]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _get(data: Mapping[str, Any], path: str) -> str | None:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def citizen_cpr(detail: Mapping[str, Any], mappings: Mappings) -> str | None:
    """The citizen's CPR number as written on a form (also on one that does not map)."""
    definition = detail.get("formDefinition") or {}
    mapping = mappings.find(str(definition.get("title", "")), str(definition.get("version", "")))
    if mapping is None:
        return None
    label = next((fm.label for fm in mapping.fields if fm.path == "borger.cpr"), None)
    for item_label, raw in _items(detail.get("items")):
        if item_label == label and isinstance(raw, str) and raw.strip():
            return raw.strip()
    return None
