"""Editors' Markdown snippets (quotes, descriptions) to HTML, with German quotation marks."""

from __future__ import annotations

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


def markdown_to_html(text: str) -> str:
    return markdown.markdown(text, extensions=_EXTENSIONS, extension_configs=_GERMAN_QUOTES, output_format="html")
