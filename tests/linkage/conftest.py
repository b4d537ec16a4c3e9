"""A small generated borough, generated once per module and ingested per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, settings: object) -> Path:
    """Linkage's files (the engine's spill, saved variants) go to tmp_path, never ./var."""
    path = tmp_path / "var"
    settings.SIGHTLINE_VAR_DIR = path  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sightline.synth.cli import main

    out = tmp_path_factory.mktemp("borough")
    assert main(["--children", "300", "--seed", "11", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture
def ingested(cli: Callable[..., object], borough: Path) -> Path:
    """The borough ingested into this test's database."""
    result = cli("ingest", *map(str, sorted(borough.glob("*.jsonl"))))
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    return borough
