"""Accounts, roles and the principal on whose behalf every service call acts."""
