"""Reading API tokens for the pages and the command line. Never returns a secret: none is kept."""

from __future__ import annotations

from django.db.models import QuerySet

from sightline.api.models import ApiToken, ApiTokenEvent


def tokens_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("agency", "replaced_by")


def token_get(*, token_id: int) -> ApiToken | None:
    return tokens_list().filter(pk=token_id).first()


def token_events(*, token: ApiToken) -> QuerySet[ApiTokenEvent]:
    return token.events.all()
