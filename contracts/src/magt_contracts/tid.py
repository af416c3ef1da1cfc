"""Time in Europe/Copenhagen: month and quarter ends, calendar arithmetic, DST-safe."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo


@cache
def tz() -> ZoneInfo:
    """The Danish time zone (loaded on first use, never at import)."""
    return ZoneInfo("Europe/Copenhagen")


def lokal(moment: datetime) -> datetime:
    """`moment` (aware) in Danish local time."""
    if moment.tzinfo is None:
        raise ValueError("tidspunktet skal have en tidszone")
    return moment.astimezone(tz())


def ved_dag_slut(dag: date) -> datetime:
    """The last second of `dag` in Danish local time (23:59:59)."""
    return datetime.combine(dag, time(23, 59, 59), tzinfo=tz())


def ved_dag_start(dag: date) -> datetime:
    """Midnight at the start of `dag` in Danish local time."""
    return datetime.combine(dag, time(0, 0), tzinfo=tz())


def maanedens_udgang(moment: datetime, *, maaneder_frem: int = 0) -> datetime:
    """The last second of the month of `moment` (plus some months), Danish time."""
    year, month = _flyt_maaned(lokal(moment).date(), maaneder_frem)
    return ved_dag_slut(date(year, month, calendar.monthrange(year, month)[1]))


def kvartalets_udgang(moment: datetime, *, kvartaler_frem: int = 0) -> datetime:
    """The last second of the quarter of `moment` (plus some quarters), Danish time."""
    dag = lokal(moment).date()
    sidste_maaned_i_kvartal = ((dag.month - 1) // 3) * 3 + 3
    forskel = sidste_maaned_i_kvartal - dag.month + 3 * kvartaler_frem
    return maanedens_udgang(moment, maaneder_frem=forskel)


def plus_dage(moment: datetime, dage: int) -> datetime:
    """Same wall-clock time `dage` calendar days later in Danish time (DST-safe)."""
    lok = lokal(moment)
    naiv = lok.replace(tzinfo=None) + timedelta(days=dage)
    return _normaliser(naiv.replace(tzinfo=tz()))


def plus_timer(moment: datetime, timer: int) -> datetime:
    """Exactly `timer` elapsed hours later, shown in Danish time."""
    # Aware arithmetic in one zone is wall-clock arithmetic; hours must elapse in UTC.
    return (moment.astimezone(UTC) + timedelta(hours=timer)).astimezone(tz())


def plus_maaneder(moment: datetime, maaneder: int) -> datetime:
    """Same wall-clock time `maaneder` calendar months later; the day is clamped to the month."""
    lok = lokal(moment)
    year, month = _flyt_maaned(lok.date(), maaneder)
    day = min(lok.day, calendar.monthrange(year, month)[1])
    return _normaliser(lok.replace(year=year, month=month, day=day))


def _normaliser(moment: datetime) -> datetime:
    """Resolve a wall-clock time that falls in a DST gap or fold to a real instant."""
    return moment.astimezone(UTC).astimezone(tz())


def _flyt_maaned(dag: date, maaneder: int) -> tuple[int, int]:
    index = dag.year * 12 + (dag.month - 1) + maaneder
    return index // 12, index % 12 + 1


def dansk_dato(moment: datetime) -> date:
    """The Danish calendar date of `moment`."""
    return lokal(moment).date()
