"""The family and staff of the web tests, for the access rules' own tests."""

from tests.web.people_fixtures import family, make_staff  # noqa: F401
