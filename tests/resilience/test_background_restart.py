"""Linkage and evaluation killed part way are run again by `sightline worker`, and end with
the same persons and flags as one clean run."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.resilience.conftest import LiveDb

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("borough")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sightline.cli",
            "generate",
            "--children",
            "80",
            "--seed",
            "5",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(str(p) for p in Path(out).glob("*.jsonl"))


def _ingested(db: LiveDb, files: list[str]) -> LiveDb:
    done = db.run("ingest", *files)
    assert done.returncode == 0, done.stderr
    return db


def _kill_when(db: LiveDb, proc: subprocess.Popen[str], sql: str) -> None:
    db.wait_for(sql, lambda n: n > 0, proc)
    time.sleep(0.3)
    assert proc.poll() is None, "the run ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _persons_and_flags(db: LiveDb) -> tuple[set[frozenset[tuple[str, str]]], set[Any]]:
    """Persons as the agency persons they hold, and flags against those persons (ids aside)."""
    links = db.run("export", "links")
    assert links.returncode == 0, links.stderr
    members: dict[str, set[tuple[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(links.stdout)):
        members.setdefault(row["person_id"], set()).add((row["agency"], row["local_id"]))
    flags = db.run("export", "flags")
    assert flags.returncode == 0, flags.stderr
    found = set()
    for line in flags.stdout.splitlines():
        f = json.loads(line)
        evidence = frozenset((e["agency"], e["record_id"]) for e in f["evidence"])
        person = frozenset(members[f["person_id"]])
        found.add((person, f["rule_id"], f["level"], f["first_triggered_on"], evidence))
    return {frozenset(m) for m in members.values()}, found


def _jobs(db: LiveDb) -> list[tuple[Any, ...]]:
    return db.rows("SELECT command, arguments, status, attempts FROM jobs_job ORDER BY id")


def test_link_and_evaluate_killed_by_a_restart_finish_as_one_clean_run(live_db_factory, borough):
    clean = _ingested(live_db_factory("_clean"), borough)
    for args in (["link", "--full"], ["evaluate"]):
        done = clean.run(*args)
        assert done.returncode == 0, done.stderr

    cut = _ingested(live_db_factory("_cut"), borough)
    started = time.monotonic()
    link = cut.start("link", "--full")
    # Killed once agency persons are written and the run is under way, before it ends.
    _kill_when(
        cut,
        link,
        "SELECT COUNT(*) FROM linkage_linkrun WHERE status = 'running'"
        " AND EXISTS (SELECT 1 FROM linkage_agencyperson)",
    )
    assert _jobs(cut) == [("link", "--full", "running", 1)]
    worker = cut.run("worker", "--once")
    assert worker.returncode == 0, worker.stderr
    assert "interrupted by a restart; queued" in worker.stderr
    assert _jobs(cut) == [("link", "--full", "done", 2)]

    evaluate = cut.start("evaluate")
    _kill_when(
        cut, evaluate, "SELECT COUNT(*) FROM indicators_evaluationrun WHERE status = 'running'"
    )
    assert cut.run("worker", "--once").returncode == 0
    assert _jobs(cut)[1:] == [("evaluate", "", "done", 2)]
    seconds = time.monotonic() - started

    clean_persons, clean_flags = _persons_and_flags(clean)
    cut_persons, cut_flags = _persons_and_flags(cut)
    assert clean_flags, "the borough should raise some flags, or this compares nothing"
    assert cut_persons == clean_persons
    assert cut_flags == clean_flags
    print(
        f"restart: {len(cut_persons)} persons and {len(cut_flags)} flags as a clean run;"
        f" killed link and evaluate finished by the worker in {seconds:.1f}s"
    )
