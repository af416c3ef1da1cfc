"""Topic names: one consistent scheme ending in .v1, and per-recipient topics."""

from __future__ import annotations

import re

import pytest

from magt_contracts import messages
from magt_contracts.topics import ALL_TOPICS, TOPIC_FOR, recipient_topic

pytestmark = pytest.mark.unit


def test_every_message_has_one_topic() -> None:
    klasser = {getattr(messages, n) for n in messages.__all__} - {
        messages.Command, messages.Event, messages.Message, messages.FeltFejl,
    }  # fmt: skip
    assert klasser == set(TOPIC_FOR)
    assert len(set(ALL_TOPICS)) == len(ALL_TOPICS)
    assert all(re.fullmatch(r"magt\.[a-z]+\.[a-z-]+\.v1", t) for t in ALL_TOPICS)


def test_recipient_topics() -> None:
    assert recipient_topic("handlekommune", "0851") == "magt.til.kommune.0851.v1"
    assert recipient_topic("socialtilsyn", "Nord") == "magt.til.socialtilsyn.nord.v1"
    assert recipient_topic("socialtilsyn", "Øst") == "magt.til.socialtilsyn.oest.v1"
    assert recipient_topic("vaerge", "Værge 31") == "magt.til.vaerge.vaerge-31.v1"
    with pytest.raises(ValueError, match="cannot build a topic"):
        recipient_topic("vaerge", "!!!")
