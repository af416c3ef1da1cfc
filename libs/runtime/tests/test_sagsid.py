"""Case ids of source documents: stable, scoped per source and institution, not computable."""

from __future__ import annotations

import pytest

from magt_runtime.sagsid import sags_id
from magt_runtime.settings import ServiceSettings

HEMMELIGHED = b"test-sagsid-hemmelighed"


def _id(secret: bytes = HEMMELIGHED, kilde: str = "bosted", inst: str = "tilbud-1") -> str:
    return sags_id(secret, kilde=kilde, institution_id=inst, dokument_id="BST-2025-000123")


def test_the_same_document_always_gets_the_same_case() -> None:
    assert _id() == _id()
    assert _id().startswith("bosted-")
    assert len(_id()) == len("bosted-") + 32


def test_the_id_reveals_nothing_and_depends_on_source_institution_and_secret() -> None:
    assert "000123" not in _id()
    assert "tilbud" not in _id()
    ids = {_id(), _id(inst="tilbud-2"), _id(kilde="nexus"), _id(secret=b"en-anden-hemmelighed")}
    assert len(ids) == 4
    # the separator keeps parts apart: ("a", "bc") and ("ab", "c") are different documents
    assert sags_id(HEMMELIGHED, kilde="k", institution_id="a", dokument_id="bc") != sags_id(
        HEMMELIGHED, kilde="k", institution_id="ab", dokument_id="c"
    )


def test_without_a_secret_no_id_is_made() -> None:
    with pytest.raises(ValueError, match="MAGT_CASE_ID_SECRET"):
        _id(secret=b"")
    with pytest.raises(ValueError, match="MAGT_CASE_ID_SECRET"):
        ServiceSettings(case_id_secret="").case_id_key()
    assert ServiceSettings(case_id_secret="s").case_id_key() == b"s"
