"""Editors' Markdown snippets (quotes, descriptions) to HTML, with German quotation marks."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache

import markdown

_EXTENSIONS = ["attr_list", "sane_lists", "smarty"]
_GERMAN_QUOTES = {
    "smarty": {
        "substitutions": {
            "left-double-quote": "&bdquo;",
            "right-double-quote": "&ldquo;",
            "left-single-quote": "&sbquo;",
            "right-single-quote": "&lsquo;",
        }
    }
}


# One converter per thread: a Markdown instance keeps state while it converts, and the build
# converts in two threads at once (MkDocs' pages and the emails' key computation and rendering).
_local = threading.local()


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


def _new_converter() -> markdown.Markdown:
    converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_GERMAN_QUOTES, output_format="html")
    for pattern in converter.treeprocessors["smarty"].inlinePatterns:  # type: ignore[attr-defined]
        if (needles := _needles(pattern.compiled_re.pattern)) is not None:
            pattern.compiled_re = _Guarded(pattern.compiled_re, needles)
    return converter

# Text in which no Markdown syntax, smart-quote or HTML escape can start: one line, no markup
# characters, not starting like a list item or heading, nothing smarty would change. Most quotes
# and event descriptions are such plain sentences; for them Python-Markdown would return
# "<p>" + text + "</p>" after a thousand times the work. tests/test_markup.py proves the shortcut
# against the converter.
_PLAIN = re.compile(r"(?![\d#=+*>-])[^\\`*_\[\]{}<>!#&\"'|~^\s][^\\`*_\[\]{}<>!#&\"'|~^\t\n\r\x0b\x0c]*(?<! )")
_SMARTY = ("--", "..")


@lru_cache(maxsize=16384)  # the same quote shows on its issue, the Stimmen page and the start page
def markdown_to_html(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.isprintable() and "  " not in text and not any(s in text for s in _SMARTY):
        return f"<p>{text}</p>"
    # Reused and reset between texts: building a converter costs more than converting.
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = _new_converter()
    return converter.reset().convert(text)
