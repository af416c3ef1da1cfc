"""Bosted System adapter: forms in, journalising and advis out.

Consumes `RegistrationRejected` (source bosted), `DeliverySent` and `ReportAddressed` (channel
bosted_advis). Publishes `SubmitForm` and `CorrectForm` (sealed), `SubmitComplaint`, and
`DeliverySent`/`DeliveryFailed` for the fagkonsulent's advis. Bosted documents arrive through a
watched drop folder or `POST /bosted/dokumenter` (docs/bosted-format.md); journal entries and advis
go back through Bosted's API (`magt_bosted.journal`, emulated by `magt_bosted.emulator`).
"""
