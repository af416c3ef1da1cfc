"""The recipient directory: TOML or JSON, certificate by path or inline, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from magt_sikkermail.directory import DirectoryError, UnknownRecipientError, load_directory

pytestmark = pytest.mark.unit


def _toml(pki: Any, folder: Path) -> Path:
    cert = folder / "kommune.pem"
    cert.write_bytes(pki.kommune.cert_file.read_bytes())
    path = folder / "recipients.toml"
    path.write_text(
        f"""
[[recipients]]
role = "handlekommune"
id = "0851"
address = "{pki.kommune.address}"
name = "Kommune 0851"
certificate = "kommune.pem"
""",
        encoding="utf-8",
    )
    return path


def test_toml_with_relative_certificate_path(pki: Any, tmp_path: Path) -> None:
    directory = load_directory(_toml(pki, tmp_path))
    recipient = directory.lookup(role="handlekommune", recipient_id="0851")
    assert recipient.address == pki.kommune.address
    assert recipient.name == "Kommune 0851"
    assert recipient.certificate == pki.kommune.certificate


def test_json_with_inline_pem(pki: Any, tmp_path: Path) -> None:
    entry = {
        "role": "socialtilsyn",
        "id": "Nord",
        "address": pki.tilsyn.address,
        "name": "Socialtilsyn Nord",
        "certificate": pki.tilsyn.cert_file.read_text(),
    }
    path = tmp_path / "recipients.json"
    path.write_text(json.dumps({"recipients": [entry]}), encoding="utf-8")
    recipient = load_directory(path).lookup(role="socialtilsyn", recipient_id="Nord")
    assert recipient.certificate == pki.tilsyn.certificate


def test_unknown_recipient_says_which(pki: Any, tmp_path: Path) -> None:
    directory = load_directory(_toml(pki, tmp_path))
    with pytest.raises(UnknownRecipientError, match=r"role=socialtilsyn id='Syd'"):
        directory.lookup(role="socialtilsyn", recipient_id="Syd")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"certificate": "missing.pem"}, "certificate of recipient"),
        ({"address": "not an address"}, "invalid recipient directory"),
        ({"extra": "x"}, "invalid recipient directory"),
    ],
)
def test_bad_entries_fail_at_load(
    pki: Any, tmp_path: Path, change: dict[str, str], message: str
) -> None:
    entry = {"role": "handlekommune", "id": "0851", "address": pki.kommune.address, "name": "K"}
    entry["certificate"] = pki.kommune.cert_file.read_text()
    path = tmp_path / "recipients.json"
    path.write_text(json.dumps({"recipients": [entry | change]}), encoding="utf-8")
    with pytest.raises(DirectoryError, match=message):
        load_directory(path)


def test_duplicate_entries_fail(pki: Any, tmp_path: Path) -> None:
    path = _toml(pki, tmp_path)
    path.write_text(path.read_text() * 2, encoding="utf-8")
    with pytest.raises(DirectoryError, match="duplicate"):
        load_directory(path)


def test_missing_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot read"):
        load_directory(tmp_path / "nope.toml")
