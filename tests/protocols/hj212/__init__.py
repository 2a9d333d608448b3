"""Tests of ecogov.protocols.hj212 (HJ 212 codec)."""
