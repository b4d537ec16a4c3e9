"""A generated borough goes in whole: every line accounted for, every person ready to link."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sightline.feeds.models import FeedFile, QuarantinedLine, RecordHead, SubjectRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sightline.synth.cli import main

    out = tmp_path_factory.mktemp("borough")
    assert main(["--children", "300", "--seed", "11", "--out", str(out), "--quiet"]) == 0
    return out


def test_every_line_of_every_agency_file_is_accounted_for(cli, borough):
    files = sorted(borough.glob("*.jsonl"))
    result = cli("ingest", "--format", "json", *map(str, files))
    assert result.code == 0, result.err
    summaries = result.jsonl()
    assert len(summaries) == len(files) > 20
    for summary, path in zip(summaries, files, strict=True):
        lines = sum(1 for line in path.read_bytes().splitlines() if line.strip())
        assert summary["lines_read"] == lines, path.name
        assert summary["adds_up"], summary
    assert all(f.status == "complete" for f in FeedFile.objects.all())
    # The generator writes valid feed v1: nothing it sends should need a fix.
    assert QuarantinedLine.objects.count() == 0
    total = sum(s["lines_read"] for s in summaries)
    corrections = sum(s["superseded"] for s in summaries)
    assert RecordHead.objects.count() == total - corrections


def test_every_person_in_the_truth_is_a_subject_record_ready_for_linkage(cli, borough):
    cli("ingest", *map(str, sorted(borough.glob("*.jsonl"))))
    with (borough / "truth" / "persons.csv").open() as f:
        truth = {(row["agency"], row["local_id"]) for row in csv.DictReader(f)}
    held = set(SubjectRecord.objects.values_list("agency__code", "local_id").distinct())
    assert held == truth
