"""The markup checker itself: it must catch each fault it exists to catch."""

from __future__ import annotations

import pytest

from tests.web.markup import problems

GOOD = """<!DOCTYPE html><html><head><title>Sign in - Sightline</title></head><body>
<a class="govuk-skip-link" href="#main">Skip</a>
<main id="main"><h1 class="x">Sign <span>in</span></h1>
<label for="u">Username</label><input id="u" name="u"><input type="hidden" name="next">
<button type="submit">Go</button></main></body></html>"""


def test_a_good_page_passes():
    assert problems(GOOD) == []


def test_a_pictures_own_title_is_not_the_pages():
    svg = '<svg><title>Timeline</title><circle r="1"><title>An event</title></circle></svg>'
    assert problems(GOOD.replace("</h1>", "</h1>" + svg)) == []


def test_an_error_page_may_prefix_its_title():
    assert problems(GOOD.replace("<title>", "<title>Error: ")) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("</h1>", "</h1><h1>Again</h1>"), "exactly one <h1>"),
        (('<h1 class="x">Sign <span>in</span></h1>', ""), "exactly one <h1>"),
        (("Sign in - Sightline", "Sightline - Sign in"), "does not start with the <h1>"),
        (('id="main"', 'id="u"'), "used more than once"),
        (('<label for="u">Username</label>', ""), "no <label for='u'>"),
        (('<input id="u" name="u">', '<select name="s"></select>'), "has no id"),
        (('<input id="u" name="u">', '<textarea id="t"></textarea>'), "no <label for='t'>"),
        (('href="#main"', 'href="#nowhere"'), "not an id on the page"),
        (('<a class="govuk-skip-link" href="#main">Skip</a>', ""), "no skip link"),
    ],
)
def test_each_fault_is_caught(change, expected):
    old, new = change
    assert old in GOOD
    found = problems(GOOD.replace(old, new))
    assert any(expected in p for p in found), found
