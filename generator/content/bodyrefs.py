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
from urllib.parse import SplitResult, unquote, urlsplit

from markdown import Markdown
from markdown.inlinepatterns import LINK_RE, LinkInlineProcessor

from generator.content.fields import Context
from generator.content.images import IMAGE_SUFFIXES, ImageChecker, ImageProblem, closest_file, content_files
from generator.content.model import Image
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
from generator.routes import calendar_event

_ALT = re.compile(r"!\[([^\]]*)\]\(")
# Where an inline image's or link's parentheses open: what they hold is read by Python-Markdown's own
# parser (_inline_target), as the site and the email read it: balanced parentheses
# ([x](javascript:alert(7)) is the whole javascript:alert(7)), spaces ([Plan](media/lage plan.pdf)
# links "media/lage plan.pdf"), a title in quotes after the address, <...> around it.
_INLINE = re.compile(r"!\[(?:[^\]\\]|\\.)*\]\(")
_REFERENCE = re.compile(r"!\[((?:[^\]\\]|\\.)*)\](?:\[((?:[^\]\\]|\\.)*)\])?(?![(\[:])")
_DEFINITION = re.compile(r" {0,3}\[(?!\^)((?:[^\]\\]|\\.)+)\]:\s*(?:<([^>\n]*)>|(\S+))")  # [^1]: is a footnote
_LINK = re.compile(r"(?<![!\\])\[(?:[^\]\\]|\\.)*\]\(")
_REFERENCE_LINK = re.compile(r"(?<!!)\[((?:[^\]\\]|\\.)*)\](?:\[((?:[^\]\\]|\\.)*)\])?(?![(\[:])")
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


def _label(text: str) -> str:
    return " ".join(text.lower().split())


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
    lines = body_lines(body, first_line)
    text = "\n".join(line for _, line in lines)
    if "<!--" not in text:
        return lines
    text = without_comments(text, line_breaks=True)  # one left open is the raw HTML check's to report
    return [(number, line) for (number, _), line in zip(lines, text.split("\n"), strict=True)]


def _lines(body: str, first_line: int) -> list[tuple[int, str, bool]]:
    """body_lines(), each line with whether it is inside a block of raw HTML."""
    raw = body.split("\n")
    code = _fenced(raw)
    lines: list[tuple[int, str, bool]] = []
    paragraph: list[tuple[int, str]] = []  # lines of Markdown up to a blank line: a code span's reach

    def end_paragraph() -> None:
        if paragraph:
            text = _CODE_SPANS.sub(lambda span: "\n" * span.group().count("\n"), "\n".join(t for _, t in paragraph))
            lines.extend((number, line, False) for (number, _), line in zip(paragraph, text.split("\n"), strict=True))
            paragraph.clear()

    html_block = _HtmlBlock()
    for index, (number, line) in enumerate(enumerate(raw, start=first_line)):
        if index in code:
            end_paragraph()
            continue
        in_html = html_block.feed(line)
        if in_html or not line.strip():
            end_paragraph()
            lines.append((number, line, in_html))
        else:
            paragraph.append((number, line))
    end_paragraph()
    return lines


def _fenced(lines: list[str]) -> set[int]:
    """The indices of the lines of each closed fenced code block, its fences included."""
    code: set[int] = set()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is not None:
            fence = opening.group(1)
            close = next(
                (i for i in range(index + 1, len(lines)) if lines[i].rstrip() == fence),
                None,
            )  # fmt: skip
            if close is not None:
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


def find_images(body: str, first_line: int, lines: list[tuple[int, str]] | None = None) -> list[BodyImage]:
    """Every image the body shows, by the line it is on (a reference image: the line using it)."""
    if lines is None:
        lines = shown_lines(body, first_line)
    return _references(lines, _INLINE, _REFERENCE, _HTML_IMG)


def find_links(body: str, first_line: int, lines: list[tuple[int, str]] | None = None) -> list[BodyImage]:
    """Every link the body has (not images), by its line: inline, reference and raw ``<a href>``
    (``lines``: the body's shown_lines(), if made already)."""
    if "](" not in body and "][" not in body and "]:" not in body and "<a" not in body.lower():
        return []
    return _references(shown_lines(body, first_line) if lines is None else lines, _LINK, _REFERENCE_LINK, _HTML_A)


class _LinkReader(LinkInlineProcessor):
    """Python-Markdown's reading of what a link's parentheses hold, outside a conversion."""

    def __init__(self) -> None:
        md = Markdown()
        super().__init__(LINK_RE, md)
        self.escapable = frozenset(md.ESCAPED_CHARS)

    def unescape(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: chr(int(m[1])), text)

    def escaped(self, line: str) -> str:
        """``line`` with backslash escapes as the conversion holds them when it reads links: a
        placeholder each (so an escaped ``)`` does not close the link), given back by unescape."""
        return _ESCAPE.sub(lambda m: f"\x02{ord(m[1])}\x03" if m[1] in self.escapable else m[0], line)


_ESCAPE = re.compile(r"\\(.)")
_PLACEHOLDER = re.compile("\x02([0-9]+)\x03")


@cache
def _link_reader() -> _LinkReader:
    return _LinkReader()


def _inline_targets(line: str, opening: re.Pattern[str]) -> list[str]:
    """The addresses of the inline links (or images) of ``line`` whose text and opening
    parenthesis ``opening`` finds, as Python-Markdown reads them: balanced parentheses, spaces,
    a title in quotes after the address, ``<...>`` around it. None of a link it does not make
    (a parenthesis not closed on the line) and none that is empty."""
    if "](" not in line:
        return []
    reader = _link_reader()
    escaped = reader.escaped(line)
    found = []
    for m in opening.finditer(escaped):
        href, _title, _end, handled = reader.getLink(escaped, m.end() - 1)
        if handled and href:
            found.append(href)
    return found


def _references(
    lines: list[tuple[int, str]], inline: re.Pattern[str], reference: re.Pattern[str], raw: re.Pattern[str]
) -> list[BodyImage]:
    """The targets of inline references, reference-style references (with the ``[label]: target``
    definitions of the body) and raw HTML attributes, by the line they are used on."""
    definitions: dict[str, str] = {}
    for _number, line in lines:
        if (m := _DEFINITION.match(line)) is not None:
            definitions.setdefault(_label(m[1]), m[2] if m[2] is not None else m[3])
    found = []
    for number, line in lines:
        if _DEFINITION.match(line):
            continue
        found += [BodyImage(target, number) for target in _inline_targets(line, inline)]
        for m in reference.finditer(line):
            if (target := definitions.get(_label(m[2] or m[1]))) is not None:
                found.append(BodyImage(target, number))
        found += [
            BodyImage(html.unescape(next(g for g in m.groups() if g is not None)), number) for m in raw.finditer(line)
        ]
    return found


def check_links(
    ctx: Context,
    body: str,
    first_line: int,
    folder: str,
    pages: set[str],
    drafts: set[str],
    content: Path,
    field: str = "body",
    own: str | None = None,
    files: Collection[str] = (),
    unpublished_files: Collection[str] = (),
) -> None:
    """Every link in the body to a page or file of the project leads to one that is published:
    ``pages`` are the content paths of the Markdown pages the site has, ``drafts`` those that are
    drafts (not published); ``own``: the content path of the file the text is in; ``files``: the
    files the build makes that a text may link to (the calendars, the feed), ``unpublished_files``
    those it makes only once a draft is published (the calendar of an event only drafts show)."""
    for link in find_links(body, first_line):
        parts = _split(link.src)
        if not link.src or parts is None or parts.scheme or parts.netloc or link.src.startswith(("/", "#")):
            continue
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if target == ".." or target.startswith("../"):
            ctx.error(
                link.line,
                _(
                    "%(field)s: link %(src)s: leads outside content/; link to pages and files of the "
                    "project only",
                    field=field,
                    src=link.src,
                ),
            )
        elif target.endswith(".md"):
            if target in drafts:
                ctx.error(link.line, _(
                    "%(field)s: link %(src)s: content/%(target)s is a draft, which is not published",
                    field=field,
                    src=link.src,
                    target=target,
                ))
            elif target not in pages:
                ctx.error(
                    link.line,
                    _(
                        "%(field)s: link %(src)s: there is no page content/%(target)s%(suggest_page)s",
                        field=field,
                        src=link.src,
                        target=target,
                        suggest_page=_suggest_page(target, pages, folder, own),
                    ),
                )
        elif target in files:
            continue
        elif target in unpublished_files:
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: the build makes %(target)s only once an issue that shows this "
                "event is published; only drafts show it",
                field=field,
                src=link.src,
                target=target,
            ))
        elif (event_id := calendar_event(target)) is not None and not (content / target).is_file():
            made = (*files, *unpublished_files)
            known = sorted(known_id for name in made if (known_id := calendar_event(name)) is not None)
            close = difflib.get_close_matches(event_id, known, n=1, cutoff=0.75)
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: no event has the id %(id)s, so there is no calendar file of it%(suggest)s",
                field=field,
                src=link.src,
                id=event_id,
                suggest=_(' (did you mean "%(name)s"?)', name=f"{close[0]}.ics") if close else "",
            ))
        elif any(part.startswith(".") for part in target.split("/")) or not (content / target).is_file():
            ctx.error(link.line, _(
                "%(field)s: link %(src)s: file not found: content/%(target)s%(suggest)s",
                field=field,
                src=link.src,
                target=target,
                suggest=_suggest_file(content, target, folder),
            ))


def _suggest_file(content: Path, target: str, folder: str) -> str:
    """The file of content/ of the same kind (suffix) closest to a link's missing target, written
    as the link is: relative to ``folder`` (a file of another kind is not what a link to a PDF means)."""
    if (content / target / "index.md").is_file():  # a folder: its page is what the site shows there
        return _(' (did you mean "%(name)s"?)', name=posixpath.relpath(f"{target}/index.md", folder))
    suffix = posixpath.splitext(target)[1].lower()
    close = closest_file(target, content_files(content, {suffix})) if suffix else None
    return _(' (did you mean "%(name)s"?)', name=posixpath.relpath(close, folder)) if close else ""


def _suggest_page(target: str, pages: set[str], folder: str, own: str | None) -> str:
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
    page = min(by_stem[close[0]], key=lambda name: (posixpath.dirname(name) != posixpath.dirname(target), name))
    return _(' (did you mean "%(name)s"?)', name=posixpath.relpath(page, folder))


def _other_number(one: str, other: str) -> bool:
    """Whether two names of the same length differ only where both have digits."""
    if len(one) != len(other):
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


def _css_loads_elsewhere(css: str) -> str | None:
    """The first address in CSS (a style attribute, a <style> element, SVG's fill="url(...)")
    that leads to another host, read as a browser reads CSS: escapes decoded (``\\75rl(`` is
    ``url(``), "\\" as "/" in an address, and in url(), image-set() and @import alike."""

    def unescaped(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(2)
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"

    # a comment names no file (a string is no comment: content:"/*" ... "*/" hides nothing)
    uncommented = _CSS_COMMENT.sub(lambda m: m.group(0) if m.group(0)[0] in "\"'" else " ", css)
    text = _CSS_ESCAPE.sub(unescaped, uncommented).replace("\\", "/")
    found = _CSS_ELSEWHERE.search(text)
    return found.group(0) if found else None


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
        self.unsure = unsure

    def error(self, line: int, message: str) -> None:
        if line not in self.unsure:
            super().error(line, message)


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


def _source_line_finder(shown: str, lines: list[tuple[int, str]], first: int) -> Callable[[int], int]:
    def line_at(offset: int) -> int:
        token = _TOKEN.match(shown, offset)
        needle = token.group(0).lower() if token is not None else None
        return next((number for number, line in lines if needle and needle in line.lower()), first)

    return line_at


_TOKEN = re.compile(r"<!--|<[A-Za-z][A-Za-z0-9:-]*")


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
    real_ends = real_end_tags(text)
    tags = {tag.start(): tag for tag in START_TAG.finditer(text)} | real
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
            any(at > tag.start() for at in real_ends.get(name, ()))
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
        if not markdown and name == "img" and not any(key.lower() == "alt" for key, _value in attributes):
            _no_alt(ctx, line, field)  # one the Markdown check left to this one (a list item's)
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
        if (url := _css_loads_elsewhere(style.group(1)) or _css_loads_elsewhere(as_svg)) is not None:
            ctx.error(
                line_at(style.start()), _(
                    "%(field)s: <style> url(%(group)s): %(privacy_message)s",
                    field=field,
                    group=url,
                    privacy_message=_(_PRIVACY_MESSAGE),
                )
            )


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
    if (key == "style" or _CSS_FUNCTION.search(value)) and _css_loads_elsewhere(value):  # SVG's fill="url(...)" too
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
    elif not (content / target).is_file():
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


def _no_alt(ctx: Context, line: int, field: str) -> None:
    ctx.error(line, _(
        '%(field)s: image without alt text; write what it shows as alt="..."',
        field=field,
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


def check_body(
    ctx: Context, body: str, first_line: int, images: ImageChecker, source: str, field: str = "body"
) -> tuple[Image, ...]:
    """Alt text on every image; every image the body shows a file in content/, decoded; no
    script or local-file addresses in links. Returns the image files the body shows (those that
    passed), in order, each once. ``field``: what the messages call the text (a statement's
    quote is Markdown too: ``statements[2].quote``)."""
    if "<" in body or "{" in body:
        check_raw_html(ctx, body, first_line, field)
    lowered = body.lower()
    scripted = "javascript:" in lowered or "vbscript:" in lowered or "file:" in lowered
    hosted = "//" in body  # only an address with "//" can be unreadable: a host of "[" or odd letters
    with_images = may_show_images(body)
    # the lines the page shows, its links and its images, each found once for all the checks below
    lines = shown_lines(body, first_line) if hosted or scripted or with_images or "](" in body else []
    links = find_links(body, first_line, lines) if hosted or scripted else []
    found = find_images(body, first_line, lines) if with_images else []
    for reference in (*links, *found) if hosted else ():
        if not readable(reference.src):
            ctx.error(reference.line, _unreadable(field, reference.src))
    if scripted:
        for link in links:
            parts = _split(re.sub(r"[\x00-\x20]", "", link.src))
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
                ctx.error(
                    number, _(
                        "%(field)s: image without alt text; write what it shows between the brackets: "
                        "![...](...)",
                        field=field,
                    )
                )
        for tag in _IMG_TAG.finditer(line):
            if not _HAS_ALT.search(tag.group(0)):
                # on a line indented as code: an example, or an image of a list item, which the
                # check of the HTML the text becomes reports (check_published_html)
                unsure = _unsure(_lines(body, first_line)) if unsure is None else unsure
                if number not in unsure:
                    _no_alt(ctx, number, field)
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
