"""Stored measurements: series (what is measured where) and their time-stamped values."""
