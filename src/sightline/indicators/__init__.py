"""Indicators: explainable rules over chronologies that raise flags."""
