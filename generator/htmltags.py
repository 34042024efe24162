"""Start tags as a browser reads them, for the checks of the editors' HTML and the site's image
rewrite: the HTML tokenizer's rules for names and attribute values. A quote in an attribute's
name or inside an unquoted value is no quote (``<p x">`` ends at its ``>``), a quoted value may
hold ``>``, a name runs to white space, ``/``, ``>`` or ``=``, and white space is HTML's five
characters only (a no-break space is part of a value). A regular expression that reads a tag
otherwise lets a browser see an element the check did not.
"""

from __future__ import annotations

import html
import html.entities
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
# An end tag is read as a start tag is, attributes and quotes included (the browser then drops
# them): "</p title='<b title=\">'>" ends at its own ">", and what follows is read anew.
END_TAG = re.compile(rf"</([A-Za-z][^\t\n\f\r />]*)({_ATTRIBUTE_TEXT}*+)[\t\n\f\r /]*>", _FLAGS)
TAG_OPENING = re.compile(r"</?[A-Za-z]", re.ASCII)  # where a browser begins to read a tag
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
    for kind, item in _walk(page):
        if kind == "unended":
            return
        if kind == "tag":
            assert isinstance(item, re.Match)
            yield item


def unended_tag(page: str) -> int | None:
    """Where ``page`` has a tag that does not end (the browser takes the rest of the page into
    it), if it has one outside comments and raw text."""
    return next((item for kind, item in _walk(page) if kind == "unended" and isinstance(item, int)), None)


def real_comments(page: str) -> Iterator[re.Match[str] | int]:
    """The comments ``<!-- ... -->`` a browser reads as comments, in order (none in an attribute's
    value or a raw text element), then where one left open begins, if one is. Past a raw text
    element left open (which a check reports itself) as if it were closed: all are found at once."""
    for kind, item in _walk(page, past_open_raw_text=True):
        if kind == "comment" or kind == "open comment":
            yield item


def real_end_tags(page: str) -> dict[str, list[int]]:
    """Where the end tags a browser reads as such begin, by element name (none inside a raw text
    element: "</template>" in a <textarea> closes no template)."""
    found: dict[str, list[int]] = {}
    for kind, item in _walk(page, past_open_raw_text=True):
        if kind == "end" and isinstance(item, re.Match):
            found.setdefault(item.group(1).lower(), []).append(item.start())
    return found


# HTML elements that end SVG or MathML content where they begin (the HTML standard's "breakout")
_BREAKOUT = frozenset({
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "h1", "h2",
    "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre",
    "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var", "font",
})  # fmt: skip


def _walk(page: str, *, past_open_raw_text: bool = False) -> Iterator[tuple[str, re.Match[str] | int]]:
    """What ``page`` holds in order: each start tag ("tag"), end tag ("end"), comment
    ("comment"), then where a tag that does not end ("unended") or a comment left open ("open
    comment") begins. Inside <svg> and <math> no element holds raw text (a <style> there holds
    tags and comments). ``past_open_raw_text``: a raw text element left open ends at once."""
    position = 0
    foreign = 0  # how deep in <svg> and <math>
    while (start := page.find("<", position)) != -1:
        if page.startswith("<!--", start):
            comment = COMMENT.match(page, start)
            if comment is None:
                yield "open comment", start  # the rest is a comment
                return
            yield "comment", comment
            position = comment.end()
            continue
        tag = START_TAG.match(page, start)
        if tag is None:
            if (end := END_TAG.match(page, start)) is not None:
                yield "end", end
                if foreign and end.group(1).lower() in ("svg", "math"):
                    foreign -= 1
                position = end.end()
                continue
            if TAG_OPENING.match(page, start):
                yield "unended", start
                return
            if page.startswith(("<!", "<?", "</"), start) and not page.startswith("</>", start):
                # "<!x", "<?x", "</1": a bogus comment, up to the first ">" whatever the quotes
                close = page.find(">", start + 2)
                if close == -1:
                    if len(page) > start + 2:
                        yield "unended", start  # the rest of the page is that comment
                    return
                position = close + 1
                continue
            position = start + (3 if page.startswith("</>", start) else 1)  # "</>" is dropped
            continue
        yield "tag", tag
        position = tag.end()
        name = tag.group(1).lower()
        if name in ("svg", "math") and not tag.group(0).endswith("/>"):
            foreign += 1
            continue
        if foreign and name in _BREAKOUT:
            foreign = 0  # the browser leaves SVG here: this is HTML again
        if name in RAW_TEXT and not foreign:
            end = end_tag(name).search(page, position)
            if end is None:
                if past_open_raw_text:
                    continue
                return
            position = end.start()


def attributes(text: str) -> list[tuple[str, str]]:
    """The attributes in ``text`` (a START_TAG's group 2), each name as written with its value
    unescaped, in their order (a browser keeps the first of two with the same name)."""
    return [(name, unescape_value(value)) for name, value in raw_attributes(text)]


_REFERENCE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|([A-Za-z][A-Za-z0-9]*)(;?))")


def unescape_value(value: str) -> str:
    """An attribute's value with its character references read as a browser reads them there:
    as html.unescape() does, but a name without ";" that runs on into a letter, a digit or "="
    stays as written (``?tab=1&section=2`` keeps its ``&section``; in text it would be a §)."""
    if "&" not in value:
        return value

    def one(reference: re.Match[str]) -> str:
        name, semicolon = reference.group(1), reference.group(2)
        if name is None:  # a number
            return html.unescape(reference.group(0))
        if semicolon and f"{name};" in html.entities.html5:
            return html.entities.html5[f"{name};"]
        # the longest legacy name (those a browser reads without ";") the reference begins with
        known = next((n for n in range(len(name), 0, -1) if name[:n] in html.entities.html5), None)
        if known is None:
            return reference.group(0)
        after = name[known:] or value[reference.end() : reference.end() + 1]
        if after[:1].isascii() and (after[:1].isalnum() or after[:1] == "="):
            return reference.group(0)
        return html.entities.html5[name[:known]] + name[known:]

    return _REFERENCE.sub(one, value)


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
            if not is_address(name, key):
                continue
            group = next((g for g in (2, 3, 4) if attribute.group(g) is not None), None)
            if group is None:
                continue  # a name without a value
            value = unescape_value(attribute.group(group))
            if not value:
                continue  # an empty address is none
            new = resolve_address(key, value, resolve)
            if new == value:
                continue
            start, end = attribute.span(group)
            if group in (2, 3):  # the quotes go too: the new value is quoted with "
                start, end = start - 1, end + 1
            out += (page[copied : base + start], '"', html.escape(new, quote=True), '"')
            copied = base + end
    out.append(page[copied:])
    return "".join(out)


def is_address(tag: str, key: str) -> bool:
    """Whether the attribute ``key`` (lower case) of the element ``tag`` holds an address the
    browser loads or follows."""
    return key in _ADDRESS_ATTRIBUTES or (key == "href" and tag in _LINKING)


def resolve_address(key: str, value: str, resolve: Callable[[str], str]) -> str:
    """The value of an address attribute with its address, or each of a srcset's, resolved."""
    if key != "srcset":
        return resolve(value)
    return ", ".join(f"{resolve(url)} {descriptors}".rstrip() for url, descriptors in srcset(value))


_SRCSET_SPACE = " \t\n\f\r"


def srcset(value: str) -> list[tuple[str, str]]:
    """The (address, descriptors) of a srcset as a browser splits it: an address runs to white
    space and may hold commas (``data:image/gif;base64,...``; commas at its end end it), the
    descriptors run to the next comma outside parentheses."""
    found: list[tuple[str, str]] = []
    position, length = 0, len(value)
    while True:
        while position < length and (value[position] in _SRCSET_SPACE or value[position] == ","):
            position += 1
        if position >= length:
            return found
        start = position
        while position < length and value[position] not in _SRCSET_SPACE:
            position += 1
        url = value[start:position]
        if url.endswith(","):
            found.append((url.rstrip(","), ""))
            continue
        start, depth = position, 0
        while position < length:
            char = value[position]
            if char == "," and not depth:
                break
            depth += 1 if char == "(" else -1 if char == ")" and depth else 0
            position += 1
        found.append((url, value[start:position].strip()))


def browser_address(address: str) -> str:
    """``address`` as a browser reads it for where it leads: without the white space and control
    characters it drops, and with "\\" read as "/" ("/\\host" is "//host")."""
    return re.sub(r"[\x00-\x20]", "", address).replace("\\", "/")


def pixels(value: str) -> int | None:
    """A width or height attribute's whole number of pixels, if it is one (``"200"``; not
    ``"50%"``, nor a digit of another script, nor a number too long to be a size)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 5 else None


def without_comments(
    page: str, *, line_breaks: bool = False, comments: list[re.Match[str] | int] | None = None
) -> str:
    """``page`` without the comments a browser reads as such (an editor's note to colleagues is
    no content: the page source and the feed would show it); one left open stays (the checks
    refuse it), and so does a "<!--" in an attribute's value or a raw text element.
    ``line_breaks``: each comment leaves its line breaks, so the rest keeps its line numbers;
    ``comments``: real_comments(page), where the caller has them already."""
    if "<!--" not in page:
        return page
    out: list[str] = []
    copied = 0
    for comment in real_comments(page) if comments is None else comments:
        if isinstance(comment, int):
            break
        out.append(page[copied : comment.start()])
        if line_breaks:
            out.append("\n" * comment.group(0).count("\n"))
        copied = comment.end()
    out.append(page[copied:])
    return "".join(out)
