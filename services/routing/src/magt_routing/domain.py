"""Pure rules of routing: plan lines from recipients, batch periods, send moments, event ids.

The law (who, by when) comes from `magt_contracts.rules`; this module only decides *when the line
is sent* and names it, so a replay yields the same lines and the same event ids. No clock: `now` is
always a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from magt_contracts import topics
from magt_contracts.begreber import Fristart, Kanal, Klagehaendelse, Leveringsgrund
from magt_contracts.catalogue import Katalog
from magt_contracts.messages.routing import ReportAddressed
from magt_contracts.rules.recipients import kanal
from magt_contracts.tid import lokal, ved_dag_start
from magt_contracts.vaerdier import Modtager, Naar, NaarArt

NAMESPACE = uuid5(NAMESPACE_URL, "https://magtanvendelse.dk/routing")

KIND_BY_NAME = {"monthly": NaarArt.MONTHLY_BATCH, "quarterly": NaarArt.QUARTERLY_BATCH}
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


_CAUSE = {
    Leveringsgrund.INDBERETNING: "report",
    Leveringsgrund.MISTANKE: "crime",
    Leveringsgrund.AFGOERELSE: "decision",
    Leveringsgrund.FRIST: "deadline_breached",
    Leveringsgrund.STATISTIK_ALARM: "statistik_alert",
    Leveringsgrund.LEVERINGSFEJL: "delivery_failed",
}
LOCAL_OVERDUE = "local_deadline_overdue"


@dataclass(frozen=True)
class Grund:
    """Why lines are addressed, with the detail the reason carries (see `ReportAddressed`)."""

    grund: Leveringsgrund
    klage_art: Klagehaendelse | None = None
    frist_art: str | None = None
    frist_lovbestemt: bool | None = None
    """For a deadline: whether an act sets it (False: an overdue local deadline)."""

    @property
    def cause(self) -> str:
        """The plan line's label of its cause event (report, crime, complaint_decided, ...)."""
        if self.klage_art is not None:
            return f"complaint_{self.klage_art.value}"
        if self.lokal_frist:
            return LOCAL_OVERDUE
        return _CAUSE.get(self.grund, self.grund.value)

    @property
    def lokal_frist(self) -> bool:
        """An overdue local deadline ("overskredet lokal frist"), never a breach of the law."""
        return self.grund is Leveringsgrund.FRIST and self.frist_lovbestemt is False


def frist_grund(kind: Fristart, *, lovbestemt: bool | None, katalog: Katalog) -> Grund:
    """The reason of a passed deadline: a breach of the law, or an overdue local deadline when no
    act sets it (`lovbestemt` from frister; an event from before that field asks the catalogue)."""
    sat_ved_lov = katalog.lovbestemt(kind) if lovbestemt is None else lovbestemt
    return Grund(Leveringsgrund.FRIST, frist_art=kind.value, frist_lovbestemt=sat_ved_lov)


@dataclass(frozen=True)
class Linje:
    """One plan line before it is stored."""

    line_key: str
    role: str
    recipient_id: str
    channel: Kanal
    when: Naar
    send_at: datetime
    period: str | None
    addressed_event_id: UUID


def _previous_month(moment: datetime) -> date:
    first = lokal(moment).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def month_label(day: date) -> str:
    """'2025-03' for a day in March 2025."""
    return f"{day.year:04d}-{day.month:02d}"


def quarter_label(day: date) -> str:
    """'2025-Q1' for a day in January–March 2025."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def period_of(when: Naar) -> str | None:
    """The batch a line belongs to, read from its due time.

    A monthly line is due at the end of the month after its month, a quarterly line at the end of
    the month after its quarter, a month-end copy at the end of its own month (catalogue:
    sel.maanedlig_indberetning, sel.kvartalsvis_indberetning, val.kopi_socialtilsyn).
    """
    match when.kind:
        case NaarArt.MONTHLY_BATCH:
            return month_label(_previous_month(when.due))
        case NaarArt.QUARTERLY_BATCH:
            return quarter_label(_previous_month(when.due))
        case NaarArt.BY_MONTH_END:
            return month_label(lokal(when.due).date())
        case _:
            return None


def send_moment(when: Naar, *, now: datetime, month_end_lead: timedelta) -> datetime:
    """When a line is sent: at once; a month-end copy `month_end_lead` before the month ends; a
    monthly or quarterly line as soon as its period has ended (never after its due time)."""
    match when.kind:
        case NaarArt.IMMEDIATELY:
            return now
        case NaarArt.BY_MONTH_END:
            return when.due - month_end_lead
        case _:
            period_end = ved_dag_start(lokal(when.due).date().replace(day=1))
            return min(period_end, when.due)


def period_end(kind: str, period: str) -> datetime:
    """The first moment after a batch period ('monthly' 2025-03, 'quarterly' 2025-Q1)."""
    if kind == "monthly":
        match = _MONTH.fullmatch(period)
        if match is None:
            raise ValueError("Perioden skal have formen ÅÅÅÅ-MM, fx 2025-03.")
        year, month = int(match[1]), int(match[2])
    elif kind == "quarterly":
        match = _QUARTER.fullmatch(period)
        if match is None:
            raise ValueError("Perioden skal have formen ÅÅÅÅ-QN, fx 2025-Q1.")
        year, month = int(match[1]), int(match[2]) * 3
    else:
        raise ValueError("Arten skal være 'monthly' eller 'quarterly'.")
    index = year * 12 + month  # the month after (0-based month index + 1)
    return ved_dag_start(date(index // 12, index % 12 + 1, 1))


def line_key(cause_event_id: UUID | str, m: Modtager) -> str:
    """The stable name of a line: the cause, the recipient and the kind of moment."""
    return f"{cause_event_id}:{m.role.value}:{m.id}:{m.when.kind.value}"


def plan(
    modtagere: list[Modtager],
    *,
    cause_event_id: UUID,
    now: datetime,
    month_end_lead: timedelta,
) -> list[Linje]:
    """Plan lines for the recipients of one cause event."""
    ud = []
    for m in modtagere:
        key = line_key(cause_event_id, m)
        ud.append(
            Linje(
                line_key=key,
                role=m.role.value,
                recipient_id=m.id,
                channel=kanal(m.role),
                when=m.when,
                send_at=send_moment(m.when, now=now, month_end_lead=month_end_lead),
                period=period_of(m.when),
                addressed_event_id=uuid5(NAMESPACE, f"report-addressed:{key}"),
            )
        )
    return ud


def has_own_topic(channel: str) -> bool:
    """Organisations read their own topic; a person reached by Digital Post has none.

    A topic per citizen, parent or guardian would be an unbounded number of topics named after
    pseudonyms, read by nobody: those recipients get their letter from Digital Post only.
    """
    return channel != Kanal.DIGITAL_POST.value


def recipient_topic_name(role: str, recipient_id: str) -> str:
    """The recipient's own contract topic (without the environment's namespace)."""
    return topics.recipient_topic(role, recipient_id)


def addressed_event(
    *,
    event_id: UUID,
    case_id: str,
    correlation_id: UUID,
    causation_id: UUID,
    role: str,
    recipient_id: str,
    channel: str,
    when: Naar,
    rapport_ref: str,
    grund: Grund,
    rapport_sealed: str | None,
    now: datetime,
) -> ReportAddressed:
    """The ReportAddressed of one line."""
    return ReportAddressed(
        event_id=event_id,
        occurred_at=now,
        case_id=case_id,
        correlation_id=correlation_id,
        causation_id=causation_id,
        role=role,
        recipient_id=recipient_id,
        channel=channel,
        when=when,
        rapport_ref=rapport_ref,
        grund=grund.grund,
        klage_art=grund.klage_art,
        frist_art=grund.frist_art,
        frist_lovbestemt=grund.frist_lovbestemt,
        topic=recipient_topic_name(role, recipient_id),
        rapport_sealed=rapport_sealed,
    )
