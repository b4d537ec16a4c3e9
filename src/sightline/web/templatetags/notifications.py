"""The count of a user's unread notifications, for the service navigation on every page."""

from __future__ import annotations

from typing import Any

from django import template

from sightline.casework.notifications import notifications_unread

register = template.Library()


@register.filter
def unread_notifications(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    return notifications_unread(user=user)
