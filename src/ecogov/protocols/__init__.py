"""Wire protocols spoken by monitoring devices (HJ 212)."""
