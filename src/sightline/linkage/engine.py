"""The analytical engine linkage runs on: the one place that knows which one.

Everything else in linkage speaks to Splink's database API and writes SQL that
Splink can translate; only this module imports an engine. Spark (Splink's
SparkAPI, chosen by ``SIGHTLINE_LINKAGE_ENGINE=spark``) is added here later.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings


def engine_name() -> str:
    name: str = getattr(settings, "SIGHTLINE_LINKAGE_ENGINE", "duckdb")
    return name


def engine_db_api() -> Any:
    """A fresh Splink database API for one run (in-process DuckDB, in memory)."""
    name = engine_name()
    if name == "duckdb":
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        con = duckdb.connect(":memory:")
        # Two threads: the machine this is sized for has two cores, and more
        # threads than cores only adds contention.
        con.execute("SET threads TO 2")
        # A memory limit and somewhere to spill: without them DuckDB sizes
        # itself to 80% of the machine's memory, and a million records' joins
        # and aggregations outgrow the 4 GB a linkage run may use.
        limit = os.environ.get("SIGHTLINE_DUCKDB_MEMORY_LIMIT", "3GB")
        spill = Path(settings.SIGHTLINE_VAR_DIR) / "linkage" / "duckdb-spill"
        spill.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET memory_limit = '{limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET preserve_insertion_order = false")
        return DuckDBAPI(connection=con)
    raise NotImplementedError(f"linkage engine {name!r} is not supported yet")
