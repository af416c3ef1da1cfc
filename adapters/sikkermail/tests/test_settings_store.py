"""Settings from MAGT_SIKKERMAIL_* and the sent-mail table that never commits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, SQLModel, create_engine

from magt_sikkermail.settings import SikkermailSettings
from magt_sikkermail.smtp import SmtpConfig
from magt_sikkermail.store import already_sent, mark_sent

pytestmark = pytest.mark.unit


def test_settings_read_their_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGT_SIKKERMAIL_SMTP_PORT", "2525")
    monkeypatch.setenv("MAGT_SIKKERMAIL_SMTP_CA_FILE", "/etc/ca.pem")
    monkeypatch.setenv("MAGT_SIKKERMAIL_SMTP_PASSWORD", "hemmelig")
    monkeypatch.setenv("MAGT_SIKKERMAIL_MAX_ATTEMPTS", "3")
    settings = SikkermailSettings()
    assert settings.smtp_host == "127.0.0.1"
    assert settings.max_attempts == 3
    assert "hemmelig" not in repr(settings)
    config = SmtpConfig.from_settings(settings)
    assert (config.port, config.ca_file, config.password) == (2525, Path("/etc/ca.pem"), "hemmelig")


@pytest.fixture
def session() -> Iterator[Session]:
    """A session on an in-memory SQLite database with the tables created."""
    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def test_mark_sent_then_already_sent(session: Session) -> None:
    assert not already_sent(session, key="k-1")
    mark_sent(session, key="k-1", message_id="<abc@magtanvendelse.local>")
    session.flush()
    assert already_sent(session, key="k-1")
    assert not already_sent(session, key="k-2")


def test_mark_sent_does_not_commit(session: Session) -> None:
    mark_sent(session, key="k-1", message_id="<abc@magtanvendelse.local>")
    session.flush()
    session.rollback()
    assert not already_sent(session, key="k-1")
