"""Contracts shared by every service: messages, forms, topics and the legal rules catalogue."""
