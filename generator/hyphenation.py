"""Long German words break with a hyphen, on the site and in the email.

``lang="de"`` with ``hyphens: auto`` is enough only where the browser or mail client has a German
hyphenation dictionary; Gmail and Outlook support no ``hyphens`` at all, and a narrow screen then
breaks "Kreisentwicklungskonzept" anywhere, without a hyphen, or scrolls sideways. So long words
get soft hyphens (U+00AD, invisible unless a line breaks there) at the places the German patterns
of LibreOffice (pyphen) allow, and long addresses shown as text (``www.…``, ``name@host``) get a
break opportunity after each ``/`` and ``@``, before each ``.`` and every 20 characters of a longer
run between them (a document ID, a long path). The break opportunity is ``<wbr>`` on the site and
in the email: a character (U+200B) would be copied with the address and break it in a To: field.
Only text is changed: tags,
attributes, comments (Outlook's conditional blocks) and ``script``, ``style``, ``pre``, ``code``,
``textarea`` and ``title`` are left as they are.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path

import pyphen

from generator.cachefiles import read_pickle, write_pickle

SHY = "\u00ad"
WBR = "<wbr>"  # not a character: copied text stays whole (GMX and WEB.DE drop it: see email.css)
MIN_LETTERS = 12  # shorter words fit any line

# From a word's first letter only (the lookbehind): tried inside a shorter word, the engine took
# every letter to its end again, and no match can start there anyway.
# Nor right after "&": that is the name of an entity (&NonBreakingSpace;), which a soft hyphen
# inside would break into text.
_WORD = re.compile(rf"(?<![^\W\d_])(?<!&)[^\W\d_]{{{MIN_LETTERS},}}")
# An address's part before the "@" is at most 64 characters (RFC 5321): unbounded, the engine
# took each character of a long run of letters or digits before an "@" to the run's end again
# (a 60,000-digit run beside an "@" took half a minute).
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s<>\"]{12,}|[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_ADDRESS_BREAK = re.compile(r"(?<=[/@])(?=.)|(?<=.)(?=\.)")
RUN = 20  # at most this many characters of an address or of code without a break opportunity
_CHUNK = re.compile(rf"(?:&#?\w+;|.){{1,{RUN}}}", re.DOTALL)  # an entity is one character
# What is never changed, in runs: tags, comments, protected elements and the white space between
# them (a page is thousands of tags and blanks: split into runs, the text between them is few
# pieces). A protected element ends at the first end tag of any protected kind: one inside
# another (code in pre) ends the run early, and the rest is tags again.
_PROTECTED_NAMES = "script|style|pre|code|kbd|samp|textarea|title|xmp|listing"
_COMMENT_RUN = r"<!--.*?-->"
_ELEMENT_RUN = rf"<(?:{_PROTECTED_NAMES})\b[^>]*>.*?</(?:{_PROTECTED_NAMES})\s*>"
_TAG_RUN = r"<[^>]*>"


def _runs(*alternatives: str) -> re.Pattern[str]:
    # Every run begins with "<" or a blank: the lookahead lets the regex engine pass over text
    # by that one class instead of trying each alternative at every character (a third faster,
    # the same pieces; tests/test_hyphenation.py compares it with the pattern without it).
    return re.compile(r"(?=[<\s])((?:" + "|".join((*alternatives, r"\s+")) + r")+)", re.DOTALL | re.IGNORECASE)


_PROTECTED = _runs(_COMMENT_RUN, _ELEMENT_RUN, _TAG_RUN)
# The same runs without the white space between them, for a text in which each of them closes
# (_hopeless finds none that cannot): the texts between them then hold their blanks, which
# changes nothing (no word or address of hyphenate_text holds one), and a page splits into a
# third of the pieces. The names' cases are spelt out: re.IGNORECASE folds every character.
_NAMES_ANY_CASE = "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in _PROTECTED_NAMES.split("|"))
_MARKUP = re.compile(
    rf"(<(?:!--.*?-->|(?:{_NAMES_ANY_CASE})\b[^>]*>.*?</(?:{_NAMES_ANY_CASE})\s*>|[^>]*>))", re.DOTALL
)
# The same where no comment, no protected element, or no tag at all can be closed any more
# (_segments; each of them needs a ">")
_RUNS = {
    (True, True, True): _PROTECTED,
    (False, True, True): _runs(_ELEMENT_RUN, _TAG_RUN),
    (True, False, True): _runs(_COMMENT_RUN, _TAG_RUN),
    (False, False, True): _runs(_TAG_RUN),
} | {(comments, elements, False): _runs() for comments in (True, False) for elements in (True, False)}
# a long word (looked for from its first letter, as _WORD), or an address's mark
_MAY_CHANGE = re.compile(rf"(?<![^\W\d_])[^\W\d_]{{{MIN_LETTERS}}}|[/@.]")


LANGUAGE = "de_DE"


@cache
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=LANGUAGE, left=3, right=3)


def _pattern_files(folder: Path) -> tuple[Path, Path]:
    """pyphen's German dictionary file (pyphen's own key of its cache), and the file in
    ``folder`` that keeps it parsed: its name holds pyphen's version and the file's size and time."""
    source = pyphen.LANGUAGES[pyphen.language_fallback(LANGUAGE)]
    info = source.stat()
    stamp = f"{_CACHE_FORMAT}|{pyphen.__version__}|{source}|{info.st_size}|{info.st_mtime_ns}"
    return source, folder / f"hyphenation-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.pickle"


_preparing: dict[Path, subprocess.Popen[bytes]] = {}
_PREPARE_WAIT = 120.0  # seconds; then use_cache parses the patterns itself


def prepare_cache(folder: Path) -> None:
    """Parse the German patterns into ``folder`` in a process of its own, unless they are there:
    a cold build loads its content meanwhile on one core, and the other is idle (use_cache waits
    for that process). If it cannot start or fails, use_cache parses them itself."""
    source, cached = _pattern_files(folder)
    if source in pyphen.hdcache or folder in _preparing or cached.is_file():
        return
    try:
        # -P: not the current folder first on the module path, as -m puts it (a build started
        # from inside content/ would import an editor's generator/ folder)
        _preparing[folder] = subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, str(folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        pass


def use_cache(folder: Path) -> None:
    """Read the German patterns from ``folder`` (a build's cache), parsed by an earlier build or
    by prepare_cache's process: pyphen parses its dictionary file in half a second, in every
    process that hyphenates, and unpickles it in a twentieth."""
    source, cached = _pattern_files(folder)
    if source in pyphen.hdcache:
        return
    if (preparing := _preparing.pop(folder, None)) is not None:
        try:
            preparing.wait(_PREPARE_WAIT)
        except subprocess.TimeoutExpired:
            preparing.kill()
            preparing.wait()
    patterns = read_pickle(cached)
    if not isinstance(patterns, pyphen.HyphDict):
        patterns = _shared(pyphen.HyphDict(source))
        write_pickle(cached, patterns)
    pyphen.hdcache[source] = patterns


_CACHE_FORMAT = 2  # 2: the patterns' values shared (_shared)


def _shared(patterns: pyphen.HyphDict) -> pyphen.HyphDict:
    """The same patterns, each distinct value held once: the German dictionary's 66,000
    patterns have 2,500 distinct values, and their copies were 8 of its 15 MB, in every process
    that hyphenates (a build's, each email worker's). Pickling keeps the sharing."""
    values: dict[object, object] = {}
    # only plain numbers: a nonstandard hyphenation's values carry data that equality ignores
    if all(type(n) is int for _start, numbers in patterns.patterns.values() for n in numbers):
        patterns.patterns = {key: values.setdefault(value, value) for key, value in patterns.patterns.items()}
    return patterns


# A German syllable has a vowel: the patterns sometimes break before and after a lone consonant
# group ("Sozialrau-m-analyse", "Über-g-angs", "Pflegebe-da-rfs-planung"), where either side may
# be the right one ("Raum|analyse", "Über|gangs"), which the patterns cannot tell.
_VOWEL = re.compile(r"[aeiouyäöüáàâéèêíìîóòôúùû]", re.IGNORECASE)


@lru_cache(maxsize=65536)  # a process's words repeat across pages and emails
def hyphenate_word(word: str) -> str:
    """``word`` with soft hyphens where the German patterns allow, but none on either side of a
    part without a vowel: no break there at all rather than a wrong one."""
    parts = str(_dictionary().inserted(word, hyphen=SHY)).split(SHY)
    voiced = [_VOWEL.search(part) is not None for part in parts]
    out = [parts[0]]
    for index in range(1, len(parts)):
        out.append((SHY if voiced[index - 1] and voiced[index] else "") + parts[index])
    return "".join(out)


def _hyphenated(match: re.Match[str]) -> str:
    """A long word with its soft hyphens; one in capitals only (an acronym, "BITV", "DSGVO" run
    together) is left whole: the German patterns are for words, not for letters read one by one."""
    word = match.group()
    return word if word.isupper() else hyphenate_word(word)


def broken_run(run: str, breaker: str = WBR) -> str:
    """``run`` with ``breaker`` after every :data:`RUN` characters (entities count as one)."""
    return breaker.join(_CHUNK.findall(run)) if len(run) > RUN else run


def _broken_address(address: str, breaker: str) -> str:
    return breaker.join(broken_run(piece, breaker) for piece in _ADDRESS_BREAK.split(address))


def _words_hyphenated(text: str) -> str:
    """``_WORD.sub(_hyphenated, text)``, the pattern run only on the pieces between spaces that are
    long enough to hold such a word: its lookbehinds cost at every character (two thirds of
    hyphenating an email), and most pieces are short words. A space is neither a letter nor
    "&", so a piece's first letter begins a word as it does in the whole text."""
    pieces = text.split(" ")
    return " ".join([_WORD.sub(_hyphenated, piece) if len(piece) >= MIN_LETTERS else piece for piece in pieces])


def hyphenate_text(text: str, breaker: str = WBR) -> str:
    """Plain text (no markup) with soft hyphens in long words and ``breaker`` in long addresses."""
    if "@" not in text and "http" not in (lower := text.lower()) and "www." not in lower:
        # no address can be in it (_ADDRESS needs one of these), and looking for one costs more
        # than the words: its second form tries every letter of every word before the "@"
        return _words_hyphenated(text)
    parts, last = [], 0
    for address in _ADDRESS.finditer(text):
        parts.append(_words_hyphenated(text[last : address.start()]))
        parts.append(_broken_address(address.group(), breaker) if len(address.group()) >= 20 else address.group())
        last = address.end()
    parts.append(_words_hyphenated(text[last:]))
    return "".join(parts)


LARGE = 256 * 1024  # characters: a page this long is hyphenated piece by piece (_hyphenate_large)


_PRE_OPEN = re.compile(r"<pre\b", re.IGNORECASE)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.IGNORECASE)


def _pre_blocks(html: str) -> list[tuple[int, int]]:
    """Where each ``<pre>`` element is, from its start tag to its own end tag: a protected run
    ends at the first end tag of any protected kind, and ``<pre><code>...</code>`` goes on after
    the code. From a ``<pre`` with no ``</pre>`` after it, the runs' own rule decides."""
    blocks: list[tuple[int, int]] = []
    position = 0
    while (opening := _PRE_OPEN.search(html, position)) is not None:
        closing = _PRE_CLOSE.search(html, opening.end())
        if closing is None:
            break
        blocks.append((opening.start(), closing.end()))
        position = closing.end()
    return blocks


def hyphenate_html(html: str, breaker: str = WBR) -> str:
    """HTML with its text (only) hyphenated; ``breaker`` may be markup (``<wbr>``) or a character.
    Nothing in a ``<pre>`` element changes: copied, its text must be as written."""
    blocks = _pre_blocks(html)
    if not blocks:
        return _hyphenate_part(html, breaker)
    out: list[str] = []
    last = 0
    for start, end in blocks:
        out += (_hyphenate_part(html[last:start], breaker), html[start:end])
        last = end
    out.append(_hyphenate_part(html[last:], breaker))
    return "".join(out)


def _hyphenate_part(html: str, breaker: str) -> str:
    """hyphenate_html of a text with no ``<pre>`` element that closes."""
    if len(html) > LARGE:
        return _hyphenate_large(html, breaker)
    if not _hopeless(html):  # every comment, protected element and tag closes: one split by them
        pieces = _MARKUP.split(html)  # text, markup, text, ...
        # these texts are long (a paragraph): _changed's quick test would cost more than it saves
        pieces[0::2] = [hyphenate_text(text, breaker) if len(text) >= MIN_LETTERS else text for text in pieces[0::2]]
        return "".join(pieces)
    out: list[str] = []
    for start, end, runs in _segments(html):
        pieces = runs.split(html[start:end] if (start, end) != (0, len(html)) else html)  # text, run, text, ...
        pieces[0::2] = [_changed(text, breaker) for text in pieces[0::2]]
        out += pieces
    return "".join(out)


def _segments(html: str) -> list[tuple[int, int, re.Pattern[str]]]:
    """``html`` in parts, each with the pattern that splits it as _PROTECTED splits the whole.
    _PROTECTED looks for the end of each ``<!--`` and protected element up to the end of the
    text, and a "<" for its ">": with thousands left open (an attack) that took minutes. From
    the first that cannot be closed (no end of its kind after it at all), none of its kind after
    it can either, and a pattern without that alternative splits the rest the same, in one
    pass (after the last ">", nothing but white space is a run). The parts end
    only where everything before is closed (as _stream_cut's parts); where one is not, the
    rest keeps the whole pattern: the same result, the old speed."""
    segments, start, alive = [], 0, {"comments": True, "elements": True, "tags": True}
    for cut, kind in _hopeless(html):
        if alive["tags"] and not _complete(html, cut, start, comments=alive["comments"], elements=alive["elements"]):
            break
        if cut > start:
            segments.append((start, cut, _RUNS[alive["comments"], alive["elements"], alive["tags"]]))
        start, alive[kind] = cut, False
    segments.append((start, len(html), _RUNS[alive["comments"], alive["elements"], alive["tags"]]))
    return segments


def _hyphenate_large(html: str, breaker: str) -> str:
    """The same as hyphenate_html, holding only the changed pieces: split into all its pieces,
    the events page of 1,000 issues (5 MB, 4,000 events) took 40 MB at once, the build's peak.
    As fast for such a page; for an email or an issue page the split is faster."""
    out: list[str] = []
    copied = 0  # html[:copied] is in out
    for begin, end, runs in _segments(html):
        last = begin  # the end of the last protected run
        for run in chain(runs.finditer(html, begin, end), (None,)):  # one match alive at a time
            start = run.start() if run is not None else end
            if start > last and (changed := _changed(text := html[last:start], breaker)) != text:
                out += (html[copied:last], changed)
                copied = start
            if run is not None:
                last = run.end()
    out.append(html[copied:])
    return "".join(out)


STREAM_PART = 64 * 1024  # characters: hyphenate_stream gives its output out in parts of about this size
_OPENER = re.compile(rf"<(?:{_PROTECTED_NAMES})\b", re.IGNORECASE)
_CLOSER = re.compile(rf"</(?:{_PROTECTED_NAMES})\s*>", re.IGNORECASE)


def hyphenate_stream(pieces: Iterable[str], breaker: str = WBR, part: int = STREAM_PART) -> Iterator[str]:
    """``hyphenate_html("".join(pieces))``, given out in parts as ``pieces`` come (a template's
    output as Jinja generates it): a page listing every event of a process is written without
    ever being one string. A part ends only where hyphenating the whole would also end a run
    of tags (:func:`_stream_cut`), so the joined parts are the same text."""
    held: list[str] = []
    size, wanted = 0, part
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size < wanted:
            continue
        text = "".join(held)
        if cut := _stream_cut(text):
            yield hyphenate_html(text[:cut], breaker)
            text = text[cut:]
        held, size = [text], len(text)
        wanted = max(part, 2 * size)  # no cut yet (a long <pre>): wait for twice as much, not for every piece
    yield hyphenate_html("".join(held), breaker)


def _stream_cut(text: str) -> int:
    """The last place in ``text`` where a part may end, 0 if there is none: just after a ``>``
    (no word or address of hyphenate_text holds one, so a cut there in text changes nothing),
    outside every tag, comment and protected element. Each of these before it must be complete
    in ``text``: the last ``<`` has its ``>``, the last ``<!--`` its ``-->``, the last protected
    element's opening tag an end tag after it; otherwise a longer text could close it later and
    split differently."""
    blocks = _pre_blocks(text)
    limit = _first_unclosed(text)
    if (unpaired := _PRE_OPEN.search(text, blocks[-1][1] if blocks else 0)) is not None:
        limit = min(limit, unpaired.start())  # its </pre> may come later: no part ends after it
    end = text.rfind(">", 0, limit) + 1
    for _ in range(_TRIES):
        if (block := next((start for start, stop in blocks if start < end < stop), None)) is not None:
            end = text.rfind(">", 0, block) + 1  # not inside a <pre> element: before it
        if end == 0 or _complete(text, end):
            return end
        end = text.rfind(">", 0, end - 1) + 1
    return 0


_TRIES = 4  # each try reads the text once


def _first_unclosed(text: str) -> int:
    """Where the first piece begins that ``text`` does not close: no part ends after it."""
    return min((position for position, _kind in _hopeless(text)), default=len(text))


def _hopeless(text: str) -> list[tuple[int, str]]:
    """Where the first ``<!--``, protected element and ``<`` begin that cannot be closed in
    ``text`` (no end of their kind after them at all: none of their kind after them can be
    either), in order, each with its kind. A ``<!--`` that overlaps the last ``-->`` is passed
    over: a part may not end inside that ``-->``."""
    last_comment_end = text.rfind("-->")
    comment = text.find("<!--", last_comment_end + 3 if last_comment_end != -1 else 0)
    closer = _last(_CLOSER.finditer(text))
    element = _OPENER.search(text, closer.start() + 1 if closer is not None else 0)
    tag = text.find("<", text.rfind(">") + 1)
    return sorted(
        ([(comment, "comments")] if comment != -1 else [])
        + ([(element.start(), "elements")] if element else [])
        + ([(tag, "tags")] if tag != -1 else [])
    )


def _complete(text: str, end: int, start: int = 0, *, comments: bool = True, elements: bool = True) -> bool:
    """Whether each tag of ``text[start:end]``, and each comment and protected element if they
    may still be closed, is closed before ``end``."""
    if text.rfind("<", start, end) > text.rfind(">", start, end):
        return False
    if comments and (comment := text.rfind("<!--", start, end)) != -1 and text.find("-->", comment + 4, end) == -1:
        return False
    opener = _last(_OPENER.finditer(text, start, end)) if elements else None
    if opener is None:
        return True
    tag_end = text.find(">", opener.end(), end)
    return tag_end != -1 and _CLOSER.search(text, tag_end + 1, end) is not None


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    last = None
    for last in matches:  # noqa: B007  (the loop's last value is what is wanted)
        pass
    return last


def _changed(text: str, breaker: str) -> str:
    return hyphenate_text(text, breaker) if len(text) >= MIN_LETTERS and _MAY_CHANGE.search(text) else text


if __name__ == "__main__":  # prepare_cache's process
    use_cache(Path(sys.argv[1]))
