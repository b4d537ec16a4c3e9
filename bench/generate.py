"""Generator benchmark (foundation issue): a borough of 100,000 children in under
10 minutes on this machine."""

from __future__ import annotations

import argparse
import json
import shutil
import sys

from bench.ingest import OUT, SIGHTLINE
from bench.machine import describe
from bench.procs import base_env, run_sampled
from bench.report import write_section

CHILDREN = 100_000


def main(args: argparse.Namespace) -> None:
    out = OUT / f"generate-{CHILDREN}"
    shutil.rmtree(out, ignore_errors=True)
    print(f"  generating {CHILDREN:,} children", file=sys.stderr)
    run = run_sampled(
        [
            SIGHTLINE,
            "generate",
            "--children",
            str(CHILDREN),
            "--seed",
            "1",
            "--out",
            str(out),
            "--quiet",
        ],
        base_env(),
    )
    if run.code != 0:
        raise SystemExit(f"generate failed: {run.stderr}")
    manifest = json.loads((out / "truth" / "manifest.json").read_text())
    records = manifest["records"]
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    trajectories = sum(manifest["trajectories"].values())
    body = f"""## Generator

Machine: {describe()}.

`sightline generate --children {CHILDREN:,} --seed 1` (default window, workers as
many as cores, at most 4). Target: under 10 minutes.

| children | time | records | size (feeds and truth) | peak memory (PSS, all processes) | harm trajectories |
|---|---|---|---|---|---|
| {CHILDREN:,} | {run.seconds:.1f} s | {records:,} | {size_mb:,.0f} MB | {run.peak_rss_mb:,.0f} MB | {trajectories} |
"""
    write_section("generate", body)
    print(body)
    shutil.rmtree(out, ignore_errors=True)
