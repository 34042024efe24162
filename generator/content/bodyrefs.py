"""Images in Markdown bodies: alt text, and the files they show, checked with the body's line.

The site gives every JPEG, PNG or GIF a page shows a web-sized copy, so each one must be a whole,
readable image (``check`` decodes it) inside ``content/``. Found here: inline images
``![alt](../media/foto.jpg)``, reference images ``![alt][ref]`` with their ``[ref]: path``, and
raw ``<img src="...">``. Paths are relative to the Markdown file, as in MkDocs. Other kinds of
files (SVG, say) and web addresses are MkDocs' business, as before; so are code blocks and spans.

Raw HTML reaches the site as written, so it is checked too (``check_raw_html``): nothing that
runs script (``<script>``, ``on...=`` handlers, ``javascript:`` addresses), no embedded pages
or plugins (``<iframe>``, ``<object>``, ``<embed>``), nothing loaded from other hosts
(``src``, ``srcset``, ``poster``, ``<link href>``, ``url(...)`` in styles), nothing of the
page's head (``<meta>``, ``<base>``), and nothing left open that would take the rest of the page
with it (a comment, ``<textarea>``, ``<style>``, ``<title>``: the events page shows every
event's description, so one description could empty it).
"""

from __future__ import annotations

import bisect
import difflib
import html
import posixpath
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from markdown import Markdown
from markdown.inlinepatterns import LINK_RE, LinkInlineProcessor

from generator.content.fields import Context
from generator.content.images import (
    IMAGE_SUFFIXES,
    ImageChecker,
    ImageProblem,
    closest_file,
    content_files,
    is_file,
)
from generator.content.model import Image
from generator.content.yamlnodes import list_items
from generator.htmltags import (
    END_TAG,
    RAW_TEXT,
    START_TAG,
    browser_address,
    end_tag,
    is_address,
    raw_attributes,
    real_comments,
    real_end_tags,
    real_tags,
    srcset,
    unended_tag,
    without_comments,
)
from generator.htmltags import attributes as tag_attributes
from generator.i18n import N_, _
from generator.linkcheck import site_path, site_relative, text_addresses
from generator.routes import CALENDAR_ID, MARKDOWN_SUFFIXES, Routes, calendar_event, is_page_address

_ALT = re.compile(r"!\[([^\]]*)\]\(")
_HTML_A = re.compile(r"""<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_HTML_IMG = re.compile(r"""<img\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_IMG_START = re.compile(r"<img\b", re.IGNORECASE)
_EMPTY_LINK = re.compile(r"(?<![!\\])\[\s*\]\(\s*<?([^\s)>]*)")  # [](seite.md): a link nobody sees or can click
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`).*?(?<!`)\1(?!`)")  # not from an escaped backtick
_CODE_SPANS = re.compile(_CODE_SPAN.pattern, re.DOTALL)  # over the lines of a paragraph
_INDENTED = re.compile(r"(?: {4}| {0,3}\t)")  # four columns: code, or a list item's or a box's content
_FENCE = re.compile(r"(`{3,}|~{3,})")  # at the line's start, as Python-Markdown's fenced_code reads it


@dataclass(frozen=True, slots=True)
class BodyImage:
    src: str  # as written, relative to the Markdown file
    line: int


def body_lines(body: str, first_line: int) -> list[tuple[int, str]]:
    """The body's lines with their file line numbers, without code blocks and code spans: what
    Python-Markdown surely shows as code. A fence is code only with its closing fence (the same
    characters, as many; Python-Markdown shows a fence left open as text), a code span may run
    over the lines of its paragraph, and inside a block of raw HTML backticks are no code span
    (Python-Markdown leaves that block as it is). Where it is unsure, the line stays."""
    return [(number, line) for number, line, _ in _lines(body, first_line)]


def shown_lines(body: str, first_line: int) -> list[tuple[int, str]]:
    """body_lines() without HTML comments either: the lines whose links and images the page
    shows (an editor's note ``<!-- <img src="..."> -->`` shows nothing, so nothing in it is checked)."""
    return [(number, line) for number, line, _raw in _shown(body, first_line)]


def _lines(body: str, first_line: int) -> list[tuple[int, str, bool]]:
    """body_lines(), each line with whether it is inside a block of raw HTML."""
    raw = body.split("\n")
    code = _fenced(raw)
    lines: list[tuple[int, str, bool]] = []
    paragraph: list[tuple[int, str]] = []  # lines of Markdown up to a blank line: a code span's reach

    def end_paragraph() -> None:
        if paragraph:
            # a code span's text is none of the checks' business, but it is text: a link whose
            # text is code has text (its place kept, its line breaks too)
            joined = "\n".join(t for _, t in paragraph)
            text = _CODE_SPANS.sub(lambda span: _NOT_LINE_BREAK.sub(_CODE, span.group()), joined)
            lines.extend((number, line, False) for (number, _), line in zip(paragraph, text.split("\n"), strict=True))
            paragraph.clear()

    html_block = _HtmlBlock()
    indented_code = _IndentedCode()
    for index, (number, line) in enumerate(enumerate(raw, start=first_line)):
        if index in code:
            end_paragraph()
            continue
        in_html = html_block.feed(line)
        if not in_html and indented_code.feed(line):
            end_paragraph()
            continue
        if in_html or not line.strip():
            end_paragraph()
            lines.append((number, line, in_html))
        else:
            paragraph.append((number, line))
    end_paragraph()
    return lines


class _IndentedCode:
    """Whether a line is surely in an indented code block: indented by four columns where a block
    begins (after a blank line, or first), outside every list item, box (``!!!``, ``???``), tab
    (``===``), footnote and definition, whose content is indented the same (such a line stays:
    unsure, see check_raw_html). The block goes on, blank lines and all, to a line indented less."""

    def __init__(self) -> None:
        self.after_blank = True
        self.container = False  # a list item or a box is open: indented lines are its content
        self.code = False
        # Python-Markdown's block (after a blank line or a heading) began in the container: a quote
        # in it is the container's; else its quote processor, which runs before the reference
        # one, takes the text before the quote (a list begun after a definition too) and ends it
        self.block_start = True
        self.container_first = False

    def feed(self, line: str) -> bool:
        if not line.strip():
            self.after_blank = self.block_start = True
            return self.code
        columns = len(line.expandtabs(4)) - len(line.lstrip(" \t").expandtabs(4))
        code_from = 8 if self.container else 4  # in a list item or a box, code is indented once more
        after_blank, self.after_blank = self.after_blank, False
        block_start, self.block_start = self.block_start, False
        if columns >= code_from and (self.code or after_blank):
            self.code = True
            return True
        self.code = False
        inner = _QUOTE_MARKS.sub("", line, 1)
        if block_start:
            self.container_first = (self.container and columns >= 4) or _CONTAINER.match(inner) is not None
        elif inner != line and not self.container_first:
            self.container = False
        if columns >= 4:
            return False  # a list item's or a box's content, or a paragraph's line: unsure
        if _CONTAINER.match(inner):
            self.container = True
            # a box's first line of content begins a block: indented once more, it is code
            self.after_blank = _BOX.match(inner) is not None
            return False
        if after_blank:
            self.container = False
        # what follows a heading or a reference definition begins a block, as after a blank line
        self.block_start = _HEADING.match(inner) is not None
        self.after_blank = self.block_start or _DEFINITION_RE.fullmatch(inner) is not None
        return False


# what opens content indented by four columns: a list item, a box or tab (admonition, details,
# pymdownx tabbed), a footnote, a definition (def_list)
_CONTAINER = re.compile(r" {0,3}(?:[-*+][ \t]|\d{1,9}[.)][ \t]|!!!|\?\?\?|===|\[\^[^\]]+\]:|:[ \t])")


_NOT_LINE_BREAK = re.compile(r"[^\n]")
_CODE = "\x01"  # what stands for a code span's characters: no bracket, tag, quote or blank


def _fenced(lines: list[str]) -> set[int]:
    """The indices of the lines of each closed fenced code block, its fences included. A block
    closes at the next line that is its opening fence alone; those lines are looked up, not
    searched for from each opening (thousands of fences never closed took minutes)."""
    closings: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        if line.startswith(("`", "~")) and _FENCE.fullmatch(bare := line.rstrip()):
            closings.setdefault(bare, []).append(index)
    code: set[int] = set()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is not None:
            candidates = closings.get(opening.group(1), [])
            found = bisect.bisect_right(candidates, index)
            if found < len(candidates):
                close = candidates[found]
                code.update(range(index, close + 1))
                index = close + 1
                continue
        index += 1
    return code


class _HtmlBlock:
    """Whether a line is inside a block of raw HTML: from a line that begins with the opening
    tag of a block element to the line that closes it (one left open: to the end). The lines
    inside a block marked ``markdown="1"`` (md_in_html) are Markdown, its tag lines HTML."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.depth = 0
        self.markdown = False

    def feed(self, line: str) -> bool:
        tag_line = self.name is None
        if self.name is None:
            start = _BLOCK_START.match(line)
            if start is None or start.group(1).lower() not in _BLOCK_ELEMENTS:
                return False
            self.name, self.depth = start.group(1).lower(), 0
            self.markdown = _MARKDOWN_INSIDE.search(line) is not None
        opened = len(re.findall(rf"<{self.name}\b", line, re.IGNORECASE))
        closed = len(re.findall(rf"</{self.name}\s*>", line, re.IGNORECASE))
        self.depth += opened - closed
        if self.depth <= 0:
            self.name = None
            tag_line = True
        return tag_line or not self.markdown


_BLOCK_START = re.compile(r" {0,3}<([A-Za-z][A-Za-z0-9]*)")
_MARKDOWN_INSIDE = re.compile(r"""\bmarkdown\s*=\s*["']?(?:1|block|span)\b""", re.IGNORECASE)
_QUOTE_MARKS = re.compile(r"^(?: {0,3}>[ ]?)+")  # a blockquote's "> " before the line's own text
# Python-Markdown's block-level elements (markdown.Markdown.block_level_elements)
_BLOCK_ELEMENTS = frozenset({
    "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
    "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol",
    "p", "pre", "section", "table", "ul", "canvas", "colgroup", "dd", "body", "dt", "group", "html", "iframe", "li",
    "legend", "math", "map", "noscript", "output", "object", "option", "progress", "script", "style", "summary",
    "tbody", "td", "textarea", "tfoot", "th", "thead", "tr", "video", "center",
})  # fmt: skip


def may_show_images(body: str) -> bool:
    """False for the most bodies, which have no image at all: a substring test, no line scan."""
    return "![" in body or ("<" in body and _IMG_START.search(body) is not None)


Lines = list[tuple[int, str, bool]]  # (file line, text, inside a block of raw HTML)


def _shown(body: str, first_line: int) -> Lines:
    """shown_lines(), each line with whether it is inside a block of raw HTML."""
    return _uncommented(_lines(body, first_line))


def _uncommented(marked: Lines) -> Lines:
    """_lines()' lines without HTML comments (the same lines, a comment's text blanked)."""
    text = "\n".join(line for _, line, _ in marked)
    if "<!--" not in text:
        return marked
    text = without_comments(text, line_breaks=True)  # one left open is the raw HTML check's to report
    return [(number, line, raw) for (number, _, raw), line in zip(marked, text.split("\n"), strict=True)]


def find_images(body: str, first_line: int) -> list[BodyImage]:
    """Every image the body shows, by the line its address is on (a reference image: its definition's)."""
    return _references(_shown(body, first_line))[1]


def find_links(body: str, first_line: int) -> list[BodyImage]:
    """Every link the body has (not images), by the line its address is on: inline, reference
    and raw ``<a href>``."""
    if "](" not in body and "][" not in body and "]:" not in body and "<a" not in body.lower():
        return []
    return _references(_shown(body, first_line))[0]


class _LinkReader(LinkInlineProcessor):
    """Python-Markdown's reading of a link's text and of what its parentheses hold, outside a
    conversion: the same nested brackets, parentheses, spaces, titles and ``<...>``."""

    def __init__(self) -> None:
        md = Markdown()
        super().__init__(LINK_RE, md)
        self.escapable = frozenset(md.ESCAPED_CHARS)

    def unescape(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: chr(int(m[1])), text)

    def escaped(self, text: str) -> str:
        """``text`` with backslash escapes as the conversion holds them when it reads links: a
        placeholder each (so an escaped ``)`` or ``]`` ends nothing), given back by unescape.
        Line breaks stay where they are."""
        return _ESCAPE.sub(lambda m: f"\x02{ord(m[1])}\x03" if m[1] in self.escapable else m[0], text)


_ESCAPE = re.compile(r"\\(.)")
_PLACEHOLDER = re.compile("\x02([0-9]+)\x03")
# Python-Markdown's reference definition (markdown.blockprocessors.ReferenceProcessor.RE): a
# target with a space or in <...> with one is no definition, and the text stays as it is written
_DEFINITION_RE = re.compile(
    r'^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$', re.MULTILINE
)
_REFERENCE_ID = re.compile(r"\s?\[([^\]]*)\]", re.DOTALL)  # ReferenceInlineProcessor.RE_LINK: [text][id]


@cache
def _link_reader() -> _LinkReader:
    return _LinkReader()


def _blocks(lines: Lines) -> list[list[tuple[int, str]]]:
    """The runs of Markdown lines between blank lines and blocks of raw HTML: Python-Markdown reads
    a link's text and address within such a run, over its line breaks (a paragraph wrapped at 80
    characters wraps links too). A list item (after a blank line, or in a list), a heading, a
    box's title and the start or end of a quote begin a run of their own; each line is taken as
    Python-Markdown reads it inside its containers (see _marks_off)."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    quoted, in_list, after_blank = 0, False, True
    # Python-Markdown's block (after a blank line or a heading) began in a list: a quote in it is
    # the list's; else its quote processor, before the reference one, takes the block's text
    # before the quote (a list that began after a definition too) and the quote ends that list
    block_start, list_first = True, False

    def close() -> None:
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    for number, line, raw in lines:
        if raw or not line.strip():
            close()
            after_blank = block_start = True
            continue
        text, item, quotes = _marks_off(line, items=after_blank or in_list or not current, content=in_list)
        if in_list and current and not (after_blank or item or quotes or quoted):
            text = line  # a tight item's next line: its list processor keeps the line's indent
        if block_start:
            list_first = item or (in_list and _INDENTED.match(line) is not None)
        if not quotes and quoted and not after_blank:
            quotes = quoted  # a line without ">" right after a quote goes on in the quote (lazily)
        elif quotes and not quoted and not list_first:
            in_list = False
        if item:
            in_list = True
        elif after_blank and _INDENTED.match(line) is None:
            in_list = False  # a paragraph after the list
        after_blank = False
        # a heading and a reference definition split the block they are in: what follows is a
        # block of its own (a list may begin there)
        block_start = _HEADING.match(text) is not None
        alone = block_start or _DEFINITION_RE.fullmatch(text) is not None
        title = _BOX.match(text) is not None  # a box's title is no Markdown
        if item or alone or title or quotes != quoted:
            close()
        quoted = quotes
        if not title:
            current.append((number, text))
        if alone:
            close()
    close()
    return blocks


def _marks_off(line: str, *, items: bool, content: bool) -> tuple[str, bool, int]:
    """The text of a line as Python-Markdown reads it inside its containers: without the marks
    of quotes (``>``) and, where a list item may begin (``items``), of list items (``-``,
    ``1.``), however nested, and in a list (``content``) without the four columns of an item's
    content; with whether a list item begins on it and how many quotes it is in."""
    item, quotes = False, 0
    if content:
        line = _INDENT_OFF.sub("", line, 1)
    while True:
        if (mark := _QUOTE_MARKS.match(line)) is not None and mark.group():
            quotes += mark.group().count(">")
        elif items and (mark := _LIST_ITEM.match(line)) is not None:
            item = True
        else:
            return line if not item else line.lstrip(" \t"), item, quotes
        line = line[mark.end() :]


_INDENT_OFF = re.compile(r"^(?: {1,4}|\t)")


_LIST_ITEM = re.compile(r" {0,3}(?:[-*+][ \t]|\d{1,9}\.[ \t])")
_BOX = re.compile(r" {0,3}(?:!!!|\?\?\?\+?|===[+!]?)[ \t]")
# markdown.blockprocessors.HashHeaderProcessor.RE on one line: no blank needed after the "#", and
# a line ending in a lone backslash is none
_HEADING = re.compile(r"#{1,6}(?:\\.|[^\\])*?#*$")


def _references(lines: Lines) -> tuple[list[BodyImage], list[BodyImage]]:
    """The targets of the body's links and of its images, read in one pass: inline and
    reference-style ones (with the ``[label]: target`` definitions of the body) and raw HTML
    attributes, each by the line its address is written on (a reference: its definition's), as
    Python-Markdown reads them. In a block of raw HTML only the HTML counts: Markdown there is
    text (unless ``markdown="1"``)."""
    reader = _link_reader()
    blocks = [(block, "\n".join(text for _, text in block)) for block in _blocks(lines)]
    # the definitions are read before the escapes (by a block processor): a target keeps its "\\"
    definitions: dict[str, tuple[str, int]] = {}  # label: (target, the line the target is written on)
    parts: list[tuple[list[int], int, str]] = []  # (file lines, its first line's index, text): what is read
    for block, text in blocks:
        numbers, last, first = [number for number, _ in block], 0, 0
        for m in _DEFINITION_RE.finditer(text):
            if not m[1].startswith("^"):  # [^1]: is a footnote's
                at = first + text.count("\n", last, m.start(2))
                definitions[m[1].strip().lower()] = (m[2].lstrip("<").rstrip(">"), numbers[at])  # the last counts
                # the text before a definition and after it are blocks of their own
                parts.append((numbers, first, text[last : m.start()]))
                first, last = first + text.count("\n", last, m.end()), m.end()
        parts.append((numbers, first, text[last:]))
    links: list[tuple[int, int, str]] = []  # (line, offset, target)
    images: list[tuple[int, int, str]] = []
    for numbers, first, part in parts:
        text = reader.escaped(part)  # the offsets move, not the line breaks
        for offset, target, is_image, defined_at in _inline_references(text, definitions, reader):
            # a reference: where its target is written, where it is to be mended
            written_on = defined_at or numbers[first + text.count("\n", 0, offset)]
            (images if is_image else links).append((written_on, offset, target))
    # raw HTML's <a href> and <img src>, a tag over several lines too
    whole = "\n".join(line for _, line, _raw in lines)
    starts = [0]
    for _number, line, _raw in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    for pattern, into in ((_HTML_A, links), (_HTML_IMG, images)):
        for m in pattern.finditer(whole):
            value = next(index for index in (1, 2, 3) if m.group(index) is not None)
            at = bisect.bisect_right(starts, m.start(value)) - 1
            into.append((lines[at][0], m.start(value) - starts[at], html.unescape(m.group(value))))

    def in_order(found: list[tuple[int, int, str]]) -> list[BodyImage]:
        return [BodyImage(target, number) for number, _offset, target in sorted(found, key=lambda f: (f[0], f[1]))]

    return in_order(links), in_order(images)


# Python-Markdown's inline patterns that make links and images, in the order it applies them
# (markdown.inlinepatterns.build_inlinepatterns): (makes an image, reads [text](address), reads
# [text][label], reads [label]). Each pattern reads the whole text of a block; what one makes is
# taken out of the text for the next, and a link's own text is read by the patterns after it only.
_PASSES = (
    (False, False, True, False),  # reference: [text][label]
    (False, True, False, False),  # link: [text](address)
    (True, True, False, False),  # image_link: ![alt](address)
    (True, False, True, False),  # image_reference: ![alt][label]
    (False, False, False, True),  # short_reference: [label]
    (True, False, False, True),  # short_image_ref: ![label]
)
_LINK_OPENING = re.compile(r"(?<!!)\[")  # markdown.inlinepatterns.NOIMG + "\["
_IMAGE_OPENING = re.compile(r"!\[")
_MASK = "\x01"  # what is taken out of a text: no bracket, parenthesis, quote or blank


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with ``spans`` (in order, apart) taken out, of the same length."""
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        pieces += (text[last:start], _MASK * (end - start))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _closing_brackets(text: str) -> dict[int, int]:
    """Where the "]" is that closes each "[" of ``text``, nested ones counted (as getText of
    Python-Markdown's link patterns reads a link's text): found in one pass, where asking getText
    for each "[" read to the end of the text for each one left open (a paragraph of thousands of
    "[" took seconds, six times over)."""
    closing: dict[int, int] = {}
    open_at: list[int] = []
    for bracket in _BRACKET.finditer(text):
        if bracket.group() == "[":
            open_at.append(bracket.start())
        elif open_at:
            closing[open_at.pop()] = bracket.start()
    return closing


_BRACKET = re.compile(r"[\[\]]")


def _inline_references(
    text: str, definitions: dict[str, tuple[str, int]], reader: _LinkReader, first: int = 0, shift: int = 0
) -> list[tuple[int, str, bool, int | None]]:
    """(where it is in the text, the address, whether an image, the file line of its definition
    for a reference) of each link and image that Python-Markdown's patterns from ``first`` on
    make of ``text``, as it applies them (``shift``: where ``text`` begins in the block)."""
    found: list[tuple[int, str, bool, int | None]] = []
    for index_of_pass in range(first, len(_PASSES)):
        image, inline, full, _short = _PASSES[index_of_pass]
        made: list[tuple[int, int]] = []  # taken out of the text after this pass (it reads on to the right)
        closing = _closing_brackets(text)
        position = 0
        while (opening := (_IMAGE_OPENING if image else _LINK_OPENING).search(text, position)) is not None:
            position, defined_at = opening.end(), None
            if (close := closing.get(opening.end() - 1)) is None:
                continue
            label, index = text[opening.end() : close], close + 1  # as reader.getText reads it
            if inline:
                href, _title, end, handled = reader.getLink(text, index)
                if not handled:
                    continue
                written = index + 1 + len(text[index + 1 : end]) - len(text[index + 1 : end].lstrip())
            else:
                if full:
                    if (reference := _REFERENCE_ID.match(text, index)) is None:
                        continue
                    key, end = reference[1].lower() or label.lower(), reference.end()
                else:
                    key, end = label.lower(), index
                definition = definitions.get(re.sub(r"\s+", " ", key))
                if definition is None:  # read as text: the pattern goes on after it, the next ones see it again
                    position = end
                    continue
                (href, defined_at), written = definition, opening.start()
            if href:
                found.append((shift + written, href, image, defined_at))
            if not image:  # the link's text, by the patterns after this one
                found += _inline_references(
                    text[opening.end() : index - 1], definitions, reader, index_of_pass + 1, shift + opening.end()
                )
            # A title left open in a link with nested parentheses ends at -1 (getLink's last
            # bracket, never found): the conversion goes on with text[end:], its last character
            if end < 0:
                end += len(text)
            end = max(end, opening.end())  # never back to an opening read already
            made.append((opening.start(), end))
            position = end
        if made:
            text = _masked(text, made)
    return found



def _published(_relative: str) -> str | None:
    return None


@dataclass(frozen=True)
class LinkTargets:
    """What the links of a text may lead to. ``pages``: the content paths of the Markdown pages
    the site has; ``drafts``: those that are drafts (not published); ``files``: the files the
    build makes that a text may link to (the calendars, the feed); ``unpublished_files``: those
    it makes only once a draft is published (the calendar of an event only drafts show);
    ``unpublished``: why the site leaves a file of content/ out, None if it publishes it
    (content.loader.unpublished); ``routes`` and ``page_urls``: the site's addresses and those
    of its pages (site-relative), where site_url is known, for links written as addresses of
    the site (``/kontakt/``, ``https://.../kontakt/``)."""

    content: Path
    pages: Collection[str]
    drafts: Collection[str] = ()
    files: Collection[str] = ()
    unpublished_files: Collection[str] = ()
    unpublished: Callable[[str], str | None] = _published
    routes: Routes | None = None
    page_urls: Collection[str] = ()
    docs_dir: str = "content"  # as the messages name the content folder

    def has_page_at(self, path: str) -> bool:
        """Whether a page lies at ``path`` (site-relative, unquoted, dot segments resolved: see
        site_path; "" is the start page), written with or without its closing slash or
        index.html."""
        folder = path.removesuffix("index.html") if path == "index.html" or path.endswith("/index.html") else None
        wanted = (path, f"{path}/", f"{path}index.html", *((folder,) if folder is not None else ()))
        return any(address in self.page_urls for address in wanted)


# What MkDocs and Material write beside the pages (an editor may link the sitemap)
MKDOCS_FILES = frozenset({"404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json"})


def check_links(
    ctx: Context, body: str, first_line: int, folder: str, targets: LinkTargets, field: str = "body",
    own: str | None = None, *, written_out: bool = False,
) -> None:  # fmt: skip
    """Every link in the body to a page or file of the project leads to one that is published
    (``folder``: where the text's file is, below content/; ``own``: its content path).
    ``written_out``: the text is shown in an email, whose text part shows every address written
    out in it (an autolink, an address in a sentence), and the build checks those too."""
    links = list(dict.fromkeys(find_links(body, first_line)))
    if written_out and targets.routes is not None and "://" in body:
        _check_written_out(ctx, body, first_line, folder, targets, field, own, links)
    # each address once per line: a reference used three times is one address, on its definition's line
    for written in links:
        # the address as the browser reads the attribute: "&amp;" is "&", "&#115;" an "s"
        link = BodyImage(html.unescape(written.src), written.line)
        if not link.src or link.src.startswith("#"):
            continue
        if (parts := _split(link.src)) is not None and parts.scheme.lower() in _SCRIPT_SCHEMES:
            continue  # check_body reports it
        if link.src.startswith("//"):
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: an address without https: at its start leads nowhere in an email; "
                "write https:%(src)s",
                field=field, src=link.src,
            ))  # fmt: skip
            continue
        if _DRIVE.match(link.src) or "\\" in link.src:
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: a path on a computer (with \\ or a drive letter) is no address of "
                "the site; put the file into %(docs_dir)s/ and link it with /, such as ../media/plan.pdf",
                field=field, src=link.src, docs_dir=targets.docs_dir,
            ))  # fmt: skip
            continue
        if parts is None or parts.scheme or parts.netloc or link.src.startswith("/"):
            if parts is not None and targets.routes is not None:
                check_site_address(ctx, link, folder, targets, field, own)
            continue
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        _check_target(ctx, link, target, folder, targets, field, own)


def _check_written_out(
    ctx: Context, body: str, first_line: int, folder: str, targets: LinkTargets, field: str, own: str | None,
    links: list[BodyImage],
) -> None:  # fmt: skip
    """The site's addresses written out in ``body`` (read as the build reads an email's text:
    linkcheck.text_addresses), but those its links and images are checked for already."""
    routes = targets.routes
    assert routes is not None
    known: set[str] | None = None
    for number, line in enumerate(body.split("\n"), start=first_line):
        # as the email's text shows it: "https&#58;//" is an address there, "&nbsp;" ends one
        shown = html.unescape(line) if "&" in line else line
        for address in dict.fromkeys(text_addresses(shown) if "://" in shown else ()):
            if site_relative(address, routes.site_url) is None:
                continue
            if known is None:  # only for a text that writes out an address of the site
                known = {html.unescape(found.src) for found in (*links, *find_images(body, first_line))}
            if address not in known:
                check_site_address(ctx, BodyImage(address, number), folder, targets, field, own)


_DRIVE = re.compile(r"[A-Za-z]:[\\/]")  # C:\Users\..., C:/Users/...: a path on a Windows computer


def _check_target(
    ctx: Context, link: BodyImage, target: str, folder: str, targets: LinkTargets, field: str, own: str | None
) -> None:
    """The content path ``target`` that ``link`` leads to is a published page or file."""
    docs = targets.docs_dir
    if target == ".." or target.startswith("../"):
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: leads outside %(docs_dir)s/; links count from the folder of this file "
            "(%(folder)s), link to pages and files of the project only",
            field=field, src=link.src, docs_dir=docs, folder=f"{docs}/{folder}/" if folder != "." else f"{docs}/",
        ))  # fmt: skip
    elif target in targets.files:
        return
    elif target.endswith(".md") and target in targets.drafts:
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: %(docs_dir)s/%(target)s is a draft, which is not published",
            field=field, src=link.src, target=target, docs_dir=docs,
        ))  # fmt: skip
    elif is_file(targets.content / target) and (why := targets.unpublished(target)) is not None:
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: %(docs_dir)s/%(target)s is not published: %(why)s",
            field=field, src=link.src, target=target, docs_dir=docs, why=why,
        ))  # fmt: skip
    elif target.endswith(".md"):
        if target not in targets.pages:
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: there is no page %(docs_dir)s/%(target)s%(suggest_page)s",
                field=field, src=link.src, target=target, docs_dir=docs,
                suggest_page=_suggest_page(target, set(targets.pages), folder, own),
            ))  # fmt: skip
    elif target in targets.unpublished_files:
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: the build makes %(target)s only once an issue that shows this "
            "event is published; only drafts show it",
            field=field, src=link.src, target=target,
        ))  # fmt: skip
    elif (event_id := calendar_event(target)) is not None and not is_file(targets.content / target):
        made = (*targets.files, *targets.unpublished_files)
        known = sorted({CALENDAR_ID, *(known_id for name in made if (known_id := calendar_event(name)) is not None)})
        close = difflib.get_close_matches(event_id, known, n=1, cutoff=0.75)
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: no event has the id %(id)s, so there is no calendar file of it%(suggest)s",
            field=field, src=link.src, id=event_id,
            suggest=_(' (did you mean "%(name)s"?)', name=f"{close[0]}.ics") if close else "",
        ))  # fmt: skip
    elif any(part.startswith(".") for part in target.split("/")) or not is_file(targets.content / target):
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: file not found: %(docs_dir)s/%(target)s%(suggest)s",
            field=field, src=link.src, target=target, docs_dir=docs,
            suggest=_suggest_file(targets.content, target, folder, targets.pages),
        ))  # fmt: skip


def check_site_address(
    ctx: Context, link: BodyImage, folder: str, targets: LinkTargets, field: str, own: str | None = None,
    *, address_field: bool = False,
) -> None:  # fmt: skip
    """A link written as an address of this site (``/kontakt/`` from the web server's root, or
    ``https://`` and site_url) leads to one of its pages or files: MkDocs leaves such a link as it
    is, so a slip in it is published. Addresses of the subscription service and of other sites
    on the same host (outside site_url's path) are not the site's. ``address_field``: the value
    of a field that takes a web address (an event's), where a page is suggested by its address."""
    routes = targets.routes
    assert routes is not None

    def page_address(page: str) -> str:
        return routes.absolute(routes.page(page))

    if any(link.src.startswith(other) for other in routes.served_elsewhere):
        return
    # by the build's rule for the emails' addresses (http or https, the host in any case, dot
    # segments resolved); one from the web server's root ("//host" is check_links' to report)
    relative = site_relative(urljoin(routes.site_url, link.src), routes.site_url)
    if relative is None:
        return
    path = site_path(relative)
    if path in MKDOCS_FILES:
        return
    if is_page_address(path):
        if targets.has_page_at(path):
            return
        stem = path.rstrip("/").removesuffix(".html").removesuffix("/index") or "index"
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: the site has no page at this address%(suggest)s",
            field=field, src=link.src,
            suggest=_suggest_page(
                f"{stem}.md", set(targets.pages), folder, own, page_address if address_field else None
            ),
        ))  # fmt: skip
    elif path.lower().endswith(MARKDOWN_SUFFIXES):
        # MkDocs publishes a Markdown file as a page at another address, never the file itself
        ctx.error(link.line, _(
            "%(field)s: link %(src)s: the site has no file %(path)s: a page's address ends in / (or .html)%(suggest)s",
            field=field, src=link.src, path=path,
            suggest=_(' (did you mean "%(name)s"?)', name=page_address(path)) if path in targets.pages else "",
        ))  # fmt: skip
    elif path not in targets.files:
        _check_target(ctx, link, path, folder, targets, field, own)


def _suggest_file(content: Path, target: str, folder: str, pages: Collection[str] = ()) -> str:
    """The file of content/ of the same kind (suffix) closest to a link's missing target, written
    as the link is: relative to ``folder`` (a file of another kind is not what a link to a PDF means)."""
    # a page written as the site shows it (kontakt/, kontakt.html, 2026-02) or a folder: its page
    stem = target.removesuffix(".html").removesuffix(".htm")
    for page in (f"{stem}.md", f"{target}/index.md", f"{target}/README.md"):
        if page in pages or (page.endswith("index.md") and is_file(content / page)):
            return _(' (did you mean "%(name)s"?)', name=posixpath.relpath(page, folder))
    suffix = posixpath.splitext(target)[1].lower()
    close = closest_file(target, content_files(content, {suffix})) if suffix else None
    return _(' (did you mean "%(name)s"?)', name=posixpath.relpath(close, folder)) if close else ""


def _suggest_page(
    target: str, pages: set[str], folder: str, own: str | None, address: Callable[[str], str] | None = None
) -> str:
    """The page closest to a link's missing target (never the page the link is on), written as
    the link is: relative to ``folder``. Names are compared without folder and suffix (a shared
    "newsletter/" made any two issues alike), and a name that differs only in digits is another
    date or number, not a slip: "2026-11.md" does not mean "2026-01.md"."""
    by_stem: dict[str, list[str]] = {}
    for page in sorted(pages - {own}):
        by_stem.setdefault(posixpath.splitext(posixpath.basename(page))[0], []).append(page)
    wanted = posixpath.splitext(posixpath.basename(target))[0]
    close = [
        stem for stem in difflib.get_close_matches(wanted, list(by_stem), n=3, cutoff=0.75)
        if not _other_number(wanted, stem)
    ]  # fmt: skip
    if not close:
        return ""
    # of several pages with that name, the one in the folder that was named
    wanted_folder = posixpath.dirname(target)  # of several, the one in the folder named, or named most alike
    page = min(by_stem[close[0]], key=lambda name: (
        posixpath.dirname(name) != wanted_folder,
        -difflib.SequenceMatcher(None, posixpath.dirname(name), wanted_folder).ratio(),
        name,
    ))  # fmt: skip
    # written as the link is: relative to its folder, or (a field that takes an address) as one
    return _(' (did you mean "%(name)s"?)', name=address(page) if address else posixpath.relpath(page, folder))


def _other_number(one: str, other: str) -> bool:
    """Whether two names of the same length differ, and only where both have digits (the same
    name is no other number: it is the page in another folder)."""
    if len(one) != len(other) or one == other:
        return False
    return all(a.isdigit() and b.isdigit() for a, b in zip(one, other, strict=True) if a != b)


def readable(address: str) -> bool:
    """Whether ``address`` can be read as an address at all ("http://[x" cannot: MkDocs, the
    site's image rewrite and the email would fail on it, a browser follows nothing)."""
    return _split(address) is not None


def _split(address: str) -> SplitResult | None:
    """``address`` split, or None where it cannot be read (check_body reports those)."""
    try:
        return urlsplit(address)
    except ValueError:
        return None


def content_path(src: str, source: str) -> str | None:
    """The content/ path of an image written in ``source`` (such as "newsletter/2026-02.md"), or
    None where it is not a JPEG, PNG or GIF file of the project (a web address, an SVG)."""
    parts = _split(src)
    if not src or parts is None or parts.scheme or parts.netloc or src.startswith(("/", "#")):
        return None
    path = unquote(parts.path)
    if not path.lower().endswith(IMAGE_SUFFIXES):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), path))


_IMG_TAG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.IGNORECASE)
_HAS_ALT = re.compile(r"\salt\s*=", re.IGNORECASE)
_SCRIPT_SCHEMES = ("javascript", "vbscript", "data", "file")


_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)
_ATTR_LIST = re.compile(r"\{:?[ \t]*([^{}\n]*?)[ \t]*\}")
_HANDLER = re.compile(r"on[a-z]{3,}")  # onclick, onerror, onload, ... (not "one")
_EMBEDDING = frozenset({"iframe", "frame", "frameset", "object", "embed", "applet", "portal"})
# SVG animation: one that sets an element's href can make a link to a script (values="javascript:...")
_ANIMATION = frozenset({"animate", "set", "animatemotion", "animatetransform"})
# The page's head is rundbrief's: <meta http-equiv="refresh"> sends every reader elsewhere, <base>
# changes where each of the page's links leads.
_HEAD_ONLY = frozenset({"meta", "base"})
# Elements whose content is text up to their end tag (left open, the rest of the page is theirs;
# script and iframe are refused whole, above) and elements that, left open, take what follows
# into a list, a template or another language
_MUST_CLOSE = (RAW_TEXT - {"script", "iframe"}) | {"select", "template", "svg", "math"}
# HTML's formatting elements: one left open is opened again in every block after it, to the end of
# the page (a browser's "reconstruction"), so a "<b>" never closed makes the rest of the page bold,
# the footer too, and an "<a href>" a link.
FORMATTING_ELEMENTS = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
_OPEN_COMMENT = re.compile(r"<!--")
# Attributes whose address the browser loads by itself (href only on these elements: an <a href> is a link).
_LOADING = frozenset(
    {"src", "srcset", "imagesrcset", "poster", "data", "background", "ping", "action", "formaction", "lowsrc"}
)
_LOADING_HREF = frozenset({"link", "base", "image", "use", "feimage", "script"})
_SCRIPT_MESSAGE = N_("scripts are not allowed in content")
_PRIVACY_MESSAGE = N_(
    "the site loads nothing from other hosts (privacy); save the file in content/media/ and use it from there"
)


def _from_elsewhere(address: str) -> bool:
    compact = browser_address(address)
    try:
        parts = urlsplit(compact)
    except ValueError:  # http://[broken: a browser may still try it
        return "//" in compact
    return parts.scheme.lower() in ("http", "https", "ftp") or bool(parts.netloc)


_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)
_FOREIGN_START = re.compile(r"<(?:svg|math)[\t\n\f\r />]", re.IGNORECASE)
_FOREIGN_END = re.compile(r"</(?:svg|math)[\t\n\f\r />]", re.IGNORECASE)
_TEXT_ELEMENT = re.compile(r"<(style|title|textarea|xmp|noembed|noframes|noscript|iframe)[\t\n\f\r />]", re.IGNORECASE)
_CSS_COMMENT = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|/\*.*?(?:\*/|$)""", re.DOTALL)
_CSS_FUNCTION = re.compile(r"url\(|image-set\(|@import|\\", re.IGNORECASE)
# after "//" (another host: "https://", "//" or "/\\"), or a scheme that loads from elsewhere
_CSS_ELSEWHERE = re.compile(r"""[^\s"'(),;]*(?://|\b(?:https?|ftp):)[^\s"'(),;]*""", re.IGNORECASE)


def css_loads_elsewhere(css: str) -> str | None:
    """The first address in CSS (a style attribute, a <style> element, SVG's fill="url(...)")
    that leads to another host, read as a browser reads CSS: escapes decoded (``\\75rl(`` is
    ``url(``), "\\" as "/" in an address, and in url(), image-set() and @import alike."""
    # a URL parser drops tabs and line breaks anywhere in an address: "ht\9 tps:" is "https:"
    found = _CSS_ELSEWHERE.search(_URL_IGNORES.sub("", _css_read(css)).replace("\\", "/"))
    return found.group(0) if found else None


_URL_IGNORES = re.compile(r"[\t\n\r]")


def css_imports(css: str) -> bool:
    """Whether CSS imports another stylesheet (whose rules no check reads), as a browser reads it."""
    return "@import" in _css_read(css).lower()


def _css_read(css: str) -> str:
    """CSS as a browser reads it: its escapes decoded, its comments taken out (they name no file;
    a string is no comment: content:"/*" ... "*/" hides nothing)."""

    def unescaped(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(2)
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    uncommented = _CSS_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", css)
    return _CSS_ESCAPE.sub(unescaped, uncommented)


def _is_script_address(address: str) -> bool:
    compact = re.sub(r"[\x00-\x20]", "", address).lower()
    return compact.startswith(("javascript:", "vbscript:"))


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line_finder(text: str, lines: list[tuple[int, str]]) -> Callable[[int], int]:
    """The file line of an offset in ``text``: ``lines`` joined, perhaps with parts of lines taken out."""
    starts = [0]  # where each line starts in text
    for piece in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(piece) + 1)
    return lambda offset: lines[bisect.bisect_right(starts, offset) - 1][0]


def check_raw_html(ctx: Context, body: str, first_line: int, field: str = "body") -> None:
    """Raw HTML that runs script, embeds pages, loads from other hosts, belongs to the page's
    head or is left open (see the module's docstring): one error for each, at its line. Code
    blocks and code spans are text, not HTML; so are closed HTML comments."""
    marked = _lines(body, first_line)
    if not any("<" in line or "{" in line for _, line, _ in marked):
        return
    lines = [(number, line) for number, line, _ in marked]
    text = "\n".join(line for _, line in lines)
    # A line indented by four columns outside raw HTML is code (text on the page), or the content
    # of a list item or an admonition, where a fence may hold code, or HTML may be live: which,
    # the Markdown alone does not say. Its problems are left to the check of the HTML the text
    # becomes (check_published_html), which every build and check runs once this one passed.
    _check_html(_Unless(ctx, _unsure(marked)), text, lambda shown: _line_finder(shown, lines), field, markdown=True)


def _unsure(marked: list[tuple[int, str, bool]]) -> set[int]:
    """The lines indented as code (outside raw HTML, a blockquote's "> " aside): code, or a list
    item's or a box's content; the Markdown alone does not say which (see check_raw_html)."""
    return {
        number for number, line, in_html in marked if not in_html and _INDENTED.match(_QUOTE_MARKS.sub("", line, 1))
    }


class _Unless(Context):
    """``ctx`` without its errors at the lines ``unsure``."""

    def __init__(self, ctx: Context, unsure: set[int]) -> None:
        super().__init__(ctx.diag, ctx.path, ctx.tz)
        self.inner = ctx  # a text's context puts its problems on their lines as written
        self.unsure = unsure

    def error(self, line: int, message: str) -> None:
        if line not in self.unsure:
            self.inner.error(line, message)

    def warning(self, line: int, message: str, *, kind: str = "") -> None:
        self.inner.warning(line, message, kind=kind)


def check_published_html(
    ctx: Context, published: str, source: str, first_line: int, field: str, own: str = ""
) -> None:
    """The HTML a text became (Python-Markdown's, as the page shows it), checked as
    check_raw_html checks its Markdown: what reading the Markdown cannot be sure of (a block
    of raw HTML, an extension's output, a construct Python-Markdown reads differently) is
    checked where it reaches the page. A problem is reported at the first line of ``source``
    (the text, from ``first_line``) that holds its element or comment. ``own``: the site's
    address; the conversion made the addresses of the project's files absolute below it."""
    if "<" in published:
        # where the element is written: outside code first, then anywhere; else the text's first line
        lines = body_lines(source, first_line) + list(enumerate(source.split("\n"), start=first_line))
        first = next((number for number, line in lines if line.strip()), first_line)
        finder = lambda shown: _source_line_finder(shown, lines, first)  # noqa: E731
        _check_html(ctx, published, finder, field, markdown=False, own=own)
        shown = without_comments(published, line_breaks=True) if "<!--" in published else published
        if (too_deep := _too_deep(shown)) is not None:
            # where the text itself crosses the limit (raw HTML is written as it is shown), else
            # the first line with that tag
            in_source = _too_deep(source)
            line = (
                first_line + source.count("\n", 0, in_source)
                if in_source is not None
                else _source_line_finder(shown, lines, first)(too_deep)
            )
            ctx.error(line, _(
                "%(field)s: elements are nested more than %(limit)d deep here (an element opened again and "
                "again, never closed?): the email's inliner and the site's search cannot take it; close them",
                field=field, limit=MAX_HTML_DEPTH,
            ))  # fmt: skip


# Elements nested deeper than this in one text (a page's template adds some twenty): css-inline
# overflowed its stack at some 10,000 (the build died with a segmentation fault), and Material's
# search plugin took seconds per thousand. Lists nested MAX_NESTING deep make about 200.
MAX_HTML_DEPTH = 300
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
# An element whose start tag closes an open one of its name, as a browser does, unless one of
# these is open inside that one (a list in a list item, a table in a table cell).
_SCOPES = {
    "li": {"ul", "ol", "menu"}, "dt": {"dl"}, "dd": {"dl"}, "option": {"select", "datalist", "optgroup"},
    "optgroup": {"select"}, "tr": {"table"}, "td": {"tr", "table"}, "th": {"tr", "table"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "rb": {"ruby"}, "rt": {"ruby"}, "rp": {"ruby"},
    "p": {"div", "td", "th", "li", "dd", "blockquote", "table", "ul", "ol", "dl", "button", "section", "article",
          "aside", "header", "footer", "main", "nav", "details", "figure", "form", "fieldset"},
}  # fmt: skip


def _too_deep(html_text: str) -> int | None:
    """Where in ``html_text`` (without its comments) the first start tag is that nests deeper
    than MAX_HTML_DEPTH, or None: open elements counted as a browser keeps them, roughly (an end
    tag closes its element and what is open inside it; a list item, table row or cell or a
    paragraph closes the open one of its kind; void and self-closed elements open nothing).
    Never more than MAX_HTML_DEPTH elements are looked through per tag: linear in the text."""
    if html_text.count("<") <= MAX_HTML_DEPTH:
        return None
    open_names: list[str] = []
    counts: dict[str, int] = {}

    def close_from(index: int) -> None:
        for closed in open_names[index:]:
            counts[closed] -= 1
        del open_names[index:]

    for tag in _TAG_TOKEN.finditer(html_text):
        name = tag.group(2).lower()
        if tag.group(1):  # an end tag: closes its element, if open, and all opened inside it
            if counts.get(name):
                close_from(len(open_names) - 1 - open_names[::-1].index(name))
            continue
        # "/>" closes an element only in SVG and MathML: "<span/>" opens a span (a browser's and
        # css-inline's reading; written 12,000 times it crashed the build past this check)
        if name in _VOID or (tag.group(3) and (counts.get("svg") or counts.get("math"))):
            continue
        if (scopes := _SCOPES.get(name)) is not None and counts.get(name):
            for index in range(len(open_names) - 1, -1, -1):
                if open_names[index] == name:
                    close_from(index)
                    break
                if open_names[index] in scopes:
                    break
        open_names.append(name)
        counts[name] = counts.get(name, 0) + 1
        if len(open_names) > MAX_HTML_DEPTH:
            return tag.start()
    return None


def _source_line_finder(shown: str, lines: list[tuple[int, str]], first: int) -> Callable[[int], int]:
    """The line of the text (``lines``: outside code, then all of them) that holds the element or
    comment at an offset of ``shown`` (the HTML the text became): where the text holds as many
    of its kind as the HTML (raw HTML passes as written), the one as many before it as in the
    HTML; else (Markdown made some) the first line holding one."""
    lowered = [(number, line.lower()) for number, line in lines]
    # the lines outside code end where the numbers begin again (the second list: all of them)
    outside = next((i for i in range(1, len(lowered)) if lowered[i][0] <= lowered[i - 1][0]), len(lowered))
    shown_lowered = shown.lower()
    found: dict[str, tuple[re.Pattern[str], list[int], int]] = {}  # per pattern: a text has thousands of tags

    def occurrences(pattern: str) -> tuple[re.Pattern[str], list[int], int]:
        """The compiled ``pattern``, the line of each of its occurrences outside code, how often the HTML holds it."""
        if pattern not in found:
            compiled = re.compile(pattern)
            written = [number for number, line in lowered[:outside] for _ in compiled.finditer(line)]
            found[pattern] = (compiled, written, len(compiled.findall(shown_lowered)))
        return found[pattern]

    def line_at(offset: int) -> int:
        token = _TOKEN.match(shown, offset)
        if token is None:
            return first
        needle = token.group(0).lower()
        # "<b" is no "<br": the name ends where the needle does
        by_name = re.escape(needle) + ("" if needle == "<!--" else r"(?![a-z0-9:-])")
        # the whole tag as written first (raw HTML on a line), then its name
        if (whole := START_TAG.match(shown, offset)) is not None:
            compiled, written, in_shown = occurrences(re.escape(whole.group(0).lower()))
            if written and in_shown == len(written):
                return written[len(compiled.findall(shown_lowered, 0, offset))]
        compiled, written, in_shown = occurrences(by_name)
        written = written or [number for number, line in lowered[outside:] if compiled.search(line)]
        if not written:
            return first
        before = len(compiled.findall(shown_lowered, 0, offset)) if in_shown == len(written) else 0
        return written[min(before, len(written) - 1)]

    return line_at


_TOKEN = re.compile(r"<!--|<[A-Za-z][A-Za-z0-9:-]*")


# Style properties a word processor or a CMS writes into pasted HTML; the email's sanitiser drops
# them, the site showed them (Calibri, 11pt, dark blue). Not text-align: Markdown's tables set it.
_PASTED_STYLE = re.compile(
    r"(?:^|;)\s*(?:font(?:-family|-size|-weight|-style)?|color|background(?:-color)?|line-height|mso-[a-z-]+)\s*:",
    re.IGNORECASE,
)


def _pasted_formatting(name: str, attributes: list[tuple[str, str]]) -> bool:
    """A <font> element, a style with fonts or colours, or Word's classes (``MsoNormal``)."""
    if name == "font":
        return True
    for key, value in attributes:
        key = key.lower()
        if key == "style" and _PASTED_STYLE.search(value):
            return True
        if key == "class" and re.search(r"\bMso", value):
            return True
    return False


# Where a browser puts a marker in its list of formatting elements: what is opened inside one of
# these ends with it, and an end tag inside one cannot close what was opened before it.
_FORMATTING_SCOPES = frozenset({"td", "th", "caption", "marquee", "object", "applet", "template"})
_CELL_ENDS = frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"})  # each ends an open cell


def _formatting_left_open(real: dict[int, re.Match[str]], end_tags: dict[str, list[int]]) -> set[int]:
    """Where the first formatting element of each name begins that stays open to the end of the
    text, read as a browser reads it: an end tag closes the last one of its name opened in the
    same cell (or other marker, _FORMATTING_SCOPES), none opened outside it; what a cell opens
    ends with the cell; a new <a> or <nobr> closes the one before it; inside <select> these
    tags are dropped. Only tags a browser reads as such count."""
    events = sorted(
        [(start, True, tag.group(1).lower()) for start, tag in real.items()]
        + [(end, False, name) for name, ends in end_tags.items() for end in ends]
    )
    scopes: list[tuple[str, list[tuple[str, int]]]] = [("", [])]  # (marker, open formatting elements)
    selecting = 0
    for position, is_start, name in events:
        if name == "select":
            selecting = selecting + 1 if is_start else max(0, selecting - 1)
            continue
        if selecting:
            continue
        if name in _CELL_ENDS and (is_start or name not in ("td", "th")):
            while len(scopes) > 1 and scopes[-1][0] in ("td", "th"):  # a cell ends where the next part begins
                scopes.pop()
        # a table too: its cells' scopes end with it (a nested table's only its own)
        if name in _FORMATTING_SCOPES or name == "table":
            if is_start:
                scopes.append((name, []))
            elif any(marker == name for marker, _ in scopes[1:]):
                while scopes.pop()[0] != name:
                    pass
            continue
        if name not in FORMATTING_ELEMENTS:
            continue
        opened = scopes[-1][1]
        same = [index for index, (open_name, _) in enumerate(opened) if open_name == name]
        if is_start:
            if same and name in ("a", "nobr"):
                del opened[same[-1]]  # the browser closes the one before
            opened.append((name, position))
        elif same:
            del opened[same[-1]]
    found: dict[str, int] = {}
    for name, position in scopes[0][1]:  # opened outside every cell: to the end of the page
        found.setdefault(name, position)
    return set(found.values())


def _check_html(
    ctx: Context, text: str, line_finder: Callable[[str], Callable[[int], int]], field: str, *, markdown: bool,
    own: str = "",
) -> None:
    """check_raw_html's checks of ``text``; ``line_finder``: the file line of an offset in a
    text (``text``, or ``text`` with its comments taken out); ``markdown``: ``text`` is
    Markdown (attr_list's ``{: ...}`` sets attributes too), else HTML."""
    line_at = line_finder(text)
    # Python-Markdown passes "\\<" through (a backslash does not escape "<"): "\\<!--" begins a comment too.
    # The comments a browser reads (not a "<!--" in an attribute's value: taking everything up to
    # a later "-->" out of the text hid a script between two such values from the checks).
    comments = list(real_comments(text))
    for comment in comments:  # one left open ends at the next one's -->, hiding what is between
        if isinstance(comment, int):
            continue
        # "<!--[if !mso]><!-->" is one comment: an opening that is part of its end does not count
        body_end = len(comment.group(0)) - (4 if comment.group(0).endswith("--!>") else 3)
        if (inner := _OPEN_COMMENT.search(comment.group(0), 4, max(4, body_end))) is not None:
            ctx.error(line_at(comment.start()), _(
                "%(field)s: a comment begun with <!-- is not closed before the next one (line %(next)d): the page "
                "would hide everything up to line %(end)d; close it with -->",
                field=field,
                next=line_at(comment.start() + inner.start()),
                end=line_at(comment.end() - 1),
            ))
    for open_at in (c for c in comments if isinstance(c, int)):  # where the rest of the text is a comment
        ctx.error(line_at(open_at), _(
            "%(field)s: a comment begun with <!-- is not closed with -->: inside HTML the page would hide "
            "what follows it, elsewhere show it as text; close it with -->, or write &lt;!-- for these characters",
            field=field,
        ))
    if (cdata := text.find("<![CDATA[")) != -1:
        # text up to "]]>" inside <svg> or <math>, a comment up to the first ">" elsewhere: what a
        # check reads as one may be the other (an attacker hid a live handler in one)
        ctx.error(line_at(cdata), _(
            "%(field)s: <![CDATA[ is read as text in SVG and as a comment elsewhere; remove it",
            field=field,
        ))
    text = without_comments(text, line_breaks=True, comments=comments)
    line_at = line_finder(text)

    # The tags as a browser reads them (htmltags.py: an end tag's quoted value, a bogus comment
    # "<!x ...>" hide nothing), and every other "<name ...>" a tag could begin at: reading too
    # much reports too much, never too little.
    real = {tag.start(): tag for tag in real_tags(text)}
    end_tags = real_end_tags(text)
    last_end = {name: max(starts) for name, starts in end_tags.items()}  # closed: an end after it
    tags = {tag.start(): tag for tag in START_TAG.finditer(text)} | real
    left_open = set() if markdown else _formatting_left_open(real, end_tags)
    pasted_formatting = False  # reported once per text
    for _start, tag in sorted(tags.items()):
        name, line = tag.group(1).lower(), line_at(tag.start())
        if any("<" in value or ">" in value for _key, value in raw_attributes(tag.group(2))):
            # Where a value holds "<" or ">", a reading by patterns (the hyphenation's, the
            # comments') and a browser's can part; one attacker made the hyphenation write a live
            # tag out of such a value. Written as &lt; and &gt; it says the same.
            ctx.error(line, _(
                "%(field)s: <%(name)s ...>: an attribute's value holds < or >; write &lt; and &gt; there",
                field=field,
                name=tag.group(1),
            ))
            continue
        attributes = tag_attributes(tag.group(2))
        source = next(
            (f' {key}="{_shorten(value)}"' for key, value in attributes if key.lower() in ("src", "data")), ""
        )
        written = f"<{tag.group(1)}{source}>"
        if name == "script":  # one error for the element, whatever its attributes
            ctx.error(line, _(
                "%(field)s: %(written)s: %(script_message)s; remove the element",
                field=field,
                written=written,
                script_message=_(_SCRIPT_MESSAGE),
            ))
            continue
        if name in _HEAD_ONLY:
            ctx.error(line, _(
                "%(field)s: %(written)s: the head of the page is rundbrief's (this element could send "
                "readers to another address or change where the page's links lead); remove the element",
                field=field,
                written=written,
            ))
            continue
        if name == "link":
            ctx.error(line, _(
                "%(field)s: %(written)s: a stylesheet or other file linked here is read by no check (it may load "
                "from other hosts) and belongs to the head of the page, which is rundbrief's; remove the element",
                field=field,
                written=_shorten(tag.group(0), 60),
            ))  # fmt: skip
            continue
        if name == "plaintext":
            ctx.error(line, _(
                "%(field)s: %(written)s shows all of the page after it as plain text and cannot be closed; "
                "remove it",
                field=field,
                written=written,
            ))
            continue
        self_closed = name in ("svg", "math") and tag.group(0).endswith("/>")  # foreign content: "<svg/>" ends it
        # closed by an end tag a browser reads as one: not one inside a <textarea> opened after it
        closed = (
            last_end.get(name, -1) > tag.start()
            if tag.start() in real
            else end_tag(name).search(text, tag.end()) is not None
        )
        if name in _MUST_CLOSE and not self_closed and not closed:
            ctx.error(line, _(
                "%(field)s: %(written)s is not closed: the page would take everything after it for its "
                "content; close it with </%(name)s> or remove it",
                field=field,
                written=written,
                name=name,
            ))
            continue
        if not markdown and not pasted_formatting and tag.start() in real and _pasted_formatting(name, attributes):
            pasted_formatting = True
            ctx.warning(line, _(
                "%(field)s: %(written)s: formatting from a word processor or another website (fonts, sizes, "
                "colours): the site shows it, the email leaves it out; remove it, the site's and the email's "
                "own style apply",
                field=field,
                written=_shorten(tag.group(0), 60),
            ))  # fmt: skip
        if not markdown and tag.start() in left_open:
            # only in the HTML the text becomes: Markdown escapes what it holds in a title, an
            # alt text or code, and its tables are cells, which end what they open
            ctx.error(line, _(
                "%(field)s: %(written)s is not closed: a browser shows everything after it that way, to the "
                "end of the page (its footer too); close it with </%(name)s> or remove it",
                field=field,
                written=written,
                name=name,
            ))
        if not markdown and name == "img" and not any(key.lower() == "alt" for key, _value in attributes):
            _no_alt(ctx, line, field, written)  # one the Markdown check left to this one (a list item's)
        if name in _ANIMATION and any(
            key.lower() == "attributename" and value.strip().lower() in ("href", "xlink:href")
            for key, value in attributes
        ):  # <animate attributeName="href" values="javascript:..."> makes a live link of its element
            ctx.error(line, _(
                "%(field)s: %(written)s: %(script_message)s; remove the element",
                field=field,
                written=f"<{tag.group(1)} attributeName=href>",
                script_message=_(_SCRIPT_MESSAGE),
            ))
            continue
        if name == "pre" and any(k.lower() == "class" and "mermaid" in v.split() for k, v in attributes):
            # Material's script renders it with mermaid.js, fetched from unpkg.com on each reader's page
            ctx.error(line, _(
                "%(field)s: <pre class=\"mermaid\">: Material loads the diagram library for it from unpkg.com "
                "on every reader's page (privacy: the site loads nothing from other hosts); show the diagram "
                "as an image from the content folder",
                field=field,
            ))  # fmt: skip
            continue
        if name in _EMBEDDING:
            ctx.error(
                line,
                _(
                    "%(field)s: %(written)s: embedded pages and plugins are not allowed in content "
                    "(privacy and security: the site loads nothing from other hosts and runs no scripts of "
                    "its texts); link to the page instead",
                    field=field,
                    written=written,
                ),
            )
            continue
        for written_key, value in attributes:
            form = f"<{tag.group(1)} {{}}>"
            _check_attribute(ctx, line, field, name, written_key, value, form, own, links_and_images=not markdown)
            if not markdown and written_key.lower() in ("href", "xlink:href") and _is_script_address(value):
                # in Markdown the link check reports these (find_links), with its own advice
                ctx.error(line, _(
                    "%(field)s: %(shown)s: %(script_message)s; use a web address or a file of the project",
                    field=field,
                    shown=f'<{tag.group(1)} {written_key}="{_shorten(value)}">',
                    script_message=_(_SCRIPT_MESSAGE),
                ))
    for end in END_TAG.finditer(text):
        if end.group(2).strip("\t\n\f\r /"):  # "</p title=...>": a browser drops them, reading them first
            ctx.error(line_at(end.start()), _(
                "%(field)s: %(written)s: an end tag has no attributes; write </%(name)s>",
                field=field,
                written=_shorten(end.group(0), 40),
                name=end.group(1),
            ))
    if not markdown and (opening := unended_tag(text)) is not None:  # Markdown shows such a "<" as text
        ctx.error(line_at(opening), _(
            "%(field)s: %(written)s: the tag does not end (a quote or its > is missing): the page would take "
            "everything after it into the tag; close it",
            field=field,
            written=_shorten(text[opening:].split("\n", 1)[0], 30),  # its line, as far as it is shown
        ))
    for attr_list in _ATTR_LIST.finditer(text) if markdown else ():  # {: onclick="..." } puts it on the element
        for attribute in _ATTRIBUTE.finditer(attr_list.group(1)):
            given = [g for g in attribute.groups()[1:] if g is not None]
            if given:
                _check_attribute(ctx, line_at(attr_list.start()), field, "", attribute.group(1),
                                 html.unescape(given[0]), "{{: {} }}")  # fmt: skip
    if (foreign := _FOREIGN_START.search(text)) is not None:
        # In <svg> and <math> a <style> (a <title>, ...) holds markup, in HTML text, and where an
        # SVG ends (a "breakout" tag, an integration point) is more than a check should guess: a
        # "<" in one, the one thing that reads differently, is refused there.
        ends = [m.end() for m in _FOREIGN_END.finditer(text, foreign.start())]
        region_end = ends[-1] if ends else len(text)
        for element in _TEXT_ELEMENT.finditer(text, foreign.start(), region_end):
            close = end_tag(element.group(1).lower()).search(text, element.end())
            if "<" in text[element.end() : close.start() if close else len(text)]:
                ctx.error(line_at(element.start()), _(
                    "%(field)s: <%(name)s> in <svg> or <math> holds a \"<\", which a browser reads as markup "
                    "there and as text elsewhere; remove it",
                    field=field,
                    name=element.group(1),
                ))
    for style in _STYLE_ELEMENT.finditer(text):
        # in <svg> a <style> holds markup: "&#47;/host" is "//host", "/<g></g>/host" is "//host"
        as_svg = html.unescape(re.sub(r"<[^>]*>", "", style.group(1)))
        if (url := css_loads_elsewhere(style.group(1)) or css_loads_elsewhere(as_svg)) is not None:
            ctx.error(
                line_at(style.start()), _(
                    "%(field)s: <style> url(%(group)s): %(privacy_message)s",
                    field=field,
                    group=url,
                    privacy_message=_(_PRIVACY_MESSAGE),
                )
            )
        elif css_imports(style.group(1)) or css_imports(as_svg):
            ctx.error(line_at(style.start()), _(
                "%(field)s: <style> @import: a stylesheet imported there is read by no check (it may load from "
                "other hosts); write its rules into the <style> element",
                field=field,
            ))  # fmt: skip


def _check_attribute(
    ctx: Context, line: int, field: str, name: str, written_key: str, value: str, form: str, own: str = "",
    *, links_and_images: bool = True,
) -> None:
    """One attribute of the element ``name`` ("" for an attr_list's): no script, nothing loaded
    from other hosts, no address that cannot be read. ``form``: how the message shows it, with {}
    for key="value"; ``own``: the site's address, if the value may be an absolute address of the
    project's own files; ``links_and_images`` False: ``<a href>`` and ``<img src>`` are read by
    the link and image checks (find_links, find_images), which report such an address."""
    key = written_key.lower()
    shown = form.format(f'{written_key}="{_shorten(value)}"')
    if key.startswith("data-md-"):
        # Material's script acts on them: data-md-component="source" has it ask GitHub or a GitLab
        # host for a repository's stars, from each reader's browser
        ctx.error(line, _(
            "%(field)s: %(shown)s: data-md- attributes are Material's, for its own parts of the page (its "
            "script acts on them, and may ask other hosts); remove the attribute",
            field=field,
            shown=shown,
        ))  # fmt: skip
        return
    ours = links_and_images or (name, key) not in (("a", "href"), ("img", "src"))
    if ours and is_address(name, key) and not all(readable(a) for a in _addresses(key, value)):
        ctx.error(line, _unreadable(field, shown))
        return
    if _HANDLER.fullmatch(key):
        ctx.error(line, _(
            "%(field)s: %(shown)s: %(script_message)s; remove the %(written_key)s attribute",
            field=field,
            shown=shown,
            script_message=_(_SCRIPT_MESSAGE),
            written_key=written_key,
        ))
        return
    if (key == "style" or _CSS_FUNCTION.search(value)) and css_loads_elsewhere(value):  # SVG's fill="url(...)" too
        ctx.error(line, f"{field}: {shown}: {_(_PRIVACY_MESSAGE)}")
        return
    if key in _LOADING or (key in ("href", "xlink:href") and name in _LOADING_HREF):
        if name == "img" and key == "src" and not links_and_images:
            return  # the image check reports it, with its own advice
        addresses = _addresses(key, value)
        if any(_is_script_address(a) for a in addresses):
            ctx.error(line, _(
                "%(field)s: %(shown)s: %(script_message)s; use a web address or a file of the project",
                field=field,
                shown=shown,
                script_message=_(_SCRIPT_MESSAGE),
            ))
        elif any(_from_elsewhere(a) and not (own and a.startswith(own)) for a in addresses):
            ctx.error(line, f"{field}: {shown}: {_(_PRIVACY_MESSAGE)}")


_OTHER_IMAGES = (".svg", ".webp", ".avif")  # shown as they are: no rendition, nothing decoded


def _check_other_image(ctx: Context, image: BodyImage, source: str, content: Path, field: str) -> None:
    """An image of the project that rundbrief does not resize (an SVG) is at least a file of
    content/ that a browser can show as an image: not a page, a folder or a file outside."""
    if not image.src or image.src.startswith("#"):
        return
    parts = _split(image.src)
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(parts.path if parts else "")))
    if target == ".." or target.startswith("../"):
        ctx.error(image.line, _(
            "%(field)s: image %(src)s: leads outside content/; save the image in content/media/ and show it from there",
            field=field,
            src=image.src,
        ))
    elif not is_file(content / target):
        ctx.error(image.line, _(
            "%(field)s: image %(src)s: file not found: content/%(target)s", field=field, src=image.src, target=target
        ))
    elif not target.lower().endswith(_OTHER_IMAGES):
        ctx.error(image.line, _(
            "%(field)s: image %(src)s: content/%(target)s is no image; show a JPEG, PNG, GIF, SVG or WebP file",
            field=field,
            src=image.src,
            target=target,
        ))


def _no_alt(ctx: Context, line: int, field: str, written: str) -> None:
    ctx.error(line, _(
        '%(field)s: image without alt text, %(written)s; write what it shows as alt="..."',
        field=field,
        written=_shorten(written),
    ))


def _addresses(key: str, value: str) -> list[str]:
    """The addresses in an attribute's value: a srcset's each, as a browser splits it."""
    return [url for url, _ in srcset(value)] if key == "srcset" else [value]


def _unreadable(field: str, shown: str) -> str:
    return _(
        "%(field)s: %(shown)s cannot be read as an address (a browser would follow nothing); write a web "
        "address such as https://www.example.org/seite or the path of a page or file of the project",
        field=field,
        shown=shown,
    )


MAX_NESTING = 100  # Python-Markdown's recursion gives out at about 300 levels of lists inside lists


def _deepest(body: str) -> int | None:
    """The index of the first line nested deeper than MAX_NESTING: its quote marks, list marks
    and indentation (four columns a level) counted; None for every real text."""
    if len(body) < 2 * MAX_NESTING:
        return None
    for number, line in enumerate(body.split("\n")):
        rest = line.lstrip(" \t")
        depth = (len(line.expandtabs(4)) - len(rest)) // 4
        while depth <= MAX_NESTING and (mark := _NESTING_MARK.match(rest)) is not None:
            depth, rest = depth + 1, rest[mark.end() :]
        if depth > MAX_NESTING:
            return number
    return None


_NESTING_MARK = re.compile(r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*")


# Python-Markdown begins a list only after a blank line (or at a text's start): a list written
# right under a line of text stays that paragraph's text, its dashes and numbers as written.
_MAY_SLIP = re.compile(r"\n[ >]*(?:[-*+|•◦▪·–]|\d{1,9}\.)")  # a quick test: some line may begin a list or table
# what begins a block other than a paragraph: a list item, a heading, a quote, a table's row, raw
# HTML, a box, a tab, a footnote, a definition, an indented line (a list item's content)
_NOT_PARAGRAPH = re.compile(r"[ \t]|[-*+][ \t]|\d{1,9}[.)][ \t]|#|>|\||<|!!!|\?\?\?|===|\[\^|:")
_LIST_MARK = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")  # a tab after it is a list's, not a column's
_TABBED = re.compile(r"\S\t+\S")  # columns separated by tabs, as a spreadsheet copies them
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*")  # | --- | --- |
_WORD_BULLET = re.compile(r"[ \t]*[•◦▪·–][ \t]")  # a word processor's bullet, pasted as a character
_QUOTED = re.compile(r"[ \t]{0,3}>[ \t]?")
_BOX_CONTENT = re.compile(r"(?: {4}|\t)")


def _between_blank_lines(lines: Lines) -> list[list[tuple[int, str]]]:
    """The text's lines one under another up to a blank line, raw HTML apart (_blocks' runs split
    further where a list item or a quote begins: here the list is what is looked for). A block
    quoted as a whole is looked into, its marks taken off."""
    blocks: list[list[tuple[int, str]]] = []
    for number, line, raw in lines:
        if raw or not line.strip():
            continue
        if blocks and blocks[-1][-1][0] == number - 1:
            blocks[-1].append((number, line))
        else:
            blocks.append([(number, line)])
    inner: list[list[tuple[int, str]]] = []
    contained = False  # the block before (blank lines between) was a box's or a list item's
    for block in blocks:
        indented = all(_BOX_CONTENT.match(line) for _, line in block)
        if all(_QUOTED.match(line) for _, line in block):
            inner += _between_blank_lines(_taken_off(_QUOTED, block))
        elif _BOX.match(block[0][1]) and len(block) > 1 and all(_BOX_CONTENT.match(line) for _, line in block[1:]):
            # a box's text (!!! note), four columns in: its own blocks, as Markdown reads them
            inner += _between_blank_lines(_taken_off(_BOX_CONTENT, block[1:]))
        elif indented and contained:
            # its text after a blank line, four columns in (after a paragraph: code, as written)
            inner += _between_blank_lines(_taken_off(_BOX_CONTENT, block))
        contained = _BOX.match(block[0][1]) is not None or _LIST_MARK.match(block[0][1]) is not None or (
            indented and contained
        )
    return blocks + inner


def _taken_off(mark: re.Pattern[str], block: list[tuple[int, str]]) -> Lines:
    """The block's lines without the quote mark or the indentation before each."""
    return [(number, mark.sub("", line, count=1), False) for number, line in block]


def _layout_slips(lines: Lines) -> list[tuple[int, str]]:
    """Where a block's Markdown does not become what it looks like, in file order, one of each
    kind a block at most: "list" (two items or more right under a paragraph's line), "table" (a
    table's rows right under one), "tabs" (two lines or more of columns separated by tabs, not a
    table's rows, not a tab after a list's mark), "bullets" (two lines or more beginning with a
    pasted bullet character). A single line beginning with a dash or a date is a paragraph's text."""
    slips: list[tuple[int, str]] = []
    for block in _between_blank_lines(lines):
        pairs = list(zip(block, block[1:], strict=False))
        if _NOT_PARAGRAPH.match(block[0][1]) is None:
            for (number, line), (_next, following) in pairs[1:]:
                if list_items(line, following):
                    slips.append((number, "list"))
                    break
            for (number, line), (_next, following) in pairs[1:]:
                if "|" in line and _TABLE_RULE.fullmatch(following):
                    slips.append((number, "table"))
                    break
        for (number, line), (_next, following) in pairs:
            if "|" not in line + following and not line[0].isspace():
                if _TABBED.search(_LIST_MARK.sub("", line, count=1)) and _TABBED.search(
                    _LIST_MARK.sub("", following, count=1)
                ):
                    slips.append((number, "tabs"))
                    break
        for (number, line), (_next, following) in pairs:
            if _WORD_BULLET.match(line) and _WORD_BULLET.match(following):
                slips.append((number, "bullets"))
                break
    return sorted(set(slips))  # a quoted block is looked at whole and inside: its tabs once


def _may_slip(body: str) -> bool:
    """A quick test: whether _layout_slips can find anything in ``body``."""
    return "\t" in body or _MAY_SLIP.search(body) is not None


def _check_layout(ctx: Context, lines: Lines, field: str) -> None:
    """_layout_slips' findings as warnings; ``lines``: the text's _lines()."""
    for number, kind in _layout_slips(lines):
        if kind == "list":
            message = _(
                "%(field)s: a list right under a line of text, without a blank line between them: Markdown "
                "shows it as that paragraph's text, its marks as written (on the site and in the email); put "
                "a blank line before the list's first item",
                field=field,
            )
        elif kind == "table":
            message = _(
                "%(field)s: a table right under a line of text, without a blank line between them: Markdown "
                "shows it as that paragraph's text, its | as written; put a blank line before the table",
                field=field,
            )
        elif kind == "tabs":
            message = _(
                "%(field)s: lines whose columns are separated by tabs (a table copied from Excel or Word) are "
                "shown as one paragraph; write the table with | between the columns and a line "
                "| --- | --- | under its first (see \"Tabellen\" in the guide's section 2)",
                field=field,
            )
        else:
            message = _(
                "%(field)s: lines beginning with a bullet character (pasted from Word) are shown as one "
                "paragraph; begin each item with - and a space instead, after a blank line",
                field=field,
            )
        ctx.warning(number, message)


def check_body(
    ctx: Context, body: str, first_line: int, images: ImageChecker, source: str, field: str = "body"
) -> tuple[Image, ...]:
    """Alt text on every image; every image the body shows a file in content/, decoded; no
    script or local-file addresses in links. Returns the image files the body shows (those that
    passed), in order, each once. ``field``: what the messages call the text (a statement's
    quote is Markdown too: ``statements[2].quote``)."""
    if (deepest := _deepest(body)) is not None:
        ctx.error(first_line + deepest, _(
            "%(field)s: lists or quotes nested more than %(limit)d levels deep, which Markdown cannot convert",
            field=field, limit=MAX_NESTING,
        ))  # fmt: skip
        return ()
    if "<" in body or "{" in body:
        check_raw_html(ctx, body, first_line, field)
    lowered = body.lower()
    # a character reference hides a scheme from this test ("java&#115;cript:"), not from a browser
    scripted = any(f"{scheme}:" in lowered for scheme in _SCRIPT_SCHEMES) or "&" in body
    hosted = "//" in body  # only an address with "//" can be unreadable: a host of "[" or odd letters
    with_images = may_show_images(body)
    # the text's lines, read once for the layout's check and the lines the page shows
    layout, linked = _may_slip(body), hosted or scripted or with_images or "](" in body
    every = _lines(body, first_line) if layout or linked else []
    if layout:
        _check_layout(ctx, every, field)
    # the lines the page shows, its links and its images, each found once for all the checks below
    marked = _uncommented(every) if linked else []
    lines = [(number, line) for number, line, _raw in marked]
    # the links and the images in one reading (each check below reads only what it needs)
    links, found = _references(marked) if hosted or scripted or with_images else ([], [])
    for reference in (*links, *found) if hosted else ():
        if not readable(reference.src):
            ctx.error(reference.line, _unreadable(field, reference.src))
    if scripted:
        for link in links:
            parts = _split(re.sub(r"[\x00-\x20]", "", html.unescape(link.src)))  # as the browser reads it
            if parts is not None and parts.scheme.lower() in _SCRIPT_SCHEMES:
                ctx.error(
                    link.line,
                    _(
                        "%(field)s: link %(src)s: expected a web or mail address, or a page or file of the "
                        "project",
                        field=field,
                        src=link.src,
                    ),
                )
    if "](" in body:
        for number, line in lines:
            for empty in _EMPTY_LINK.finditer(line):
                ctx.warning(
                    number,
                    _(
                        "%(field)s: link %(src)s has no text, which nobody sees; write between the brackets "
                        "where it leads: [...](%(src)s)",
                        field=field,
                        src=empty.group(1),
                    ),
                )
    if not with_images:
        return ()
    shown: dict[str, Image] = {}
    unsure: set[int] | None = None
    for number, line in lines:
        for match in _ALT.finditer(line):
            if not match.group(1).strip():
                # which image: a line of a folded text may hold several
                address = line[match.end() :].partition(")")[0]
                ctx.error(
                    number, _(
                        "%(field)s: image without alt text, %(written)s; write what it shows between the brackets: "
                        "![...](...)",
                        field=field,
                        written=_shorten(f"{match.group(0)}{address})"),
                    )
                )
        for tag in _IMG_TAG.finditer(line):
            if not _HAS_ALT.search(tag.group(0)):
                # on a line indented as code: an example, or an image of a list item, which the
                # check of the HTML the text becomes reports (check_published_html)
                unsure = _unsure(_lines(body, first_line)) if unsure is None else unsure
                if number not in unsure:
                    _no_alt(ctx, number, field, tag.group(0))
    for image in found:
        if (parts := _split(image.src)) is None:
            continue  # reported above
        if parts.scheme or image.src.startswith("/"):
            # an image in an example of code is text; one that is shown is found where it reaches
            # the page (published.py: one from another host is an error there too)
            unsure = _unsure(_lines(body, first_line)) if unsure is None else unsure
            if image.line in unsure:
                continue
        if parts.scheme.lower() in ("http", "https") or image.src.startswith("//"):
            ctx.error(
                image.line,
                _(
                    "%(field)s: image %(src)s: the site loads nothing from other hosts (privacy); save the "
                    "image in content/media/ and show it from there",
                    field=field,
                    src=image.src,
                ),
            )
            continue
        if parts.scheme or image.src.startswith("/"):
            ctx.error(
                image.line,
                _(
                    "%(field)s: image %(src)s: expected a path relative to this file, such as "
                    "../media/foto.jpg",
                    field=field,
                    src=image.src,
                ),
            )
            continue
        target = content_path(image.src, source)
        if target is None:
            _check_other_image(ctx, image, source, images.content_dir, field)
            continue
        try:
            checked = images.check(target)
        except ImageProblem as problem:
            ctx.error(image.line, _(
                "%(field)s: image %(src)s: %(problem)s",
                field=field,
                src=image.src,
                problem=problem.shown_from(posixpath.dirname(source)),  # as the body names images
            ))
            continue
        shown.setdefault(checked.src, checked)
    return tuple(shown.values())
