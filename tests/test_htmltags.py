"""Start tags as a browser reads them (generator/htmltags.py), on the cases attackers used:
each expectation is what html5lib, which follows the HTML standard's tokenizer, reads."""

from __future__ import annotations

import pytest

from generator.htmltags import START_TAG, attributes, real_tags, unended_tag


def tags(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(tag.group(1).lower(), attributes(tag.group(2))) for tag in real_tags(page)]


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ('<p x"> <script>', [("p", [('x"', "")]), ("script", [])]),  # a quote in a name is no quote
        ('<img src="a.jpg" alt="a><script>x</script>">', [("img", [("src", "a.jpg"), ("alt", "a><script>x</script>")])]),
        ("<img title='x\" onload=\"y\" z=\"'>", [("img", [("title", 'x" onload="y" z="')])]),
        ('<span title=\u00a0"x onmouseover=y z="">', [("span", [("title", '\u00a0"x'), ("onmouseover", "y"), ("z", "")])]),
        ("<img/src=x/alt=y>", [("img", [("src", "x/alt=y")])]),
        ('<img src=x alt="a" "b">', [("img", [("src", "x"), ("alt", "a"), ('"b"', "")])]),
        ("<p =a b = c d=>", [("p", [("=a", ""), ("b", "c"), ("d", "")])]),
        ("<P\tID=a\nClass=b>", [("p", [("ID", "a"), ("Class", "b")])]),
        ('<span title="<img src=x onerror=y>">', [("span", [("title", "<img src=x onerror=y>")])]),
        ("<textarea><img src=x></textarea><b>", [("textarea", []), ("b", [])]),  # raw text holds no tags
        ("<!-- <img src=x> --!> <i>", [("i", [])]),
        ("<\u0131mg src=x>", []),  # a dotless i: no "img" for a browser
    ],
)
def test_tags_are_read_as_a_browser_reads_them(page: str, expected: list[tuple[str, list[tuple[str, str]]]]) -> None:
    assert tags(page) == expected


@pytest.mark.parametrize(
    ("page", "where"),
    [
        ('<p>a <img src="f.jpg" alt="a> tail', 5),  # a quote left open: the rest of the page is the tag's
        ("<b>x</b> <i title='y>", 9),
        ("ok <b>x</b> a < b <3", None),
        ('<span title="a <b c=\'x">ok</span>', None),  # the "<b" is inside a value
    ],
)
def test_a_tag_that_does_not_end_is_found(page: str, where: int | None) -> None:
    assert unended_tag(page) == where
    if where is not None:
        assert all(tag.start() < where for tag in real_tags(page))


def test_a_tag_that_never_ends_is_given_up_in_one_pass() -> None:
    """Possessive quantifiers: 20,000 characters of attribute names without a ">" are one try."""
    assert START_TAG.search("<p " + "a" * 20000) is None
