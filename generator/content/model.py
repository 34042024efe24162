"""The content model: frozen, typed objects that the site and the email only read.

Built once by :mod:`generator.content.loader` from ``content/`` and ``mkdocs.yml``.
Field names follow the editors' front-matter (see the README's field reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from functools import total_ordering
from operator import attrgetter
from pathlib import Path
from typing import Any

from generator.diagnostics import Location


@total_ordering
@dataclass(frozen=True, slots=True)
class EventTime:
    """When an event starts or ends: a whole ``day``, or a ``moment`` on that day (aware, in the
    project's time zone). Earlier is less; on one day the whole day comes before its moments."""

    day: date
    moment: datetime | None = None  # None: the whole day

    def __post_init__(self) -> None:
        if self.moment is not None and (self.moment.tzinfo is None or self.moment.date() != self.day):
            raise ValueError(f"moment {self.moment!r} is not an aware time on {self.day}")

    @classmethod
    def of(cls, value: date | datetime) -> EventTime:
        """A date as the whole day, an (aware) datetime as that moment."""
        if isinstance(value, datetime):
            return cls(value.date(), value)
        return cls(value)

    @property
    def timed(self) -> bool:
        return self.moment is not None

    @property
    def value(self) -> date | datetime:
        """The moment, or the day: for code that speaks date and datetime (iCalendar, parsers)."""
        return self.day if self.moment is None else self.moment

    @property
    def sort_key(self) -> tuple[date, tuple[datetime, ...]]:
        return (self.day, ()) if self.moment is None else (self.day, (self.moment,))

    def same_kind_as(self, other: EventTime) -> bool:
        """Both whole days, or both moments."""
        return self.timed == other.timed

    def isoformat(self) -> str:
        """2026-09-25, or 2026-09-25T15:00:00+02:00 (a moment carries its offset)."""
        return self.value.isoformat()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, EventTime):
            return NotImplemented
        return self.sort_key < other.sort_key


class EventStatus(str, Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


class PhaseStatus(str, Enum):
    DONE = "done"
    ACTIVE = "active"
    PLANNED = "planned"


@dataclass(frozen=True, slots=True)
class Image:
    """A checked image file inside ``content/``: format and pixel size read from the file."""

    src: str  # path relative to content/, with forward slashes
    path: Path  # absolute path on disk
    format: str  # "JPEG", "PNG" or "GIF"
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Photo:
    image: Image
    alt: str
    credit: str  # the rights holder, shown as "Foto: <credit>"
    caption: str | None = None
    source: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True, slots=True)
class Person:
    id: str | None  # None for a person given inline in an issue
    name: str
    role: str | None = None
    organisation: str | None = None
    groups: tuple[str, ...] = ()
    photo: Photo | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None  # may span lines
    website: str | None = None
    source: Location = field(default=Location(""), compare=False)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    title: str
    start: EventTime
    end: EventTime | None = None  # of the same kind as start, not before it
    location: str | None = None
    address: str | None = None
    region: str | None = None
    online: str | None = None  # URL of an online or hybrid event
    status: EventStatus = EventStatus.SCHEDULED
    description: str | None = None  # Markdown
    registration: str | None = None  # where to sign up: a URL, or text such as a deadline
    source: Location = field(default=Location(""), compare=False)
    description_line: int = field(default=0, compare=False)  # the file line of description:, for messages
    description_starts: tuple[int, ...] = field(default=(), compare=False)  # its lines' (YScalar.line_starts)
    description_images: tuple[Image, ...] = ()  # the image files the description shows (checked)

    @property
    def end_date(self) -> date:
        """The event's last day."""
        return (self.end or self.start).day


@dataclass(frozen=True, slots=True)
class Statement:
    people: tuple[Person, ...]  # one, or several speaking together
    quote: str  # Markdown
    photo: Photo | None = None  # the statement's own photo, else the first person's
    source: Location = field(default=Location(""), compare=False)
    quote_line: int = field(default=0, compare=False)  # the file line of quote:, for messages
    quote_starts: tuple[int, ...] = field(default=(), compare=False)  # its lines' (YScalar.line_starts)
    quote_images: tuple[Image, ...] = ()  # the image files the quote shows (checked)

    @property
    def shown_photo(self) -> Photo | None:
        if self.photo is not None:
            return self.photo
        return next((p.photo for p in self.people if p.photo is not None), None)


@dataclass(frozen=True, slots=True)
class Issue:
    slug: str  # the file name without .md: newsletter/<slug>/ on the site and in the emails
    title: str
    number: str  # shown as "Ausgabe <number>"
    date: date
    summary: str | None
    draft: bool
    cover: Photo | None
    photos: tuple[Photo, ...]
    events: tuple[Event, ...]
    statements: tuple[Statement, ...]
    contacts: tuple[Person, ...]
    body: str  # Markdown
    body_line: int  # the file line the body starts on, for messages about the body
    body_images: tuple[Image, ...]  # the image files the body shows (checked), in order, each once
    path: Path
    source: Location = field(compare=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its body as UTF-8 bytes: pickling a str makes CPython keep a UTF-8 copy
        inside the str for good (a German body is not ASCII), and a build pickles the model for
        the loader's memo and the email workers: 6.5 MB more at 1,000 issues, to the end."""
        values = [getattr(self, name) for name in _ISSUE_FIELDS]
        values[_BODY] = self.body.encode("utf-8", "surrogatepass")
        return (_issue_from_pickle, tuple(values))


def _issue_from_pickle(*values: Any) -> Issue:
    shown = list(values)
    shown[_BODY] = shown[_BODY].decode("utf-8", "surrogatepass")
    return Issue(*shown)


_ISSUE_FIELDS = tuple(Issue.__dataclass_fields__)
_BODY = _ISSUE_FIELDS.index("body")


@dataclass(frozen=True, slots=True)
class Phase:
    slug: str
    title: str
    order: int
    status: PhaseStatus
    start: date | None
    end: date | None
    summary: str | None
    body: str  # as MkDocs reads the file (frontmatter.mkdocs_page): what the page converts
    path: Path
    source: Location = field(compare=False)
    body_line: int = 1  # the file line the body begins on


@dataclass(frozen=True, slots=True)
class Partner:
    label: str  # "Gefördert vom", "Ein Projekt von"
    name: str
    logo: Image | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessContact:
    """The process's general contact (a shared mailbox, a postal address), in every issue and
    in the site's footer."""

    name: str | None = None
    email: str | None = None
    address_lines: tuple[str, ...] = ()
    phone: str | None = None


# What MkDocs converts every page with, whatever mkdocs.yml lists (MkDocs' MarkdownExtensions.builtins).
MKDOCS_EXTENSIONS = ("toc", "tables", "fenced_code")
# Python-Markdown's and PyMdown's extensions that read nothing but the text (pymdownx.snippets,
# which includes files, is not one of them).
PURE_EXTENSIONS = frozenset(
    {"abbr", "admonition", "attr_list", "codehilite", "def_list", "extra", "fenced_code", "footnotes", "legacy_attrs",
     "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks"}
    | {f"pymdownx.{name}" for name in (
        "arithmatex", "betterem", "blocks.admonition", "blocks.caption", "blocks.definition", "blocks.details",
        "blocks.html", "blocks.tab", "caret", "critic", "details", "emoji", "escapeall", "extra", "fancylists",
        "highlight", "inlinehilite", "keys", "magiclink", "mark", "progressbar", "saneheaders", "smartsymbols",
        "striphtml", "superfences", "tabbed", "tasklist", "tilde",
    )}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MarkdownDialect:
    """The editors' Markdown: MkDocs' built-in extensions plus ``markdown_extensions`` of mkdocs.yml.
    The site and the emails convert with exactly this."""

    extensions: tuple[str, ...] = MKDOCS_EXTENSIONS
    configs: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)  # by extension name

    @property
    def pure(self) -> bool:
        """Whether a conversion depends only on the text and the options: then converted texts,
        pages and emails may be kept by a key of those. Not so with an extension that reads
        files (``pymdownx.snippets``) or one rundbrief does not know, which may read anything."""
        return all(name.removeprefix("markdown.extensions.") in PURE_EXTENSIONS for name in self.extensions)


@dataclass(frozen=True, slots=True)
class Settings:
    """The rundbrief plugin's options in mkdocs.yml, plus the MkDocs settings it needs."""

    site_name: str
    site_url: str | None
    docs_dir: str
    site_dir: str
    newsletter_name: str
    organisation: str | None = None
    logo: Image | None = None
    logo_alt: str | None = None  # what the logo shows: the email header's and the site header's alt text
    sender_name: str | None = None
    sender_email: str | None = None
    reply_to: str | None = None
    forward_note: str | None = None
    subscribe_url: str | None = None
    timezone: str = "Europe/Berlin"
    partners: tuple[Partner, ...] = ()
    email_inliner: str = "css-inline"  # or "premailer"
    service_url: str | None = None  # the public address of `rundbrief subscriptions serve`
    use_directory_urls: bool = True  # MkDocs' setting: newsletter/2026-02/ or newsletter/2026-02.html
    markdown: MarkdownDialect = MarkdownDialect()
    allow_placeholders: bool = False  # placeholder legal pages are reminders, not errors (a site not yet public)
    claim: str | None = None  # the publisher's claim beside its name ("So weit. So gut.")
    slogan: str | None = None  # the campaign's slogan ("Wir alle – gemeinsam besser")
    contact: ProcessContact | None = None
    custom_dir: str | None = None  # MkDocs' theme.custom_dir, relative to the project (its links are checked)
    options_read: bool = False  # the plugin's options could be read (else allow_placeholders is unknown)
    # MkDocs' exclude_docs and draft_docs (gitignore patterns, a line each): files `mkdocs build`
    # leaves out of the site (see content.loader.unpublished)
    exclude_docs: str = ""


@dataclass(frozen=True, slots=True)
class EventEntry:
    """One event with every issue that mentions it, first mention first."""

    event: Event
    issues: tuple[str, ...]  # slugs


@dataclass(frozen=True, slots=True)
class LegalPage:
    path: str  # relative to content/, such as "impressum.md"
    label: str  # the footer link's text


@dataclass(frozen=True, slots=True)
class PageText:
    """The Markdown of a page MkDocs converts itself (the start page, kontakt.md, the legal pages,
    the phases): the HTML it becomes is checked as the issues' texts are (verification.py)."""

    source: str  # relative to content/, such as "kontakt.md"
    path: Path
    body: str
    body_line: int  # the file line the body begins on


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    content_dir: Path
    settings: Settings
    issues: tuple[Issue, ...]  # every issue, drafts included, oldest first
    people: tuple[Person, ...]
    phases: tuple[Phase, ...]  # by order
    events: tuple[EventEntry, ...]  # unique by id, by start
    legal_pages: tuple[LegalPage, ...] = ()  # those that exist, for the footer
    pages: tuple[PageText, ...] = ()  # the other pages' and the phases' Markdown

    @property
    def published(self) -> tuple[Issue, ...]:
        """The issues the public sees: no drafts, oldest first."""
        return tuple(issue for issue in self.issues if not issue.draft)

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def issue(self, slug: str) -> Issue | None:
        return next((i for i in self.issues if i.slug == slug), None)


def _pickled_as_arguments(cls: type[Any]) -> None:
    """Pickle ``cls`` as its class and its fields' values, rebuilt by calling it: for a slotted
    frozen dataclass, pickle otherwise gathers and sets the state field by field in Python,
    looking the fields up again for every object. The model is pickled for the loader's memo,
    the email workers and the calendar process: 33,000 objects at 1,000 issues, 0.23 s to load
    that way, 0.07 s this way. Every field is an argument of ``__init__`` (asserted), so the
    object rebuilt is equal to the one pickled; ``__post_init__`` checks it again."""
    names = tuple(f.name for f in fields(cls))
    assert all(f.init and not f.kw_only for f in fields(cls)), cls
    values = attrgetter(*names)  # one call for all: a tuple when there are several

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:  # noqa: N807
        found = values(self)
        return (cls, found if len(names) > 1 else (found,))

    cls.__reduce__ = __reduce__  # type: ignore[assignment]  # (a method of the class, with self)


for _model_class in (
    EventTime, Image, Photo, Person, Event, Statement, Phase, Partner, ProcessContact, MarkdownDialect, Settings,
    EventEntry, LegalPage, PageText, Project,
):  # fmt: skip
    _pickled_as_arguments(_model_class)
