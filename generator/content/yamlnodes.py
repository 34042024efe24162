"""YAML as a tree of plain nodes that remember their line, with no implicit typing.

PyYAML (like every YAML 1.1 loader) turns ``no`` into ``False``, ``on`` into ``True``,
``01234`` into 668 and ``19:00`` into 1140. Editors write exactly those values. So we
only *compose* the document (syntax, structure and line numbers) and keep every scalar
as the text the editor wrote; the schema decides what a field's text means. Duplicate
keys, non-text keys, merge keys and custom tags are reported instead of being resolved
silently.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, Union

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
_FIRST_WORD = re.compile(r"\w+")
_OWN_LINE = re.compile(r"#{1,6}[ \t]|\|")  # a Markdown heading's or table row's line: it must begin a line
MAX_DEPTH = 64
_LIST_LINE = re.compile(r" {0,3}(?:[-*+]|(\d{1,9})\.)[ \t]+\S")  # only "1." numbers a list ("1)" is text)


def list_items(line: str, following: str) -> bool:
    """Two lines that begin two items of one list (both bullets, or numbers counting on): one
    line beginning with a dash or a date ("1. Mai") is a sentence's, wrapped. The one reading
    for a YAML value's lines here and a Markdown text's (content/bodyrefs.py)."""
    item, then = _LIST_LINE.match(line), _LIST_LINE.match(following)
    if item is None or then is None:
        return False
    if item.group(1) is None or then.group(1) is None:
        return item.group(1) is None and then.group(1) is None
    return int(then.group(1)) == int(item.group(1)) + 1


@dataclass(frozen=True, slots=True)
class YScalar:
    text: str
    line: int
    plain: bool  # written without quotes or block style: may mean "nothing" (null)
    block: bool = False  # written as a block (| or >): its text starts on the line after its key
    source: str = ""  # as written, from its first character or block indicator, if over several lines

    def line_of(self, part: str, before: str) -> int:
        """The line on which ``part`` of the text, after ``before`` (the text before it), begins as
        written: a folded (``>``) or quoted value joins its lines with blanks, so the part's first
        word is looked for in the lines written (the same number of times it occurs before it).
        The value's first line if the part is not there as written (an escape in quotes)."""
        words = part.split()
        head = words[0] if words else part
        if not self.source or not head:
            return self.line
        wanted = before.count(head) + 1
        lines = self.source.split("\n")
        for number, written in enumerate(lines):
            if number == 0 and self.block:
                continue  # the indicator's line, and a comment after it
            wanted -= written.count(head)
            if wanted <= 0:
                return self.line + number
        return self.line + (1 if self.block else 0)

    @property
    def literal(self) -> bool:
        """Written as a literal block (``|``): the text keeps every line as written."""
        return self.block and "|" in self.source.split("\n", 1)[0].split("#", 1)[0]

    def line_starts(self) -> tuple[int, ...]:
        """For each line of the text, the line on which it begins as written, where the two differ:
        a folded (``>``) value or one written over several lines without a block joins the lines
        of a paragraph with blanks, so a problem on the text's second line may lie further down.
        Empty where they are alike (one line, a literal ``|`` block)."""
        if not self.source:  # written on one line: "\n" escapes in quotes make the text's lines
            return (self.line,) * (self.text.count("\n") + 1) if "\n" in self.text else ()
        if self.literal:
            return ()  # the text's lines are the written ones
        lines = self.source.split("\n")
        first = 1 if self.block else 0  # a block's indicator line (and a comment after it) holds no text
        written = [
            (self.line + number, character)
            for number, line in enumerate(lines)
            if number >= first
            for character in line
            if not character.isspace()
        ]
        if not self.plain and not self.block:
            written = written[1:-1]  # the quotes
        shown = [character for character in self.text if not character.isspace()]
        if len(shown) == len(written) and all(a == b for a, (_, b) in zip(shown, written, strict=True)):
            return self._aligned(written)
        return self._searched(lines, first)

    def _aligned(self, written: list[tuple[int, str]]) -> tuple[int, ...]:
        """line_starts where the text's characters are the written ones, in order (only blanks
        and line breaks differ): each line begins where its first character is written."""
        starts: list[int] = []
        position = 0  # in written: the text's characters so far
        for text_line in self.text.split("\n"):
            if position < len(written) and text_line.strip():
                starts.append(written[position][0])
            else:  # an empty line between paragraphs: where the one before it begins
                starts.append(starts[-1] if starts else self.line + (1 if self.block else 0))
            position += sum(1 for character in text_line if not character.isspace())
        return tuple(starts)

    def _searched(self, lines: list[str], first: int) -> tuple[int, ...]:
        """line_starts where escapes in quotes make the text differ from what is written (``''``,
        ``\\"``, ``\\n``): each line's first word is looked for from where the line before it
        was found on, so a line is never put above the one before it, nor outside the value."""
        offsets = [sum(len(line) + 1 for line in lines[:number]) for number in range(len(lines))]
        source = "\n".join(lines)
        position = offsets[first] if first < len(offsets) else 0
        starts: list[int] = []
        for text_line in self.text.split("\n"):
            word = _FIRST_WORD.search(text_line)
            found = source.find(word.group(), position) if word is not None else -1
            if word is None or found < 0:  # no word, or one made by an escape: where the line before begins
                starts.append(starts[-1] if starts else self.line + first)
                continue
            starts.append(self.line + bisect.bisect_right(offsets, found) - 1)
            position = found + len(word.group())
        return tuple(starts)

    def joined_line(self) -> int | None:
        """The first line written in a folded (``>``), plain or quoted value over several lines
        whose break the text lost that Markdown needs: a single blank line there is a line break
        of the text, no new paragraph (nor the blank line a list needs before it), and a heading
        (``## ``), a table's row (``|``) or a list's item (``- ``, ``1. ``) runs into the line
        before it. None if there is none, and for a literal block (it keeps every line) and for
        quotes with escapes (``''``,
        ``\\``: the text differs from the lines as written). A blank line before a heading, a
        quote or a fence is none: Markdown begins them after a line break."""
        if not self.source:
            return None
        if self.literal:
            return None
        lines = self.source.split("\n")
        if not self.plain and not self.block:
            quote = lines[0][:1]
            if ("\\" if quote == '"' else "''") in self.source[1:-1]:
                return None
            lines[0], lines[-1] = lines[0][1:], lines[-1].rstrip().removesuffix(quote)
        first = 1 if self.block else 0
        for number in range(first + 1, len(lines)):
            line = lines[number].strip()
            before = lines[number - 1].strip()
            if not line or number - 1 < first:
                continue
            at_line_start = r"(?:^|\n)[ \t]*" + re.escape(line[:40])
            following = lines[number + 1].strip() if number + 1 < len(lines) else ""
            own_line = _OWN_LINE.match(line) or list_items(line, following)
            if before and own_line and not re.search(at_line_start, self.text):
                return self.line + number  # a heading, a table's row or a list's item, joined to the line before
            after_blank = not before and number - 2 >= first and lines[number - 2].strip()
            if after_blank and not line.startswith(("#", ">", "```", "~~~")):
                if not re.search(r"\n\n[ \t]*" + re.escape(line[:40]), self.text):
                    return self.line + number - 1  # the blank line
        return None

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


T = TypeVar("T")

_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")


class _Lines:
    """The 0-based line of a PyYAML mark as the editor's editor counts lines, at "\\n". PyYAML
    also breaks lines at U+0085, U+2028 and U+2029 (pasted from a word processor), which moved
    every later line number by one; then the line is found from the mark's character index."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks: list[int] | None = None
        if any(mark in text for mark in _OTHER_BREAKS):
            self.breaks = [index for index, char in enumerate(text) if char == "\n"]

    def __call__(self, mark: yaml.Mark | None) -> int:
        if mark is None:
            return 0
        if self.breaks is not None and isinstance(mark.index, int):
            return bisect.bisect_left(self.breaks, mark.index)
        return int(mark.line)


class _Walker:
    def __init__(self, diag: Diagnostics, path: str, line_offset: int, allow_tags: bool, lines: _Lines) -> None:
        self.diag = diag
        self.path = path
        self.offset = line_offset
        self.allow_tags = allow_tags
        self.count = 0
        self.lines = lines

    def line(self, node: yaml.Node) -> int:
        return self.lines(node.start_mark) + 1 + self.offset

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
            # libyaml says "" for plain, PyYAML None
            start, end = node.start_mark, node.end_mark
            source = self.lines.text[start.index : end.index] if end.line > start.line else ""
            return YScalar(str(node.value), line, plain=not node.style, block=node.style in ("|", ">"), source=source)
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


def _is_content(line: str) -> bool:
    """Not blank and not a comment: a line that says something."""
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _fields_column(line: str) -> int:
    """Where the fields of ``line`` begin: after its indentation and, in a list item, its "- "."""
    return len(_indent(line)) + (2 if line.lstrip().startswith("- ") else 0)


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


# How a slip is mended to read the rest of a file (repaired_yaml): the line indented as the
# lines before it suggest, or only its key kept (its value is what is broken).
REINDENT, REINDENT_AS_NEXT, KEY_ONLY, GIVE_UP = "reindent", "reindent-as-next", "key-only", "give-up"


def explain_syntax(lines: list[str], index: int, offset: int = 0) -> tuple[int, str] | None:
    """The line (0-based) and a plain explanation of the slips behind most YAML errors an
    editor makes, found from the text rather than PyYAML's words ("found character that cannot
    start any token"): a tab in the indentation, a line indented differently from the lines
    before it (one space too many or too few), a quote inside a quoted value, a list left open.
    None where none explains the error at ``index``. ``offset``: the file's lines before
    ``lines``, for the line numbers in the explanation."""
    found = _explain_at(lines, index, offset)
    return (found[0], found[1]) if found is not None else None


def _tab_message(number: int, offset: int) -> str:
    return _(
        "line %(line)d is indented with a tab; YAML allows only spaces: replace the tab with spaces",
        line=number + 1 + offset,
    )  # fmt: skip


def _explain_at(lines: list[str], index: int, offset: int) -> tuple[int, str, str] | None:
    """explain_syntax, with how the slip is mended (REINDENT or KEY_ONLY)."""
    for number, line in enumerate(lines[: index + 1]):
        if "\t" in _indent(line):
            return number, _tab_message(number, offset), REINDENT
        leading = line[: len(line) - len(line.lstrip())]
        if (odd := next((ch for ch in leading if ch not in " \t"), None)) is not None:
            return number, _(
                "line %(line)d is indented with a no-break or other special space (%(code)s, from text copied "
                "out of a word processor or a web page); YAML allows only spaces: type the indentation anew",
                line=number + 1 + offset, code=f"U+{ord(odd):04X}",
            ), REINDENT  # fmt: skip
        separator = next((mark for mark in _OTHER_BREAKS if mark in line), None)
        if separator is not None and not _KEY_AND_QUOTED.match(line):  # in quotes it is read as a blank
            return number, _(
                "line %(line)d holds an invisible line separator (%(code)s, from text copied out of a word "
                "processor), which YAML takes for a new line: delete it or type the text anew",
                line=number + 1 + offset, code=f"U+{ord(separator):04X}",
            ), KEY_ONLY  # fmt: skip
    if index < len(lines) and (quoted := _explain_quotes(lines, index, offset)) is not None:
        return (*quoted, KEY_ONLY)
    if (bracket := _explain_bracket(lines, index, offset)) is not None:
        return (*bracket, KEY_ONLY)
    if index >= len(lines):
        return None
    return _explain_indent(lines, index, offset)


def _explain_indent(lines: list[str], index: int, offset: int) -> tuple[int, str, str] | None:
    line = lines[index]
    stripped = line.lstrip(" ")
    content = [n for n, text in enumerate(lines[:index]) if _is_content(text)]
    if not stripped or not content:
        return None
    found = len(line) - len(stripped)
    first = len(_indent(lines[content[0]]))
    if first > found and all(len(_indent(lines[n])) >= first for n in content):
        # the first field is indented, not the line PyYAML stumbles on: the fields of a
        # header begin at the start of the line
        return content[0], ngettext(
            "line %(line)d begins after %(n)d space; the first fields begin at the start of the line",
            "line %(line)d begins after %(n)d spaces; the first fields begin at the start of the line",
            first, line=content[0] + 1 + offset,
        ), REINDENT  # fmt: skip
    columns = _columns(lines[:index])
    previous = lines[content[-1]]
    parent = lines[content[-2]] if len(content) >= 2 else ""
    usual = _fields_column(parent) + 2  # the fields under "cover:"
    if parent.rstrip().endswith(":") and found == usual and len(_indent(previous)) > usual:
        # the first field under "cover:" went too deep, not this one: its fields below begin here
        return content[-1], ngettext(
            "line %(line)d begins after %(n)d space, the field below it after %(below)d; fields that belong "
            "together begin in the same column",
            "line %(line)d begins after %(n)d spaces, the field below it after %(below)d; fields that belong "
            "together begin in the same column",
            len(_indent(previous)), line=content[-1] + 1 + offset, below=found,
        ), REINDENT_AS_NEXT  # fmt: skip
    opened = previous.rstrip().endswith(":")  # "events:", "- cover:": the next line may go deeper
    if opened and found > len(_indent(previous)):
        return None  # a first nested line is not mis-indented: PyYAML's own error says what is wrong
    if found not in columns:
        return index, ngettext(
            "line %(line)d is indented differently from the lines before it: it begins after %(n)d space, "
            "the lines before after %(columns)s; fields that belong together begin in the same column",
            "line %(line)d is indented differently from the lines before it: it begins after %(n)d spaces, "
            "the lines before after %(columns)s; fields that belong together begin in the same column",
            found, line=index + 1 + offset, columns=", ".join(str(c) for c in sorted(columns)),
        ), REINDENT  # fmt: skip
    return None


_QUOTED_TEXT = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'')
_FLOW_START = re.compile(r"^\s*(?:- )?(?:[^\s:#\"'][^:#]*:\s+)?([\[{])")


def _unclosed(line: str) -> str | None:
    """The bracket a value opens on ``line`` (``contacts: [anna, ben``) and never closes there."""
    start = _FLOW_START.match(line)
    if start is None:
        return None
    bare = _QUOTED_TEXT.sub("", line.split(" #", 1)[0])
    opening = start.group(1)
    closing = "]" if opening == "[" else "}"
    return opening if bare.count(opening) > bare.count(closing) else None


def _explain_bracket(lines: list[str], index: int, offset: int) -> tuple[int, str] | None:
    """A list or mapping in brackets left open: PyYAML stumbles on a later line (or the end)."""
    for number in range(min(index, len(lines) - 1), max(-1, index - 30), -1):
        if (opening := _unclosed(lines[number])) is not None:
            return number, _(
                'line %(line)d: the "%(bracket)s" is not closed on its line; end the list there with "%(closing)s"',
                line=number + 1 + offset, bracket=opening, closing="]" if opening == "[" else "}",
            )  # fmt: skip
    return None


def _explain_error(lines: list[str], index: int, offset: int, err: yaml.YAMLError) -> tuple[int, str, str] | None:
    """The slip behind PyYAML's ``err`` at ``index``, explained, with how it is mended."""
    found = _explain_at(lines, index, offset)
    if found is None and "mapping values are not allowed" in str(err):
        colon = _explain_colon(lines, index, offset)
        found = (index, colon, KEY_ONLY) if colon is not None else None
    if found is None:
        # a quote never closed: PyYAML reads on to the next quotation mark (or the end) and
        # stumbles there; the line that opened it is before
        quoted = _explain_quotes(lines, index, offset, reach=index + 1)
        found = (*quoted, KEY_ONLY) if quoted is not None else None
    context = getattr(err, "context_mark", None)
    if found is None and "could not find expected ':'" in str(err) and context is not None:
        number = _Lines("\n".join(lines))(context)
        if 0 <= number < len(lines) and ":" not in lines[number]:
            # explained, but not mended: without its colon nobody knows what the line was meant to be
            found = (number, _(
                'line %(line)d has no colon; write a field as "name: value"', line=number + 1 + offset,
            ), GIVE_UP)  # fmt: skip
    return found


def _slip_on(written: list[str], lines: list[str], number: int, offset: int) -> str | None:
    """The slip on line ``number`` itself: a slip found after lines were mended is reported only
    if the line is one as written (a tab, a quote, a bracket, a colon), or, for its indentation,
    against the lines before it as mended (not a slip the mending made)."""
    line = written[number]
    if "\t" in _indent(line):
        return _tab_message(number, offset)
    if (mark := _quote_slip(line)) is not None:
        return _quote_message(mark, number, offset)
    if (bracket := _explain_bracket(written, number, offset)) is not None and bracket[0] == number:
        return bracket[1]
    if ": " in line.partition(": ")[2] and (colon := _explain_colon(written, number, offset)) is not None:
        return colon
    if (indented := _explain_indent([*lines[:number], line], number, offset)) is not None and indented[0] == number:
        return indented[1]
    return None


_KEY_AND_QUOTED = re.compile(r'^\s*(?:- )?[^\s:#"\'][^:#]*:\s+(["\'])(.*)$')


def _quote_slip(line: str) -> str | None:
    """The quotation mark a value on ``line`` begins with, if it holds another one of its kind
    or does not close it on the line."""
    match = _KEY_AND_QUOTED.match(line)
    if match is None:
        return None
    mark, rest = match.group(1), match.group(2).split(" #", 1)[0].rstrip()
    inner = rest[:-1] if rest.endswith(mark) else rest
    escaped = inner.replace('\\"', "") if mark == '"' else inner.replace("''", "")
    return mark if mark in escaped or not rest.endswith(mark) or not rest else None


def _quote_message(mark: str, number: int, offset: int) -> str:
    if mark == '"':
        return _(
            'line %(line)d: the value begins with a quotation mark and holds another one, or does not '
            "close it; inside \"...\" write „...“ or '...', or put the whole value in single quotes",
            line=number + 1 + offset,
        )  # fmt: skip
    return _(
        "line %(line)d: the value begins with an apostrophe and holds another one, or does not close it; "
        "inside '...' write an apostrophe twice (''), or put the whole value in double quotes",
        line=number + 1 + offset,
    )  # fmt: skip


def _explain_quotes(lines: list[str], index: int, offset: int, reach: int = 3) -> tuple[int, str] | None:
    """A value that begins with a quotation mark and holds another one inside ("Workshop "Kommunale
    Sicht" startet"), or never closes it: the editor's usual slip with quoted titles. The line where
    the quote opens, at or up to ``reach`` lines before the one PyYAML names."""
    for number in range(min(index, len(lines) - 1), max(-1, index - reach), -1):
        if (mark := _quote_slip(lines[number])) is not None:
            return number, _quote_message(mark, number, offset)
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
        line=index + 1 + offset, example=f"{key.strip()}: {_in_quotes(value.strip())}",
    )  # fmt: skip


_TYPOGRAPHIC_QUOTES = ("“", "”", "„", "‚", "‘", "’", "«", "»", "‹", "›")


def _in_quotes(value: str) -> str:
    """``value`` as YAML in quotes, for a suggestion: a value an editor put in typographic quotes
    (from a word processor) without them (YAML's quotes are the straight ones, and kept, those
    would be part of the title), in double quotes unless it holds one."""
    if len(value) > 1 and value.startswith(_TYPOGRAPHIC_QUOTES) and value.endswith(_TYPOGRAPHIC_QUOTES):
        value = value[1:-1].strip()
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


_KEY = re.compile(r"^(\s*(?:- )?)([^\s:#\"'][^:#]*):(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Repaired:
    text: str
    mended: frozenset[int]  # the lines changed (0-based): indented anew, or rewritten
    rewritten: frozenset[int]  # those of them whose value was replaced (only the key kept)
    # the slips found after the first (which parse_yaml reports), explained: only those that
    # are slips of the file as written, not ones the mending made
    later_slips: tuple[tuple[int, str], ...]


MAX_REPAIRS = 20
MAX_REPAIRED_CHARS = 50_000  # a front-matter is a few kilobytes; beyond this mending costs too much


def repaired_yaml(text: str, offset: int = 0) -> Repaired | None:
    """``text`` with the lines PyYAML cannot read mended well enough to be read, so that a
    file's other fields are still checked after a YAML error (the error itself is reported by
    parse_yaml): a tab or a mis-indented line is indented as the line before it suggests; a
    value with a quote in its quotes, an open bracket or ": " keeps only its key. Only slips
    explain_syntax (or the colon rule) can explain are mended: where PyYAML stumbles on
    something else, nothing is guessed and None is returned. ``offset``: the file's lines
    before ``text``, for the explanations."""
    if len(text) > MAX_REPAIRED_CHARS:
        return None
    written = text.split("\n")
    lines = list(written)
    mended: dict[int, int] = {}
    rewritten: set[int] = set()
    slips: list[tuple[int, str]] = []
    for attempt in range(MAX_REPAIRS):
        joined = "\n".join(lines)
        try:
            yaml.compose(joined, Loader=_Loader)
        except yaml.MarkedYAMLError as err:
            index = min(_Lines(joined)(err.problem_mark or err.context_mark), len(lines) - 1)
            found = _explain_error(lines, index, offset, err)
            if found is None:
                return None
            number, _message, how = found
            tries = mended[number] = mended.get(number, 0) + 1
            if tries > 2 or how == GIVE_UP:
                return None
            if attempt > 0 and tries == 1 and (slip := _slip_on(written, lines, number, offset)) is not None:
                slips.append((number, slip))
            way = how if how in (REINDENT, REINDENT_AS_NEXT) and tries == 1 else KEY_ONLY
            lines[number] = _mended(lines, number, way)
            if way == KEY_ONLY:
                rewritten.add(number)
            continue
        except yaml.YAMLError:
            return None
        return Repaired(joined, frozenset(mended), frozenset(rewritten), tuple(slips))
    return None


def _mended(lines: list[str], index: int, how: str) -> str:
    line = lines[index]
    stripped = line.lstrip()  # a no-break space in the indentation too
    before = [text for text in lines[:index] if _is_content(text)]
    following = next((text for text in lines[index + 1 :] if _is_content(text)), None)
    column = 0  # where the line before suggests it begins: beside that line's fields, or under its "key:"
    if before:
        column = _fields_column(before[-1]) + (2 if before[-1].rstrip().endswith(":") else 0)
    if how == REINDENT_AS_NEXT:
        return " " * (len(_indent(following)) if following is not None else column) + stripped
    if how == REINDENT:
        if stripped.startswith("- "):  # a list item: where the items before it begin
            siblings = [text for text in reversed(before) if text.lstrip().startswith("- ")]
            if siblings and len(_indent(siblings[0])) <= column:
                column = len(_indent(siblings[0]))
        return " " * column + stripped
    key = _KEY.match(line)
    if key is None:
        return ""
    dash = "- " if key.group(1).strip() == "-" else ""
    if key.group(2).startswith(("{", "[")):  # "- {person: x, quote: ...": the item itself is broken
        return " " * len(_indent(key.group(1))) + dash + '"?"'
    start = " " * len(_indent(key.group(1)).replace("\t", "  ")) + dash
    if following is not None and "\t" not in _indent(following) and len(_indent(following)) > len(start):
        return f"{start}{key.group(2)}:"  # the lines below are its value (statements: ... then its list)
    return f'{start}{key.group(2)}: "?"'


def check_despite_slip(
    text: str, offset: int, diag: Diagnostics, path: str, read: Callable[[YNode, Diagnostics], T]
) -> T | None:
    """After parse_yaml reported a YAML error in ``text``: ``read`` the text as mended by
    repaired_yaml into a list of its own, and report its problems, with the later slips
    explained, except those of a line whose value the mending replaced. So one YAML slip does
    not hide the file's other problems. Returns what ``read`` returned, or None where the text
    could not be mended."""
    repaired = repaired_yaml(text, offset)
    if repaired is None:
        return None
    found = Diagnostics()
    root = parse_yaml(repaired.text, found, path, line_offset=offset)
    if root is None:
        return None
    done = read(root, found)
    for index, slip in repaired.later_slips:
        diag.error(Location(path, index + 1 + offset), _("YAML: %(explanation)s", explanation=slip))
    rewritten = {index + 1 + offset for index in repaired.rewritten}
    for problem in found.problems:
        # a rewritten line's value is the mending's; a line indented anew keeps the editor's
        if problem.location.path != path or problem.location.line not in rewritten:
            diag.problems.append(problem)
    return done


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
        index = _Lines(text)(err.problem_mark or err.context_mark)
        lines = text.split("\n")
        explained = _explain_error(lines, index, line_offset, err)
        if explained is not None:
            index, message = explained[0], _("YAML: %(explanation)s", explanation=explained[1])
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
        return _Walker(diag, path, line_offset, allow_tags, _Lines(text)).walk(root)
    except _TooBig:
        return None
