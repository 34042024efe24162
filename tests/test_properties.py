"""Property-based tests: whatever an editor writes, the loader reports clean problems, never crashes."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import markdown
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from generator.content import load_project
from generator.content.bodyrefs import find_images, find_links
from generator.content.fields import YEARS, parse_when
from generator.content.issues import EVENT_KEYS, ISSUE_KEYS
from generator.content.people import PHOTO_KEYS
from tests.conftest import make_project, write_images

PROBLEM = re.compile(r"^content/newsletter/zufall\.md(:\d+)?: (error|warning): \S.*$", re.DOTALL)
KEYS = list(ISSUE_KEYS + EVENT_KEYS + PHOTO_KEYS) + ["person", "quote", "name", "x", "on", "no", ""]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
    st.dates().map(str), st.sampled_from(["2026-09-25 15:00", "19:00", "media/foto.jpg", "anna-muster", "no", "~", "01234"]),
)  # fmt: skip
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    max_leaves=20,
)
front_matter = st.dictionaries(st.sampled_from(KEYS), values, max_size=12)

_root: Path | None = None


def project_root() -> Path:
    """One project reused by every example (only the random issue file changes)."""
    global _root
    if _root is None:
        _root = Path(tempfile.mkdtemp(prefix="rundbrief-hypothesis-"))
        write_images(_root / "images")
        make_project(_root / "projekt", _root / "images")
    return _root / "projekt"


def check_file(data: bytes) -> None:
    root = project_root()
    (root / "content" / "newsletter" / "zufall.md").write_bytes(data)
    result = load_project(root)
    for problem in result.diagnostics.problems:
        text = str(problem)
        if problem.location.path != "content/newsletter/zufall.md":
            # only cross-file messages may name another file, and they name this one
            assert "zufall.md" in text or "2026-01.md" in text, text
            continue
        assert PROBLEM.match(text), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front_matter)
def test_random_front_matter_never_crashes(data: dict[str, Any]) -> None:
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    check_file(f"---\n{dumped}---\nText\n".encode())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_as_front_matter_never_crashes(text: str) -> None:
    check_file(f"---\n{text}\n---\n".encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash(data: bytes) -> None:
    check_file(b"---\n" + data)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_parse_when_returns_a_value_or_none(text: str) -> None:
    parse_when(text, ZoneInfo("Europe/Berlin"))


@settings(max_examples=500, deadline=None)
@given(
    st.dates(),
    st.integers(0, 99),
    st.integers(0, 99),
    st.sampled_from(["", "Z", "+", "-"]),
    st.integers(0, 99),
    st.integers(0, 99),
    st.booleans(),
)
def test_parse_when_datetime_shapes(day: Any, hour: int, minute: int, sign: str, oh: int, om: int, iso: bool) -> None:
    """Every date with any clock and offset digits: a moment in Berlin time, or None."""
    written = day.isoformat() if iso else day.strftime("%d.%m.") + str(day.year)
    offset = f"{sign}{oh:02d}:{om:02d}" if sign in "+-" and sign else sign
    value = parse_when(f"{written} {hour:02d}:{minute:02d}{offset}", ZoneInfo("Europe/Berlin"))
    if value is not None:
        assert getattr(value, "tzinfo", None) == ZoneInfo("Europe/Berlin")
    if hour < 24 and minute < 60 and not offset and YEARS[0] <= day.year <= YEARS[1]:
        assert value is not None
    if not YEARS[0] <= day.year <= YEARS[1]:
        assert value is None  # far from any process: an error, never a crash in the calendar


def teardown_module() -> None:
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)


def test_a_field_named_with_invisible_characters_is_shown_in_quotes() -> None:
    """Found by test_random_text_as_front_matter_never_crashes: a no-break space as a field name
    made a message that began with a blank."""
    root = project_root()
    (root / "content" / "newsletter" / "zufall.md").write_bytes("---\n\xa0:\n---\n".encode())
    shown = [str(p) for p in load_project(root).diagnostics.problems if "zufall" in p.location.path]
    assert 'content/newsletter/zufall.md:2: warning: "\\xa0": unknown field, ignored' in shown, shown


_INLINE_PIECES = st.lists(
    st.sampled_from(["[", "]", "(", ")", " ", '"', "\\", "a", "b.md", "!", "x y.pdf", "][", "<", ">"]),
    min_size=1, max_size=8,
).map("".join)  # fmt: skip
_LINE_STARTS = st.sampled_from(["", "", "", "- ", "1. ", "> ", "# ", "    ", "[a]: c.md", "[b]: <d d.md>"])
_MARKDOWN_BODIES = st.lists(
    st.tuples(st.tuples(_LINE_STARTS, _INLINE_PIECES).map("".join), st.sampled_from(["\n", "\n", "\n\n"])),
    min_size=1, max_size=5,
).map(lambda lines: "".join(line + end for line, end in lines))  # fmt: skip


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(_MARKDOWN_BODIES)
@example('[[]("\n]("(\n')  # a title left open: the conversion goes on with the text's last character
@example("[a]: c.md[\n- [\n>\n\n    [\n[a]: c.md ]\n")  # a quote after a definition ends the list
@example("- []([\n    [)\n")  # a tight item's next line keeps its indent
def test_the_check_reads_every_link_and_image_as_the_conversion_does(body: str) -> None:
    """What check_body and check_links check is what Python-Markdown makes of a text: the same
    addresses of links and images (brackets, parentheses, quotes, escapes and spaces in them, a
    link over two lines, reference definitions, list items, quotes, headings, indented code).
    Left out: underlines of setext headings (a line of "-" or "=" under a paragraph), a definition
    among a list item's lines, and code spans (body_lines' own tests): which of two readings wins
    there is Python-Markdown's block order."""
    assume(not re.search(r"^\s*[-=]+\s*$", body, re.MULTILINE))
    # a definition among a list item's lines: Python-Markdown joins the item's text around it again
    assume(not re.search(r"^(?:- |1\. )[^\n]*\n(?:[^\n]+\n)*?\[[ab]\]: ", body, re.MULTILINE))
    converted = markdown.markdown(body)
    assume("\x02" not in converted)  # Python-Markdown's own placeholder left in its output
    links = [html.unescape(href) for href in re.findall(r'<a href="([^"]*)"', converted) if href]
    images = [html.unescape(src) for src in re.findall(r'<img [^>]*?src="([^"]*)"', converted) if src]
    assert sorted(link.src for link in find_links(body, 1)) == sorted(links), converted
    assert sorted(image.src for image in find_images(body, 1)) == sorted(images), converted


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß[]()!*_`#-.,:;", min_size=1, max_size=12).filter(
    lambda word: word[0].isalpha()  # a written line must not start a YAML comment, list or other node
)


@given(
    paragraphs=st.lists(st.lists(st.lists(_WORDS, min_size=1, max_size=5), min_size=1, max_size=4), min_size=1, max_size=4),
    blanks=st.lists(st.integers(min_value=1, max_value=3), min_size=4, max_size=4),
    style=st.sampled_from([">", ">-", ">+", "plain", "double", "single"]),
)
@settings(max_examples=300, deadline=None)
def test_each_line_of_a_folded_text_begins_on_the_written_line_named_for_it(
    paragraphs: list[list[list[str]]], blanks: list[int], style: str
) -> None:
    """YScalar.line_starts: for every line of the value's text (a folded, quoted or plain value
    over several lines joins a paragraph's lines), the written line it names holds that line's
    first word, and no line of the text begins above the one before it."""
    from generator.content.yamlnodes import YMap, YScalar, parse_yaml
    from generator.diagnostics import Diagnostics

    written: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        if number:
            written += [""] * blanks[number]
        written += [" ".join(words) for words in paragraph]
    if style in ("double", "single"):
        quote = '"' if style == "double" else "'"
        assume(not any(mark in line for line in written for mark in ('"', "'", "\\")))
        body = "\n  ".join(written).replace("\n  \n", "\n\n")
        text = f"vorher: x\nwert: {quote}{body}{quote}\n"
    elif style == "plain":
        assume(not any(": " in line or " #" in line or line.endswith(":") for line in written))
        assume(not any(line[:1] in tuple("[]!*`#-.,:;") for line in written))
        body = "\n  ".join(written).replace("\n  \n", "\n\n")
        text = f"vorher: x\nwert: {body}\n"
    else:
        body = "\n".join(f"  {line}" if line else "" for line in written)
        text = f"vorher: x\nwert: {style}\n{body}\n"
    diag = Diagnostics()
    node = parse_yaml(text, diag, "f.md")
    assume(isinstance(node, YMap) and not diag.problems)
    assert isinstance(node, YMap)
    value = node.entries["wert"][1]
    assert isinstance(value, YScalar)
    starts = value.line_starts()
    lines = text.split("\n")
    if not starts:  # one line as written: nothing to say
        assert len(written) == 1 and not style.startswith(">"), (text, value.text)
        return
    assert len(starts) == len(value.text.split("\n"))
    assert list(starts) == sorted(starts)
    for text_line, start in zip(value.text.split("\n"), starts, strict=True):
        if text_line.strip():
            as_written = lines[start - 1].removeprefix("wert:").strip().strip("'\"").split()
            assert as_written and as_written[0] == text_line.split()[0], (text, value.text, starts)
