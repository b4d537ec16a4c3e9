"""The checks every rendered page must pass, written with the standard library only.

GOV.UK services hold every page to these: exactly one <h1>; a <title> that
starts with the <h1>'s text (after "Error: " when the page shows errors, as the
GOV.UK error pattern asks); no duplicate ids; a <label for=...> for every field
a person fills in; and a skip link whose target exists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Inputs a person does not fill in, so they need no label of their own.
_UNLABELLED_TYPES = {"hidden", "submit", "button", "image", "reset"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.h1_texts: list[str] = []
        self.titles: list[str] = []
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, str | None]] = []  # (description, id)
        self.skip_link_targets: list[str] = []
        self._in_h1 = 0
        self._in_title = False
        self._in_svg = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id") is not None:
            self.ids.append(a["id"] or "")
        if tag == "h1":
            self._in_h1 += 1
            self._text = []
        elif self._in_h1 and tag not in _VOID:
            self._in_h1 += 1
        if tag == "svg":
            self._in_svg += 1
        # An SVG's <title> names the picture, not the page.
        if tag == "title" and not self._in_svg:
            self._in_title = True
            self._text = []
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if tag == "a" and "govuk-skip-link" in (a.get("class") or "").split():
            self.skip_link_targets.append(a.get("href") or "")
        field_type = (a.get("type") or "text").lower()
        if tag in ("select", "textarea") or (
            tag == "input" and field_type not in _UNLABELLED_TYPES
        ):
            self.fields.append((f"<{tag} name={a.get('name')!r} type={field_type!r}>", a.get("id")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self._in_h1 and tag not in _VOID:
            self._in_h1 -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._in_svg:
            self._in_svg -= 1
        if self._in_h1:
            self._in_h1 -= 1
            if self._in_h1 == 0:
                self.h1_texts.append(_squash("".join(self._text)))
        if tag == "title" and self._in_title and not self._in_svg:
            self._in_title = False
            self.titles.append(_squash("".join(self._text)))

    def handle_data(self, data: str) -> None:
        if self._in_h1 or self._in_title:
            self._text.append(data)


def problems(html: str) -> list[str]:
    """Everything wrong with the page, as sentences; an empty list for a good page."""
    p = _PageParser()
    p.feed(html)
    p.close()
    found: list[str] = []
    if len(p.h1_texts) != 1:
        found.append(f"expected exactly one <h1>, found {len(p.h1_texts)}: {p.h1_texts}")
    if len(p.titles) != 1:
        found.append(f"expected exactly one <title>, found {len(p.titles)}")
    elif p.h1_texts:
        title, h1 = p.titles[0], p.h1_texts[0]
        if not h1 or not title.removeprefix("Error: ").startswith(h1):
            found.append(f"<title> {title!r} does not start with the <h1> {h1!r}")
    seen: set[str] = set()
    for id_ in p.ids:
        if id_ in seen:
            found.append(f"id {id_!r} is used more than once")
        seen.add(id_)
    for description, id_ in p.fields:
        if not id_:
            found.append(f"{description} has no id, so no <label for> can name it")
        elif id_ not in p.label_for:
            found.append(f"{description} has no <label for={id_!r}>")
    if not p.skip_link_targets:
        found.append("no skip link (a.govuk-skip-link)")
    for href in p.skip_link_targets:
        if not href.startswith("#") or href[1:] not in seen:
            found.append(f"the skip link points to {href!r}, which is not an id on the page")
    return found


def assert_good_markup(html: str) -> None:
    found = problems(html)
    assert not found, "page markup problems:\n  " + "\n  ".join(found)
