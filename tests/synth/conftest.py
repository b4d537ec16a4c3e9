"""One generated borough shared by the synth tests, read back the way a consumer would."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sightline.synth.cli import main

CHILDREN = 2000
SEED = 7
SINCE = date(2019, 1, 1)
UNTIL = date(2026, 3, 31)


@dataclass
class Borough:
    path: Path
    records: list[dict[str, Any]]
    lines: dict[str, list[str]]
    persons: list[dict[str, str]]
    households: list[dict[str, str]]
    trajectories: list[dict[str, str]]
    manifest: dict[str, Any]
    person_of: dict[tuple[str, str], str] = field(default_factory=dict)
    ids_of: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))

    def about(self, person_key: str) -> list[tuple[str, dict[str, Any]]]:
        """Records naming a person, as (role, record); role 'subject' for the subject."""
        ids = self.ids_of[person_key]
        out = []
        for rec in self.records:
            if (rec["agency"], rec["subject"]["local_id"]) in ids:
                out.append(("subject", rec))
            for rel in rec.get("related", []):
                if (rec["agency"], rel["person"]["local_id"]) in ids:
                    out.append((rel["role"], rec))
        return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load(path: Path) -> Borough:
    records: list[dict[str, Any]] = []
    lines: dict[str, list[str]] = {}
    for feed in sorted(path.glob("*.jsonl")):
        text = feed.read_text(encoding="utf-8").splitlines()
        lines[feed.stem] = text
        records.extend(json.loads(line) for line in text)
    truth = path / "truth"
    borough = Borough(
        path=path,
        records=records,
        lines=lines,
        persons=_csv(truth / "persons.csv"),
        households=_csv(truth / "households.csv"),
        trajectories=_csv(truth / "trajectories.csv"),
        manifest=json.loads((truth / "manifest.json").read_text(encoding="utf-8")),
    )
    for row in borough.persons:
        borough.person_of[(row["agency"], row["local_id"])] = row["person_key"]
        borough.ids_of[row["person_key"]].add((row["agency"], row["local_id"]))
    return borough


def generate(out: Path, *args: str) -> int:
    return main(
        ["--children", str(CHILDREN), "--seed", str(SEED), "--out", str(out), "--quiet", *args]
    )


@pytest.fixture(scope="session")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Borough:
    out = tmp_path_factory.mktemp("borough")
    assert generate(out) == 0
    return load(out)
