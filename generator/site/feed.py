"""The Atom feed (RFC 4287) of published issues, newest first."""

from __future__ import annotations

from datetime import date, datetime, time
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from generator.content.model import Issue

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 50


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def _stamp(day: date, tz: ZoneInfo) -> str:
    return datetime.combine(day, time(8, 0), tz).isoformat()


def feed_issues(issues: list[Issue]) -> list[Issue]:
    """The issues the feed carries: the newest MAX_ENTRIES."""
    return sorted(issues, key=lambda i: (i.date, i.number), reverse=True)[:MAX_ENTRIES]


def build_feed(
    issues: list[Issue],
    *,
    title: str,
    site_url: str,
    feed_url: str,
    issue_url: dict[str, str],
    author: str,
    tz: ZoneInfo,
    content_html: dict[str, str],
) -> bytes:
    """Atom XML for ``issues`` (published only); ``issue_url`` maps slug -> absolute page URL."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "de"})
    newest = feed_issues(issues)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", feed_url)
    sub(feed, "title", title)
    sub(feed, "updated", _stamp(newest[0].date, tz) if newest else _stamp(date(2000, 1, 1), tz))
    sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    sub(feed, "link", rel="alternate", type="text/html", href=site_url)
    sub(sub(feed, "author"), "name", author)
    sub(feed, "generator", "rundbrief")
    for issue in newest:
        entry = sub(feed, "entry")
        url = issue_url[issue.slug]
        sub(entry, "id", url)
        sub(entry, "title", f"Ausgabe {issue.number}: {issue.title}")
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "published", _stamp(issue.date, tz))
        sub(entry, "updated", _stamp(issue.date, tz))
        if issue.summary:
            sub(entry, "summary", issue.summary)
        # the page's own HTML, its relative links resolved against the page (xml:base)
        content = sub(entry, "content", _xml_safe(content_html.get(issue.slug, "")), type="html")
        content.set("xml:base", url)
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body + b"\n"
