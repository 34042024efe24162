"""What each page shows, as HTML for Material's search index.

Material's search plugin indexes ``page.content``, the Markdown body, and never the template's
output; the events, statements, people and places that rundbrief's templates add would not be
found. For each page rundbrief lays out, this module writes what the page shows as sections (a
heading with the id of its place on the page, then its text), which the plugin hands to the
search plugin beside the body; the page itself shows the body alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from generator.content.model import Issue, Person
from generator.routes import ARCHIVE_PAGE, EVENTS_PAGE, PROCESS_PAGE, STATEMENTS_PAGE
from generator.site.pages import (
    EventView,
    IssueLink,
    SiteViews,
    StatementView,
    contact_anchor,
    issue_anchor,
    phase_anchor,
)  # fmt: skip

Markdown = Callable[[str], str]  # a Markdown text of an issue -> HTML


def _section(anchor: str, title: str, parts: Iterable[str | Markup | None]) -> str:
    text = " · ".join(str(escape(p)) for p in parts if p)
    return f'<h2 id="{escape(anchor)}">{escape(title)}</h2>\n<div>{text}</div>\n'


def event_section(view: EventView, markdown: Markdown) -> str:
    e = view.event
    return _section(
        view.id,
        e.title,
        [
            view.status_label, view.when, view.note, e.location, (e.address or "").replace("\n", ", "),
            view.attendance, f"Region: {e.region}" if e.region else None,
            Markup(markdown(e.description)) if e.description else None,
        ],
    )  # fmt: skip


def _person_parts(person: Person) -> list[str | None]:
    return [person.role, person.organisation, " · ".join(person.groups) or None]


def statement_section(view: StatementView, markdown: Markdown) -> str:
    people = view.statement.people
    parts: list[str | Markup | None] = [part for p in people for part in _person_parts(p)]
    parts.append(Markup(markdown(view.statement.quote)))
    return _section(view.anchor, " und ".join(p.name for p in people), parts)


def contact_section(person: Person, index: int) -> str:
    address = (person.address or "").replace("\n", ", ")
    parts = [*_person_parts(person), address, person.phone, person.email, person.website]
    return _section(contact_anchor(index), person.name, parts)


def issue_section(link: IssueLink) -> str:
    i = link.issue
    return _section(issue_anchor(i.slug), i.title, [f"Ausgabe {i.number}", link.date_text, i.summary])


def issue_text(views: SiteViews, issue: Issue, markdown: Markdown) -> str:
    view = views.issue(issue)
    return "".join(
        [event_section(e, markdown) for e in view.events]
        + [statement_section(s, markdown) for s in view.statements]
        + [contact_section(p, n) for n, p in enumerate(issue.contacts, start=1)]
    )


def _statements(views: SiteViews, markdown: Markdown, limit: int | None = None) -> list[str]:
    shown = views.statements()[:limit] if limit is not None else views.statements()
    return [statement_section(s, markdown) for s in shown]


def page_text(views: SiteViews, src: str, markdown: Markdown) -> str:
    """What a generated or enriched page shows beside its body ("" for other pages). The limits
    are the templates': the start page shows three upcoming events and three statements."""
    if src == "index.md":
        latest = views.latest()
        return "".join(
            [event_section(e, markdown) for e in views.upcoming()[:3]]
            + ([issue_section(latest)] if latest else [])
            + _statements(views, markdown, 3)
        )
    if src == EVENTS_PAGE:
        return "".join(event_section(e, markdown) for e in [*views.upcoming(), *views.past()])
    if src == STATEMENTS_PAGE:
        return "".join(_statements(views, markdown))
    if src == ARCHIVE_PAGE:
        return "".join(issue_section(link) for _, links in views.archive() for link in links)
    if src == PROCESS_PAGE:
        return "".join(
            _section(phase_anchor(v.phase.slug), v.phase.title, [v.status_label, v.period, v.phase.summary])
            for v in views.phases()
        )
    return ""
