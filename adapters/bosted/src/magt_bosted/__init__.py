"""Bosted System adapter: forms in, journalising and advis out."""
