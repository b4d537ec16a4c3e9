"""The dashboard tests' borough, flags and contacts (shared with tests/web)."""

from tests.reviews.dashboard_fixtures import borough, contacts, flags  # noqa: F401
