"""Registrering: intake of forms, validation against the law, the employee to leader workflow.

Consumes (Kafka, group `magt.registrering`): SubmitForm and CorrectForm as sealed payloads (they
carry CPR numbers), CompleteLeaderPart and ApproveReport in plain JSON; the same actions over HTTP
(`api.py`). Every form version is stored encrypted, the internal supplementary part separately.
Publishes through the outbox: IncidentRegistered, RegistrationRejected, LeaderPartCompleted,
ReportApproved (external part only, the report sealed), FormCorrected, CrimeSuspected,
DecisionMade and HygieneRepeat, all with a person_ref instead of CPR numbers and names.
"""
