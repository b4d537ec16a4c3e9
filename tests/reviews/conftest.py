"""The staff of the web tests, and a review with an action plan, for the reviews' own tests."""

from tests.reviews.plan_fixtures import plan  # noqa: F401
from tests.web.people_fixtures import family, make_staff  # noqa: F401
