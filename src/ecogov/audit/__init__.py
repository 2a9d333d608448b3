"""The append-only audit log of every write: who, when, what, before and after."""
