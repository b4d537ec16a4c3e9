from tests.web.people_fixtures import family, make_staff  # noqa: F401
