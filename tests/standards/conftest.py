"""Fixtures for the standards tests; helpers and references live in ``helpers.py``."""
