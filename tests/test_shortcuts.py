"""The speed shortcuts give exactly what the slow, general code gives.

markup.Converter skips Python-Markdown for plain one-line text and puts smarty's patterns behind
a substring test; plaintext.fill replaces textwrap.fill. Both are checked against the real thing on generated input, including input
full of the characters the shortcuts must not take.
"""

from __future__ import annotations

import re
import textwrap

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import markup
from generator.content.model import MKDOCS_EXTENSIONS, MarkdownDialect
from generator.htmltags import without_comments
from generator.plaintext import fill
from generator.routes import Routes

# The example's dialect: MkDocs' built-ins, its markdown_extensions, and smarty with German quotes.
DIALECT = MarkdownDialect(
    (*MKDOCS_EXTENSIONS, "attr_list", "md_in_html", "admonition", "sane_lists", "smarty"),
    {"smarty": {"substitutions": {"left-double-quote": "&bdquo;", "right-double-quote": "&ldquo;"}}},
)
ROUTES = Routes.create("https://example.org/")


_CONVERTER = markup.Converter(DIALECT, ROUTES)


def _convert(text: str) -> str:
    return _CONVERTER.convert(text, "newsletter").html


def _reference(text: str) -> str:
    """Stock Python-Markdown with the same extensions: no shortcut, no guarded smarty patterns
    (and, as the conversion does, without HTML comments)."""
    references = markup._ReferencesExtension(ROUTES)
    converter = markdown.Markdown(
        extensions=[*DIALECT.extensions, references], extension_configs=DIALECT.configs, output_format="html"
    )
    assert references.processor is not None
    references.processor.folder = "newsletter"
    return without_comments(converter.convert(text))


# Mostly ordinary sentence characters, with every character that has a meaning in Markdown,
# smarty or HTML mixed in, so both paths of the shortcut are taken many times.
_SENTENCE = st.text(
    alphabet=st.sampled_from(list("abcdeäöüßXYZ  ,.;:?()/%@$0123456789-") + list("\\`*_[]{}<>!#&\"'|~^=+\t\n\u00a0\u2003\u200b\x02")),
    max_size=60,
)


@settings(max_examples=1500, deadline=None)
@given(_SENTENCE)
def test_plain_text_shortcut_matches_python_markdown(text: str) -> None:
    assert _convert(text) == _reference(text)


@given(st.lists(st.sampled_from(["Ein", "Satz", "über", "die", "Zukunftswerkstatt", "in", "Güstrow", "(Landkreis)", "–"]), min_size=1, max_size=12))
def test_plain_sentences_take_the_shortcut(words: list[str]) -> None:
    text = " ".join(words) + "."
    assert markup._is_plain(text), text  # the shortcut is really used for ordinary quotes
    assert _convert(text) == _reference(text) == f"<p>{text}</p>"


# Markdown documents: paragraphs, lists, quotes, emphasis, code, links, and everything smarty
# educates (straight and typographic quotes, apostrophes, decades, dashes, ellipses, angle quotes).
_PIECES = st.sampled_from([
    "Wort", "Güstrow", " ", " ", "\n", "\n\n", "- ", "1. ", "> ", "## ", "*", "**", "_", "`code`", "[Link](x.md)",
    "'", '"', "„", "“", "'90s", "don't", "--", "---", "-", "...", "....", ".", "<<", ">>", "&", "&nbsp;", "(", ")",
    "\\'", '\\"', "<b>", "</b>", "{: .x}", "\t",
])
_DOCUMENT = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_DOCUMENT)
def test_guarded_smarty_converts_as_python_markdown(text: str) -> None:
    assert _convert(text) == _reference(text)


_WORDS = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=30),
    max_size=40,
)


@settings(max_examples=500, deadline=None)
@given(_WORDS, st.sampled_from(["", "- ", "12. "]), st.integers(min_value=20, max_value=90))
def test_fill_matches_textwrap(words: list[str], prefix: str, width: int) -> None:
    text = " ".join(words)
    rest = " " * len(prefix)
    expected = textwrap.fill(text, width, initial_indent=prefix, subsequent_indent=rest, break_long_words=False, break_on_hyphens=False)
    assert fill(text, width, prefix, rest) == expected


def _fill_word_by_word(text: str, width: int, initial_indent: str, subsequent_indent: str) -> str:
    """plaintext.fill as it was: words taken one by one (itself checked against textwrap above
    for single spaces), for any spacing."""
    lines: list[str] = []
    words: list[str] = []
    indent, room = initial_indent, width - len(initial_indent)
    length = 0
    for word in re.split(r"[\t\n\x0b\x0c\r ]+", text):
        if not word:
            continue
        if words and length + 1 + len(word) > room:
            lines.append(indent + " ".join(words))
            indent, room = subsequent_indent, width - len(subsequent_indent)
            words, length = [word], len(word)
        else:
            length += len(word) + (1 if words else 0)
            words.append(word)
    if words:
        lines.append(indent + " ".join(words))
    return "\n".join(lines)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bc", "\u00e4", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\u00a0", "x" * 9]), max_size=40).map(
        "".join
    ),
    st.sampled_from(["", "- ", "12. ", "  - ", "x" * 12]),
    st.integers(min_value=0, max_value=30),
)
def test_fill_matches_the_word_by_word_wrap(text: str, prefix: str, width: int) -> None:
    """Any spacing, indents as long as the line or longer, words longer than it."""
    rest = " " * len(prefix)
    assert fill(text, width, prefix, rest) == _fill_word_by_word(text, width, prefix, rest)


def test_fill_keeps_a_long_url_whole() -> None:
    url = "https://zukunftswerkstatt.example.org/newsletter/2026-03/" + "x" * 80
    wrapped = fill(f"Mehr dazu unter {url} und auf der Seite.", 76)
    assert url in wrapped.split("\n")
    assert all(len(line) <= 76 for line in wrapped.split("\n") if line != url)


def test_an_address_written_in_angle_brackets_is_a_mailto_link() -> None:
    """``<info@example.org>``: Python-Markdown writes its letters as entities, through a
    placeholder; the link rewriting must leave it alone (it made a site address of it, and the
    build failed on an email linking to a page the site lacks: found by an editor's test)."""
    import html
    import re

    converted = _convert("Schreiben Sie an <info@example.org>.")
    href = re.search(r'href="([^"]*)"', converted)
    assert href is not None
    assert html.unescape(href.group(1)) == "mailto:info@example.org"


_HTML_PIECES = st.lists(
    st.sampled_from([
        "<p>", "</p>", "<pre>", "</pre>", "<code>", "</code>", "<style>", "</style>", "<!--", "-->", "<a href=\"",
        "\">", "<wbr>", " ", "\n", "Kreisentwicklungskonzept", "Beteiligungsprozesses", "BÜRGERBETEILIGUNG",
        "www.zukunftswerkstatt.example.org/termine", "https://example.org/a/b/c/d/e/f/g/h", "anna.muster@example.org",
        "kurz", ".", "/", "@", "&amp;", "<", ">", "\"", "Straße", "–",
    ]),
    max_size=60,
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(_HTML_PIECES)
def test_hyphenating_a_large_page_piece_by_piece_gives_the_same(pieces: list[str]) -> None:
    """hyphenation._hyphenate_large (pages over LARGE characters: the events page of a thousand
    issues) keeps only the changed pieces; it must give what the split of all pieces gives."""
    from generator import hyphenation

    html = "".join(pieces)
    assert hyphenation._PROTECTED.split(html) == _reference_runs().split(html)
    split = hyphenation._PROTECTED.split(html)
    split[0::2] = [hyphenation._changed(text, hyphenation.WBR) for text in split[0::2]]
    assert hyphenation._hyphenate_large(html, hyphenation.WBR) == "".join(split)


def _reference_runs() -> re.Pattern[str]:
    """_PROTECTED as it was written first: without the lookahead that lets the engine skip text."""
    from generator import hyphenation

    alternatives = (hyphenation._COMMENT_RUN, hyphenation._ELEMENT_RUN, hyphenation._TAG_RUN, r"\s+")
    return re.compile(r"((?:" + "|".join(alternatives) + r")+)", re.DOTALL | re.IGNORECASE)


def _reference_part(html: str) -> str:
    """hyphenate_html as it was: one split by _PROTECTED as written first, each text between its
    runs changed."""
    from generator import hyphenation

    pieces = _reference_runs().split(html)
    pieces[0::2] = [hyphenation._changed(text, hyphenation.WBR) for text in pieces[0::2]]
    return "".join(pieces)


def _reference_hyphenation(html: str) -> str:
    """The same, each <pre> element (to its own end tag) left out and kept as it is."""
    out, last = [], 0
    for block in re.finditer(r"<pre\b.*?</pre\s*>", html, re.DOTALL | re.IGNORECASE):
        out += (_reference_part(html[last : block.start()]), block.group())
        last = block.end()
    return "".join(out) + _reference_part(html[last:])


_OPEN_PIECES = st.lists(
    st.sampled_from([
        "<p>", "</p>", "<pre>", "</pre>", "<code>", "</code>", "<!--", "-->", "<!-->", "--", "<", ">", " ", "\n",
        "<pre title='</code>'>", "<script>", "</SCRIPT >", "Kreisentwicklungskonzept", "www.example.org/a/b/c/d/e/f",
        "anna.muster@example.org", "x",
    ]),
    max_size=60,
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(_OPEN_PIECES)
def test_hyphenating_in_segments_gives_what_one_split_gives(pieces: list[str]) -> None:
    """hyphenation._segments: after the first comment, protected element or tag that cannot be
    closed, a pattern without that alternative gives the same split (in one pass instead of one
    look to the end of the text per opening)."""
    from generator import hyphenation

    html = "".join(pieces)
    assert hyphenation.hyphenate_html(html, hyphenation.WBR) == _reference_hyphenation(html)
    assert hyphenation._hyphenate_large(html, hyphenation.WBR) == _reference_part(html)


@pytest.mark.parametrize("opening", ["<!-- ", "<pre>", "<code class='x'>", "< "])
def test_thousands_left_open_are_split_in_one_pass(opening: str) -> None:
    """Each kind left open thousands of times: the text after the first is split by a pattern
    that no longer looks for its end, and the result is the one split's."""
    from generator import hyphenation

    html = "<p>Anfang</p>" + ("Beteiligungsprozess " + opening) * 3000
    segments = hyphenation._segments(html)
    assert len(segments) >= 2 and segments[-1][0] == html.index(opening.strip(), len("<p>Anfang</p>"))
    assert segments[-1][2] is not hyphenation._PROTECTED
    assert hyphenation.hyphenate_html(html, hyphenation.WBR) == _reference_hyphenation(html)


@settings(max_examples=500, deadline=None)
@given(_HTML_PIECES, st.integers(min_value=1, max_value=120))
def test_hyphenating_a_page_as_it_is_made_gives_the_same(pieces: list[str], part: int) -> None:
    """hyphenation.hyphenate_stream (the events, statements and archive pages, written as their
    templates make them) cuts only where hyphenating the whole page gives the same, also with
    tags, comments and protected elements left open or closed later."""
    from generator import hyphenation

    streamed = list(hyphenation.hyphenate_stream(pieces, hyphenation.WBR, part))
    assert "".join(streamed) == hyphenation.hyphenate_html("".join(pieces), hyphenation.WBR)


@pytest.mark.parametrize(
    "pieces",
    [
        ["<pre>a>", "Kreisentwicklungskonzept", "<!--", "</pre>", "Beteiligungsprozesses"],
        ["<pre>a>", "Kreisentwicklungskonzept", "</pre", ">", "Beteiligungsprozesses"],
        ["<!-- a >", "Kreisentwicklungskonzept", "-->", "Beteiligungsprozesses"],
        ["<code>x</code><pre>a>b", "Kreisentwicklungskonzept", "<", "/pre>Beteiligungsprozesses"],
        ["<p title='a>b", "Kreisentwicklungskonzept", "'>", "Beteiligungsprozesses"],
        ["<script>a > b", "Kreisentwicklungskonzept", "</script>", "Beteiligungsprozesses"],
        ["a > b Kreisentwicklungskonzept >", "Beteiligungsprozesses www.example.org/", ">", "termine/ab"],
        # a <pre> goes on after its code: no part ends between </code> and </pre>
        ["<pre><code>x</code>", "Kreisentwicklungskonzept", "</pre>", "Beteiligungsprozesses"],
        ["<p>a</p><pre><code>x</code> >", "Kreisentwicklungskonzept >", "</PRE >", "Beteiligungsprozesses"],
    ],
)
def test_a_part_never_ends_inside_what_a_later_piece_closes(pieces: list[str]) -> None:
    from generator import hyphenation

    streamed = list(hyphenation.hyphenate_stream(pieces, hyphenation.WBR, part=1))
    assert "".join(streamed) == hyphenation.hyphenate_html("".join(pieces), hyphenation.WBR)


def test_a_page_made_in_pieces_is_hyphenated_in_parts() -> None:
    """The stream holds one part at a time, not the page: a page of event cards with JSON-LD
    scripts and code comes out in parts of about the size asked for."""
    from generator import hyphenation

    card = (
        '<script type="application/ld+json">{"name": "Kreisentwicklungskonzept"}</script>\n'
        '<article id="e{0}"><h3>Regionalkonferenz {0}</h3><p>Beteiligungsprozess <code>x > y</code> '
        "<!-- Hinweis -->www.zukunftswerkstatt.example.org/termine/e{0}.ics</p></article>\n"
    )
    pieces = [card.replace("{0}", str(number)) for number in range(3000)]
    parts = list(hyphenation.hyphenate_stream(pieces, hyphenation.WBR, part=8192))
    assert "".join(parts) == hyphenation.hyphenate_html("".join(pieces), hyphenation.WBR)
    assert len(parts) > 40
    assert max(len(part) for part in parts) < 3 * 8192
    assert "Regi\u00ado\u00adnal\u00adkon\u00adfe\u00adrenz" in parts[0]  # the text is changed, the script not
    assert '{"name": "Kreisentwicklungskonzept"}' in parts[0]


_MARKUP = st.lists(
    st.sampled_from([
        "<", ">", "<!--", "-->", "<!-->", "-", "!", "/", "=", '"', "'", " ", "\n", "p", "a", "img", "STYLE", "style",
        "script", "</style>", "</STYLE >", "</script>", " href=", " SRC=", "background=", ' alt="x>y"', "x",
        "https://example.org/a", "&amp;", "{{", "%}", "\u00a0", "\u017f", "\u212a", "h", "s", "b", "\u00e4",
    ]),
    max_size=50,
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(_MARKUP)
def test_the_email_lint_reads_the_tags_the_reference_scan_reads(pieces: list[str]) -> None:
    """lint._elements reads comments, tags and lone "<" in one pattern; it must find what the scan
    it replaced found (a search for the next "<!--" or "<letter", then the tag matched there)."""
    from generator.email import lint

    html = "".join(pieces)
    assert lint._elements(html) == _reference_elements(html)


def _reference_elements(html: str) -> list[tuple[str, str]]:
    start_tag = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)/?>")
    found: list[tuple[str, str]] = []
    position = 0
    while (start := re.compile(r"<!--|<[a-zA-Z]").search(html, position)) is not None:
        if html.startswith("<!--", start.start()):
            end = re.compile(r"-->").search(html, start.end())
            position = end.end() if end else len(html)
            continue
        match = start_tag.match(html, start.start())
        if match is None:
            position = start.end()
            continue
        tag = match.group(1).lower()
        found.append((tag, match.group(2)))
        position = match.end()
        if tag in ("style", "script"):
            end = re.compile(rf"</{tag}\s*>", re.IGNORECASE).search(html, position)
            position = end.end() if end else len(html)
    return found


@settings(max_examples=2000, deadline=None)
@given(_MARKUP)
def test_the_address_scan_finds_what_one_pattern_finds(pieces: list[str]) -> None:
    """linkcheck scans for each attribute name by itself, over bytes in lower case, and merges:
    the values one case-blind pattern of all three finds, in the same order."""
    from generator import linkcheck

    html = "".join(pieces)
    reference = re.compile(
        r"""(?<=[\s"'])(?:href|src|background)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE | re.ASCII
    )
    expected = [__import__("html").unescape(next(g for g in m.groups() if g is not None)).strip() for m in reference.finditer(html)]
    assert linkcheck.addresses(html, "") == [a for a in expected if a]


def test_the_address_scan_reads_attributes_as_a_browser_separates_them() -> None:
    """A name after a value's closing quote begins an attribute (a browser reads it so); one in a
    value is text; one after a no-break space or a letter is part of another name."""
    from generator.linkcheck import addresses

    assert addresses('<a href="a"src="b">', "") == ["a", "b"]
    assert addresses("<a href='x src=y' src=\"z\">", "") == ["x src=y", "z"]
    assert addresses('<a href="a src=\'b" src=\'c\'>', "") == ["a src='b", "c"]
    assert addresses('<a\u00a0href="a" data-src="b" xhref="c" HREF="d&amp;e">', "") == ["d&e"]


_TEXT_PIECES = st.lists(
    st.sampled_from([
        " ", "\u00a0", "\n", "Kreisentwicklungskonzept", "Beteiligung", "BÜRGERBETEILIGUNG", "Straßenbahnhaltestelle",
        "kurz", ".", "/", "@", ":", "-", "_", "1", "www.", "WWW.", "Www.", "http://", "HTTPS://", "httpſ://",
        "zukunftswerkstatt.example.org/termine/2026", "anna.muster", "example.org", "<", ">", '"', "ſ", "K",
    ]),
    max_size=40,
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(_TEXT_PIECES)
def test_hyphenating_text_gives_what_the_first_version_gave(pieces: list[str]) -> None:
    """hyphenate_text skips the search for addresses where none can be (no "@", no "http" or
    "www." in any case) and looks for long words from their first letter only; the result is
    that of the version without either shortcut. (Two changes of meaning are not generated here
    and have tests of their own in test_hyphenation.py: no word right after "&", the name of an
    entity, and at most 64 characters before an address's "@".)"""
    from generator import hyphenation

    text = "".join(pieces)
    assert hyphenation.hyphenate_text(text) == _reference_hyphenate_text(text)


def _reference_hyphenate_text(text: str) -> str:
    from generator import hyphenation

    word = re.compile(rf"[^\W\d_]{{{hyphenation.MIN_LETTERS},}}")
    parts, last = [], 0
    for address in hyphenation._ADDRESS.finditer(text):
        parts.append(word.sub(hyphenation._hyphenated, text[last : address.start()]))
        found = address.group()
        parts.append(hyphenation._broken_address(found, hyphenation.WBR) if len(found) >= 20 else found)
        last = address.end()
    parts.append(word.sub(hyphenation._hyphenated, text[last:]))
    return "".join(parts)


@settings(max_examples=1000, deadline=None)
@given(_HTML_PIECES)
def test_hyphenating_a_page_whose_markup_closes_gives_what_one_split_gives(pieces: list[str]) -> None:
    """Where every comment, protected element and tag closes, hyphenate_html splits by them alone
    (the white space between them stays in the texts): the same as the split into all runs."""
    from generator import hyphenation

    html = "".join(pieces)
    assert hyphenation.hyphenate_html(html, hyphenation.WBR) == _reference_hyphenation(html)


def _fenced_by_search(lines: list[str]) -> set[int]:
    """bodyrefs._fenced as it was, searching for each opening's closing fence line by line."""
    from generator.content.bodyrefs import _FENCE

    code: set[int] = set()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is not None:
            fence = opening.group(1)
            close = next((i for i in range(index + 1, len(lines)) if lines[i].rstrip() == fence), None)
            if close is not None:
                code.update(range(index, close + 1))
                index = close + 1
                continue
        index += 1
    return code


_FENCE_LINES = st.lists(
    st.sampled_from(["```", "````", "~~~", "~~~~", "``", "```python", "``` ", "```\t", " ```", "~~~ x", "Text", "", "`", "```~"]),
    max_size=40,
)


@settings(max_examples=1500, deadline=None)
@given(_FENCE_LINES)
def test_fenced_blocks_found_by_lookup_are_those_found_by_search(lines: list[str]) -> None:
    from generator.content.bodyrefs import _fenced

    assert _fenced(lines) == _fenced_by_search(lines)
