"""Casework: concerns, triage, assessments, plans and services."""
