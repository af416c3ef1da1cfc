"""The adapter's pure rules: what to do with a form, ids, the notes' wording."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from magt_nexus import domain
from magt_nexus.client import expand

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("seen", "submitted", "new", "form", "action"),
    [
        (None, None, "a", "A", "submit"),
        (None, None, "a", None, "error"),
        ("a", "A", "a", "A", "skip"),
        ("a", "A", "b", "B", "correct"),
        ("a", "A", "b", "A", "skip"),  # only an ignored label changed: nothing to correct
        ("a", "A", "b", None, "error"),
        ("b", "A", "b", None, "skip"),  # the same broken content again: nothing new
        ("b", "A", "c", "C", "correct"),  # fixed after an error: the fix corrects
        ("b", "A", "a", "A", "skip"),  # back to what was submitted: nothing to correct
        ("b", None, "c", "C", "submit"),  # first valid content after an error
    ],
)
def test_decide(
    seen: str | None, submitted: str | None, new: str, form: str | None, action: str
) -> None:
    decided = domain.decide(
        seen_hash=seen, submitted_hash=submitted, new_hash=new, new_form_hash=form
    )
    assert decided == action


def test_only_finished_forms_are_taken() -> None:
    assert domain.accepted("Udfyldt")
    assert domain.accepted("Låst")
    assert not domain.accepted("Kladde")
    assert not domain.accepted(None)


def test_case_ids_are_keyed_by_institution_and_reveal_nothing() -> None:
    """An HMAC of (institution, form id): stable, per institution, and without the form id."""
    secret = b"test-secret"
    case = domain.case_id(secret, institution_id="botilbud-0450-002", form_id="1001")
    assert case == domain.case_id(secret, institution_id="botilbud-0450-002", form_id="1001")
    assert case.startswith("nexus-")
    assert "1001" not in case
    assert case != domain.case_id(secret, institution_id="botilbud-0450-003", form_id="1001")
    assert case != domain.case_id(secret, institution_id="botilbud-0450-002", form_id="1002")
    assert case != domain.case_id(b"another", institution_id="botilbud-0450-002", form_id="1001")
    with pytest.raises(ValueError, match="MAGT_CASE_ID_SECRET"):
        domain.case_id(b"", institution_id="botilbud-0450-002", form_id="1001")


def test_event_ids_are_deterministic() -> None:
    assert domain.event_id("1", "h", "submit") == domain.event_id("1", "h", "submit")
    assert domain.event_id("1", "h", "submit") != domain.event_id("1", "h2", "submit")
    assert domain.event_id("1", "h", "submit") != domain.event_id("1", "h", "correct")


def test_content_hash_ignores_item_order_but_not_values() -> None:
    a = {"label": "A", "value": 1}
    b = {"label": "B", "value": {"name": "Ja"}}
    definition = {"title": "T", "version": "1"}
    one = domain.content_hash({"formDefinition": definition, "items": [a, b]})
    assert one == domain.content_hash({"formDefinition": definition, "items": [b, a]})
    assert one != domain.content_hash({"formDefinition": definition, "items": [a]})


def test_notes_are_danish_and_marked() -> None:
    text = domain.note_delivered(
        role="handlekommune",
        recipient_id="0461",
        channel="sikker_mail",
        message_ref="<m1@x>",
        at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
    )
    assert text.startswith("Indberetningen om magtanvendelse er sendt til handlekommunen (0461)")
    assert "01.03.2025 kl. 13.00" in text
    marked = domain.with_marker(text, "k1")
    assert marked.endswith(domain.marker("k1"))
    assert domain.marker("k1") != domain.marker("k2")
    assert "- Indgreb: Ugyldigt" in domain.note_rejected([("Indgreb", "Ugyldigt valg.")])
    assert domain.correction_reason(1, 3) == "Skemaet er ændret i Nexus (version 1 → version 3)."


def test_templated_links_expand() -> None:
    assert expand("/f{?changedSince}", {"changedSince": "2025-01-01T00:00:00+00:00"}) == (
        "/f?changedSince=2025-01-01T00%3A00%3A00%2B00%3A00"
    )
    assert expand("/f{?changedSince}", {"changedSince": None}) == "/f"
    assert expand("/p/{id}/n", {"id": "a b"}) == "/p/a%20b/n"
