"""Secure mail and Digital Post out: what routing addresses to an authority or a person.

Consumes ReportAddressed (`magt.routing.report-addressed.v1`) whose channel is `sikker_mail` (an
S/MIME signed and encrypted mail over SMTP with required STARTTLS, to the authority in the
recipient directory) or `digital_post` (a MeMo 1.x message POSTed to the Digital Post endpoint, to
the person's CPR number from the opened report). The attachment is the sealed report opened with
the platform's payload key, or a pseudonymous summary when the event carries none. Publishes
DeliverySent, or after the last try DeliveryFailed (retryable=False) and a dead letter; routing
turns the failure into an operator alert. Other channels (bosted_advis, nexus) are not handled here.
"""
