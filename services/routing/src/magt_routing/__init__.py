"""Routing: addresses every event that must reach someone to each recipient the law names.

Consumes ReportApproved, CrimeSuspected, DecisionMade, ComplaintReceived (parties only),
ComplaintForwarded, ComplaintDecided, ComplaintStatementIssued, ComplaintRedirected,
DeadlineBreached, StatistikAlert, and DeliverySent / DeliveryFailed (line state; a final failure
becomes an operator alert). The recipients come from `magt_contracts.rules.recipients` and
`magt_contracts.rules.modtagere_klager`; every plan line is stored, immediate lines are addressed at
once, batch lines (by month end, monthly, quarterly) by the scheduler or `batches.build_batch`.

Publishes ReportAddressed, one per recipient and moment, on `magt.routing.report-addressed.v1` and
on the recipient's own topic `magt.til.<role>.<id>.v1` (created on first use; a person reached by
Digital Post has no topic of its own). A passed deadline no act sets (local policy, such as the
leader's approval) is addressed as "overskredet lokal frist" (`frist_lovbestemt=False`), never as a
breach of the law.
"""
