"""Tests of ecogov.protocols."""
