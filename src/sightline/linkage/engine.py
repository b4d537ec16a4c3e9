"""The analytical engine linkage runs on: the one place that knows which one.

Everything else in linkage speaks to Splink's database API and writes SQL in
DuckDB's dialect, passed through :func:`engine_sql`; only this module imports
an engine. ``SIGHTLINE_LINKAGE_ENGINE`` chooses DuckDB (in process, the default)
or Spark (Splink's SparkAPI, for partnerships that outgrow one machine).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from sightline.config.env import ConfigurationError

# DuckDB functions that Spark spells differently and sqlglot leaves as they are.
_SPARK_FUNCTIONS = {"list_intersect": "array_intersect"}

_spark_lock = threading.Lock()
_spark_session: Any = None


class EngineUnavailable(ConfigurationError):
    """The chosen engine cannot run here: a package or program it needs is missing."""


def engine_name() -> str:
    name: str = getattr(settings, "SIGHTLINE_LINKAGE_ENGINE", "duckdb")
    return name


def engine_check() -> None:
    """Raise EngineUnavailable, naming what is missing, when the engine cannot start.

    Called before a run starts, so that a missing Java fails in a second with
    a sentence rather than minutes in with a Py4J traceback.
    """
    if engine_name() != "spark":
        return
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise EngineUnavailable(
            "SIGHTLINE_LINKAGE_ENGINE=spark needs the pyspark package, which is not "
            f"installed ({exc}): install it (it is in requirements.lock) or use duckdb"
        ) from exc
    if _java() is None:
        raise EngineUnavailable(
            "SIGHTLINE_LINKAGE_ENGINE=spark needs Java (17 or later) to run Spark, and no "
            "java program was found on PATH or under JAVA_HOME: install a JRE "
            "(Debian: default-jre-headless) or use duckdb"
        )


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def engine_db_api() -> Any:
    """A fresh Splink database API for one run."""
    name = engine_name()
    if name == "spark":
        engine_check()
        from splink.backends.spark import SparkAPI

        # Splink writes each intermediate table it persists as parquet under the
        # checkpoint directory (its default on a plain Spark), which breaks the
        # lineage that would otherwise make every step recompute all before it.
        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark_session(), break_lineage_method="parquet"
        )
    import duckdb
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect(":memory:")
    # Two threads: the machine this is sized for has two cores, and more
    # threads than cores only adds contention.
    con.execute("SET threads TO 2")
    # A memory limit and somewhere to spill: without them DuckDB sizes
    # itself to 80% of the machine's memory, and a million records' joins
    # and aggregations outgrow the 4 GB a linkage run may use.
    limit = getattr(settings, "SIGHTLINE_DUCKDB_MEMORY_LIMIT", "3GB")
    spill = Path(settings.SIGHTLINE_VAR_DIR) / "linkage" / "duckdb-spill"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{limit}'")
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=con)


def engine_columns(frame: Any, names: list[str]) -> dict[str, list[Any]]:
    """A Splink result table as one Python list per column.

    Column by column rather than a dict per row: a run's candidate pairs are
    hundreds of thousands of rows at a million records. DuckDB hands them over
    as Arrow; Spark collects rows to the driver.
    """
    if engine_name() == "duckdb":
        table = frame.as_duckdbpyrelation().to_arrow_table()
        return {n: table.column(n).to_pylist() for n in names}
    rows = frame.as_record_list()
    return {n: [r[n] for r in rows] for n in names}


def engine_u_chunks() -> int:
    """How many chunks Splink splits u estimation into (it may stop after a few).

    Splink's default of 10 on DuckDB, where a chunk costs milliseconds; one on
    Spark, where every chunk is a round of jobs with seconds of fixed cost
    (on a 150-child borough: 38 s instead of 88 s).
    """
    return 1 if engine_name() == "spark" else 10


def spark_session() -> Any:
    """The process's one SparkSession, started on first use.

    One per process because starting a JVM takes seconds and Spark allows
    one active SparkContext per process anyway.
    """
    global _spark_session
    with _spark_lock:
        if _spark_session is None:
            _spark_session = _spark_start()
        return _spark_session


def _spark_start() -> Any:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    checkpoint_dir = Path(
        getattr(settings, "SIGHTLINE_SPARK_CHECKPOINT_DIR", None)
        or Path(settings.SIGHTLINE_VAR_DIR) / "spark"
    )
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.appName("sightline-linkage")
        .master(getattr(settings, "SIGHTLINE_SPARK_MASTER", "local[2]"))
        .config("spark.driver.memory", getattr(settings, "SIGHTLINE_SPARK_DRIVER_MEMORY", "1g"))
        # Spark's default of 200 shuffle partitions is for clusters: on two
        # local cores most would be empty tasks, each with its own overhead.
        .config(
            "spark.sql.shuffle.partitions",
            str(getattr(settings, "SIGHTLINE_SPARK_SHUFFLE_PARTITIONS", 4)),
        )
        # Jaro-Winkler and Damerau-Levenshtein come from the jar Splink ships:
        # nothing is downloaded.
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    for key, value in getattr(settings, "SIGHTLINE_SPARK_CONF", ()):
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(str(checkpoint_dir))
    return spark


def engine_sql(sql: str) -> str:
    """SQL written in DuckDB's dialect, in the dialect of the engine in use.

    sqlglot translates most of it; it gets wrong what Spark spells differently
    and it cannot know (list functions, the similarity jar's names), fixed here.
    """
    if engine_name() != "spark":
        return sql
    import sqlglot
    from sqlglot import exp

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() in _SPARK_FUNCTIONS:
            return exp.Anonymous(
                this=_SPARK_FUNCTIONS[node.name.lower()], expressions=node.expressions
            )
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
        return node

    def size(node: exp.Expression) -> exp.Expression:
        # DuckDB's len() is also the length of a list; Spark's length() is of a
        # string only, and size() of an array.
        if isinstance(node, exp.Length) and _is_list(node.this):
            return exp.Anonymous(this="size", expressions=[node.this])
        return node

    # Two passes: a node a pass replaces is not visited again, nor its children.
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(rename).transform(size).sql(dialect="spark")


def _is_list(node: Any) -> bool:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return node.name.lower() in ("list_intersect", "array_intersect")
    return isinstance(node, (exp.ArrayIntersect, exp.Array))
