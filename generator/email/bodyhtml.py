"""Editors' Markdown made safe and self-contained for an email.

The site trusts raw HTML in Markdown (MkDocs does); an email must not: the HTML is cleaned
with an allow-list (nh3: no scripts, no event handlers, no ``javascript:`` links, no forms),
every link and image is made absolute on the published site, ``.md`` links become the pages
they build, and images get a numeric width of at most 600, a 2x rendition, alt and border.
"""

from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import unquote, urljoin, urlsplit

import nh3

from generator.content.images import ImageChecker, ImageProblem
from generator.markup import markdown_to_html
from generator.site.images import ImagePipeline

MAX_WIDTH = 552  # the content column: 600 minus 2 x 24 padding

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
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


def sanitise(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
    )


class EmailLinks:
    """Resolves the links of one page's Markdown to absolute addresses on the site."""

    def __init__(self, site_url: str, source: str, images: ImagePipeline, checker: ImageChecker) -> None:
        self.site_url = site_url if site_url.endswith("/") else site_url + "/"
        self.source_dir = posixpath.dirname(source)  # "newsletter" for newsletter/2026-02.md
        self.images = images
        self.checker = checker

    def page_url(self, content_path: str) -> str:
        """The published address of a content file, as MkDocs builds it (directory URLs)."""
        if content_path.endswith(".md"):
            stem = content_path[:-3]
            if stem == "index" or stem.endswith("/index"):
                content_path = stem[: -len("index")]
            else:
                content_path = stem + "/"
        return urljoin(self.site_url, content_path)

    def href(self, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme or value.startswith(("//", "#")):
            return value
        if value.startswith("/"):
            return urljoin(self.site_url, value.lstrip("/"))
        target = posixpath.normpath(posixpath.join(self.source_dir, unquote(parts.path)))
        return self.page_url(target) + (f"#{parts.fragment}" if parts.fragment else "")

    def image(self, src: str) -> tuple[str, int, int] | None:
        """(absolute URL of a 2x rendition, shown width, shown height), or None if not ours."""
        parts = urlsplit(src)
        if parts.scheme or src.startswith("/"):
            return None
        target = posixpath.normpath(posixpath.join(self.source_dir, unquote(parts.path)))
        try:
            image = self.checker.check(target)
        except ImageProblem:
            return None
        shown = min(MAX_WIDTH, image.width)
        rendition = self.images.rendition(image, shown * 2)
        height = round(image.height * shown / image.width)
        return urljoin(self.site_url, rendition.url), shown, height


def _rewrite(fragment: str, links: EmailLinks) -> str:
    def replace(match: re.Match[str]) -> str:
        tag, attrs = match.group(1).lower(), dict(_ATTR.findall(match.group(2)))
        if tag == "a":
            href = links.href(html.unescape(attrs.get("href", "")))
            title = f' title="{attrs["title"]}"' if "title" in attrs else ""
            return f'<a href="{html.escape(href)}"{title}>'
        alt = attrs.get("alt", "")
        resolved = links.image(html.unescape(attrs.get("src", "")))
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
    return _TOKENS.sub(lambda m: m.group(0)[0] + "\u200b" + m.group(0)[1], text)


def markdown_for_email(text: str, links: EmailLinks) -> str:
    """The email target of the one Markdown conversion: converted, sanitised, made absolute."""
    html_text = _rewrite(sanitise(markdown_to_html(text)), links)
    return _TEXT.sub(lambda m: ">" + defuse(m.group(1)) + "<", html_text)
