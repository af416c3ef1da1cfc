"""Secure mail out: SMTP with required TLS, S/MIME signed and encrypted."""
