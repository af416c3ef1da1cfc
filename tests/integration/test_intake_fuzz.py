"""Fuzz every intake with hostile and random documents (issue 13): it keeps running.

Hypothesis feeds the Bosted drop folder (files scanned by the watcher), Bosted's HTTP intake and
registrering's `POST /sager` with random bytes, random JSON and valid documents with one leaf
made hostile (deep nesting, a lone surrogate escape, NaN, a 5,000-digit number, a CPR number
in a coded field or as a key, megabytes of text). Every answer is a Danish 4xx in the platform's
shape (never a 500, never the personal value echoed), nothing is left in the drop folder to be
retried, and after each attack the next valid document is taken in as usual.
"""

from __future__ import annotations

import copy
import json
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from magt.testing.tokens import session_issuer
from magt_bosted import watcher
from magt_bosted.app import create_app as bosted_app
from magt_bosted.settings import Settings as BostedSettings
from magt_klager.app import create_app as klager_app
from magt_klager.settings import Settings as KlagerSettings
from magt_registrering.app import create_app as registrering_app
from magt_registrering.settings import Settings as RegistreringSettings
from magt_runtime.auth import Principal
from magt_runtime.crypto import FieldCipher
from magt_runtime.db import create_tables, make_engine

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
TILBUD = "tilbud-0851-017"
CPR = "231187-4117"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _bosted_eksempel() -> dict[str, Any]:
    tekst = (ROOT / "docs" / "bosted-format.md").read_text("utf-8")
    blok = re.search(r"<!-- eksempel: magtanvendelsesskema -->\s*```json\n(.*?)```", tekst, re.S)
    assert blok is not None
    data: dict[str, Any] = json.loads(blok.group(1))
    return data


BOSTED = _bosted_eksempel()
FORM = json.loads((ROOT / "contracts" / "examples" / "val_indberetning.json").read_text("utf-8"))
FORM.pop("leder", None)

SURROGAT = "\x00SURROGAT\x00"  # becomes the escape "\ud800" in the encoded document
STORT_TAL = "\x00STORT_TAL\x00"  # becomes a bare 5,000-digit number
DYB: list[Any] = json.loads("[" * 200 + "]" * 200)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
RANDOM_JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=12,
)
HOSTILE_LEAF = (
    st.sampled_from([CPR, "Alma Testesen", SURROGAT, STORT_TAL, "x" * 3_000_000, DYB]) | RANDOM_JSON
)


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _set(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _encode(data: Any) -> bytes:
    tekst = json.dumps(data, ensure_ascii=False, allow_nan=True)
    tekst = tekst.replace(json.dumps(SURROGAT), '"\\ud800"')
    return tekst.replace(json.dumps(STORT_TAL), "1" * 5000).encode()


@st.composite
def hostile(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    """A hostile document built on `base` (or not at all)."""
    art = draw(st.sampled_from(["bytes", "json", "leaf", "key", "deep"]))
    if art == "bytes":
        return draw(st.binary(max_size=400))
    if art == "json":
        return _encode(draw(HOSTILE_LEAF))
    data = copy.deepcopy(base)
    path = draw(st.sampled_from(list(_paths(data))))
    if art == "leaf":
        _set(data, path, draw(HOSTILE_LEAF))
    elif art == "key":
        _set(data, (*path[:-1], CPR) if isinstance(path[-1], str) else path, "x")
    else:
        _set(data, path, DYB)
    return _encode(data)


def _probe(base: dict[str, Any]) -> list[bytes]:
    """The probe's own attacks, always tried first: 10,000 deep, a lone surrogate, a CPR key."""
    surrogat, noegle = copy.deepcopy(base), copy.deepcopy(base)
    surrogat["dokument_id" if "dokument_id" in base else "form_type"] = SURROGAT
    noegle[CPR] = "x"
    return [b"[" * 10_000 + b"]" * 10_000, _encode(surrogat), _encode(noegle)]


def _auth(secret_settings: BostedSettings | RegistreringSettings) -> dict[str, str]:
    principal = Principal(subject="u-1", role="medarbejder", organisation=TILBUD)
    return {"Authorization": f"Bearer {session_issuer().token(principal)}"}


def _assert_danish_4xx(status: int, body: dict[str, Any]) -> None:
    assert 400 <= status < 500, (status, body)
    if status in (400, 413, 422):
        for fejl in body["detail"]:
            assert set(fejl) == {"field", "message"}
            assert CPR not in fejl["field"] + fejl["message"]
            assert "Alma" not in fejl["message"]
            assert "2311" not in fejl["field"]


@dataclass
class Bosted:
    settings: BostedSettings
    engine: Engine
    client: TestClient


def _new_bosted(folder: Path) -> Bosted:
    s = BostedSettings(
        database_url=f"sqlite:///{folder}/bosted.db",
        drop_folder=folder / "drop",
        stable_after_s=0,
        payload_keys=FieldCipher.new_key(),
        **session_issuer().settings(),
        person_ref_secret="fuzz-person",
        case_id_secret="fuzz-case-id",
        log_json=True,
    )
    s.drop_folder.mkdir(parents=True)
    app = bosted_app(s)
    engine = make_engine(s.database_url)
    return Bosted(s, engine, TestClient(app, raise_server_exceptions=False))


@pytest.fixture
def bosted(tmp_path: Path) -> Bosted:
    return _new_bosted(tmp_path)


@pytest.fixture
def fresh_bosted(tmp_path: Path) -> Callable[[], Bosted]:
    """A new Bosted adapter with its own database and drop folder, one per Hypothesis example:
    the verdict on a file depends on what the adapter has seen (a second, different valid document
    under an accepted id is a correction), so examples must not see each other's documents."""

    def make() -> Bosted:
        return _new_bosted(Path(tempfile.mkdtemp(dir=tmp_path)))

    return make


def _valid_bosted() -> dict[str, Any]:
    data = copy.deepcopy(BOSTED)
    data["dokument_id"] = f"BST-F-{uuid.uuid4().hex[:12]}"
    return data


def _scan(b: Bosted) -> dict[str, str]:
    nu = datetime.now(UTC)
    verdicts = dict(watcher.scan_once(b.engine, b.settings, nu=nu).behandlet)
    verdicts |= watcher.scan_once(b.engine, b.settings, nu=nu + timedelta(seconds=1)).behandlet
    return verdicts


@FUZZ
@example(doc=_probe(BOSTED)[0])
@example(doc=_probe(BOSTED)[1])
@example(doc=_probe(BOSTED)[2])
@given(doc=hostile(BOSTED))
def test_drop_folder_survives_any_file_and_takes_the_next(
    fresh_bosted: Callable[[], Bosted], doc: bytes
) -> None:
    bosted = fresh_bosted()
    (bosted.settings.drop_folder / "fjendtlig.json").write_bytes(doc)
    (bosted.settings.drop_folder / "naeste.json").write_text(json.dumps(_valid_bosted()))
    verdicts = _scan(bosted)
    assert verdicts["naeste.json"] == "ny"
    assert verdicts["fjendtlig.json"] in {"ny", "afvist", "ulaeselig", "afvist_fil", "dublet"}
    assert list(bosted.settings.drop_folder.glob("*.json")) == []
    for fejltekst in (bosted.settings.drop_folder / "fejl").glob("*.fejl.txt"):
        tekst = fejltekst.read_text("utf-8")
        assert CPR not in tekst
        assert "Alma" not in tekst


@FUZZ
@example(doc=_probe(BOSTED)[0], as_json=True)
@example(doc=_probe(BOSTED)[1], as_json=True)
@example(doc=_probe(BOSTED)[2], as_json=True)
@given(doc=hostile(BOSTED), as_json=st.booleans())
def test_bosted_http_answers_danish_4xx_and_takes_the_next(
    bosted: Bosted, doc: bytes, as_json: bool
) -> None:
    headers = _auth(bosted.settings) | ({"Content-Type": "application/json"} if as_json else {})
    svar = bosted.client.post("/bosted/dokumenter", content=doc, headers=headers)
    if svar.status_code not in (200, 202):
        _assert_danish_4xx(svar.status_code, svar.json())
    naeste = bosted.client.post("/bosted/dokumenter", json=_valid_bosted(), headers=headers)
    assert naeste.status_code == 202, naeste.text


@pytest.fixture
def registrering(tmp_path: Path) -> tuple[TestClient, RegistreringSettings]:
    s = RegistreringSettings(
        database_url=f"sqlite:///{tmp_path}/registrering.db",
        kafka_bootstrap_servers="127.0.0.1:1",
        payload_keys=FieldCipher.new_key(),
        storage_keys=FieldCipher.new_key(),
        person_ref_secret="fuzz-person",
        **session_issuer().settings(),
        log_json=True,
    )
    create_tables(make_engine(s.database_url))
    return TestClient(registrering_app(s), raise_server_exceptions=False), s


@FUZZ
@example(doc=_probe(FORM)[0])
@example(doc=_probe(FORM)[1])
@example(doc=_probe(FORM)[2])
@given(doc=hostile(FORM))
def test_registrering_answers_danish_4xx_and_takes_the_next(
    registrering: tuple[TestClient, RegistreringSettings], doc: bytes
) -> None:
    client, s = registrering
    headers = _auth(s) | {"Content-Type": "application/json"}
    svar = client.post("/sager", content=doc, headers=headers)
    if svar.status_code != 201:
        _assert_danish_4xx(svar.status_code, svar.json())
    naeste = client.post("/sager", json=FORM, headers=_auth(s))
    assert naeste.status_code == 201, naeste.text


@pytest.fixture
def klager(tmp_path: Path) -> TestClient:
    s = KlagerSettings(
        database_url=f"sqlite:///{tmp_path}/klager.db",
        **session_issuer().settings(),
        kafka_bootstrap_servers="127.0.0.1:1",
        log_json=True,
    )
    create_tables(make_engine(s.database_url))
    return TestClient(klager_app(s), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("app", "path"),
    [
        ("registrering", "/sager"),
        ("registrering", "/bilag1"),
        ("registrering", "/sager/sag-1/rettelser"),
        ("klager", "/klager"),
        ("klager", "/klager/k-1/afgoerelse"),
    ],
)
def test_every_json_intake_refuses_the_probe_in_danish(
    registrering: tuple[TestClient, RegistreringSettings], klager: TestClient, app: str, path: str
) -> None:
    client, s = registrering if app == "registrering" else (klager, registrering[1])
    headers = _auth(s) | {"Content-Type": "application/json"}
    for body, status in [
        (b"[" * 10_000 + b"]" * 10_000, 400),
        (b'{"reason": "\\ud800"}', 400),
        (b"{ikke json", 400),
        (b'{"a": "' + b"x" * (3 * 1024 * 1024) + b'"}', 413),
    ]:
        svar = client.post(path, content=body, headers=headers)
        assert svar.status_code == status, (path, body[:12], svar.text[:200])
        [fejl] = svar.json()["detail"]
        assert fejl["field"] == "(body)"
        assert fejl["message"].startswith(("Indholdet ", "Dokumentet er for stort"))


def test_registrering_errors_name_the_field_never_the_value(
    registrering: tuple[TestClient, RegistreringSettings],
) -> None:
    client, s = registrering
    form = copy.deepcopy(FORM)
    form["barn"]["handlekommune"] = CPR
    form["barn"]["cpr"] = "320187-4117"  # no 32 January: the birth date must not be echoed
    form["indgreb"] = ["Alma Testesen"]
    form["formversion" if "formversion" in form else "form_version"] = CPR
    form["barn"][CPR] = "x"
    svar = client.post("/sager", json=form, headers=_auth(s))
    assert svar.status_code == 422
    fejl = {f["field"]: f["message"] for f in svar.json()["detail"]}
    assert fejl["barn.handlekommune"].startswith("Kommunekoden er ikke en dansk kommunekode")
    assert "barn.(nøgle)" in fejl
    for personligt in ("231187", "4117", "Alma", "320187", "32-01", "1987"):
        assert personligt not in svar.text
