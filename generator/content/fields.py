"""Typed reading of one YAML mapping, reporting each problem with its field path.

A :class:`Fields` wraps the mapping of one object (an issue, ``events[2]``, ``cover``)
and hands out typed values; every wrong value is reported as
``path:line: error: events[2].start: expected ..., found ...`` and comes back as None,
so one bad field never hides the next one.
"""

from __future__ import annotations

import calendar
import difflib
import html
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import get_month_names

from generator.addresses import is_address
from generator.content.model import EventTime
from generator.content.yamlnodes import YList, YMap, YNode, YScalar, describe, quote
from generator.diagnostics import BIDI_CONTROLS, UNKNOWN_FIELD, Diagnostics, Location
from generator.i18n import N_, _, language

E = TypeVar("E", bound=Enum)

_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_DE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_DATETIME = re.compile(
    r"(?P<date>[\d.\-]+)(?:[ T]+|, *)" + _TIME + r"(?: *Uhr)?(?P<offset>Z|[+-]\d{2}:?\d{2})?", re.IGNORECASE
)
_TIME_ONLY = re.compile(_TIME + r"(?: *Uhr)?", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")
_LINE_BREAKS = {"\u2028", "\u2029", "\u0085"}
# Bidirectional embeddings, overrides and isolates (BIDI_CONTROLS, generator.diagnostics) count
# as control characters in a value. The marks U+200E/U+200F (LRM/RLM) and U+061C (ALM) stay
# allowed: they reorder nothing beyond their neighbours and belong in mixed-direction names.

DATE_EXPECTED = N_('a date "YYYY-MM-DD" or "DD.MM.YYYY"')
WHEN_EXPECTED = N_('a date or "YYYY-MM-DD HH:MM"')
YEARS = (1900, 2200)  # the dates a participation process can mean


_GERMAN_CLOCK = re.compile(r"(?:^|[\s,])\s*(?P<h>\d{1,2})(?:\.(?P<m>\d{2}))?\s*(?:Uhr)?\s*$", re.IGNORECASE)


# The German words editors write for the English values of status fields (events and phases).
GERMAN_CHOICES: dict[str, tuple[str, ...]] = {
    "abgesagt": ("cancelled",), "fällt aus": ("cancelled",), "entfällt": ("cancelled",),
    "verschoben": ("postponed",), "geplant": ("scheduled", "planned"), "findet statt": ("scheduled",),
    "erledigt": ("done",), "abgeschlossen": ("done",), "fertig": ("done",), "beendet": ("done",),
    "aktiv": ("active",), "läuft": ("active",), "laufend": ("active",), "aktuell": ("active",),
    "in planung": ("planned",), "kommt": ("planned",),
}  # fmt: skip


def suggest(word: str, choices: Sequence[str]) -> str:
    """' (did you mean "x"?)' for the closest choice, or nothing."""
    match = _closest(word, choices)
    return _(' (did you mean "%(name)s"?)', name=match) if match else ""


def _closest(word: str, choices: Sequence[str]) -> str | None:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


# Field names editors bring from other tools (MkDocs' and Material's page meta, blog engines) or
# write in German, for a field of ours that means the same: no slip of a letter, so difflib
# cannot find them. Suggested only where that field is one of the mapping's.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "description": ("summary",), "beschreibung": ("summary", "description"), "zusammenfassung": ("summary",),
    "teaser": ("summary",), "entwurf": ("draft",), "termine": ("events",), "veranstaltungen": ("events",),
    "titelbild": ("cover",), "image": ("cover", "photo", "src"), "bild": ("cover", "photo", "src"),
    "foto": ("photo", "cover"), "zitate": ("statements",), "aussagen": ("statements",), "zitat": ("quote",),
    "ausgabe": ("number",), "nummer": ("number",), "datum": ("date",), "reihenfolge": ("order",),
    "zustand": ("status",), "beginn": ("start",), "anfang": ("start",), "ende": ("end",), "ort": ("location",),
    "place": ("location",), "veranstaltungsort": ("location",), "anmeldung": ("registration",),
    "funktion": ("role",), "organization": ("organisation",),
    "bildunterschrift": ("caption",), "fotograf": ("credit",), "quelle": ("credit",), "alt-text": ("alt",),
    "telefon": ("phone",), "tel": ("phone",), "mail": ("email",), "e-mail": ("email",), "adresse": ("address",),
    "summary": ("description",), "text": ("quote", "description"), "zitat-text": ("quote",),
}  # fmt: skip


def meant_field(key: str, known: Sequence[str]) -> str | None:
    """The field of ours an unknown field likely means: one it names in other words, else the
    closest name, else None."""
    meant = next((name for name in SYNONYMS.get(key.strip().lower(), ()) if name in known and name != key), None)
    return meant if meant is not None else _closest(key, known)


# A field whose misspelling changes what is published: an issue meant as a draft would go public
_NOT_TO_MISS = ("draft",)
# What an editor used to Markdown writes in a field that is not converted: bold and emphasis
# (not inside a word, a formula or a path: "2**10", "x**2", "/daten/_archiv_/"), struck text,
# links (inline, with a title, by reference with a word in it: "Studie[1][2]" is a citation),
# autolinks, a few inline HTML tags as written ("a<b und c>d" is none), a heading's "#", code. A
# single star is no mark here: "Bürger*innen und Einwohner*innen" is how many German texts
# write for everyone. No part reads past the next bracket or mark of its kind: a title of
# 40,000 "[" took seconds.
_WEB_ADDRESS = re.compile(r"(?<!<)(?:https?://|www\.)[^\s<>\"()\[\]]+", re.IGNORECASE)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str, limit: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens, German umlauts spelt out: "Jugendbeteiligung-2022"."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "x"


_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")


def _first_entity(value: str) -> str | None:
    """The first HTML character reference in ``value`` that names a character (``&nbsp;``, ``&#8211;``)."""
    return next((m.group() for m in _ENTITY.finditer(value) if html.unescape(m.group()) != m.group()), None)


_MARKDOWN_MARKS = re.compile(
    r"(?<![\w*])\*\*(?=\S)[^*]*?(?<=\S)\*\*(?![\w*])"
    r"|(?<![\w_\\/])__?(?=[^\s_])[^_]*?(?<=[^\s_])__?(?![\w_])"
    r"|~~(?=\S)[^~]*?(?<=\S)~~"
    r"|\[[^\[\]\n]+\]\([^()\n]*\)"
    r"|\[(?=[^\[\]\n]*[^\W\d_])[^\[\]\n]+\]\[[^\[\]\n]*\]"
    r"|<(?:https?://|mailto:)[^<>\s]+>"
    r"|</?(?:b|i|u|em|strong|a|span|br|sup|sub|small|mark|s|del)(?:\s+[a-z-]+=(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*/?>"
    r"|^#{1,6}[ \t]+\S+"
    r"|`[^`\n]+`"
)


# Unicode's control characters (category Cc) are exactly U+0000-U+001F and U+007F-U+009F.
_CONTROLS = "".join(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))
_BAD_IN_LINE = re.compile("[" + re.escape(_CONTROLS + "".join(sorted(_LINE_BREAKS | BIDI_CONTROLS))) + "]")
_BAD_IN_TEXT = re.compile(
    "[" + re.escape("".join(sorted(set(_CONTROLS + "".join(_LINE_BREAKS | BIDI_CONTROLS)) - {"\n", "\t"}))) + "]"
)


def bad_characters(text: str, *, single_line: bool) -> bool:
    """Whether text has characters that must not be in a value: control characters, bidirectional
    controls (:data:`BIDI_CONTROLS`) (and, in single-line values such as titles, which become email
    headers, line breaks). A regular expression: the loader asks this of every value it reads."""
    return (_BAD_IN_LINE if single_line else _BAD_IN_TEXT).search(text) is not None


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """Year, month and day of a text written as "YYYY-MM-DD" or "DD.MM.YYYY", real or not."""
    text = text.strip()
    if m := _DATE_ISO.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DATE_DE.fullmatch(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return None
    return y, mo, d


def parse_date(text: str) -> date | None:
    if (parts := _date_parts(text)) is None:
        return None
    y, mo, d = parts
    if not YEARS[0] <= y <= YEARS[1]:  # "9999-12-31" as an open end: calendars and time zones end near it
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None


_SHORT_YEAR = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{2})(?!\d)")  # "30.6.22"
_MONTH_WORD = re.compile(r"(\d{1,2})\.?\s*([^\W\d_]{3,})\.?\s*(\d{4})(?!\d)")  # "28. Oktober 2022"
_MONTHS = {
    "jan": 1, "feb": 2, "mär": 3, "mae": 3, "mrz": 3, "apr": 4, "mai": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "okt": 10, "nov": 11, "dez": 12,
}  # fmt: skip


def date_suggestion(text: str, *, with_time: bool = False) -> str | None:
    """A date written the German way rundbrief does not read ("30.6.22", "28. Oktober 2022"), as
    it reads it ("30.06.2022"); ``with_time``: a time after it kept ("7.10.22 15 Uhr" ->
    "07.10.2022 15:00"). None where there is no such day or the rest is no time."""
    text = text.strip()
    if m := _SHORT_YEAR.match(text):
        day, month, year = int(m[1]), int(m[2]), 2000 + int(m[3])
    elif (m := _MONTH_WORD.match(text)) and (named := _MONTHS.get(m[2].lower()[:3])) is not None:
        day, month, year = int(m[1]), named, int(m[3])
    else:
        return None
    try:
        date(year, month, day)
    except ValueError:
        return None
    rest = text[m.end() :].strip().lstrip(",").strip()
    clock = ""
    if rest:
        if not with_time:
            return None
        if written := _TIME_ONLY.fullmatch(rest):
            clock = f" {int(written[1]):02d}:{written[2]}"
        elif german := _GERMAN_CLOCK.fullmatch(rest):
            clock = f" {int(german['h']):02d}:{german['m'] or '00'}"
        else:
            return None
    return f"{day:02d}.{month:02d}.{year}{clock}"


def date_problem(text: str) -> str | None:
    """Why a text written like a date names no day ("there is no month 13"), or None where it is
    no date at all or a real one: the editor sees the shape was right and what is impossible."""
    if (parts := _date_parts(text)) is None:
        return None
    y, mo, d = parts
    if not YEARS[0] <= y <= YEARS[1]:
        return _("the year %(year)d is not between %(first)d and %(last)d", year=y, first=YEARS[0], last=YEARS[1])
    if not 1 <= mo <= 12:
        return _("there is no month %(month)d", month=mo)
    days = calendar.monthrange(y, mo)[1]
    if d == 0:
        return _("there is no day 0")
    if d > days and mo == 2 and d == 29:
        return _("%(year)d is not a leap year (February %(year)d has 28 days)", year=y)
    if d > days:
        return _(
            "there is no %(day)d %(month)s (%(month)s has %(days)d days)",
            day=d, month=month_name(mo), days=days,
        )  # fmt: skip
    return None


def time_problem(text: str) -> str | None:
    """Why a time of day written like one names no time ("there is no hour 25"), or None."""
    m = _TIME_ONLY.fullmatch(text.strip())
    if m is None:
        return None
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if hour > 23:
        return _("there is no hour %(hour)d (a day has the hours 0 to 23, midnight is 00:00)", hour=hour)
    if minute > 59:
        return _("there is no minute %(minute)d (an hour has the minutes 0 to 59)", minute=minute)
    if second > 59:
        return _("there is no second %(second)d (a minute has the seconds 0 to 59)", second=second)
    return None


def when_problem(text: str) -> str | None:
    """Why a date or date with time names no moment, or None (see :func:`date_problem`)."""
    text = text.strip()
    if (problem := date_problem(text)) is not None:
        return problem
    m = _DATETIME.fullmatch(text)
    if m is None:
        return None
    clock = text[m.start(2) : m.end(4) if m[4] else m.end(3)]
    return date_problem(m["date"]) or time_problem(clock)


def month_name(month: int) -> str:
    """The month's name in the editor's language ("April")."""
    return str(get_month_names("wide", locale=language())[month])


def _clock(hour: str, minute: str, second: str | None) -> time | None:
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


def parse_when(text: str, tz: ZoneInfo) -> date | datetime | None:
    """A date, or a date with a time of day in ``tz`` (an explicit offset is converted)."""
    text = text.strip()
    if (day := parse_date(text)) is not None:
        return day
    m = _DATETIME.fullmatch(text)
    if not m or (day := parse_date(m["date"])) is None:
        return None
    clock = _clock(m[2], m[3], m[4])
    if clock is None:
        return None
    offset = m["offset"]
    if not offset:
        return datetime.combine(day, clock, tz)
    try:
        zone = timezone.utc
        if offset.upper() != "Z":
            sign = 1 if offset[0] == "+" else -1
            digits = offset[1:].replace(":", "")
            zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime.combine(day, clock, zone).astimezone(tz)
    except (ValueError, OverflowError):  # an offset of 24 hours or more; a moment past year 9999
        return None


def parse_clock(text: str) -> time | None:
    m = _TIME_ONLY.fullmatch(text.strip())
    return _clock(m[1], m[2], m[3]) if m else None


def exists_in_zone(moment: datetime) -> bool:
    """False for wall-clock times skipped by a daylight-saving change (02:30 on the day in March)."""
    assert moment.tzinfo is not None
    there_and_back = moment.astimezone(timezone.utc).astimezone(moment.tzinfo)
    return there_and_back.replace(tzinfo=None) == moment.replace(tzinfo=None)


def format_when(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def is_url(text: str) -> bool:
    if any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def is_email(text: str) -> bool:
    """An address as every entry point takes it (generator.addresses): these go into headers."""
    return bool(_EMAIL.fullmatch(text)) and is_address(text)


@dataclass(slots=True)
class Context:
    """Where values come from: the problem list and the file as the editor sees it."""

    diag: Diagnostics
    path: str
    tz: ZoneInfo

    def error(self, line: int, message: str) -> None:
        self.diag.error(Location(self.path, line), message)

    def warning(self, line: int, message: str, *, kind: str = "") -> None:
        self.diag.warning(Location(self.path, line), message, kind=kind)

    def in_text(self, first_line: int, starts: tuple[int, ...]) -> Context:
        """This context for the checks of a Markdown text that count its lines from ``first_line``:
        where ``starts`` gives the line each of the text's lines begins on as written (a folded
        value's, see YScalar.line_starts), its problems are reported there."""
        return TextContext(self.diag, self.path, self.tz, first_line, starts) if starts else self


@dataclass(slots=True)
class TextContext(Context):
    first_line: int
    starts: tuple[int, ...]

    def written(self, line: int) -> int:
        index = line - self.first_line
        return self.starts[index] if 0 <= index < len(self.starts) else line

    # Context's methods by name: a slotted dataclass is a new class, zero-argument super() fails in it
    def error(self, line: int, message: str) -> None:
        Context.error(self, self.written(line), message)

    def warning(self, line: int, message: str, *, kind: str = "") -> None:
        Context.warning(self, self.written(line), message, kind=kind)


class Fields:
    """The fields of one mapping. Unknown keys are warned about as the object is opened."""

    def __init__(self, ctx: Context, node: YNode, prefix: str, known: Sequence[str], *, line: int | None = None):
        self.ctx = ctx
        self.prefix = prefix
        self.known = known
        self.line = node.line if line is None else line
        self.entries: dict[str, tuple[int, YNode]] = {}
        self.ok = isinstance(node, YMap)
        if isinstance(node, YMap):
            self.entries = node.entries
            for key, (key_line, _value) in node.entries.items():
                if key not in known:
                    # a name of blanks or invisible characters is shown in quotes, escaped
                    plain = key.strip() == key and key.isprintable() and key != ""
                    name = self.name(key if plain else quote(key))
                    meant = meant_field(key, known)
                    if meant in _NOT_TO_MISS:
                        self.ctx.error(key_line, _(
                            '%(name)s: unknown field (did you mean "%(meant)s"?): as it is written, the issue '
                            "is published",
                            name=name, meant=meant,
                        ))  # fmt: skip
                        continue
                    self.ctx.warning(key_line, _(
                        "%(name)s: unknown field, ignored%(suggest)s",
                        name=name,
                        suggest=_(' (did you mean "%(name)s"?)', name=meant) if meant else "",
                    ), kind=UNKNOWN_FIELD)
        else:
            where = prefix or "front-matter"
            self.ctx.error(self.line, _(
                "%(where)s: expected a mapping of fields (name: value), found %(found)s",
                where=where,
                found=describe(node),
            ))

    # -- plumbing -------------------------------------------------------------------
    def name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str) -> YNode | None:
        """The value node, or None where the key is absent or its value is empty (null)."""
        assert key in self.known, key
        entry = self.entries.get(key)
        if entry is None:
            return None
        node = entry[1]
        if isinstance(node, YScalar) and node.is_null:
            return None
        return node

    def line_of(self, key: str) -> int:
        entry = self.entries.get(key)
        return entry[1].line if entry else self.line

    def error(self, key: str, message: str) -> None:
        self.ctx.error(self.line_of(key), f"{self.name(key)}: {message}")

    def expected(self, key: str, what: str, node: YNode, extra: str = "") -> None:
        self.error(key, _(
            "expected %(what)s, found %(found)s%(extra)s",
            what=what,
            found=describe(node),
            extra=extra,
        ))

    def impossible(self, key: str, node: YNode, problem: str | None) -> bool:
        """Report a value written in the right shape that names no real day or time (with why)."""
        if problem is None:
            return False
        self.error(key, _("%(found)s: %(problem)s", found=describe(node), problem=problem))
        return True

    def missing(self, key: str, hint: str = "") -> None:
        empty = key in self.entries
        self.ctx.error(
            self.line_of(key),
            (_("%(field)s: required field is empty%(hint)s", field=self.name(key), hint=hint) if empty
             else _("%(field)s: missing required field%(hint)s", field=self.name(key), hint=hint)),
        )

    def scalar(self, key: str, what: str, required: bool) -> YScalar | None:
        node = self.get(key)
        if node is None:
            if required and self.ok:
                self.missing(key)
            return None
        if not isinstance(node, YScalar):
            self.expected(key, what, node)
            return None
        return node

    # -- typed values ---------------------------------------------------------------
    def text(
        self, key: str, *, required: bool = False, single_line: bool = True, hint: str = "", plain: bool = False
    ) -> str | None:
        """``plain``: the text is shown as written (a title, a summary, a caption): Markdown's marks
        in it are warned about, as they would show as they are."""
        node = self.get(key)
        if node is not None and not isinstance(node, YScalar):
            self.expected(key, _("text"), node)
            return None
        value = node.text.strip() if node is not None else ""
        if not value:
            if required and self.ok:
                self.missing(key, hint)
            return None
        if bad_characters(value, single_line=single_line):
            rule = _("a single line without control characters") if single_line else _(
                "text without control characters"
            )
            self.error(key, _("must be %(rule)s, found %(value)s", rule=rule, value=quote(value)))
            return None
        # marks inside a web address are part of it ("?id=__x__"): the address is left out, its place kept
        if plain and (mark := _MARKDOWN_MARKS.search(_WEB_ADDRESS.sub(lambda m: " " * len(m.group()), value))):
            written = value[mark.start() : mark.end()]  # with its addresses, as the editor wrote it
            self.ctx.warning(self._line_in(node, value, mark.start()), _(
                "%(field)s: %(mark)s is shown as written: this field is plain text; Markdown (**bold**, "
                "[links](...), `code`) is converted only in the body, quotes and event descriptions",
                field=self.name(key),
                mark=quote(written),
            ))  # fmt: skip
        if plain and (entity := _first_entity(value)) is not None:
            # pasted from a web page or a CMS: "&nbsp;" and "&ndash;" are shown as these letters
            self.ctx.warning(self._line_in(node, value, value.find(entity)), _(
                "%(field)s: %(entity)s is shown as written: this field is plain text; write the character "
                "itself instead of its HTML code",
                field=self.name(key),
                entity=quote(entity),
            ))  # fmt: skip
        return value

    def _line_in(self, node: YScalar | None, value: str, offset: int) -> int:
        """The line of ``value[offset:]``'s first word as written, in a value over several lines
        (``value``: ``node.text`` stripped)."""
        if node is None:
            return self.line
        return node.line_of(value[offset:], node.text[: node.text.find(value) + offset])

    def boolean(self, key: str, default: bool) -> bool:
        node = self.scalar(key, _("true or false"), False)
        if node is None:
            return default
        if node.plain and node.text.lower() in ("true", "false"):
            return node.text.lower() == "true"
        self.expected(key, _("true or false"), node)
        return default

    def integer(self, key: str, *, required: bool = False) -> int | None:
        node = self.scalar(key, _("a whole number"), required)
        if node is None:
            return None
        if re.fullmatch(r"[+-]?\d{1,9}", node.text.strip()):
            return int(node.text)
        self.expected(key, _("a whole number"), node)
        return None

    def choice(self, key: str, kind: type[E], default: E) -> E:
        values = [str(member.value) for member in kind]
        what = _("one of %(values)s", values=", ".join(values))
        node = self.scalar(key, what, False)
        if node is None:
            return default
        wanted = node.text.strip().lower()
        for member in kind:
            if member.value == wanted:
                return member
        # "abgesagt": the editor's own word for one of them
        meant = next((value for value in GERMAN_CHOICES.get(wanted, ()) if value in values), None)
        hint = _(' (did you mean "%(name)s"?)', name=meant) if meant else suggest(wanted, values)
        self.expected(key, what, node, hint)
        return default

    def date(self, key: str, *, required: bool = False) -> date | None:
        node = self.scalar(key, _(DATE_EXPECTED), required)
        if node is None:
            return None
        value = parse_date(node.text)
        if value is None:
            problem = date_problem(node.text)
            if problem is None and (example := date_suggestion(node.text)) is not None:
                problem = _('write it as "%(example)s"', example=example)
            if not self.impossible(key, node, problem):
                self.expected(key, _(DATE_EXPECTED), node)
        return value

    def when(self, key: str, *, required: bool = False, same_day_as: EventTime | None = None) -> EventTime | None:
        """A date or date-time; with ``same_day_as`` a bare "19:00" means that day."""
        node = self.scalar(key, _(WHEN_EXPECTED), required)
        if node is None:
            return None
        value = parse_when(node.text, self.ctx.tz)
        if value is None and same_day_as is not None and (clock := parse_clock(node.text)) is not None:
            value = datetime.combine(same_day_as.day, clock, self.ctx.tz)
        if value is None:
            problem = when_problem(node.text) or (time_problem(node.text) if same_day_as is not None else None)
            if problem is None and (example := date_suggestion(node.text, with_time=True)) is not None:
                problem = _('write it as "%(example)s"', example=example)
            if german := _GERMAN_CLOCK.search(node.text):  # "14.30", "18 Uhr": the German way of writing a time
                written = node.text[: german.start()].strip()
                hours, minutes = german.group("h"), german.group("m") or "00"
                example = f"{written} {int(hours):02d}:{minutes}".strip()
                problem = problem or _('write the time with a colon: "%(example)s"', example=example)
            if not self.impossible(key, node, problem):
                self.expected(key, _(WHEN_EXPECTED), node)
            return None
        when = EventTime.of(value)
        if when.moment is not None and not exists_in_zone(when.moment):
            self.error(
                key,
                _(
                    "%(value)s does not exist in %(key)s (the clocks skip that hour when summer time "
                    "begins)",
                    value=format_when(value),
                    key=self.ctx.tz.key,
                ),
            )
            return None
        return when

    def url(self, key: str, *, required: bool = False) -> str | None:
        node = self.scalar(key, _("a web address starting with https://"), required)
        if node is None:
            return None
        value = node.text.strip()
        if not is_url(value):
            self.expected(key, _("a web address starting with https://"), node)
            return None
        return value

    def email(self, key: str, *, required: bool = False) -> str | None:
        node = self.scalar(key, _("an email address"), required)
        if node is None:
            return None
        value = node.text.strip()
        if not is_email(value):
            self.expected(key, _("an email address"), node)
            return None
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of single-line texts; a single text is taken as a list of one."""
        node = self.get(key)
        if node is None:
            return ()
        items = node.items if isinstance(node, YList) else (node,)
        values: list[str] = []
        for index, item in enumerate(items, start=1):
            item_name = f"{self.name(key)}[{index}]" if isinstance(node, YList) else self.name(key)
            if not isinstance(item, YScalar) or item.is_null:
                self.ctx.error(item.line, _(
                    "%(item_name)s: expected text, found %(found)s",
                    item_name=item_name,
                    found=describe(item),
                ))
                continue
            text = item.text.strip()
            if bad_characters(text, single_line=True):
                self.ctx.error(
                    item.line, _(
                        "%(item_name)s: must be a single line without control characters, found %(text)s",
                        item_name=item_name,
                        text=quote(text),
                    )
                )
                continue
            if text:
                values.append(text)
        return tuple(values)

    def items(self, key: str) -> Iterator[tuple[str, YNode]]:
        """The elements of a list field with their field paths (``events[1]``, counted from 1)."""
        node = self.get(key)
        if node is None:
            return
        if not isinstance(node, YList):
            self.expected(key, _("a list (lines starting with -)"), node)
            return
        for index, item in enumerate(node.items, start=1):
            yield f"{self.name(key)}[{index}]", item

    def nested(self, key: str, known: Sequence[str]) -> Fields | None:
        node = self.get(key)
        if node is None:
            return None
        return Fields(self.ctx, node, self.name(key), known)
