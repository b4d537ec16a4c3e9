"""The shared, graded neglect assessment: services (writes) and selectors (reads)."""
