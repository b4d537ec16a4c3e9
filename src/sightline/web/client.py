"""The address a request came from, for sign-in throttling and the concern form's rate limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind production's proxy, the one the proxy saw.

    Production runs behind one reverse proxy (SECURE_PROXY_SSL_HEADER trusts it),
    which appends the address it saw to X-Forwarded-For; only that last entry is
    the proxy's word, as any before it came from the client and can be made up.
    Elsewhere nothing stands in front, so REMOTE_ADDR is the client.
    """
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if settings.SIGHTLINE_ENV == "production" and forwarded.strip():
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR") or "")
