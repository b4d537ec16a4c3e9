"""Chronology: a person's or household's events across agencies, in time order."""
