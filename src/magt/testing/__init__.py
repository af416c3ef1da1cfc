"""Pytest fixtures for every test layer: one Kafka and one PostgreSQL per run, unique names."""
