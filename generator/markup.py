"""The one Markdown conversion: issue bodies, statements' quotes and events' descriptions to HTML,
once per build, in the editors' dialect (MkDocs' built-in extensions plus ``markdown_extensions``
of mkdocs.yml, exactly what MkDocs converts the other pages with).

Links and images are resolved as they are converted, by the project's routes: a link to
``2026-01.md`` becomes the absolute address of that issue's page, an image the absolute address
of its file. The HTML is thus the same for every place that shows it; the site target
(generator/site/bodyimages.py) makes addresses relative to the page and images web-sized, the
email target (generator/email/bodyhtml.py) makes the HTML email-safe.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.content.model import MarkdownDialect
from generator.htmltags import is_address, replace_addresses, resolve_address, without_comments
from generator.routes import Routes


@dataclass(frozen=True, slots=True)
class Converted:
    """One text's HTML, kept compressed: a build holds every text of the project from the start
    to the end, and the HTML of a thousand issues is about 14 MB as Python strings, 2.4 MB so
    (zlib at level 1: 0.1 s for all of them; each is unpacked once per page or email)."""

    packed: bytes  # the HTML as UTF-8, zlib-compressed
    toc: tuple[dict[str, Any], ...] = ()  # Python-Markdown's toc_tokens, for the page's table of contents

    @classmethod
    def of(cls, html: str, toc: tuple[dict[str, Any], ...] = ()) -> Converted:
        return cls(zlib.compress(html.encode("utf-8"), 1), toc)

    @property
    def html(self) -> str:
        return zlib.decompress(self.packed).decode("utf-8")


class _Guarded:
    """A smarty pattern's regex behind a substring test. Smarty runs a second inline pass with
    eighteen lookbehind-heavy regexes over every text node, half the cost of a conversion; each
    can only match where a quote, ``--`` or ``...`` is, so text without them is skipped at once."""

    __slots__ = ("needles", "regex")

    def __init__(self, regex: re.Pattern[str], needles: tuple[str, ...]) -> None:
        self.regex, self.needles = regex, needles

    def finditer(self, data: str, pos: int = 0) -> Iterator[re.Match[str]]:
        if not any(needle in data for needle in self.needles):
            return iter(())
        return self.regex.finditer(data, pos)


def _needles(regex: str) -> tuple[str, ...] | None:
    """What every match of a smarty regex contains; None if unknown (that pattern stays as is)."""
    if "'" in regex or '"' in regex:
        return ("'", '"')
    for marker, needle in (("--", "--"), (r"\.{3}", "..."), (r"\<\<", "<<"), (r"\>\>", ">>")):
        if marker in regex:
            return (needle,)
    return None


class _References(Treeprocessor):
    """Every link and image to its absolute address (MkDocs' own link rewriting does the same
    for the pages it converts itself, relative to each page), the editor's raw HTML included:
    an ``<img src="../media/foto.jpg">`` is relative to the text's file as a Markdown image is,
    and each page or email that shows the text gets the same address."""

    def __init__(self, md: markdown.Markdown, routes: Routes) -> None:
        super().__init__(md)
        self.routes = routes
        self.folder = ""  # below content/: the folder of the file the text is written in

    def run(self, root: etree.Element) -> None:
        def resolve(address: str) -> str:
            return self.routes.reference(address, self.folder)

        resolve_tree(root, resolve)
        resolve_raw_html(self.md, resolve)


def resolve_tree(root: etree.Element, resolve: Callable[[str], str], *, links_and_images: bool = True) -> None:
    """The addresses of the elements Python-Markdown made (Markdown's links and images, and the
    HTML of ``markdown="1"`` blocks: ``<video poster>`` as well) through ``resolve``;
    ``links_and_images`` False: all but ``<a href>`` and ``<img src>`` (MkDocs does those)."""
    for element in root.iter():
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        for key, value in element.items():
            name = key.lower()
            if not value or not is_address(tag, name):
                continue
            if not links_and_images and (tag, name) in (("a", "href"), ("img", "src")):
                continue
            if markdown.util.AMP_SUBSTITUTE in value:
                continue  # an address written <name@host>: a mailto: link, its letters as entities
            element.set(key, resolve_address(name, value, resolve))


def resolve_raw_html(md: markdown.Markdown, resolve: Callable[[str], str]) -> None:
    """The addresses in the raw HTML of the text ``md`` converts (kept aside in its stash until
    the end: no tree processor sees it) through ``resolve``, as its Markdown links are."""
    blocks = md.htmlStash.rawHtmlBlocks
    for index, block in enumerate(blocks):
        if isinstance(block, str):  # md_in_html's elements are in the tree by now
            blocks[index] = replace_addresses(block, resolve)


class _ReferencesExtension(Extension):
    def __init__(self, routes: Routes) -> None:
        super().__init__()
        self.routes = routes
        self.processor: _References | None = None

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        self.processor = _References(md, self.routes)
        md.treeprocessors.register(self.processor, "rundbrief_references", 0)  # last, as MkDocs' own


# Extensions whose output for one plain line of text is "<p>" + text + "</p>": with no others,
# such lines (most quotes and descriptions) skip Python-Markdown (tests/test_shortcuts.py proves it).
_PLAIN_SAFE = {
    "toc", "tables", "fenced_code", "attr_list", "md_in_html", "admonition", "smarty", "sane_lists", "footnotes",
    "def_list", "abbr", "meta", "codehilite", "markdown.extensions.toc", "markdown.extensions.tables",
    "markdown.extensions.fenced_code", "markdown.extensions.attr_list", "markdown.extensions.md_in_html",
    "markdown.extensions.admonition", "markdown.extensions.smarty", "markdown.extensions.sane_lists",
}  # fmt: skip
_PLAIN = re.compile(r"(?![\d#=+*>-])[^\\`*_\[\]{}<>!#&\"'|~^\s][^\\`*_\[\]{}<>!#&\"'|~^\t\n\r\x0b\x0c]*(?<! )")
_SMARTY = ("--", "..")


class Converter:
    """Converts in one project's dialect; one Python-Markdown instance per thread (an instance
    keeps state while it converts), reused and reset between texts (making one costs more)."""

    def __init__(self, dialect: MarkdownDialect, routes: Routes) -> None:
        self.dialect = dialect
        self.routes = routes
        self._local = threading.local()
        self._shortcut = set(dialect.extensions) <= _PLAIN_SAFE

    def __getstate__(self) -> tuple[MarkdownDialect, Routes]:  # to worker processes: no thread state
        return self.dialect, self.routes

    def __setstate__(self, state: tuple[MarkdownDialect, Routes]) -> None:
        self.__init__(*state)  # type: ignore[misc]

    def _instance(self) -> tuple[markdown.Markdown, _ReferencesExtension]:
        made: tuple[markdown.Markdown, _ReferencesExtension] | None = getattr(self._local, "made", None)
        if made is None:
            references = _ReferencesExtension(self.routes)
            converter = markdown.Markdown(
                extensions=[*self.dialect.extensions, references], extension_configs=self.dialect.configs,
                output_format="html",
            )  # fmt: skip
            if "smarty" in converter.treeprocessors:
                for pattern in converter.treeprocessors["smarty"].inlinePatterns:  # type: ignore[attr-defined]
                    if (needles := _needles(pattern.compiled_re.pattern)) is not None:
                        pattern.compiled_re = _Guarded(pattern.compiled_re, needles)
            made = self._local.made = (converter, references)
        return made

    def convert(self, text: str, folder: str) -> Converted:
        """``text`` written in a content file in ``folder`` (below content/, such as "newsletter")."""
        if self._shortcut and _is_plain(text):
            return Converted.of(f"<p>{text}</p>")
        converter, references = self._instance()
        assert references.processor is not None
        references.processor.folder = folder
        # without its HTML comments: an editor's note to colleagues is no content (the page's
        # source and the feed would show it; the emails' cleaning drops them anyway)
        try:
            html = without_comments(converter.reset().convert(text))
        except RecursionError:
            # nested too deep for Python-Markdown: the loader reports the text (check_body's
            # MAX_NESTING); shown as its plain text, should a build go on without the loader
            return Converted.of(f"<p>{escape(text)}</p>")
        toc = tuple(getattr(converter, "toc_tokens", ()))
        return Converted.of(html, toc)


def _is_plain(text: str) -> bool:
    return (
        bool(_PLAIN.fullmatch(text)) and text.isprintable() and "  " not in text and not any(s in text for s in _SMARTY)
    )
