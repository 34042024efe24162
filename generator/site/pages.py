"""What each generated or enriched page shows, computed from the model in plain Python.

The templates in ``theme/site/`` only lay these views out. URLs here are site-relative
("newsletter/2026-02/"); templates pass them through MkDocs' ``url`` filter, and
``absolute`` makes them full addresses for feeds, calendars and JSON-LD.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from itertools import groupby
from typing import Any

from markupsafe import Markup, escape

from generator import routes
from generator.content.model import Event, EventEntry, EventStatus, Issue, Person, Phase, Project, Statement
from generator.formatting import (
    EVENT_STATUS_LABELS,
    PHASE_STATUS_LABELS,
    POSTPONED_NOTE,
    VOID_DATE_LABELS,
    event_attendance,
    event_date_void,
    event_open,
    event_when,
    long_date,
)  # fmt: skip

CALENDAR_FILE = routes.CALENDAR_FILE
FEED_FILE = routes.FEED_FILE

UrlFor = Callable[[str], str]  # a content path ("newsletter/2026-02.md") -> its page URL


def as_html(text: str) -> Markup:
    """Plain text for the values MkDocs and Material print without escaping: page titles, the
    meta description and ``site_name``. To them a title is HTML (one taken from a heading keeps
    its entities, ``A &amp; B``), so editors' text goes in escaped; as Markup it is not escaped
    a second time where a template does escape (``| e``)."""
    return escape(text)


@dataclass(frozen=True, slots=True)
class IssueLink:
    issue: Issue
    url: str
    date_text: str


@dataclass(frozen=True, slots=True)
class EventView:
    event: Event
    when: str
    status_label: str
    ics_url: str
    url: str  # its place on the Termine page
    issues: tuple[IssueLink, ...]
    open: bool  # calendar, join and registration links are offered (scheduled and not over)
    date_void: bool  # cancelled or postponed: the date is shown struck out
    note: str  # after the struck date: "neuer Termin folgt" for a postponed event
    void_label: str  # before the struck date, for screen readers: "Abgesagter Termin: ", "Bisheriger Termin: "
    attendance: str | None  # "Online", "Vor Ort und online"
    draft: bool = False  # only drafts mention it (the preview, which shows drafts): marked "Entwurf"

    @property
    def id(self) -> str:
        return self.event.id


@dataclass(frozen=True, slots=True)
class StatementView:
    statement: Statement
    issue: IssueLink
    index: int  # its place in its issue, from 1

    @property
    def anchor(self) -> str:
        """Its id on every page that shows it."""
        return statement_anchor(self.issue.issue.slug, self.index)


_TITLES = {"dr.", "prof.", "dipl.-ing.", "frau", "herr"}


def initials(people: tuple[Person, ...]) -> str:
    """The placeholder of a statement without a portrait: "KW" for Dr. Kerstin Wolf; for people
    speaking together, the first letter of each one's name (at most three)."""
    if len(people) == 1:
        words = [w for w in people[0].name.split() if w.lower() not in _TITLES and w[:1].isalpha()]
        return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper() if words else "?"
    letters = [next((w[0] for w in p.name.split() if w.lower() not in _TITLES and w[:1].isalpha()), "") for p in people]
    return "".join(letters[:3]).upper() or "?"


def statement_anchor(slug: str, index: int) -> str:
    return f"stimme-{slug}-{index}"


def contact_anchor(index: int) -> str:
    return f"kontakt-{index}"


def issue_anchor(slug: str) -> str:
    return f"ausgabe-{slug}"


def phase_anchor(slug: str) -> str:
    return f"phase-{slug}"


@dataclass(frozen=True, slots=True)
class PhaseView:
    phase: Phase
    url: str
    status_label: str
    period: str


@dataclass(frozen=True, slots=True)
class IssueView:
    """What the issue template reads: the issue, its events and its neighbours."""

    issue: Issue
    date_text: str
    events: tuple[EventView, ...]
    statements: tuple[StatementView, ...]
    previous: IssueLink | None
    next: IssueLink | None


class SiteViews:
    """All page views of one build, sharing the public subset of the model."""

    def __init__(self, project: Project, url_for: UrlFor, today: date) -> None:
        self.project = project
        self.url_for = url_for
        self.today = today
        self.published = project.published
        self.position = {issue.slug: index for index, issue in enumerate(self.published)}
        self._public = {issue.slug for issue in self.published}
        self.links = {issue.slug: self._link(issue) for issue in self.published}
        # the events of published issues; their views are made when first shown (a build of
        # edited bodies renders one issue page, not the thousands of events of the events page)
        self._entries = {entry.event.id: entry for entry in project.events if self._public & set(entry.issues)}
        self._event_views: dict[str, EventView] = {}
        self._issue_views: dict[str, IssueView] = {}

    @cached_property
    def events(self) -> tuple[EventView, ...]:
        return tuple(self._event_view_of(entry) for entry in self._entries.values())

    def _event_view_of(self, entry: EventEntry) -> EventView:
        view = self._event_views.get(entry.event.id)
        if view is None:
            view = self._event_views[entry.event.id] = self._event_view(entry, self._public)
        return view

    def _link(self, issue: Issue) -> IssueLink:
        return IssueLink(issue, self.url_for(f"{routes.ISSUES_DIR}/{issue.slug}.md"), long_date(issue.date))

    def _event_view(self, entry: EventEntry, public: set[str]) -> EventView:
        event = entry.event
        return EventView(
            event=event,
            when=event_when(event),
            status_label=EVENT_STATUS_LABELS[event.status],
            ics_url=routes.Routes.event_calendar(event.id),
            url=f"{self.url_for(routes.EVENTS_PAGE)}#{event.id}",
            issues=tuple(self.links[slug] for slug in entry.issues if slug in public),
            open=event_open(event, self.today),
            date_void=event_date_void(event),
            note=POSTPONED_NOTE if event.status is EventStatus.POSTPONED else "",
            void_label=VOID_DATE_LABELS.get(event.status, ""),
            attendance=event_attendance(event),
            draft=all(self.links[slug].issue.draft for slug in entry.issues if slug in public),
        )

    # -- pages ----------------------------------------------------------------------
    def upcoming(self) -> list[EventView]:
        return [view for view in self.events if view.event.end_date >= self.today]

    def past(self) -> list[EventView]:
        return [view for view in reversed(self.events) if view.event.end_date < self.today]

    def issue(self, issue: Issue) -> IssueView:
        """The view of ``issue``, made once per build: its page's key, its search text and its
        template all read it."""
        view = self._issue_views.get(issue.slug)
        if view is None or view.issue is not issue:
            view = self._issue_views[issue.slug] = self._issue_view(issue)
        return view

    def _issue_view(self, issue: Issue) -> IssueView:
        index = self.position[issue.slug]
        return IssueView(
            issue=issue,
            date_text=long_date(issue.date),
            events=tuple(self._event_view_of(self._entries[e.id]) for e in issue.events if e.id in self._entries),
            statements=self._statement_views(issue),
            previous=self.links[self.published[index - 1].slug] if index > 0 else None,
            next=self.links[self.published[index + 1].slug] if index + 1 < len(self.published) else None,
        )

    def latest(self) -> IssueLink | None:
        return self.links[self.published[-1].slug] if self.published else None

    def archive(self) -> list[tuple[int, list[IssueLink]]]:
        """Published issues newest first, grouped by year."""
        newest = sorted(self.published, key=lambda i: (i.date, i.number), reverse=True)
        return [
            (year, [self.links[i.slug] for i in issues]) for year, issues in groupby(newest, key=lambda i: i.date.year)
        ]

    def statements(self) -> list[StatementView]:
        """Every statement of every published issue, newest issue first."""
        return [view for issue in reversed(self.published) for view in self._statement_views(issue)]

    def _statement_views(self, issue: Issue) -> tuple[StatementView, ...]:
        link = self.links[issue.slug]
        return tuple(StatementView(s, link, n) for n, s in enumerate(issue.statements, start=1))

    def phases(self) -> list[PhaseView]:
        return [
            PhaseView(
                phase=phase,
                url=self.url_for(f"prozess/{phase.slug}.md"),
                status_label=PHASE_STATUS_LABELS[phase.status],
                period=_period(phase.start, phase.end),
            )
            for phase in self.project.phases
        ]


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        return long_date(start) if start == end else f"{long_date(start)} – {long_date(end)}"
    if start:
        return f"ab {long_date(start)}"
    if end:
        return f"bis {long_date(end)}"
    return ""


# -- schema.org ------------------------------------------------------------------------
_SCHEMA_STATUS = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
}


def event_jsonld(
    view: EventView, absolute: Callable[[str], str], organiser: str | None, describe: Callable[[str], str]
) -> dict[str, Any]:
    """schema.org's Event for ``view``; ``describe``: an event's description (Markdown) as the
    plain text schema.org's ``description`` is."""
    event = view.event
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "@id": absolute(view.url),
        "name": event.title,
        "startDate": event.start.isoformat(),  # a time carries its offset: 2026-09-25T15:00:00+02:00
        "eventStatus": _SCHEMA_STATUS[event.status],
        "url": absolute(view.url),
    }
    if event.end is not None:
        data["endDate"] = event.end.isoformat()
    place = None
    if event.location:
        place = {"@type": "Place", "name": event.location}
        if event.address:
            place["address"] = event.address.replace("\n", ", ")
    online: dict[str, str] | None = None
    if event.online:  # the join link only while it can be used, as on the page (the mode stays)
        online = {"@type": "VirtualLocation", "url": event.online} if view.open else {"@type": "VirtualLocation"}
    if place and online:
        data["eventAttendanceMode"] = "https://schema.org/MixedEventAttendanceMode"
        data["location"] = [place, online]
    elif online:
        data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        data["location"] = online
    else:
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        data["location"] = place
    if event.description and (description := describe(event.description).strip()):
        data["description"] = description
    if organiser:
        data["organizer"] = {"@type": "Organization", "name": organiser}
    return data


# Inside <script>, "</script", "<!--" and "<script" change how HTML reads the element; JSON
# may spell any character as \uXXXX, so these never appear literally. U+2028 and U+2029 are
# escaped too: older JavaScript parsers take them for line ends.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonld_script(data: object) -> str:
    """JSON for a <script type="application/ld+json"> element: valid JSON that cannot end it early."""
    return json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE)


class EventsJsonLd:
    """The events page's JSON-LD, one script element per event, each made as the page is
    written: the list of 4,000 events as one JSON text was 2.6 MB alive for the whole page (and
    one script element is one piece the page's writer cannot cut: plugin.py, _write_streamed).
    Iterated it gives each event's JSON; shown as a whole (``{{ events_jsonld }}`` in a
    project's own template, with or without autoescape) the list of all events in one JSON text."""

    def __init__(
        self,
        views: Sequence[EventView],
        absolute: Callable[[str], str],
        organiser: str | None,
        describe: Callable[[str], str],
    ) -> None:
        self.views, self.absolute, self.organiser, self.describe = views, absolute, organiser, describe

    def __iter__(self) -> Iterator[Markup]:
        return (Markup(jsonld_script(self._data(view))) for view in self.views)

    def _data(self, view: EventView) -> dict[str, Any]:
        return event_jsonld(view, self.absolute, self.organiser, self.describe)

    def __len__(self) -> int:
        return len(self.views)

    def __html__(self) -> str:
        return jsonld_script([self._data(view) for view in self.views])

    __str__ = __html__
