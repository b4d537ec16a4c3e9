"""Every URL pattern of the project, found by walking Django's URL resolver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse


@dataclass(frozen=True)
class Route:
    name: str  # "web:person"
    short: str  # "person", the row in the table
    params: tuple[str, ...]


def _walk(patterns: list[Any], namespace: str, params: tuple[str, ...]) -> list[Route]:
    routes: list[Route] = []
    for p in patterns:
        here = params + tuple(p.pattern.converters)
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            routes += _walk(p.url_patterns, ns, here)
        elif isinstance(p, URLPattern):
            assert p.name, f"the URL pattern {p.pattern} has no name, so no row can name it"
            routes.append(Route(name=f"{namespace}{p.name}", short=p.name, params=here))
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns, "", ())


def url_of(route: Route, ids: dict[str, Any]) -> str:
    return reverse(route.name, kwargs={k: ids[k] for k in route.params})
