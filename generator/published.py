"""The HTML the editors' texts become, checked as the page shows it: the backstop of the
Markdown check (content/bodyrefs.py), for what reading the Markdown cannot be sure of (a block
of raw HTML, an extension's output, a construct Python-Markdown reads differently, a line
indented as code or as a list item's content). Run by ``check`` and every build also where the
loader found errors (all problems of a build together), but not in a text the loader found an
error in (no problem is reported twice); by plain ``mkdocs build`` once the loader found none.
"""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from generator.content.bodyrefs import check_published_html
from generator.content.fields import Context
from generator.content.model import Issue, Project
from generator.diagnostics import Diagnostics, display_path
from generator.texts import Texts, issue_source


def verify_published_html(project: Project, texts: Texts, diag: Diagnostics, issues: Collection[Issue]) -> None:
    """What a build, ``check`` and plain ``mkdocs build`` check before anything is built: the
    texts of ``issues`` and every page MkDocs converts itself. Also after the loader found
    errors (all problems are reported together: an error elsewhere must not hide these), but
    not in a text where it found one: the Markdown check reported what this one would."""
    spans = _error_lines(diag)
    verify_published_texts(project, texts, diag, issues, spans)
    verify_published_pages(project, texts, diag, spans)


def _error_lines(diag: Diagnostics) -> dict[str, list[int]]:
    """The lines of each file where an error was reported so far."""
    lines: dict[str, list[int]] = {}
    for problem in diag.errors:
        lines.setdefault(problem.location.path, []).append(problem.location.line)
    return lines


def _reported(spans: dict[str, list[int]], path: str, text: str, first_line: int, starts: tuple[int, ...]) -> bool:
    """Whether an error was reported in ``text``, written in ``path`` from ``first_line`` on
    (its lines beginning on ``starts``, if given: where the loader put its problems)."""
    last = first_line + text.count("\n")
    return any(first_line <= line <= last or line in starts for line in spans.get(path, ()))


def _check_text(
    ctx: Context, texts: Texts, spans: dict[str, list[int]], text: str, source: str, lines: tuple[int, tuple[int, ...]],
    field: str,
) -> None:  # fmt: skip
    """The HTML ``text`` (written in the content file ``source``) became, reported at its file,
    line and field: not where the check at its conversion found nothing (texts.py), nor in a
    text the loader found an error in (the Markdown check reported what this one would).
    ``lines``: the line the text starts on, and where each of its lines begins as written."""
    first_line, starts = lines
    if texts.clean(text, source) or _reported(spans, ctx.path, text, first_line, starts):
        return
    # the conversion made the addresses of the project's files absolute below the site's
    check_published_html(
        ctx.in_text(first_line, starts), texts.html(text, source), text, first_line, field,
        texts.converter.routes.site_url,
    )  # fmt: skip


def verify_published_pages(project: Project, texts: Texts, diag: Diagnostics, spans: dict[str, list[int]]) -> None:
    """The HTML the pages MkDocs converts itself become (kontakt.md, the phases, ...), checked
    as verify_published_texts checks the issues' (converted here in the editors' dialect, as
    MkDocs converts them: raw HTML passes both alike)."""
    tz = ZoneInfo(project.settings.timezone)
    for page in project.pages:
        ctx = Context(diag, display_path(page.path, project.root), tz)
        _check_text(ctx, texts, spans, page.body, page.source, (page.body_line, ()), "body")


def verify_published_texts(
    project: Project, texts: Texts, diag: Diagnostics, issues: Collection[Issue],
    spans: dict[str, list[int]] | None = None,
) -> None:  # fmt: skip
    """The HTML each text of ``issues`` became (body, events' descriptions, statements' quotes),
    checked as the loader checked their Markdown (content/bodyrefs.py): what the page would
    show is what is checked, whatever Python-Markdown and its extensions made of the text. The
    conversion checked each text already (texts.py): only those where it found something are
    checked again here, at their file, line and field."""
    tz = ZoneInfo(project.settings.timezone)
    described: set[str] = set()
    by_file = {issue.source.path: issue for issue in project.issues}  # where an event is described
    spans = _error_lines(diag) if spans is None else spans
    for issue in issues:
        ctx = Context(diag, issue.source.path, tz)
        source = issue_source(issue)
        _check_text(ctx, texts, spans, issue.body, source, (issue.body_line, ()), "body")
        for number, event in enumerate(issue.events, start=1):
            # once, in the file that describes it: an issue may name an event of another by its
            # id, even of a draft, which no build checks otherwise
            if not event.description or event.id in described:
                continue
            described.add(event.id)
            owner = by_file.get(event.source.path, issue)
            place = next((n for n, e in enumerate(owner.events, start=1) if e.id == event.id), number)
            _check_text(
                Context(diag, event.source.path, tz), texts, spans, event.description, issue_source(owner),
                (event.description_line, event.description_starts), f"events[{place}].description",
            )  # fmt: skip
        for number, statement in enumerate(issue.statements, start=1):
            _check_text(
                ctx, texts, spans, statement.quote, source, (statement.quote_line, statement.quote_starts),
                f"statements[{number}].quote",
            )  # fmt: skip
