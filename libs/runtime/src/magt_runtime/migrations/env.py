"""Alembic's entry point for every magt migration history (see `magt_runtime.migrations`)."""

from magt_runtime.migrations import run_env

run_env()
