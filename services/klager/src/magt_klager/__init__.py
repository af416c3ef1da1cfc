"""Complaints: standing, reconsideration, forwarding to Ankestyrelsen, outcome."""
