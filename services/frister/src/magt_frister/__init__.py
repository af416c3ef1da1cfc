"""frister: every legal deadline as durable state: warnings, breaches, met.

Consumes every event of the platform (all event topics of `magt_contracts.topics` except its own,
group `magt.frister`), opens the deadlines `magt_contracts.rules.deadlines` gives (see `domain` for
which event opens and which meets each kind), keeps each with its organisations in its own
database, and publishes DeadlineOpened, DeadlineWarning, DeadlineBreached (with the escalation
target) and DeadlineMet through the outbox. The scheduler is the database: a sweep claims due rows
with SELECT … FOR UPDATE SKIP LOCKED. GET /frister lists open and breached deadlines, scoped.
"""
