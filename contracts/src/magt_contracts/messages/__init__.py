"""Every command and event that crosses a service boundary."""

from __future__ import annotations

from magt_contracts.messages.base import Command, Event, FeltFejl, Message
from magt_contracts.messages.commands import (
    ApproveReport,
    CompleteLeaderPart,
    CorrectForm,
    RecordComplaintDecision,
    RecordReconsideration,
    SubmitComplaint,
    SubmitForm,
)
from magt_contracts.messages.frister import (
    DeadlineBreached,
    DeadlineMet,
    DeadlineOpened,
    DeadlineWarning,
)
from magt_contracts.messages.journal import ReportJournalised
from magt_contracts.messages.klager import (
    ComplaintDecided,
    ComplaintDismissed,
    ComplaintForwarded,
    ComplaintReceived,
    ComplaintReconsidered,
    ComplaintRedirected,
    ComplaintStatementIssued,
)
from magt_contracts.messages.opfoelgning import (
    BemaerkningerSendt,
    HandleplanOpdateret,
    TilbagemeldingGivet,
)
from magt_contracts.messages.registrering import (
    CrimeSuspected,
    DecisionMade,
    FormCorrected,
    HygieneRepeat,
    IncidentRegistered,
    LeaderPartCompleted,
    RegistrationRejected,
    ReportApproved,
)
from magt_contracts.messages.routing import DeliveryFailed, DeliverySent, ReportAddressed
from magt_contracts.messages.statistik import StatistikAlert

__all__ = [
    "ApproveReport",
    "BemaerkningerSendt",
    "Command",
    "ComplaintDecided",
    "ComplaintDismissed",
    "ComplaintForwarded",
    "ComplaintReceived",
    "ComplaintReconsidered",
    "ComplaintRedirected",
    "ComplaintStatementIssued",
    "CompleteLeaderPart",
    "CorrectForm",
    "CrimeSuspected",
    "DeadlineBreached",
    "DeadlineMet",
    "DeadlineOpened",
    "DeadlineWarning",
    "DecisionMade",
    "DeliveryFailed",
    "DeliverySent",
    "Event",
    "FeltFejl",
    "FormCorrected",
    "HandleplanOpdateret",
    "HygieneRepeat",
    "IncidentRegistered",
    "LeaderPartCompleted",
    "Message",
    "RecordComplaintDecision",
    "RecordReconsideration",
    "RegistrationRejected",
    "ReportAddressed",
    "ReportApproved",
    "ReportJournalised",
    "StatistikAlert",
    "SubmitComplaint",
    "SubmitForm",
    "TilbagemeldingGivet",
]
