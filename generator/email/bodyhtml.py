"""The email target of the one Markdown conversion: the site's HTML made safe and self-contained.

The site trusts raw HTML in Markdown (MkDocs does); an email must not: the HTML is cleaned with
an allow-list (nh3: no scripts, no event handlers, no ``javascript:`` links, no forms), every
link and image is absolute on the published site, and images get a numeric width of at most
600, a 2x rendition, alt and border. What the editors' Markdown extensions make (tables,
admonitions, footnotes, definition lists, task lists, collapsible blocks, code) becomes markup
every mail client shows, styled inline; anything else keeps its text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

import lxml.html
import nh3

from generator.content.images import ImageChecker, ImageProblem
from generator.htmltags import pixels
from generator.hyphenation import RUN, broken_run
from generator.images import ImagePipeline
from generator.routes import Routes

MAX_WIDTH = 552  # the content column: 600 minus 2 x 24 padding

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul", "div", "dl", "dt", "dd", "details", "summary", "mark", "ins", "kbd",
}  # fmt: skip
# The classes the transformations below read (Python-Markdown's and pymdownx' names); all others go.
_ADMONITION_KINDS = {
    "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important", "success", "check", "done",
    "question", "help", "faq", "warning", "caution", "attention", "failure", "fail", "missing", "danger", "error",
    "bug", "example", "quote", "cite", "hinweis", "achtung", "tipp",
}  # fmt: skip
_CLASSES = {
    "div": {"admonition", "footnote"} | _ADMONITION_KINDS,
    "details": _ADMONITION_KINDS,
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref", "headerlink"},
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "abbr": {"title"},
    "ol": {"start"},
}
_TAG = re.compile(r"<(a|img)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')


_CHECKBOX = re.compile(r"<input\b[^>]*\btype=\"checkbox\"[^>]*>", re.IGNORECASE)
_ALIGN = re.compile(r'<(t[hd])\b([^>]*?)\sstyle="text-align: (left|right|center);"', re.IGNORECASE)


def sanitise(fragment: str) -> str:
    # Two things of the extensions' output that the allow-list would lose, made plain first: a
    # task list's checkbox becomes its symbol, a table column's alignment the align attribute.
    fragment = _CHECKBOX.sub(lambda m: "\u2611 " if re.search(r"\bchecked\b", m.group(0)) else "\u2610 ", fragment)
    fragment = _ALIGN.sub(r'<\1\2 align="\3"', fragment)
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
        allowed_classes=_CLASSES,
    )


# Inline styles of what the extensions make (the email's CSS cannot reach it: class-free markup).
_TABLE = "width:100%;border-collapse:collapse;margin:0 0 16px;font-size:15px;line-height:1.4;"
_CELL = "border:1px solid #c5cae9;padding:6px 8px;text-align:left;vertical-align:top;"
_HEADER_CELL = _CELL + "background-color:#eef0fa;font-weight:bold;"
_BOX = "border-left:4px solid #3949ab;background-color:#f3f4fb;padding:12px 16px;"
_BOX_TITLE = "margin:0 0 6px;font-weight:bold;"
_PRE = "white-space:pre-wrap;word-wrap:break-word;font-family:Consolas,Menlo,monospace;font-size:14px;" \
    "background-color:#f5f5f5;padding:12px;margin:0 0 16px;"  # fmt: skip
_KIND = "data-rb-kind"  # marks what gets a class of ours once the editors' classes are dropped
_TERM = "margin:0;font-weight:bold;"
_DEFINITION = "margin:0 0 12px 16px;"


_CONSTRUCT = re.compile(r'<(?:a(?![^>]*\bhref=)|div|details|dl|table|th|td|pre)\b|class="', re.IGNORECASE)


def _box(element: lxml.html.HtmlElement, title: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement:
    """An admonition or collapsible block as a one-cell table with a bar (Outlook draws no
    padding or border on a div)."""
    table = lxml.html.Element("table", role="presentation", cellpadding="0", cellspacing="0", border="0", width="100%")
    table.set("style", "margin:0 0 16px;")
    row = lxml.html.Element("tr")
    cell = lxml.html.Element("td", style=_BOX)
    cell.set(_KIND, "box")
    table.append(row)
    row.append(cell)
    if title is not None:
        heading = lxml.html.Element("p", style=_BOX_TITLE)
        heading.text = title.text_content().strip()
        cell.append(heading)

    def add_text(text: str | None) -> None:  # the box's own text (raw HTML: Markdown not read in it)
        if text and text.strip():
            if len(cell):
                last = cell[len(cell) - 1]
                last.tail = (last.tail or "") + text
            else:
                cell.text = (cell.text or "") + text

    add_text(element.text)
    for child in list(element):
        if title is not None and child is title:
            add_text(title.tail)  # what follows the title: the box's content, lost with it before
        else:
            cell.append(child)  # with its tail
    return table


def _unwrap(element: lxml.html.HtmlElement) -> None:
    element.drop_tag()


def email_markup(fragment: str) -> str:
    """The extensions' constructs of a sanitised fragment as email markup (see the module doc)."""
    if not _CONSTRUCT.search(fragment):
        return fragment  # most quotes and descriptions: nothing to change, no parse
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in list(root.iter("a")):
        kind = element.get("class") or ""
        if "headerlink" in kind or "footnote-backref" in kind:
            element.drop_tree()  # a page's permalink, a jump back: nothing to follow in an email
        elif "footnote-ref" in kind or not element.get("href"):
            _unwrap(element)  # the footnote's number stays in its <sup>; a link the sanitiser emptied, its text
    for element in list(root.iterdescendants("div", "details")):
        kinds = set((element.get("class") or "").split())
        if element.tag == "details" or "admonition" in kinds:
            title = element.find("summary") if element.tag == "details" else next(
                (c for c in element if c.tag == "p" and "admonition-title" in (c.get("class") or "")), None
            )  # fmt: skip
            element.addprevious(_box(element, title))
            element.drop_tree()
        else:
            _unwrap(element)
    for element in list(root.iter("dt")):
        element.tag, element.attrib["style"] = "p", _TERM
    for element in list(root.iter("dd")):
        element.tag, element.attrib["style"] = "p", _DEFINITION
    for element in list(root.iter("dl")):
        _unwrap(element)
    for element in root.iter("table"):
        if element.get("role") != "presentation":
            element.set("cellpadding", "0")
            element.set("cellspacing", "0")
            element.set("style", _TABLE)
    for element in root.iter("th", "td"):
        if element.get("style") is None:
            element.set("style", _HEADER_CELL if element.tag == "th" else _CELL)
            element.set(_KIND, "head" if element.tag == "th" else "cell")
            if (align := element.attrib.pop("align", None)) is not None:
                element.set("style", element.get("style", "").replace("text-align:left;", f"text-align:{align};"))
    for element in root.iter("pre"):
        element.set("style", _PRE)
        element.set(_KIND, "pre")
    for element in root.iter():
        element.attrib.pop("class", None)
        if (kind := element.attrib.pop(_KIND, None)) is not None:
            element.set("class", f"rb-{kind}")  # for the dark mode's colours (email.css)
    inner = (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return inner


class EmailLinks:
    """The addresses in one issue's converted texts, for its email: absolute on the site, images
    as renditions at twice the shown width."""

    def __init__(self, routes: Routes, page: str, images: ImagePipeline, checker: ImageChecker) -> None:
        self.routes = routes
        self.page = page  # the absolute address of the page: where in-page anchors are
        self.images = images
        self.checker = checker

    def href(self, value: str) -> str:
        if value.startswith("#"):
            return self.page + value  # "#programm" in an email: that place of the web version
        return value  # absolute: the conversion resolved the project's own, raw HTML's too

    def image(self, src: str, wanted: int | None = None) -> tuple[str, int, int] | None:
        """(absolute URL of a 2x rendition, shown width, shown height), or None if not ours;
        ``wanted``: the width in pixels the editor gave the image, if any."""
        on_site = self.routes.relative_to_site(src)  # the conversion made the project's own absolute
        if on_site is None:
            return None
        target = unquote(urlsplit(on_site).path)
        try:
            image = self.checker.check(target)
        except ImageProblem:
            return None
        shown = min(MAX_WIDTH, image.width, wanted or MAX_WIDTH)
        rendition = self.images.rendition(image, shown * 2)
        height = max(1, round(image.height * shown / image.width))
        return self.routes.absolute(rendition.url), shown, height


def _rewrite(fragment: str, links: EmailLinks) -> str:
    def replace(match: re.Match[str]) -> str:
        tag, attrs = match.group(1).lower(), dict(_ATTR.findall(match.group(2)))
        if tag == "a":
            href = links.href(html.unescape(attrs.get("href", "")))
            title = f' title="{attrs["title"]}"' if "title" in attrs else ""
            return f'<a href="{html.escape(href)}"{title}>'
        alt = attrs.get("alt", "")
        # the editor's width, as <img width> or {width=...}
        resolved = links.image(html.unescape(attrs.get("src", "")), pixels(attrs.get("width", "")))
        if resolved is None:  # an image from elsewhere: never loaded by us, shown as its text
            return f"<span>[{alt or 'Bild'}]</span>"
        url, width, height = resolved
        return (
            f'<img src="{html.escape(url)}" width="{width}" height="{height}" alt="{alt}" border="0" '
            f'style="display:block;width:100%;max-width:{width}px;height:auto;">'
        )

    return _TAG.sub(replace, fragment)


_TOKENS = re.compile(r"\{\{|\}\}|\{%|%\}|%%")
_TEXT = re.compile(r">([^<]+)<")


def defuse(text: str) -> str:
    """Editors' text that looks like a template token or a send-time placeholder (``%%...%%``)
    gets an invisible zero-width space, so it is shown, never filled in."""
    if "{" not in text and "}" not in text and "%" not in text:
        return text  # nearly every value (each of an email's template variables comes here): no token
    return _TOKENS.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1], text)


_CODE = re.compile(r"(<(pre|code)\b[^>]*>)(.*?)(</\2>)", re.DOTALL | re.IGNORECASE)
_CODE_RUN = re.compile(rf"(?:&#?\w+;|[^\s<&]){{{RUN + 1},}}")


def breakable_code(fragment: str) -> str:
    """Code with ``<wbr>`` every :data:`RUN` characters of a longer run without blanks: in the
    layout table a long line of code would widen the email beyond a phone's screen
    (``white-space: pre-wrap`` breaks only at blanks, ``word-wrap`` does not narrow a table cell)."""

    def runs(text: str) -> str:
        return _CODE_RUN.sub(lambda m: broken_run(m.group()), text)

    def code(match: re.Match[str]) -> str:
        inner = re.sub(r"(?<=>)[^<]+|^[^<]+", lambda m: runs(m.group()), match.group(3))
        return match.group(1) + inner + match.group(4)

    return _CODE.sub(code, fragment)


def email_html(converted: str, links: EmailLinks) -> str:
    """The email target of a text of the one conversion: sanitised, in email markup, absolute."""
    html_text = breakable_code(_rewrite(email_markup(sanitise(converted)), links))
    if "{" not in html_text and "}" not in html_text and "%" not in html_text:
        return html_text  # no token in any of its texts
    return _TEXT.sub(lambda m: ">" + defuse(m.group(1)) + "<", html_text)
