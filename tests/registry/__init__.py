"""Tests of ecogov.registry, mirroring src/ecogov/registry."""
