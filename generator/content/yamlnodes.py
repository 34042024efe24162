"""YAML as a tree of plain nodes that remember their line, with no implicit typing.

PyYAML (like every YAML 1.1 loader) turns ``no`` into ``False``, ``on`` into ``True``,
``01234`` into 668 and ``19:00`` into 1140. Editors write exactly those values. So we
only *compose* the document (syntax, structure and line numbers) and keep every scalar
as the text the editor wrote; the schema decides what a field's text means. Duplicate
keys, non-text keys, merge keys and custom tags are reported instead of being resolved
silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

import yaml

from generator.diagnostics import Diagnostics, Location
from generator.i18n import _, ngettext

try:  # libyaml is several times faster; the pure-Python composer gives the same nodes
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_STANDARD_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map", "value")
)
# A document with aliases expands on walking; a billion-laughs file must not hang the build.
MAX_NODES = 200_000
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class YScalar:
    text: str
    line: int
    plain: bool  # written without quotes or block style: may mean "nothing" (null)

    @property
    def is_null(self) -> bool:
        return self.plain and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True, slots=True)
class YList:
    items: tuple[YNode, ...]
    line: int


@dataclass(frozen=True, slots=True)
class YMap:
    entries: dict[str, tuple[int, YNode]]  # key -> (line of the key, value)
    line: int


YNode = Union[YScalar, YList, YMap]


def describe(node: YNode) -> str:
    """How a value reads in a message: 'found "next week"', 'found a list'."""
    if isinstance(node, YList):
        return _("a list")
    if isinstance(node, YMap):
        return _("a mapping")
    if node.is_null:
        return _("nothing")
    return quote(node.text)


def quote(text: str, limit: int = 60) -> str:
    """Text in double quotes with control characters made visible, cut to ``limit``."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    escaped = "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in shown.replace("\\", "\\\\").replace('"', '\\"')
    )
    return f'"{escaped}"'


class _TooBig(Exception):
    pass


class _Walker:
    def __init__(self, diag: Diagnostics, path: str, line_offset: int, allow_tags: bool) -> None:
        self.diag = diag
        self.path = path
        self.offset = line_offset
        self.allow_tags = allow_tags
        self.count = 0

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + 1 + self.offset

    def walk(self, node: yaml.Node, depth: int = 0) -> YNode:
        self.count += 1
        line = self.line(node)
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            self.diag.error(
                Location(self.path, line),
                _(
                    "YAML document is too large or too deeply nested (more than %(max_nodes)s values or "
                    "%(max_depth)s levels, counting aliases)",
                    max_nodes=MAX_NODES,
                    max_depth=MAX_DEPTH,
                ),
            )
            raise _TooBig
        if node.tag not in _STANDARD_TAGS and not self.allow_tags:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.diag.error(
                Location(self.path, line),
                _(
                    "YAML tag %(tag)s is not supported; remove it and write the value as text",
                    tag=quote(tag),
                ),
            )
        if isinstance(node, yaml.ScalarNode):
            return YScalar(str(node.value), line, plain=not node.style)  # libyaml says "", PyYAML None
        if isinstance(node, yaml.SequenceNode):
            return YList(tuple(self.walk(item, depth + 1) for item in node.value), line)
        assert isinstance(node, yaml.MappingNode)
        entries: dict[str, tuple[int, YNode]] = {}
        for key_node, value_node in node.value:
            key_line = self.line(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.diag.error(Location(self.path, key_line), _("a key must be plain text, found a list or mapping"))
                continue
            key = str(key_node.value)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.diag.error(
                    Location(self.path, key_line), _("YAML merge keys (<<) are not supported; write the fields out")
                )
                continue
            if key in entries:
                first = entries[key][0]
                self.diag.error(
                    Location(self.path, key_line),
                    _(
                        "duplicate key %(key)s: already given at line %(first)s; YAML would silently keep only "
                        "the last one",
                        key=quote(key),
                        first=first,
                    ),
                )
                continue
            entries[key] = (key_line, self.walk(value_node, depth + 1))
        return YMap(entries, line)


def _syntax_message(err: yaml.YAMLError) -> str:
    """PyYAML's own words (English, technical), with a hint for the usual slips."""
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    text = _("YAML syntax error: %(problem)s", problem=problem) + (f" ({context})" if context else "")
    if "mapping values are not allowed" in text:
        text += _('; a value containing ": " must be put in quotes')
    elif "could not find expected ':'" in text or "expected <block end>" in text:
        text += _("; check the indentation and that every key ends with a colon")
    return text


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _columns(lines: list[str]) -> set[int]:
    """The columns where the values of ``lines`` may begin a line: each line's indentation and,
    in list items (``- id: x``), the column after each ``- ``."""
    columns = set()
    for line in lines:
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        column = len(line) - len(stripped)
        columns.add(column)
        while stripped.startswith("- ") or stripped == "-":
            rest = stripped[1:].lstrip(" ")
            column += len(stripped) - len(rest)
            columns.add(column)
            stripped = rest
    return columns


def explain_syntax(lines: list[str], index: int, offset: int = 0) -> tuple[int, str] | None:
    """The line (0-based) and a plain explanation of the two slips behind most YAML errors an
    editor makes, found from the text rather than PyYAML's words ("found character that cannot
    start any token"): a tab in the indentation, or a line indented differently from the lines
    before it (one space too many or too few). None where neither explains the error at ``index``.
    ``offset``: the file's lines before ``lines``, for the line numbers in the explanation."""
    for number, line in enumerate(lines[: index + 1]):
        if "\t" in _indent(line):
            return number, _(
                "line %(line)d is indented with a tab; YAML allows only spaces: replace the tab with spaces",
                line=number + 1 + offset,
            )  # fmt: skip
    if index < len(lines) and (quoted := _explain_quotes(lines, index, offset)) is not None:
        return quoted
    if index >= len(lines) or index == 0:
        return None
    line = lines[index]
    stripped = line.lstrip(" ")
    columns = _columns(lines[:index])
    before = [text for text in lines[:index] if text.strip() and not text.lstrip().startswith("#")]
    if not columns or not before:
        return None
    opened = before[-1].rstrip().endswith(":")  # "events:", "- cover:": the next line may go deeper
    found = len(line) - len(stripped)
    if opened and found > len(_indent(before[-1])):
        return None  # a first nested line is not mis-indented: PyYAML's own error says what is wrong
    if stripped and found not in columns:
        return index, ngettext(
            "line %(line)d is indented differently from the lines before it: it begins after %(n)d space, "
            "the lines before after %(columns)s; fields that belong together begin in the same column",
            "line %(line)d is indented differently from the lines before it: it begins after %(n)d spaces, "
            "the lines before after %(columns)s; fields that belong together begin in the same column",
            found, line=index + 1 + offset, columns=", ".join(str(c) for c in sorted(columns)),
        )  # fmt: skip
    return None


_KEY_AND_QUOTED = re.compile(r'^\s*(?:- )?[^\s:#"\'][^:#]*:\s+"(.*)$')


def _explain_quotes(lines: list[str], index: int, offset: int) -> tuple[int, str] | None:
    """A value that begins with a quotation mark and holds another one inside ("Workshop "Kommunale
    Sicht" startet"), or never closes it: the editor's usual slip with quoted titles. The line where
    the quote opens, at or just before the one PyYAML names."""
    for number in range(index, max(-1, index - 3), -1):
        match = _KEY_AND_QUOTED.match(lines[number])
        if match is None:
            continue
        rest = match.group(1).rstrip()
        inner = rest[:-1] if rest.endswith('"') else rest
        if '"' in inner.replace('\\"', "") or not rest.endswith('"'):
            return number, _(
                'line %(line)d: the value begins with a quotation mark and holds another one, or does not '
                "close it; inside \"...\" write „...“ or '...', or put the whole value in single quotes",
                line=number + 1 + offset,
            )  # fmt: skip
    return None


def _explain_colon(lines: list[str], index: int, offset: int) -> str | None:
    """A value with ": " in it, not in quotes (``- title: Workshop: Kommunale Sicht``)."""
    if index >= len(lines):
        return None
    line = lines[index]
    key, colon, value = line.partition(": ")
    if not colon or ": " not in value or value.lstrip().startswith(("'", '"')):
        return None
    return _(
        'line %(line)d: a value containing ": " must be put in quotes: %(example)s',
        line=index + 1 + offset, example=f'{key.strip()}: "{value.strip()}"',
    )  # fmt: skip


_KEY = re.compile(r"^(\s*(?:- )?)([^\s:#\"'][^:#]*):(?:\s|$)")
MAX_REPAIRS = 20


@dataclass(frozen=True, slots=True)
class Repaired:
    text: str
    mended: frozenset[int]  # the lines changed (0-based)
    # the slips found after the first (which parse_yaml reports), explained: a tab, an
    # indentation, a quote; other syntax errors after a mend may be the mending's own
    later_slips: tuple[tuple[int, str], ...]


def repaired_yaml(text: str, offset: int = 0) -> Repaired | None:
    """``text`` with the lines PyYAML cannot read mended well enough to be read, so that a
    file's other fields are still checked after a YAML error (the error itself is reported by
    parse_yaml): a tab or a mis-indented line is indented as the line before it suggests, any
    other line that breaks the syntax keeps only its key. None where that does not make it
    readable. ``offset``: the file's lines before ``text``, for the explanations."""
    lines = text.split("\n")
    mended: dict[int, int] = {}
    slips: list[tuple[int, str]] = []
    for _attempt in range(MAX_REPAIRS):
        try:
            yaml.compose("\n".join(lines), Loader=_Loader)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            index = min(int(mark.line) if mark is not None else 0, len(lines) - 1)
            explained = explain_syntax(lines, index, offset)
            index = explained[0] if explained is not None else index
            if explained is not None and mended and index not in mended:
                slips.append(explained)
            # a bracket or quote left open is found at the end: the line that opened it is before
            while index > 0 and (not lines[index].strip() or mended.get(index, 0) >= 2):
                index -= 1
            mended[index] = mended.get(index, 0) + 1
            lines[index] = _mended(lines, index, keep_value=mended[index] == 1)
            continue
        except yaml.YAMLError:
            return None
        return Repaired("\n".join(lines), frozenset(mended), tuple(slips))
    return None


def check_despite_slip(
    text: str, offset: int, diag: Diagnostics, path: str, read: Callable[[YNode, Diagnostics], object]
) -> bool:
    """After parse_yaml reported a YAML error in ``text``: ``read`` the text as mended by
    repaired_yaml into a list of its own, and report its problems outside the mended lines
    (what a mended line says is the mending's), with the later slips explained. So one YAML
    slip does not hide the file's other problems. False where the text could not be mended."""
    repaired = repaired_yaml(text, offset)
    if repaired is None:
        return False
    found = Diagnostics()
    root = parse_yaml(repaired.text, found, path, line_offset=offset)
    if root is None:
        return False
    read(root, found)
    for index, slip in repaired.later_slips:
        diag.error(Location(path, index + 1 + offset), _("YAML: %(explanation)s", explanation=slip))
    mended = {index + 1 + offset for index in repaired.mended}
    for problem in found.problems:
        if problem.location.path != path or problem.location.line not in mended:
            diag.problems.append(problem)
    return True


def _mended(lines: list[str], index: int, *, keep_value: bool) -> str:
    line = lines[index]
    before = [text for text in lines[:index] if text.strip() and not text.lstrip().startswith("#")]
    stripped = line.lstrip(" \t")
    column = 0  # where the line before suggests it begins: beside that line's fields, or under its "key:"
    if before:
        previous = before[-1]
        column = len(_indent(previous)) + (2 if previous.lstrip().startswith("- ") else 0)
        column += 2 if previous.rstrip().endswith(":") else 0
    if keep_value and stripped and ("\t" in _indent(line) or not _KEY_AND_QUOTED.match(line)):
        if " " * column + stripped != line:
            return " " * column + stripped
    key = _KEY.match(line)
    return f'{key.group(1).replace(chr(9), "")}{key.group(2)}: "?"' if key is not None else ""


def parse_yaml(
    text: str,
    diag: Diagnostics,
    path: str,
    *,
    line_offset: int = 0,
    allow_tags: bool = False,
) -> YNode | None:
    """Compose ``text`` into nodes; report syntax errors and hazards to ``diag``.

    ``line_offset`` is the number of file lines before ``text`` (front-matter starts
    after the ``---`` line). Returns None where the text is not valid YAML. An empty
    document is an empty mapping.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        index = int(mark.line) if mark is not None else 0
        lines = text.split("\n")
        explained = explain_syntax(lines, index, line_offset)
        colon = _explain_colon(lines, index, line_offset) if "mapping values are not allowed" in str(err) else None
        if explained is not None:
            index, message = explained[0], _("YAML: %(explanation)s", explanation=explained[1])
        elif colon is not None:
            message = _("YAML: %(explanation)s", explanation=colon)
        else:
            message = _syntax_message(err)
        diag.error(Location(path, index + 1 + line_offset), message)
        return None
    except yaml.YAMLError as err:  # reader errors (for example a NUL byte) carry a position too
        position = getattr(err, "position", None)
        line = line_offset + 1 + (text.count("\n", 0, position) if isinstance(position, int) else 0)
        diag.error(Location(path, line), _syntax_message(err))
        return None
    if root is None:
        return YMap({}, line_offset + 1)
    try:
        return _Walker(diag, path, line_offset, allow_tags).walk(root)
    except _TooBig:
        return None
