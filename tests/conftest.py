"""Fixtures shared by every stage's tests. Area-specific fixtures live beside their tests."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = SHARED / "fixtures"
if not FIXTURES.exists():  # CI lays shared/ beside the clone; a developer may have it elsewhere
    FIXTURES = Path(__file__).resolve().parent / "data" / "fixtures"


# What `make test` leaves to `make test-heavy` (CI runs both; see the Makefile):
# Chromium's sweep, processes killed part way, the API fuzzer, and every test that
# builds the security world (tests/security/world.py) to try every page as every
# role. They are a third of the suite's time and guard the whole application at
# once, so they run before anything lands rather than on each change. The cheap
# guards (a page with no row in the table, a text field nobody classified) stay.
HEAVY_FILES = (
    "browser/",
    "resilience/test_background_restart.py",
    "resilience/test_ingest_crash.py",
    "api/test_schema_fuzz.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.resolve().relative_to(TESTS).as_posix()
        if where.startswith(HEAVY_FILES) or "world" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.heavy)


@dataclass
class CliResult:
    code: int
    out: str
    err: str
    out_bytes: bytes

    def jsonl(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run the ``sightline`` command in-process, as a user would type it."""
    from django.db import connections

    from sightline.cli import main

    # Django closes every connection when a command ends, which would end the
    # test's own transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> CliResult:
        buf = io.BytesIO()
        out = io.TextIOWrapper(buf, encoding="utf-8", write_through=True)
        err = io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        out.flush()
        data = buf.getvalue()
        return CliResult(
            code=code, out=data.decode("utf-8", "replace"), err=err.getvalue(), out_bytes=data
        )

    return run


@pytest.fixture
def write_feed(tmp_path: Path) -> Callable[..., Path]:
    """Write a feed file from objects (dumped as JSON) or raw bytes/strings (as they are)."""
    counter = iter(range(1_000_000))

    def write(lines: Iterable[Any], name: str | None = None) -> Path:
        path = tmp_path / (name or f"feed-{next(counter)}.jsonl")
        with path.open("wb") as f:
            for line in lines:
                if isinstance(line, bytes):
                    f.write(line + b"\n")
                elif isinstance(line, str):
                    f.write(line.encode() + b"\n")
                else:
                    f.write(json.dumps(line).encode() + b"\n")
        return path

    return write


def record(**overrides: Any) -> dict[str, Any]:
    """A valid feed v1 record; tests override only what they are about."""
    base: dict[str, Any] = {
        "agency": "nhs-community-hv",
        "record_id": "HV-1",
        "type": "growth_measurement",
        "occurred_at": "2023-03-14",
        "subject": {
            "local_id": "P1",
            "given_name": "Leo",
            "family_name": "Marsh",
            "date_of_birth": "2023-01-09",
            "nhs_number": "943 476 5919",
        },
        "details": {"weight_kg": 5.3},
    }
    base.update(overrides)
    return base


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the concern form's rate limit counts in it."""
    from django.core.cache import cache

    cache.clear()
