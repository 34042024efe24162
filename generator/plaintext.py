"""The plain-text rendering of a converted text: readable, no markup, every link as a URL.

Written for the small, clean HTML our Markdown conversion and sanitiser produce (paragraphs,
headings, lists, quotes, links, images, tables), not for arbitrary web pages. The email's text
part reads its email markup; the site's calendars and structured data read the conversion's
HTML of an event's description (links in it are absolute, in-page anchors are left out).
"""

from __future__ import annotations

import re
import sys
from html import escape
from html.parser import HTMLParser

WIDTH = 76
_SPACES = re.compile(r"[\t\n\x0b\x0c\r ]+")
_IRREGULAR = ("  ", "\n", "\t", "\r", "\x0b", "\x0c")  # what _SPACES would change
_FOLDED = re.compile(r"[ \t\r\n]+")


def fill(text: str, width: int = WIDTH, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Greedy word wrap, as ``textwrap.fill(..., break_long_words=False, break_on_hyphens=False)``
    for single-spaced text, at a tenth of its cost: a word longer than the line keeps its own
    line (a URL must never be split). Each line is cut at the last space that fits (a search in
    C), not built word by word: the text part of an email is a thousand words."""
    if any(irregular in text for irregular in _IRREGULAR):  # rare: the caller has folded its spaces
        text = _SPACES.sub(" ", text)
    text = text.strip(" ")
    lines: list[str] = []
    indent, room = initial_indent, max(0, width - len(initial_indent))  # < 0 would count from the end
    start, end = 0, len(text)
    while end - start > room:
        cut = text.rfind(" ", start, start + room + 1)  # the line text[start:cut] fits
        if cut < 0:  # its first word alone is longer: it takes a line of its own
            cut = text.find(" ", start)
            if cut < 0:
                break
        lines.append(indent + text[start:cut])
        start = cut + 1
        indent, room = subsequent_indent, max(0, width - len(subsequent_indent))
    if start < end:
        lines.append(indent + text[start:])
    return "\n".join(lines)


_BREAK = "\x00"  # a <br> inside a paragraph, kept through whitespace folding
_BLOCKS = {"p", "div", "blockquote", "pre", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}


def table_text(rows: list[list[str]], header: bool) -> str:
    """A data table as text: aligned columns where they fit the line, else one block per row
    with each value under its column's heading."""
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(columns)]
    if sum(widths) + 3 * (columns - 1) <= WIDTH:
        lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        if header and len(lines) > 1:
            lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(lines)
    heads, body = (rows[0], rows[1:]) if header and len(rows) > 1 else ([""] * columns, rows)
    blocks = []
    for row in body:
        lines = [
            fill(f"{head}: {cell}" if head else cell, WIDTH, "", "  ")
            for head, cell in zip(heads, row, strict=True)
            if cell
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class _TextWriter(HTMLParser):
    def __init__(self, width: int, marked_headings: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.width = width
        self.marked_headings = marked_headings
        self.blocks: list[tuple[str, bool]] = []  # (text, follows the previous item of its list)
        self.list_started = False
        self.line: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [counter] (0 for bullets)
        self.links: list[str | None] = []
        self.link_text: list[str] = []
        self.quote = 0
        self.heading: str | None = None
        self.pre = False
        self.prefix = ""
        self.tables: list[list[list[str]] | None] = []  # per open table: its rows, None for a layout table
        self.table_header = False
        self.cell: list[str] | None = None

    def flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        if not self.pre:
            lines = [_FOLDED.sub(" ", part).strip() for part in text.split(_BREAK)]
            text = "\n".join(line for line in lines if line)
        if not text.strip():
            return
        continues = bool(self.prefix) and not self.list_started
        self.list_started = False
        if self.heading and not self.marked_headings:
            pass  # its text alone
        elif self.heading in ("h1", "h2"):
            text = f"{text}\n{('=' if self.heading == 'h1' else '-') * min(len(text), WIDTH)}"
        elif self.heading:
            text = text.upper()
        elif not self.pre:
            indent = "  " * max(0, len(self.lists) - 1)
            first, rest = indent + self.prefix, indent + " " * len(self.prefix)
            wrapped = []
            for number, line in enumerate(text.split("\n")):
                wrapped.append(fill(line, self.width, first if number == 0 else rest, rest))
            text = "\n".join(wrapped)
        if self.quote:
            text = "\n".join("> " * self.quote + line for line in text.split("\n"))
        self.prefix = ""
        self.blocks.append((text, continues))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rows = self.tables[-1] if self.tables else None
        if tag == "table":
            self.flush()
            self.tables.append(None if values.get("role") == "presentation" else [])
            self.table_header = False
            return
        if rows is not None and tag in ("tr", "td", "th"):
            if tag == "tr":
                rows.append([])
            else:
                self.table_header = self.table_header or (tag == "th" and len(rows) == 1)
                self.cell = []
            return
        if tag == "br":
            self._write("\n" if self.pre else _BREAK)
            return
        if tag in _BLOCKS or tag == "li":
            self.flush()
        if tag in ("ul", "ol"):
            self.list_started = self.list_started or not self.lists  # a new list: blank line before
            self.lists.append([1 if tag == "ol" else 0])
        elif tag == "li":
            counter = self.lists[-1] if self.lists else [0]
            self.prefix = f"{counter[0]}. " if counter[0] else "- "
            if counter[0]:
                counter[0] += 1
        elif tag == "blockquote":
            self.quote += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = tag
        elif tag == "pre":
            self.pre = True
        elif tag == "hr":
            self.blocks.append(("-" * 20, False))
        elif tag == "a":
            self.links.append(values.get("href"))
            self.link_text.append("")
        elif tag == "img":
            alt = (values.get("alt") or "").strip()
            self._write(f"[Bild: {alt}]" if alt else "[Bild]")

    def handle_endtag(self, tag: str) -> None:
        rows = self.tables[-1] if self.tables else None
        if tag == "table" and self.tables:
            self.tables.pop()
            if rows:
                self.blocks.append((table_text(rows, self.table_header), False))
            else:
                self.flush()
            return
        if rows is not None and tag in ("td", "th", "tr"):
            if tag != "tr" and self.cell is not None and rows:
                rows[-1].append(re.sub(r"[ \t\r\n\x00]+", " ", "".join(self.cell)).strip())
                self.cell = None
            return
        if tag == "a" and self.links:
            href, text = self.links.pop(), self.link_text.pop()
            if href and not href.startswith("#"):
                # a mail link's address without ?subject=...: what a reader can type
                target = href[7:].split("?", 1)[0] if href.startswith("mailto:") else href
                if target.strip() != text.strip():
                    self._write(f" ({target})")
            return
        if tag in _BLOCKS or tag == "li":
            self.flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading = None
        elif tag == "pre":
            self.pre = False

    def _write(self, text: str) -> None:
        (self.cell if self.cell is not None else self.line).append(text)

    def handle_data(self, data: str) -> None:
        self._write(data)
        if self.link_text:
            self.link_text[-1] += data

    def text(self) -> str:
        self.close()
        self.flush()
        out = ""
        for index, (text, continues) in enumerate(self.blocks):
            if index:
                out += "\n" if continues else "\n\n"
            out += text
        return out


_TAG = r"""<(?:[^>"']|"[^"]*"|'[^']*')*>"""
_BEFORE_TEXT = re.compile(rf"(?:\s*{_TAG})*\s*")  # the tags before a fragment's first character of text
_AFTER_TEXT = re.compile(rf"(?:\s*{_TAG})*\s*\Z")  # and after its last


def quoted_text(fragment: str, opening: str, closing: str, width: int = WIDTH) -> str:
    """``fragment`` as text with ``opening`` before its first word and ``closing`` after its last,
    wrapped with them: a quotation's paragraphs, lists and line breaks stay apart (as the HTML
    part shows them) where wrapping "„" + html_to_text(...) + "“" as one paragraph ran them into
    one."""
    start = _BEFORE_TEXT.match(fragment).end()  # type: ignore[union-attr]  # it matches "" at least
    end = max(start, _AFTER_TEXT.search(fragment, start).start())  # type: ignore[union-attr]
    marked = f"{fragment[:start]}{escape(opening)}{fragment[start:end]}{escape(closing)}{fragment[end:]}"
    return html_to_text(marked, width)


def html_to_text(fragment: str, width: int | None = WIDTH, *, marked_headings: bool = True) -> str:
    """``fragment`` as text, its paragraphs wrapped at ``width`` characters (None: a paragraph is
    one line, for a reader that wraps itself: a calendar app, a search engine). Headings are
    underlined or in capitals where ``marked_headings`` (the email's text part), else their
    text alone."""
    writer = _TextWriter(sys.maxsize if width is None else width, marked_headings)
    writer.feed(fragment)
    return writer.text()
