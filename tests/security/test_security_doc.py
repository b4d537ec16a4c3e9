"""docs/security.md keeps step with the tests: its matrix is the table, its attacks are tests."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from tests.security.pages import table_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
HERE = Path(__file__).resolve().parent


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def test_the_documented_matrix_is_the_table_the_tests_run():
    text = DOC.read_text()
    documented = text.split("<!-- matrix:start -->\n", 1)[1].split("<!-- matrix:end -->", 1)[0]
    assert documented.strip() == table_markdown().strip(), (
        "docs/security.md's matrix differs from tests/security/pages.py; paste this between "
        "the matrix markers:\n" + table_markdown()
    )


def _tests_in_this_folder() -> set[str]:
    found = set()
    for path in HERE.glob("test_*.py"):
        module = importlib.import_module(f"tests.security.{path.stem}")
        found |= {
            f"{path.name}::{name}"
            for name, f in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("test_") and f.__module__ == module.__name__
        }
    return found


def test_every_attack_has_a_test_and_every_test_an_attack():
    attacks = _section(DOC.read_text(), "## Every attack tried")
    rows = [r for r in attacks.splitlines() if r.startswith("| ") and not r.startswith("| attack")]
    cited = set(re.findall(r"`(test_\w+\.py::test_\w+)`", attacks))
    assert len(rows) >= 10
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4 and all(cells), f"an attack row needs how, outcome and test: {row}"
    tests = _tests_in_this_folder()
    assert not sorted(cited - tests), "the doc cites tests that do not exist"
    assert not sorted(tests - cited), "tests in tests/security with no row in docs/security.md"
