"""Tests of ecogov.api, mirroring src/ecogov/api."""
