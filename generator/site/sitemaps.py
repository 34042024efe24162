"""Sitemaps of the folders that hold the feed and the calendar.

Every page announces the Atom feed and the iCalendar file with ``<link rel="alternate">``.
Material's script reads each such link as another language version of the site and asks for
``sitemap.xml`` beside it (``newsletter/sitemap.xml``, ``termine/sitemap.xml``). A real
sitemap there (sitemaps.org allows one per folder, listing that folder's pages) answers that
request instead of a 404 on every page.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from xml.etree import ElementTree as ET

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_FILE = "sitemap.xml"


def folder_sitemaps(announced: Iterable[str], page_urls: Iterable[str]) -> dict[str, list[str]]:
    """For each folder of an announced file ("newsletter/feed.xml" -> "newsletter/"), other than
    the site's root (MkDocs writes that sitemap), the site-relative page URLs inside it, sorted."""
    pages = sorted(set(page_urls))
    folders = {posixpath.dirname(path) + "/" for path in announced if posixpath.dirname(path)}
    return {folder: [url for url in pages if url.startswith(folder)] for folder in sorted(folders)}


def sitemap_xml(absolute_urls: Iterable[str]) -> bytes:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for url in absolute_urls:
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = url
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
