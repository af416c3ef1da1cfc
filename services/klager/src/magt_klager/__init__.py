"""Complaints (klager): standing, reconsideration, forwarding to Ankestyrelsen, outcome.

Consumes the commands SubmitComplaint, RecordReconsideration and RecordComplaintDecision (adapters
publish them), ReportApproved (the case's facts and whether klagevejledning was given) and
DecisionMade (when a decision was notified). Runs each complaint through an explicit state machine
(`domain.OVERGANGE`) and publishes ComplaintReceived, ComplaintReconsidered, ComplaintForwarded,
ComplaintDecided, ComplaintRedirected, ComplaintDismissed and ComplaintStatementIssued. Serves the
complaint guidance letter (klagevejledning) and the national overview of complaints over HTTP.
"""
