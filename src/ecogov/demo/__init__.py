"""The demo city: Wenzhou's real counties with synthetic stations, enterprises and data.

Everything except the administrative boundaries is invented and named ``演示`` (demo) so that
nobody mistakes it for real. The build is deterministic from a seed; planted incidents are
written to a manifest so that detection features can be checked against it.
"""
