"""Shared runtime: settings, logging, broker factory, outbox, inbox and dead letters. No domain rules."""
