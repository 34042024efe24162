"""The HTML the editors' texts become, checked as the page shows it: the backstop of the
Markdown check (content/bodyrefs.py), for what reading the Markdown cannot be sure of (a block
of raw HTML, an extension's output, a construct Python-Markdown reads differently, a line
indented as code or as a list item's content). Run by ``check``, every build and plain
``mkdocs build`` once the loader found no error (no problem is reported twice).
"""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from generator.content.bodyrefs import check_published_html
from generator.content.fields import Context
from generator.content.model import Issue, Project
from generator.diagnostics import Diagnostics, display_path
from generator.texts import Texts, issue_source, routes_for


def verify_published_html(project: Project, texts: Texts, diag: Diagnostics, issues: Collection[Issue]) -> None:
    """What a build, ``check`` and plain ``mkdocs build`` check before anything is built: the
    texts of ``issues`` and every page MkDocs converts itself."""
    verify_published_texts(project, texts, diag, issues)
    verify_published_pages(project, texts, diag)


def verify_published_pages(project: Project, texts: Texts, diag: Diagnostics) -> None:
    """The HTML the pages MkDocs converts itself become (kontakt.md, the phases, ...), checked
    as verify_published_texts checks the issues' (converted here in the editors' dialect, as
    MkDocs converts them: raw HTML passes both alike)."""
    tz = ZoneInfo(project.settings.timezone)
    own = routes_for(project).site_url
    for page in project.pages:
        ctx = Context(diag, display_path(page.path, project.root), tz)
        check_published_html(ctx, texts.html(page.body, page.source), page.body, page.body_line, "body", own)


def verify_published_texts(project: Project, texts: Texts, diag: Diagnostics, issues: Collection[Issue]) -> None:
    """The HTML each text of ``issues`` became (body, events' descriptions, statements' quotes),
    checked as the loader checked their Markdown (content/bodyrefs.py): what the page would
    show is what is checked, whatever Python-Markdown and its extensions made of the text. The
    conversion checked each text already (texts.py): only those where it found something are
    checked again here, at their file, line and field."""
    tz = ZoneInfo(project.settings.timezone)
    own = texts.converter.routes.site_url  # the conversion made the project's files absolute below it
    described: set[str] = set()
    by_file = {issue.source.path: issue for issue in project.issues}  # where an event is described
    for issue in issues:
        ctx = Context(diag, issue.source.path, tz)
        source = issue_source(issue)
        if not texts.clean(issue.body, source):
            check_published_html(ctx, texts.html(issue.body, source), issue.body, issue.body_line, "body", own)
        for number, event in enumerate(issue.events, start=1):
            # once, in the file that describes it: an issue may name an event of another by its
            # id, even of a draft, which no build checks otherwise
            if not event.description or event.id in described:
                continue
            described.add(event.id)
            owner = by_file.get(event.source.path, issue)
            if texts.clean(event.description, issue_source(owner)):
                continue
            place = next((n for n, e in enumerate(owner.events, start=1) if e.id == event.id), number)
            html = texts.html(event.description, issue_source(owner))
            check_published_html(
                Context(diag, event.source.path, tz), html, event.description, event.description_line,
                f"events[{place}].description", own,
            )  # fmt: skip
        for number, statement in enumerate(issue.statements, start=1):
            if texts.clean(statement.quote, source):
                continue
            html = texts.html(statement.quote, source)
            field = f"statements[{number}].quote"
            check_published_html(ctx, html, statement.quote, statement.quote_line, field, own)
