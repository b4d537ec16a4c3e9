"""Casework tests reuse the indicators tests' var_dir (linkage's files under tmp_path)."""

from tests.indicators.conftest import var_dir  # noqa: F401
