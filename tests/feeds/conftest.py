from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_orphans_after_ingest(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every feeds test that used the database, nothing points at nothing.

    The foreign keys ingest writes are not database constraints (see
    sightline.feeds.models), so this is where they are held to account.
    """
    yield
    if "django_db_setup" not in request.fixturenames:
        return
    from sightline.feeds.selectors import feed_integrity_problems

    problems = {k: v for k, v in feed_integrity_problems().items() if v}
    assert not problems, problems
