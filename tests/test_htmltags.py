"""Start tags as a browser reads them (generator/htmltags.py), on the cases attackers used:
each expectation is what html5lib, which follows the HTML standard's tokenizer, reads."""

from __future__ import annotations

import pytest

from generator.htmltags import (
    START_TAG,
    attributes,
    pixels,
    real_tags,
    replace_addresses,
    srcset,
    unended_tag,
    unescape_value,
)


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
        # an end tag's attributes are read as a start tag's, quotes included (found by an attacker)
        ("<div>\n</p title=\"<b title='>\"> <svg onload=alert(1)> '>\n</div>", [("div", []), ("svg", [("onload", "alert(1)")])]),
        ("<!x <b title='> <svg onload=alert(2)> '>", [("svg", [("onload", "alert(2)")])]),  # a bogus comment
        ("<?x <b title='> <input autofocus onfocus=alert(3)> '>", [("input", [("autofocus", ""), ("onfocus", "alert(3)")])]),
        ("</> <b>", [("b", [])]),  # dropped
        ("</1 <i> x> <u>", [("u", [])]),  # a bogus comment up to the first ">"
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


ADDRESS_PAGES = [
    '<img src="a.jpg" alt="a><script>x</script>">',
    "<img title='x\" src=\"y.jpg\" z=\"' src='b c.jpg'>",  # the src in the title is text
    '<span title="<img src=x.jpg onerror=y>"><a href=k.md>k</a></span>',
    "<textarea><img src=x.jpg></textarea><img src=w.jpg>",
    "<!-- <img src=x.jpg> --!> <img\tSRC=u.jpg src=second.jpg>",
    '<img src="a&amp;b.jpg" srcset="s.jpg 1x, t.jpg 2x,u.jpg" alt="&quot;">',
    '<video poster=p.jpg></video><link href=style.css><a href="#oben">o</a><area href="m.md">',
    '<img src=x.jpg alt="a" "b"><img src>',
]


def hostile(address: str) -> str:
    return f'R"><script>{address}'


def _resolved(name: str, key: str, value: str) -> str:
    if not value:  # an empty address is no address
        return value
    if key == "srcset":
        return ", ".join(
            f"{hostile(c.strip().partition(' ')[0])} {c.strip().partition(' ')[2]}".rstrip() for c in value.split(",")
        )
    if key in ("src", "poster") or (key == "href" and name in ("a", "area")):
        return hostile(value)
    return value


@pytest.mark.parametrize("page", ADDRESS_PAGES)
def test_addresses_are_replaced_where_a_browser_reads_them_and_nothing_else_changes(page: str) -> None:
    """What the tags say after the replacement, read as a browser reads it: the same tags with
    the same attributes, each address resolved (the first of two with the same name), however
    hostile the new address; comments, raw text and other attributes' values untouched."""
    expected = []
    for name, attrs in tags(page):
        seen: set[str] = set()
        changed = []
        for key, value in attrs:
            first = key.lower() not in seen
            seen.add(key.lower())
            changed.append((key, _resolved(name, key.lower(), value) if first else value))
        expected.append((name, changed))
    result = replace_addresses(page, hostile)
    assert tags(result) == expected


@pytest.mark.parametrize(("value", "expected"), [("200", 200), ("0", 0), ("50%", None), ("\u00b2", None), ("9" * 6, None), ("", None)])
def test_pixels_are_whole_ascii_numbers_of_a_size(value: str, expected: int | None) -> None:
    assert pixels(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # each as html5lib reads it in an attribute's value
        ("?tab=1&section=2&region=nord&notify=1", "?tab=1&section=2&region=nord&notify=1"),
        ("?v=1&copy=2", "?v=1&copy=2"),
        ("&copy 2026", "\u00a9 2026"),
        ("&copy;x", "\u00a9x"),
        ("a&amp;b", "a&b"),
        ("&ampx", "&ampx"),
        ("&amp=", "&amp="),
        ("java&Tab;script:", "java\tscript:"),
        ("&#106;avascript", "javascript"),
        ("&notit;", "&notit;"),
        ("&notin;", "\u2209"),
        ("&lt", "<"),
        ("&sect.", "\u00a7."),
        ("&AMP", "&"),
        ("&#0;", "\ufffd"),
        ("&#128;", "\u20ac"),
    ],
)
def test_an_attribute_value_is_unescaped_as_a_browser_reads_it(value: str, expected: str) -> None:
    """In a value, "&section" after a query's "&" stays as it is (html.unescape makes it "\u00a7ion")."""
    assert unescape_value(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.jpg 1x, b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")]),
        ("../media/a,b.jpg 1x, ../media/b.png 2x", [("../media/a,b.jpg", "1x"), ("../media/b.png", "2x")]),
        ("data:image/gif;base64,R0lG= 1x", [("data:image/gif;base64,R0lG=", "1x")]),
        (" , a.jpg 100w , b.jpg (x, y) 2x, c.jpg", [("a.jpg", "100w"), ("b.jpg", "(x, y) 2x"), ("c.jpg", "")]),
        ("a.jpg,, b.jpg", [("a.jpg", ""), ("b.jpg", "")]),
    ],
)
def test_a_srcset_is_split_as_a_browser_splits_it(value: str, expected: list[tuple[str, str]]) -> None:
    assert srcset(value) == expected
