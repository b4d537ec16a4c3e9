"""A real browser for the accessibility sweep: Debian's Chromium driven by Playwright.

No test downloads a browser. Chromium missing is a skip on a developer's machine,
and a failure under CI (``SIGHTLINE_REQUIRE_BROWSER=1``, set by ``.ci/run``), so a
sweep that never ran cannot pass for one that did.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.core.servers.basehttp import WSGIServer
from pytest_django.live_server_helper import LiveServer

from tests.web.people_fixtures import family, make_staff  # noqa: F401

CHROMIUM = Path(os.environ.get("SIGHTLINE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str) -> None:
    if os.environ.get("SIGHTLINE_REQUIRE_BROWSER"):
        pytest.fail(f"{reason}, and SIGHTLINE_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(reason)


T = TypeVar("T")


class Browser:
    """Chromium on a thread of its own, which every call to it runs on.

    Playwright's synchronous API keeps an event loop on the thread that drives it,
    and Django refuses database work on a thread with a running loop; so the
    tests build their data on the main thread and hand the browser work here.
    """

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._chromium: Any = self._thread.submit(self._start).result()

    def _start(self) -> Any:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        return self._playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)

    def run(self, work: Callable[[Any], T]) -> T:
        """Run ``work(chromium)`` on the browser's thread and return what it returns."""
        return self._thread.submit(work, self._chromium).result()

    def close(self) -> None:
        def stop() -> None:
            self._chromium.close()
            self._playwright.stop()

        self._thread.submit(stop).result()
        self._thread.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run; each test opens its own contexts."""
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        _unavailable(f"no axe-core at {AXE} (make install)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright package is not installed (make install)")
    chromium = Browser()
    yield chromium
    chromium.close()


class _OneRequestAtATime(WSGIServer):
    """The live server's HTTP server, answering one request at a time on its own thread.

    On SQLite the test database is in memory, and the live server's threads share
    the test's one connection to it. Two requests at once on one connection can
    deadlock the whole process: one thread runs a query that calls one of Django's
    SQL functions written in Python (month truncation, for the dashboard) and waits
    for the GIL while holding the connection's mutex; another holds the GIL while it
    binds a parameter and waits for that mutex. Nothing times out, because no
    thread of the process runs again (reproduced with sqlite3 alone in seconds;
    a CI run of the sweep hung on the dashboard's eight charts until it was killed).
    """

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connections_override = connections_override


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, serving one request at a time when it shares a connection.

    On PostgreSQL (or a SQLite file) each request thread opens its own
    connection, and the threaded server is kept.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.server_class = _OneRequestAtATime
    server.start()
    yield server
    server.stop()
