"""Linkage benchmark (issue 3): a full run at about a million subject records on SQLite
and PostgreSQL, against a plain Splink model on the same data; a second full run; an
incremental batch of 100; a million records sharing one surname.

Targets: a full run under 120 s and under 4 GB peak; pairwise precision at least
0.999, recall at least 0.99, no twins merged; a second full run on unchanged
data changes no person id; 100 new records placed in under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import psycopg

from bench.ingest import OUT, PG_SERVER, postgres_reachable
from bench.machine import describe
from bench.procs import Run, base_env, checked, log, run_sampled
from bench.report import write_section

SL = [sys.executable, "-m", "sightline.cli"]
PROBE = [sys.executable, "-m", "bench.linkage_probe"]
# Children in the generated borough: 65,000 give about a million subject records.
CHILDREN = 65_000


def _borough(args: argparse.Namespace) -> Path:
    if args.borough:
        return Path(args.borough)
    out = OUT / f"linkage-borough-{args.children}"
    if not (out / "truth").exists():
        log(f"generating a borough of {args.children:,} children")
        shutil.rmtree(out, ignore_errors=True)
        checked(
            run_sampled(
                [
                    *SL,
                    "generate",
                    "--children",
                    str(args.children),
                    "--seed",
                    "3",
                    "--out",
                    str(out),
                ],
                base_env(),
            ),
            "generate",
        )
    return out


def fresh_database(kind: str, name: str) -> str:
    """An empty, migrated database (the ingest benchmark's, run with this interpreter)."""
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
    checked(run_sampled([*SL, "migrate", "-v0"], base_env(DATABASE_URL=url)), "migrate")
    return url


def _database(kind: str, borough: Path, args: argparse.Namespace) -> str:
    if kind == "sqlite" and args.sqlite_db:
        target = OUT / "linkage-sqlite.sqlite3"
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(args.sqlite_db, target)
        url = f"sqlite:///{target}"
        # The copy may predate this checkout's migrations.
        checked(run_sampled([*SL, "migrate", "-v0"], base_env(DATABASE_URL=url)), "migrate")
        return url
    url = fresh_database(
        kind, "linkage-sqlite" if kind == "sqlite" else "sightline_scale_bench_linkage"
    )
    log(f"ingesting {borough} into {kind}")
    files = sorted(str(p) for p in borough.glob("*.jsonl"))
    checked(run_sampled([*SL, "ingest", *files], base_env(DATABASE_URL=url)), "ingest")
    return url


def _links(env: dict[str, str]) -> dict[tuple[str, str], str]:
    run = checked(run_sampled([*SL, "export", "links"], env), "export links")
    return {
        (r["agency"], r["local_id"]): r["person_id"]
        for r in csv.DictReader(io.StringIO(run.stdout))
    }


def _own_seconds(run: Run) -> float:
    found = re.search(r"in ([0-9.]+)s", run.stdout)
    return float(found.group(1)) if found else run.seconds


def _steps(run: Run) -> str:
    found = re.search(r"steps (.*)", run.stderr)
    return found.group(1).strip() if found else ""


def _batch(borough: Path, path: Path, seed: int = 11) -> Path:
    """100 new records: 50 more records of children already known, under new local ids,
    and 50 children nobody has seen (new names and birth dates)."""
    rng = random.Random(seed)
    lines = (borough / "school-norwich-primary.jsonl").read_text().splitlines()
    picked = [json.loads(line) for line in rng.sample(lines, 100)]
    with path.open("w") as f:
        for i, rec in enumerate(picked):
            rec["record_id"] = f"BENCH-INC-{i}"
            rec["subject"]["local_id"] = f"BENCH-{i}"
            if i % 2:  # a child nobody has seen: an invented surname, a random birth date
                rec["subject"]["given_name"] = rng.choice(("Ada", "Ezra", "Ivo", "Oona", "Uma"))
                rec["subject"]["family_name"] = "".join(
                    rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4)
                ).title()
                rec["subject"]["date_of_birth"] = (
                    f"{rng.randint(2008, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
                for key in ("nhs_number", "upn", "other_names"):
                    rec["subject"].pop(key, None)
            f.write(json.dumps(rec) + "\n")
    return path


def _probe(what: str, arg: str, env: dict[str, str]) -> tuple[dict[str, Any], Run]:
    run = checked(run_sampled([*PROBE, what, arg], env), f"probe {what}")
    return json.loads(run.stdout.strip().splitlines()[-1]), run


def main(args: argparse.Namespace) -> None:
    borough = _borough(args)
    kinds = ["sqlite"]
    if not args.no_postgres:
        if postgres_reachable():
            kinds.append("postgres")
        else:
            log("PostgreSQL not reachable: SQLite only")
    manifest = json.loads((borough / "truth" / "manifest.json").read_text())
    records, children = manifest["records"], manifest["children"]
    rows: list[str] = []
    extra: dict[str, Any] = {}
    for kind in kinds:
        url = _database(kind, borough, args)
        var = OUT / f"linkage-var-{kind}"
        shutil.rmtree(var, ignore_errors=True)
        env = base_env(DATABASE_URL=url, SIGHTLINE_VAR_DIR=str(var))
        log(f"{kind}: full run")
        full = checked(run_sampled([*SL, "link", "--full", "-v", "2"], env), "link --full")
        scores, _ = _probe("score", str(borough), env)
        rows.append(
            f"| Sightline, {kind} | {full.seconds:.1f} s | {full.peak_rss_mb:,.0f} MB |"
            f" {scores['precision']:.4f} | {scores['recall']:.4f} |"
            f" {scores['twins_merged']} of {scores['twin_pairs']} |"
        )
        extra[f"steps_{kind}"] = _steps(full)
        if kind != "sqlite":
            continue
        before = _links(env)
        log("second full run on unchanged data")
        second = checked(run_sampled([*SL, "link", "--full"], env), "second link --full")
        after = _links(env)
        extra["second"] = (second.seconds, sum(1 for k, p in before.items() if after.get(k) != p))
        log("incremental batch of 100")
        batch = _batch(borough, OUT / "linkage-batch-100.jsonl")
        checked(run_sampled([*SL, "ingest", str(batch)], env), "ingest batch")
        inc = checked(run_sampled([*SL, "link", "-v", "2"], env), "link (incremental)")
        placed = _links(env)
        extra["incremental"] = (
            _own_seconds(inc),
            inc.seconds,
            sum(1 for k, p in before.items() if placed.get(k) != after.get(k)),
            inc.stdout.strip(),
            _steps(inc),
        )
        log("plain Splink on the same data")
        plain, plain_run = _probe("plain", str(borough), env)
        rows.append(
            f"| plain Splink (default comparisons; blocking on names, on DOB), {kind} |"
            f" {plain['seconds']:.1f} s | {plain_run.peak_rss_mb:,.0f} MB |"
            f" {plain['precision']:.4f} | {plain['recall']:.4f} |"
            f" {plain['twins_merged']} of {plain['twin_pairs']} |"
        )
    log(f"{args.surname:,} records sharing one surname")
    same, same_run = _probe(
        "surname", str(args.surname), base_env(SIGHTLINE_VAR_DIR=str(OUT / "linkage-var-surname"))
    )
    body = _body(records, children, rows, extra, same, same_run)
    write_section("linkage", body)
    print(body)


def _body(
    records: int,
    children: int,
    rows: list[str],
    extra: dict[str, Any],
    same: dict[str, Any],
    same_run: Run,
) -> str:
    second_s, second_changed = extra.get("second", (0.0, -1))
    inc_own, inc_wall, inc_moved, inc_out, inc_steps = extra.get(
        "incremental", (0.0, 0.0, -1, "", "")
    )
    steps = "\n".join(
        f"- {kind.removeprefix('steps_')}: {v}"
        for kind, v in extra.items()
        if kind.startswith("steps_")
    )
    table = "\n".join(rows)
    return f"""## Linkage

Machine: {describe()}.

A generated borough of {records:,} subject records (`sightline generate --children
{children:,} --seed 3`), ingested, then `sightline link --full`. Time and peak
memory (PSS of the process and its children, sampled each second) are of the link
command alone; precision and recall are pairwise over agency persons against the
generator's truth; twins are children of one family with one date of birth.
Targets: under 120 s and 4 GB; precision at least 0.999, recall at least 0.99, no
twins merged, and better than plain Splink on both.

| run | time | peak memory | precision | recall | twin pairs merged |
|---|---|---|---|---|---|
{table}

Steps of the full run (`sightline link --full -v 2`):
{steps}

| also measured | figure |
|---|---|
| second full run on unchanged data (SQLite) | {second_s:.1f} s; person ids changed: {second_changed:,} |
| incremental: 100 new records (50 known children under new ids, 50 new children) against the full population | {inc_own:.2f} s in linkage ({inc_wall:.1f} s with the command's start-up); ids of existing agency persons moved: {inc_moved} |
| {same_run_label(same)} | {same["seconds"]:.1f} s scoring, {same_run.peak_rss_mb:,.0f} MB peak; {same["pairs_scored"]:,} pairs scored 0.5 or more, {same["links"]:,} links |

Incremental run's report: `{inc_out}`; steps: {inc_steps}. (This environment sets
`PYTHONDONTWRITEBYTECODE`, so a fresh process compiles Splink and sqlglot from source
on import: the "import Splink" step, which a long-running worker pays once.)
"""


def same_run_label(same: dict[str, Any]) -> str:
    return "variants all sharing one surname (SMITH), 2,000 given names, no identifiers: train and score"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("linkage")
    group.add_argument(
        "--children", type=int, default=CHILDREN, help="children in the linkage borough"
    )
    group.add_argument("--borough", help="an already generated borough to use")
    group.add_argument(
        "--sqlite-db", help="an SQLite file with the borough already ingested (copied)"
    )
    group.add_argument("--no-postgres", action="store_true", help="SQLite only")
    group.add_argument("--surname", type=int, default=1_000_000, help="records sharing one surname")
