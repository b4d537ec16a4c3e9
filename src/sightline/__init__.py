"""Sightline: multi-agency early sight of child neglect."""

__version__ = "0.1.0"
