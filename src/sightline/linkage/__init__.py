"""Linkage: resolves every subject record to a stable person (Splink on DuckDB or Spark)."""
