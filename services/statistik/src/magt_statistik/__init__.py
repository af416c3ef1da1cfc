"""Aggregates, quarterly and yearly reports, early alerts and the dashboard."""
