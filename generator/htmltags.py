"""Start tags as a browser reads them, for the checks of the editors' HTML and the site's image
rewrite: the HTML tokenizer's rules for names and attribute values. A quote in an attribute's
name or inside an unquoted value is no quote (``<p x">`` ends at its ``>``), a quoted value may
hold ``>``, a name runs to white space, ``/``, ``>`` or ``=``, and white space is HTML's five
characters only (a no-break space is part of a value). A regular expression that reads a tag
otherwise lets a browser see an element the check did not.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import cache

_WS = r"[\t\n\f\r ]"  # HTML's white space; Python's \s also matches U+00A0, U+2028, ...
_NAME_CHARS = r"[^\t\n\f\r />]"
# possessive and atomic: an attribute name is not split into several, so a tag that does not
# end is given up in one pass, not in every way of splitting it
_VALUE = r"""(?>"[^"]*+"|'[^']*+'|[^\t\n\f\r >"'][^\t\n\f\r >]*+)"""
# a "=" after a name begins its value: a value, or nothing right before the tag's end (a quote
# left open ends no tag)
_ATTRIBUTE_TEXT = (
    rf"(?>[\t\n\f\r /]*+{_NAME_CHARS}[^\t\n\f\r />=]*+"
    rf"(?>{_WS}*+={_WS}*+(?>{_VALUE}|(?=>))|(?!{_WS}*+=)))"
)
_ATTRIBUTE = re.compile(
    rf"""({_NAME_CHARS}[^\t\n\f\r />=]*){_WS}*(?:={_WS}*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r >"'][^\t\n\f\r >]*))?)?"""
)
_FLAGS = re.IGNORECASE | re.ASCII  # ASCII: "ımg" (dotless i) is no "img" for a browser


def start_tag(name: str = r"[A-Za-z][^\t\n\f\r />]*") -> re.Pattern[str]:
    """Start tags whose name matches ``name`` (a pattern; any name by default): the name is
    group 1, the text of the attributes group 2."""
    return re.compile(rf"<({name})(?!{_NAME_CHARS})({_ATTRIBUTE_TEXT}*+)[\t\n\f\r /]*>", _FLAGS)


START_TAG = start_tag()
TAG_OPENING = re.compile(r"<[A-Za-z]", re.ASCII)  # where a browser begins to read a tag
COMMENT = re.compile(r"<!--(?:-?>|.*?--!?>)", re.DOTALL)  # ends at "-->" or "--!>", "<!-->" at once
# elements whose content is text up to their end tag
RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "noembed", "noframes", "noscript", "iframe"})


@cache
def end_tag(name: str) -> re.Pattern[str]:
    """The end tag of ``name`` as a browser finds it in raw text: the name, then HTML's white
    space, ``/`` or ``>`` (``</textarea\u00a0>`` ends nothing)."""
    return re.compile(rf"</{re.escape(name)}[\t\n\f\r />]", _FLAGS)


def real_tags(page: str) -> Iterator[re.Match[str]]:
    """The start tags of ``page`` a browser reads as tags, in order: none inside a comment, an
    attribute's value or a raw text element (``<textarea>``). At a tag that does not end (a
    quote left open) the browser reads the rest of the page into it: so do these."""
    for item in _walk(page):
        if isinstance(item, int):
            return
        yield item


def unended_tag(page: str) -> int | None:
    """Where ``page`` has a tag that does not end (the browser takes the rest of the page into
    it), if it has one outside comments and raw text."""
    return next((item for item in _walk(page) if isinstance(item, int)), None)


def _walk(page: str) -> Iterator[re.Match[str] | int]:
    """The tags of ``page`` in order, then where a tag that does not end begins, if one does."""
    position = 0
    while (start := page.find("<", position)) != -1:
        if page.startswith("<!--", start):
            comment = COMMENT.match(page, start)
            if comment is None:
                return  # the rest is a comment
            position = comment.end()
            continue
        tag = START_TAG.match(page, start)
        if tag is None:
            if TAG_OPENING.match(page, start):
                yield start
                return
            position = start + 1
            continue
        yield tag
        position = tag.end()
        if (name := tag.group(1).lower()) in RAW_TEXT:
            end = end_tag(name).search(page, position)
            if end is None:
                return
            position = end.start()


def attributes(text: str) -> list[tuple[str, str]]:
    """The attributes in ``text`` (a START_TAG's group 2), each name as written with its value
    unescaped, in their order (a browser keeps the first of two with the same name)."""
    return [(name, html.unescape(value)) for name, value in raw_attributes(text)]


def raw_attributes(text: str) -> list[tuple[str, str]]:
    """As attributes(), each value as written (its character references not read)."""
    found = []
    for match in _ATTRIBUTE.finditer(text):
        value = next((group for group in match.groups()[1:] if group is not None), "")
        found.append((match.group(1), value))
    return found


# Attributes that hold an address a browser loads or follows ("href" only where it is a link:
# a <link href> is refused by the content check). srcset holds several, each before its width.
_ADDRESS_ATTRIBUTES = frozenset({"src", "srcset", "poster"})
_LINKING = frozenset({"a", "area"})


def replace_addresses(page: str, resolve: Callable[[str], str]) -> str:
    """``page`` with every address of its real tags (``<a href>``, ``src``, ``srcset``,
    ``poster``) replaced by ``resolve(address)``, the address unescaped and the result escaped
    anew; everything else is kept as written. Of two attributes with the same name the browser
    keeps the first: so does this."""
    if "=" not in page:
        return page
    out: list[str] = []
    copied = 0
    for tag in real_tags(page):
        name = tag.group(1).lower()
        seen: set[str] = set()
        base = tag.start(2)
        for attribute in _ATTRIBUTE.finditer(tag.group(2)):
            key = attribute.group(1).lower()
            if key in seen:
                continue
            seen.add(key)
            if not (key in _ADDRESS_ATTRIBUTES or (key == "href" and name in _LINKING)):
                continue
            group = next((g for g in (2, 3, 4) if attribute.group(g) is not None), None)
            if group is None:
                continue  # a name without a value
            value = html.unescape(attribute.group(group))
            if not value:
                continue  # an empty address is none
            if key == "srcset":
                new = ", ".join(_resolve_candidate(candidate, resolve) for candidate in value.split(","))
            else:
                new = resolve(value)
            if new == value:
                continue
            start, end = attribute.span(group)
            if group in (2, 3):  # the quotes go too: the new value is quoted with "
                start, end = start - 1, end + 1
            out += (page[copied : base + start], '"', html.escape(new, quote=True), '"')
            copied = base + end
    out.append(page[copied:])
    return "".join(out)


def _resolve_candidate(candidate: str, resolve: Callable[[str], str]) -> str:
    """One ``address width`` of a srcset, its address resolved."""
    address, _, rest = candidate.strip().partition(" ")
    return f"{resolve(address)} {rest}".rstrip() if address else candidate


def pixels(value: str) -> int | None:
    """A width or height attribute's whole number of pixels, if it is one (``"200"``; not
    ``"50%"``, nor a digit of another script, nor a number too long to be a size)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 5 else None
