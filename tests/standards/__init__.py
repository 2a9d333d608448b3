"""Tests of ecogov.standards, mirroring src/ecogov/standards."""
