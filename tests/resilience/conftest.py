"""A real database that `sightline` commands in other processes can share with the test.

pytest-django's test database is in memory on SQLite and held inside a
transaction per test, so a subprocess cannot see it. These tests instead make
their own: migrated once per session (a file on SQLite, a database named after
the run's own on PostgreSQL), then copied afresh for each test, and queried
with the plain driver, as an operator would look.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import record


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def _with_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(_with_db(url, "postgres"), autocommit=True)


def _env(url: str, var_dir: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SIGHTLINE_", "DATABASE_"))}
    return keep | {"SIGHTLINE_ENV": "test", "SIGHTLINE_VAR_DIR": str(var_dir), "DATABASE_URL": url}


def _sightline(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "sightline.cli", *args]


@dataclass
class LiveDb:
    """A migrated database of its own, and `sightline` run against it in a subprocess."""

    url: str
    var_dir: Path

    @property
    def postgres(self) -> bool:
        return _is_postgres(self.url)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return list(conn.execute(sql).fetchall())
        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    def value(self, sql: str) -> Any:
        return self.rows(sql)[0][0]

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            _sightline(list(args)),
            env=_env(self.url, self.var_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _sightline(list(args)),
            env=_env(self.url, self.var_dir),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def wait_for(
        self, sql: str, until: Callable[[Any], bool], proc: Any, limit: float = 120
    ) -> Any:
        """Poll ``sql`` until its value passes ``until``; fail if the process ends first."""
        deadline = time.monotonic() + limit
        while True:
            try:
                value = self.value(sql)
            except Exception:
                value = None
            if value is not None and until(value):
                return value
            if proc.poll() is not None:
                raise AssertionError(f"the process ended first: {proc.communicate()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{sql} never passed; last {value!r}")
            time.sleep(0.01)


@pytest.fixture(scope="session")
def _live_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    var_dir = tmp_path_factory.mktemp("live-var")
    if _is_postgres(url):
        template = f"{urlsplit(url).path.lstrip('/')}_live_template"
        with _pg_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{template}"')
        live = _with_db(url, template)
    else:
        live = f"sqlite:///{tmp_path_factory.mktemp('live') / 'template.sqlite3'}"
    done = subprocess.run(
        _sightline(["migrate", "-v0"]), env=_env(live, var_dir), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    yield live
    if _is_postgres(url):
        with _pg_admin(url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


@pytest.fixture
def live_db_factory(_live_template: str, tmp_path: Path) -> Iterator[Callable[[str], LiveDb]]:
    """Fresh copies of the migrated database, each for this test only."""
    made: list[str] = []
    template = urlsplit(_live_template).path.lstrip("/")

    def make(suffix: str = "") -> LiveDb:
        if _is_postgres(_live_template):
            name = template.removesuffix("_template") + suffix
            with _pg_admin(_live_template) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            made.append(name)
            return LiveDb(_with_db(_live_template, name), tmp_path)
        path = tmp_path / f"live{suffix}.sqlite3"
        shutil.copyfile(_live_template.removeprefix("sqlite:///"), path)
        return LiveDb(f"sqlite:///{path}", tmp_path)

    yield make
    if made:
        with _pg_admin(_live_template) as admin:
            for name in made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live_db(live_db_factory: Callable[[str], LiveDb]) -> LiveDb:
    return live_db_factory("")


@dataclass
class Feed:
    """A generated feed file and what ingesting it must leave behind."""

    path: Path
    lines: int  # non-blank lines
    held: int  # distinct (agency, record id, version) among the valid lines
    invalid: int  # lines that are not records at all


def feed_file(path: Path, records: int) -> Feed:
    """Distinct records, with lines repeated (duplicates), second versions (superseded),
    a few lines that are not JSON (rejected), and a blank line now and then."""
    lines: list[str] = []
    held: set[tuple[str, str, int]] = set()
    invalid = 0
    for i in range(records):
        rec = record(
            agency="nhs-community-hv" if i % 3 else "norfolk-police",
            record_id=f"R-{i}",
            subject={"local_id": f"P{i % 700}", "given_name": f"Child{i % 700}"},
            summary=f"visit {i}",
        )
        lines.append(json.dumps(rec))
        held.add((rec["agency"], rec["record_id"], 1))
        if i % 50 == 7:
            lines.append(json.dumps(rec))  # sent twice: a duplicate
        if i % 40 == 3:
            lines.append(json.dumps(rec | {"record_version": 2, "summary": f"revised {i}"}))
            held.add((rec["agency"], rec["record_id"], 2))
        if i % 97 == 11:
            lines.append('{"agency": "nhs-community-hv", "record_id": broken')
            invalid += 1
        if i % 300 == 150:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return Feed(path, sum(1 for text in lines if text), len(held), invalid)


def held_through(feed: Feed, line: int) -> tuple[int, int]:
    """(non-blank lines, distinct valid records) in the file up to and including ``line``."""
    seen: set[tuple[str, str, int]] = set()
    count = 0
    for number, text in enumerate(feed.path.read_text().splitlines(), 1):
        if number > line:
            break
        if not text:
            continue
        count += 1
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        seen.add((obj["agency"], obj["record_id"], obj.get("record_version", 1)))
    return count, len(seen)
