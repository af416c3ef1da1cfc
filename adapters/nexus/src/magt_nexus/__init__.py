"""Nexus adapter: the adults' forms in, notes on the citizen's case out.

In: polls the customer's Nexus (KMD) over its HATEOAS REST API for new and changed Skema 1 a/1 b,
Bilag 1, Skema 2 and Skema 3 forms (status "Udfyldt" or "Låst"), maps them by label to the
contracts' form models and stages sealed `SubmitForm` / `CorrectForm` commands.
Out: consumes `DeliverySent` and `RegistrationRejected` (source "nexus") for the cases it took in
and writes a journal note (journalnotat) on the citizen's case in Nexus.
Publishes: magt.registrering.submit-form.v1, magt.registrering.correct-form.v1 (sealed).
"""
