"""The plain-text rendering of an email's HTML body: readable, no markup, every link as a URL.

Written for the small, clean HTML our Markdown conversion and sanitiser produce (paragraphs,
headings, lists, quotes, links, images, tables), not for arbitrary web pages.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

WIDTH = 76
_SPACES = re.compile(r"[\t\n\x0b\x0c\r ]+")


def fill(text: str, width: int = WIDTH, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """Greedy word wrap, as ``textwrap.fill(..., break_long_words=False, break_on_hyphens=False)``
    for single-spaced text, at less than half its cost: a word longer than the line keeps its own line
    (a URL must never be split)."""
    lines: list[str] = []
    words: list[str] = []
    indent, room = initial_indent, width - len(initial_indent)
    length = 0
    for word in _SPACES.split(text):
        if not word:
            continue
        if words and length + 1 + len(word) > room:
            lines.append(indent + " ".join(words))
            indent, room = subsequent_indent, width - len(subsequent_indent)
            words, length = [word], len(word)
        else:
            length += len(word) + (1 if words else 0)
            words.append(word)
    if words:
        lines.append(indent + " ".join(words))
    return "\n".join(lines)
_BREAK = "\x00"  # a <br> inside a paragraph, kept through whitespace folding
_BLOCKS = {"p", "div", "blockquote", "pre", "table", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
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

    def flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        if not self.pre:
            lines = [re.sub(r"[ \t\r\n]+", " ", part).strip() for part in text.split(_BREAK)]
            text = "\n".join(line for line in lines if line)
        if not text.strip():
            return
        continues = bool(self.prefix) and not self.list_started
        self.list_started = False
        if self.heading in ("h1", "h2"):
            text = f"{text}\n{('=' if self.heading == 'h1' else '-') * min(len(text), WIDTH)}"
        elif self.heading:
            text = text.upper()
        elif not self.pre:
            indent = "  " * max(0, len(self.lists) - 1)
            first, rest = indent + self.prefix, indent + " " * len(self.prefix)
            wrapped = []
            for number, line in enumerate(text.split("\n")):
                wrapped.append(fill(line, WIDTH, first if number == 0 else rest, rest))
            text = "\n".join(wrapped)
        if self.quote:
            text = "\n".join("> " * self.quote + line for line in text.split("\n"))
        self.prefix = ""
        self.blocks.append((text, continues))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "br":
            self.line.append("\n" if self.pre else _BREAK)
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
            self.line.append(f"[Bild: {alt}]" if alt else "[Bild]")
        elif tag in ("td", "th") and self.line:
            self.line.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, text = self.links.pop(), self.link_text.pop()
            if href and not href.startswith("#"):
                target = href[7:] if href.startswith("mailto:") else href
                if target.strip() != text.strip():
                    self.line.append(f" ({target})")
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

    def handle_data(self, data: str) -> None:
        self.line.append(data)
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


def html_to_text(fragment: str) -> str:
    writer = _TextWriter()
    writer.feed(fragment)
    return writer.text()
