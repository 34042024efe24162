"""Reading an editor's file: UTF-8 text, then front-matter split from the Markdown body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.diagnostics import Diagnostics, Location
from generator.i18n import _

_FENCE_OPEN = re.compile(r"---[ \t]*")
_FENCE_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    yaml_text: str
    yaml_line_offset: int  # file lines before the YAML text (the opening fence)
    body: str
    body_line: int  # 1-based line where the body starts


def read_text(path: Path, shown: str, diag: Diagnostics) -> str | None:
    """The file as text with ``\\n`` line ends, or None (reported) if it is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as err:
        diag.error(Location(shown), _("cannot read file: %(value)s", value=err.strerror or err))
        return None
    if data.startswith(b"\xef\xbb\xbf"):  # a BOM, as Windows editors write it: harmless
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        diag.error(
            Location(shown, line),
            _(
                "file is not UTF-8 text (byte 0x%(value)02x in column %(column)s); save it with the "
                "encoding UTF-8",
                value=data[err.start],
                column=column,
            ),
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str, shown: str, diag: Diagnostics) -> FrontMatter | None:
    """Split ``---`` fenced YAML from the body; None (reported) where there is none."""
    lines = text.split("\n")
    if not lines or not _FENCE_OPEN.fullmatch(lines[0]):
        diag.error(
            Location(shown, 1),
            _(
                'missing front-matter: the file must start with a line "---", then its fields, then '
                'another line "---"',
            ),
        )
        return None
    for index in range(1, len(lines)):
        if _FENCE_CLOSE.fullmatch(lines[index]):
            return FrontMatter(
                yaml_text="\n".join(lines[1:index]) + "\n",
                yaml_line_offset=1,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    diag.error(Location(shown, 1), _('front-matter is not closed: add a line "---" after the last field'))
    return None


# MkDocs' own reading of a page's front matter (mkdocs.utils.meta.get_data): a block between
# "---" lines is front matter only where it is YAML that makes a mapping; else the whole file,
# those lines included, is the page's Markdown.
_MKDOCS_META = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MkDocsPage:
    """A page as MkDocs reads it itself (kontakt.md, a phase): what it converts, from which file
    line, and the front matter it takes (rundbrief's own reading may differ: YAML that is no
    mapping, a date that cannot be, no line break after the last "---")."""

    body: str
    body_line: int
    meta: dict[object, object]


def mkdocs_page(text: str) -> MkDocsPage:
    import yaml  # as MkDocs: PyYAML's safe loader

    found = _MKDOCS_META.match(text)
    if found is None:
        return MkDocsPage(text, 1, {})
    try:
        data = yaml.load(found.group(1), Loader=yaml.SafeLoader)
    except Exception:  # noqa: BLE001 (as MkDocs: a YAML error, or a date that cannot be, keeps the whole page)
        return MkDocsPage(text, 1, {})
    if not isinstance(data, dict):
        return MkDocsPage(text, 1, {})
    rest = text[found.end() :]
    body = rest.lstrip("\n")
    return MkDocsPage(body, text[: found.end()].count("\n") + (len(rest) - len(body)) + 1, data)
