"""Editors' Markdown snippets (quotes, descriptions) to HTML, with German quotation marks."""

from __future__ import annotations

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


_converter: markdown.Markdown | None = None


@lru_cache(maxsize=16384)  # the same quote shows on its issue, the Stimmen page and the start page
def markdown_to_html(text: str) -> str:
    # One converter per process, reset between texts: building one costs more than converting.
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_GERMAN_QUOTES, output_format="html")
    return _converter.reset().convert(text)
