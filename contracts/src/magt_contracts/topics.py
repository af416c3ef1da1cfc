"""Topic names: `magt.<owning service>.<message in kebab case>.v1`, one topic per message type.

Events live on their producer's topics, commands on their consumer's. Per-recipient topics are
`magt.til.<role>.<recipient id>.v1` (municipality roles share `kommune`).
"""

from __future__ import annotations

import re
import unicodedata

from magt_contracts import messages as m

SUBMIT_FORM = "magt.registrering.submit-form.v1"
COMPLETE_LEADER_PART = "magt.registrering.complete-leader-part.v1"
APPROVE_REPORT = "magt.registrering.approve-report.v1"
CORRECT_FORM = "magt.registrering.correct-form.v1"
INCIDENT_REGISTERED = "magt.registrering.incident-registered.v1"
REGISTRATION_REJECTED = "magt.registrering.registration-rejected.v1"
LEADER_PART_COMPLETED = "magt.registrering.leader-part-completed.v1"
REPORT_APPROVED = "magt.registrering.report-approved.v1"
FORM_CORRECTED = "magt.registrering.form-corrected.v1"
CRIME_SUSPECTED = "magt.registrering.crime-suspected.v1"
DECISION_MADE = "magt.registrering.decision-made.v1"
HYGIENE_REPEAT = "magt.registrering.hygiene-repeat.v1"
TILBAGEMELDING_GIVET = "magt.registrering.tilbagemelding-givet.v1"
BEMAERKNINGER_SENDT = "magt.registrering.bemaerkninger-sendt.v1"
HANDLEPLAN_OPDATERET = "magt.registrering.handleplan-opdateret.v1"
REPORT_ADDRESSED = "magt.routing.report-addressed.v1"
DELIVERY_SENT = "magt.levering.delivery-sent.v1"
DELIVERY_FAILED = "magt.levering.delivery-failed.v1"
REPORT_JOURNALISED = "magt.journal.report-journalised.v1"
DEADLINE_OPENED = "magt.frister.deadline-opened.v1"
DEADLINE_WARNING = "magt.frister.deadline-warning.v1"
DEADLINE_BREACHED = "magt.frister.deadline-breached.v1"
DEADLINE_MET = "magt.frister.deadline-met.v1"
SUBMIT_COMPLAINT = "magt.klager.submit-complaint.v1"
RECORD_RECONSIDERATION = "magt.klager.record-reconsideration.v1"
RECORD_COMPLAINT_DECISION = "magt.klager.record-complaint-decision.v1"
COMPLAINT_RECEIVED = "magt.klager.complaint-received.v1"
COMPLAINT_RECONSIDERED = "magt.klager.complaint-reconsidered.v1"
COMPLAINT_FORWARDED = "magt.klager.complaint-forwarded.v1"
COMPLAINT_DECIDED = "magt.klager.complaint-decided.v1"
COMPLAINT_REDIRECTED = "magt.klager.complaint-redirected.v1"
COMPLAINT_DISMISSED = "magt.klager.complaint-dismissed.v1"
COMPLAINT_STATEMENT_ISSUED = "magt.klager.complaint-statement-issued.v1"
STATISTIK_ALERT = "magt.statistik.statistik-alert.v1"

TOPIC_FOR: dict[type[m.Message], str] = {
    m.SubmitForm: SUBMIT_FORM,
    m.CompleteLeaderPart: COMPLETE_LEADER_PART,
    m.ApproveReport: APPROVE_REPORT,
    m.CorrectForm: CORRECT_FORM,
    m.IncidentRegistered: INCIDENT_REGISTERED,
    m.RegistrationRejected: REGISTRATION_REJECTED,
    m.LeaderPartCompleted: LEADER_PART_COMPLETED,
    m.ReportApproved: REPORT_APPROVED,
    m.FormCorrected: FORM_CORRECTED,
    m.CrimeSuspected: CRIME_SUSPECTED,
    m.DecisionMade: DECISION_MADE,
    m.HygieneRepeat: HYGIENE_REPEAT,
    m.TilbagemeldingGivet: TILBAGEMELDING_GIVET,
    m.BemaerkningerSendt: BEMAERKNINGER_SENDT,
    m.HandleplanOpdateret: HANDLEPLAN_OPDATERET,
    m.ReportAddressed: REPORT_ADDRESSED,
    m.DeliverySent: DELIVERY_SENT,
    m.DeliveryFailed: DELIVERY_FAILED,
    m.ReportJournalised: REPORT_JOURNALISED,
    m.DeadlineOpened: DEADLINE_OPENED,
    m.DeadlineWarning: DEADLINE_WARNING,
    m.DeadlineBreached: DEADLINE_BREACHED,
    m.DeadlineMet: DEADLINE_MET,
    m.SubmitComplaint: SUBMIT_COMPLAINT,
    m.RecordReconsideration: RECORD_RECONSIDERATION,
    m.RecordComplaintDecision: RECORD_COMPLAINT_DECISION,
    m.ComplaintReceived: COMPLAINT_RECEIVED,
    m.ComplaintReconsidered: COMPLAINT_RECONSIDERED,
    m.ComplaintForwarded: COMPLAINT_FORWARDED,
    m.ComplaintDecided: COMPLAINT_DECIDED,
    m.ComplaintRedirected: COMPLAINT_REDIRECTED,
    m.ComplaintDismissed: COMPLAINT_DISMISSED,
    m.ComplaintStatementIssued: COMPLAINT_STATEMENT_ISSUED,
    m.StatistikAlert: STATISTIK_ALERT,
}
ALL_TOPICS: list[str] = sorted(TOPIC_FOR.values())

# A municipality is one recipient whatever its role; the municipal supervisor (SEL § 148 a) is the
# kommunalbestyrelse and reads the municipality's topic too.
_KOMMUNE_ROLLER = {"handlekommune", "beliggenhedskommune", "kommunalt_tilsyn"}


def topic_for(message: type[m.Message]) -> str:
    """The topic of a message type."""
    return TOPIC_FOR[message]


def recipient_topic(role: str, recipient_id: str) -> str:
    """The per-recipient topic, e.g. `magt.til.kommune.0851.v1`, `magt.til.socialtilsyn.nord.v1`."""
    segment = "kommune" if role in _KOMMUNE_ROLLER else _slug(role)
    ident = _slug(recipient_id)
    if not segment or not ident:
        raise ValueError(f"cannot build a topic for role={role!r}, id={recipient_id!r}")
    return f"magt.til.{segment}.{ident}.v1"


def _slug(tekst: str) -> str:
    """ASCII, lower case, [a-z0-9-] only (Ø → oe, Æ → ae, Å → aa)."""
    tekst = tekst.lower().replace("ø", "oe").replace("æ", "ae").replace("å", "aa")
    ascii_ = unicodedata.normalize("NFKD", tekst).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "-", ascii_).strip("-")
