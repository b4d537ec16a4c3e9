"""Ingest benchmark (foundation issue): 1,000,000 generated records into SQLite and
PostgreSQL, against the floor of a bare ``executemany`` of the same rows into the
same tables.

Targets: 25,000 records a second or better on each database; peak memory under
500 MB whatever the file size; within 3 times the floor.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import psycopg

from bench.machine import describe
from bench.procs import base_env, log, run_sampled
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SIGHTLINE = str(ROOT / ".venv" / "bin" / "sightline")
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
# The tables ingest writes, in an order that satisfies their foreign keys.
SETUP_TABLES = ("feeds_agency", "feeds_feedfile")
TIMED_TABLES = (
    "feeds_sourcerecord",
    "feeds_subjectrecord",
    "feeds_recordhead",
    "feeds_quarantinedline",
)
BATCH = 5000


# ---- the input -----------------------------------------------------------------------


def feed_file(records: int) -> Path:
    """One file of exactly ``records`` lines taken from a generated borough."""
    target = OUT / f"ingest-{records}.jsonl"
    if target.exists():
        return target
    children = max(1000, records // 8)
    while True:
        gen = OUT / f"borough-{children}"
        if not (gen / "truth").exists():
            log(f"generating a borough of {children:,} children")
            shutil.rmtree(gen, ignore_errors=True)
            subprocess_run(
                [
                    SIGHTLINE,
                    "generate",
                    "--children",
                    str(children),
                    "--seed",
                    "7",
                    "--out",
                    str(gen),
                ]
            )
        files = sorted(p for p in gen.glob("*.jsonl"))
        total = sum(sum(1 for _ in p.open("rb")) for p in files)
        if total >= records:
            break
        children = int(children * records / max(total, 1) * 1.1) + 1
    written = 0
    with target.open("wb") as out:
        for path in files:
            for line in path.open("rb"):
                if written == records:
                    break
                out.write(line)
                written += 1
    return target


def subprocess_run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    import subprocess

    subprocess.run(cmd, check=True, env=env or base_env(), stdout=subprocess.DEVNULL)


# ---- databases -----------------------------------------------------------------------


def fresh_database(kind: str, name: str) -> str:
    if kind == "sqlite":
        path = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_SERVER}/{name}"
    subprocess_run([SIGHTLINE, "migrate", "-v0"], env=base_env(DATABASE_URL=url))
    return url


def postgres_reachable() -> bool:
    try:
        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
        return True
    except psycopg.Error:
        return False


def _rows_sqlite(url: str, table: str) -> Iterator[list[tuple[Any, ...]]]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    cur = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    while rows := cur.fetchmany(BATCH):
        yield rows
    conn.close()


def _columns_sqlite(url: str, table: str) -> list[str]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    conn.close()
    return cols


def floor_sqlite(source_url: str, floor_url: str) -> float:
    """Seconds to executemany every ingested row into fresh tables, a batch a transaction."""
    dst = sqlite3.connect(floor_url.removeprefix("sqlite:///"), isolation_level=None)
    # The same settings Sightline's own connection uses.
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "cache_size=-65536",
        "temp_store=MEMORY",
        "foreign_keys=ON",
    ):
        dst.execute(f"PRAGMA {pragma}")
    seconds = 0.0
    for table in (*SETUP_TABLES, *TIMED_TABLES):
        cols = _columns_sqlite(source_url, table)
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        for rows in _rows_sqlite(source_url, table):
            start = time.perf_counter()
            dst.execute("BEGIN IMMEDIATE")
            dst.executemany(sql, rows)
            dst.execute("COMMIT")
            if table in TIMED_TABLES:
                seconds += time.perf_counter() - start
    dst.close()
    return seconds


def floor_postgres(source_url: str, floor_url: str) -> float:
    seconds = 0.0
    with psycopg.connect(source_url) as src, psycopg.connect(floor_url) as dst:
        # Read json and jsonb as text, so they are written back exactly as stored.
        from psycopg.types.string import TextLoader

        for oid_name in ("json", "jsonb"):
            src.adapters.register_loader(oid_name, TextLoader)
        for table in (*SETUP_TABLES, *TIMED_TABLES):
            with src.cursor(name=f"read_{table}") as cur:
                cur.execute(f"SELECT * FROM {table} ORDER BY 1")
                cols = [d.name for d in cur.description or []]
                sql = (
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES"
                    f" ({', '.join(['%s'] * len(cols))})"
                )
                while rows := cur.fetchmany(BATCH):
                    start = time.perf_counter()
                    with dst.transaction(), dst.cursor() as out:
                        out.executemany(sql, rows)
                    if table in TIMED_TABLES:
                        seconds += time.perf_counter() - start
            for seq_table in (*SETUP_TABLES, *TIMED_TABLES):
                if seq_table == "feeds_recordhead":  # keyed by (agency, record id)
                    continue
                dst.execute(
                    f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'),"
                    f" COALESCE((SELECT MAX(id) FROM {seq_table}), 1))"
                )
    return seconds


# ---- the benchmark -------------------------------------------------------------------


def measure(kind: str, path: Path, records: int) -> dict[str, Any]:
    log(f"{kind}: ingesting {records:,} records")
    url = fresh_database(kind, "sightline_bench")
    # Let the previous step's writes reach the disk first, so that their
    # write-back is not timed as part of this ingest.
    os.sync()
    run = run_sampled(
        [SIGHTLINE, "ingest", "--format", "json", str(path)], base_env(DATABASE_URL=url)
    )
    if run.code != 0:
        raise SystemExit(f"ingest failed on {kind}: {run.stderr}")
    summary = orjson.loads(run.stdout.splitlines()[-1])
    log(f"{kind}: {run.seconds:.1f} s, peak {run.peak_rss_mb:.0f} MB; measuring the floor")
    floor_url = fresh_database(kind, "sightline_bench_floor")
    os.sync()
    floor = (floor_sqlite if kind == "sqlite" else floor_postgres)(url, floor_url)
    log(f"{kind}: floor {floor:.1f} s")
    return {
        "kind": kind,
        "seconds": run.seconds,
        "peak_mb": run.peak_rss_mb,
        "floor": floor,
        "summary": summary,
    }


def main(args: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    records = args.records
    path = feed_file(records)
    size_mb = path.stat().st_size / 1e6
    results = [measure("sqlite", path, records)]
    if postgres_reachable():
        results.append(measure("postgresql", path, records))
    else:
        log("PostgreSQL is not reachable at 127.0.0.1:5432: skipped")
    rows = []
    for r in results:
        s = r["summary"]
        rate = s["lines_read"] / r["seconds"]
        rows.append(
            f"| {r['kind']} | {s['lines_read']:,} | {r['seconds']:.1f} s | {rate:,.0f} |"
            f" {r['floor']:.1f} s | {r['seconds'] / r['floor']:.1f}x | {r['peak_mb']:.0f} MB |"
            f" {s['accepted']:,} / {s['superseded']:,} / {s['duplicates']:,} / {s['stale']:,}"
            f" / {s['rejected']:,} |"
        )
    body = f"""## Ingest

Machine: {describe()}.

One file of {records:,} feed v1 records ({size_mb:,.0f} MB): the first {records:,}
lines of a generated borough's agency files taken in name order
(`sightline generate --seed 7`), loaded by `sightline ingest` into an empty,
migrated database. Time is wall-clock for the whole command, start-up included.
Peak memory is the largest total proportional set size (PSS: memory shared after
fork counted once) of the command and its decoding workers, sampled every
second. The floor is a bare `executemany` of the very rows ingest wrote (source
records, subject records, record heads, quarantined lines) into the same tables
in a fresh database, 5,000 rows a transaction, timing the inserts only.

Targets: 25,000 records a second; peak memory under 500 MB; within 3x the floor.

| database | records | time | records/s | floor | x floor | peak memory | accepted / superseded / duplicates / stale / rejected |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    write_section("ingest", body)
    print(body)
