"""Nexus adapter: skema 1 a/1 b, bilag 1, 2, 3 in; notes on the case out."""
