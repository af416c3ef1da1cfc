"""The platform's one meaning of a moment: an aware datetime in UTC.

Every service and adapter reads times back from its own database through `utc`. A naive datetime
there is always UTC: we only ever write aware UTC moments, and SQLite (the embedded default) drops
the tzinfo on the way in, as does a PostgreSQL `timestamp without time zone` column. A naive value
is therefore never read as the machine's local time (`astimezone` would do that).

Danish local time (for people, letters and the law's day counting) lives in `magt_contracts.tid`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The wall clock, aware, in UTC (the default clock of every service)."""
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """`moment` as an aware UTC datetime; a naive value (from our own database) is UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_or_none(moment: datetime | None) -> datetime | None:
    """`utc(moment)`, passing None through (nullable columns)."""
    return None if moment is None else utc(moment)
