"""Addresses every approved report to each recipient the law names, with the right timing."""
