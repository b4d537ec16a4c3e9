"""The security tests' world: built once per test from the web tests' fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.world import World, build_world
from tests.web.people_fixtures import family, make_staff  # noqa: F401


@pytest.fixture
def world(family: Any, make_staff: Any, write_feed: Any) -> World:  # noqa: F811
    return build_world(family, make_staff, write_feed)
