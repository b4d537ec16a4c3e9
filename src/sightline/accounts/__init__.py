"""Accounts and audit: staff, roles, access decisions and the audit trail."""
