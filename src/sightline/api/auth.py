"""Who is calling: an agency's bearer token, and how often it may call."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from sightline.api.models import ApiToken
from sightline.api.services import token_authenticate

# One message for a missing, malformed, unknown, revoked or expired token, so the
# answer never tells a caller which tokens exist.
UNAUTHORISED = (
    "Send a valid agency API token as 'Authorization: Bearer <token>'. This one is missing,"
    " unknown, revoked or expired; ask the partnership's administrator for a token."
)


class AgencyToken(HttpBearer):
    """``Authorization: Bearer sl_...``: the agency whose token it is, or nothing."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return token_authenticate(secret=token.strip())


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token per period (``SIGHTLINE_API_RATE_LIMIT``), counted across workers.

    ninja's throttle, keyed by the token rather than the caller's address, on a
    cache every gunicorn worker shares. The rate is read for each request, so a
    change of setting (or a test's) applies at once.
    """

    scope = "agency-token"

    def __init__(self) -> None:
        super().__init__(rate=settings.SIGHTLINE_API_RATE_LIMIT)
        self.cache = caches["api-throttle"]

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.SIGHTLINE_API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token: Any = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return None  # not signed in: the request is refused before this counts
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}
