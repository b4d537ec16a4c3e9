"""The same seed gives the same bytes; the output never depends on the clock or the workers."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sightline.synth.cli import main
from sightline.synth.generate import Settings, run


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _make(out: Path, seed: int, children: int = 400) -> dict[str, str]:
    assert (
        main(["--children", str(children), "--seed", str(seed), "--out", str(out), "--quiet"]) == 0
    )
    return _digest(out)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = _make(tmp_path / "a", 11)
    second = _make(tmp_path / "b", 11)
    assert first == second
    assert len(first) > 30


def test_different_seed_gives_different_files(tmp_path: Path) -> None:
    first = _make(tmp_path / "a", 11)
    other = _make(tmp_path / "b", 12)
    changed = [name for name in first if first[name] != other[name]]
    assert "truth/persons.csv" in changed
    assert "nhs-community-hv.jsonl" in changed


def test_parallel_workers_write_the_same_bytes(tmp_path: Path) -> None:
    def settings(out: Path, jobs: int) -> Settings:
        return Settings(
            seed=5,
            children=4500,
            since=date(2019, 1, 1),
            until=date(2026, 3, 31),
            out=out,
            jobs=jobs,
        )

    run(settings(tmp_path / "one", 1))
    run(settings(tmp_path / "two", 2))
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")


def test_rerun_into_the_same_folder_replaces_the_files(tmp_path: Path) -> None:
    first = _make(tmp_path, 3, children=100)
    again = _make(tmp_path, 3, children=100)
    assert first == again


def test_earlier_end_date_moves_the_window(tmp_path: Path) -> None:
    out = tmp_path / "old"
    assert (
        main(
            [
                "--children",
                "200",
                "--out",
                str(out),
                "--until",
                "2023-12-31",
                "--since",
                "2018-01-01",
                "--quiet",
            ]
        )
        == 0
    )
    import json

    latest = max(
        json.loads(line)["occurred_at"][:10]
        for feed in out.glob("*.jsonl")
        for line in feed.read_text(encoding="utf-8").splitlines()
    )
    assert "2023-06-01" <= latest <= "2023-12-31"
