"""One linkage, two engines: the same test bodies run on DuckDB and on Spark.

The tests marked ``engine`` run on the engine ``SIGHTLINE_LINKAGE_ENGINE``
names: DuckDB in the default run, Spark (``local[2]``) in ``make test-spark``.
A Spark run costs a couple of minutes even on a small borough (every step is a
round of Spark jobs with seconds of fixed cost), so the borough is linked once
per module and each test reads that one run.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections import defaultdict
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import override_settings

from sightline.feeds.models import SubjectRecord
from sightline.linkage.engine import EngineUnavailable, engine_check, engine_name
from sightline.linkage.models import AgencyPerson
from sightline.linkage.selectors import links_score_against_truth
from sightline.linkage.services import linkage_run_full

AgencyKey = tuple[str, str]


@dataclass(frozen=True)
class EngineRun:
    engine: str
    borough: Path
    persons: dict[AgencyKey, str]  # agency person -> person id, on the engine under test
    reference: dict[AgencyKey, str]  # the same, linked on DuckDB
    scores: dict[str, float]
    dates_of_birth: list[tuple[str, str, object]]


def _persons() -> dict[AgencyKey, str]:
    rows = AgencyPerson.objects.values_list("agency__code", "local_id", "person__public_id")
    return {(a, lid): p for a, lid, p in rows}


def _groups(persons: dict[AgencyKey, str]) -> set[frozenset[AgencyKey]]:
    """Who is with whom, whatever the person ids are called."""
    by_person: dict[str, set[AgencyKey]] = defaultdict(set)
    for ap, person in persons.items():
        by_person[person].add(ap)
    return {frozenset(members) for members in by_person.values()}


@pytest.fixture(scope="module")
def _engine_runs() -> dict[str, EngineRun]:
    return {}


@pytest.fixture
def engine_run(
    tmp_path_factory: pytest.TempPathFactory,
    _engine_runs: dict[str, EngineRun],
    db: None,
    monkeypatch: pytest.MonkeyPatch,
) -> EngineRun:
    """A 150-child borough linked on the engine under test, and on DuckDB.

    Linked in the first test that asks and kept for the others in this module:
    the data lives in that test's transaction, the results in plain objects.
    """
    if "run" in _engine_runs:
        return _engine_runs["run"]
    from sightline.synth.cli import main

    borough = tmp_path_factory.mktemp("engine-borough")
    assert main(["--children", "150", "--seed", "11", "--out", str(borough), "--quiet"]) == 0
    # Django closes every connection when a command ends, which would end the
    # test's own transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with redirect_stdout(io.StringIO()):
        call_command("ingest", *map(str, sorted(borough.glob("*.jsonl"))))
    engine = engine_name()
    linkage_run_full()
    persons = _persons()
    scores = links_score_against_truth(truth_dir=borough)
    # A second run, on DuckDB, over the first's people: on Spark it compares
    # the engines, on DuckDB it checks that the run is repeatable.
    with override_settings(SIGHTLINE_LINKAGE_ENGINE="duckdb"):
        linkage_run_full()
    reference = _persons()
    dobs = list(
        SubjectRecord.objects.exclude(date_of_birth=None).values_list(
            "agency__code", "local_id", "date_of_birth"
        )
    )
    _engine_runs["run"] = EngineRun(engine, borough, persons, reference, scores, dobs)
    return _engine_runs["run"]


@pytest.mark.engine
def test_links_on_the_engine_are_accurate_against_the_truth(engine_run):
    # Measured on this borough (150 children, seed 11), on DuckDB and on Spark
    # alike: precision 1.0000, recall 0.9663.
    assert engine_run.engine == settings.SIGHTLINE_LINKAGE_ENGINE
    assert engine_run.scores["precision"] >= 0.995, engine_run.scores
    assert engine_run.scores["recall"] >= 0.95, engine_run.scores
    # Every agency person the generator made got a person.
    with (engine_run.borough / "truth" / "persons.csv").open(newline="") as f:
        expected = {(row["agency"], row["local_id"]) for row in csv.DictReader(f)}
    assert set(engine_run.persons) == expected
    assert all(engine_run.persons.values())


@pytest.mark.engine
def test_the_engine_makes_the_same_people_as_duckdb(engine_run):
    # A partnership moving to Spark must not see its children regrouped.
    assert _groups(engine_run.persons) == _groups(engine_run.reference)


@pytest.mark.engine
def test_the_engine_never_merges_twins(engine_run):
    with (engine_run.borough / "truth" / "persons.csv").open() as f:
        key_of = {(r["agency"], r["local_id"]): r["person_key"] for r in csv.DictReader(f)}
    # Twins: two children of one family (the key before "-C") with one date of birth.
    births: dict[tuple[str, object], set[str]] = defaultdict(set)
    for agency, local_id, dob in engine_run.dates_of_birth:
        key = key_of[(agency, local_id)]
        if "-C" in key:
            births[(key.split("-")[0], dob)].add(key)
    twins = [keys for keys in births.values() if len(keys) > 1]
    assert twins, "the borough should hold at least one pair of twins"
    persons_by_key: dict[str, set[str]] = defaultdict(set)
    for ap, key in key_of.items():
        persons_by_key[key].add(engine_run.persons[ap])
    for keys in twins:
        assert not set.intersection(*(persons_by_key[k] for k in keys)), keys


# Without pyspark or Java, `sightline link` on Spark must say what is missing.


def _link_on_spark(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith(("SIGHTLINE_", "DATABASE_"))}
    full.update(
        {
            "SIGHTLINE_VAR_DIR": str(tmp_path),
            "SIGHTLINE_LINKAGE_ENGINE": "spark",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        }
    )
    code = "import sys; from sightline.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "link"],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_link_on_spark_without_java_exits_2_naming_what_is_missing(tmp_path):
    # An empty PATH and no JAVA_HOME: no java to start Spark with.
    result = _link_on_spark(tmp_path, {"PATH": str(tmp_path), "JAVA_HOME": ""})
    assert result.returncode == 2, result.stderr
    assert "SIGHTLINE_LINKAGE_ENGINE=spark needs Java" in result.stderr
    assert "Traceback" not in result.stderr


def test_link_on_spark_without_pyspark_exits_2_naming_what_is_missing(tmp_path):
    # A directory named pyspark with no package in it, first on the path,
    # makes `import pyspark` fail as if it were not installed.
    blocker = tmp_path / "blocker"
    (blocker / "pyspark").mkdir(parents=True)
    (blocker / "pyspark" / "__init__.py").write_text("raise ImportError('no pyspark here')\n")
    src = str(Path(__file__).resolve().parents[2] / "src")
    result = _link_on_spark(tmp_path, {"PYTHONPATH": f"{blocker}:{src}"})
    assert result.returncode == 2, result.stderr
    assert "SIGHTLINE_LINKAGE_ENGINE=spark needs the pyspark package" in result.stderr
    assert "Traceback" not in result.stderr


def test_engine_check_passes_on_duckdb_whatever_is_installed(monkeypatch):
    # DuckDB runs in process: a missing Java must never stop it.
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with override_settings(SIGHTLINE_LINKAGE_ENGINE="duckdb"):
        engine_check()
    with override_settings(SIGHTLINE_LINKAGE_ENGINE="spark"), pytest.raises(EngineUnavailable):
        engine_check()
