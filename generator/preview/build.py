"""One preview build: the site and every email, drafts included, into a folder of the preview's own.

``rebuild(root, folder, previous)`` is the one call the server makes after a change; it builds
everything again, reusing unchanged emails of ``previous`` (the email build's cache key). A
faster, incremental build can replace it without touching the server: it only has to return a
:class:`PreviewBuild`.

The preview never writes into ``site/`` or ``newsletter/`` (what gets published): each build
goes into a new folder below ``.rundbrief/preview/``; the server switches to it when it is
complete and removes the one before later.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.content import load_project
from generator.content.loader import IssueMemo
from generator.content.model import Project
from generator.content.settings import CONFIG_FILE
from generator.diagnostics import (
    UNKNOWN_FIELD,
    Diagnostics,
    Level,
    Location,
    LogProblems,
    Problem,
)
from generator.i18n import _
from generator.output import NEWSLETTER_DIR, STATE_DIR
from generator.pipeline import Built, build_into
from generator.preview.model import preview_project
from generator.site.build import SiteBuildError
from generator.texts import routes_for

PREVIEW_DIR = f"{STATE_DIR}/preview"  # below the project: one folder per preview build
SITE = "site"


@dataclass(frozen=True, slots=True)
class IssueEntry:
    """An issue as the preview's pages list it."""

    slug: str
    title: str
    number: str
    date: date
    draft: bool
    source: str  # the file, as the editor knows it: content/newsletter/<slug>.md
    preheader: str  # the line mail programs show after the subject (as email.context makes it)
    url: str  # its page, site-relative ("newsletter/2026-02/", or "newsletter/2026-02.html")


@dataclass(frozen=True, slots=True)
class PreviewBuild:
    """What one preview build made, or why it could not."""

    folder: Path | None  # holds site/ and newsletter/; None when the build failed
    problems: tuple[Problem, ...]  # every problem, in file order (errors stop the build)
    issues: tuple[IssueEntry, ...] = ()  # newest first
    email_messages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the build's, by slug
    site_url: str = ""
    seconds: float = 0.0

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level is Level.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.level is Level.WARNING)

    @property
    def site(self) -> Path | None:
        return None if self.folder is None else self.folder / SITE

    @property
    def newsletter(self) -> Path | None:
        return None if self.folder is None else self.folder / NEWSLETTER_DIR

    def issue(self, slug: str) -> IssueEntry | None:
        return next((i for i in self.issues if i.slug == slug), None)


Rebuild = Callable[[Path, Path, "PreviewBuild | None"], PreviewBuild]


def _strict_for_editors(diag: Diagnostics) -> None:
    """The preview's page reports what a build passes over silently as errors: a misspelt
    optional field is ignored by a build, and the editor should see at once that it took no effect."""
    diag.promote(UNKNOWN_FIELD)


def _log_into(diag: Diagnostics, docs_dir: str) -> None:
    """MkDocs' warnings (broken links) into this build's problems, its progress nowhere."""
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [LogProblems(diag, docs_dir, CONFIG_FILE)]
    logger.setLevel(logging.WARNING)
    logger.propagate = False


@dataclass(frozen=True, slots=True)
class FullBuild:
    """A full preview build and what a later one may take from it (preview/incremental.py)."""

    result: PreviewBuild
    project: Project | None = None  # the project as the preview shows it
    built: Built | None = None  # the site build's configuration and the converted texts
    loaded_problems: int = 0  # how many of result.problems the loading found (the rest: the build's)


def rebuild(root: Path, folder: Path, previous: PreviewBuild | None) -> PreviewBuild:
    """Load and check the project at ``root``, then build its site and all emails (drafts
    included) into ``folder`` (new, not yet existing). A failed build leaves no folder."""
    return build_fully(root, folder, previous).result


def build_fully(root: Path, folder: Path, previous: PreviewBuild | None, memo: IssueMemo | None = None) -> FullBuild:
    """:func:`rebuild`, with what it made (``memo``: issue files read before, see IssueMemo)."""
    started = time.perf_counter()
    result = load_project(root, memo=memo)
    diag, loaded = result.diagnostics, result.project
    _strict_for_editors(diag)
    if diag.errors:
        return FullBuild(PreviewBuild(None, tuple(diag.sorted()), seconds=time.perf_counter() - started))
    project = preview_project(loaded)
    _log_into(diag, project.settings.docs_dir)
    loaded_problems = len(diag.problems)
    messages: dict[str, tuple[str, ...]] = {}
    built: Built | None = None
    ok = False
    try:
        messages, built = _build_into(project, diag, folder, previous)  # a template's error is one of diag's
        ok = not diag.errors
    finally:
        if not ok:
            shutil.rmtree(folder, ignore_errors=True)
    done = PreviewBuild(
        folder if ok else None,
        tuple(diag.sorted()),
        issue_entries(project),
        messages,
        project.settings.site_url or "",
        time.perf_counter() - started,
    )
    return FullBuild(done, project, built if ok else None, loaded_problems)


def issue_entries(project: Project) -> tuple[IssueEntry, ...]:
    """The issues as the preview's pages list them, newest first."""
    routes = routes_for(project)
    return tuple(
        IssueEntry(
            i.slug, i.title, i.number, i.date, i.draft, i.source.path, i.summary or i.title, routes.issue(i.slug)
        )
        for i in sorted(project.issues, key=lambda i: (i.date, i.number), reverse=True)
    )


def _build_into(
    project: Project, diag: Diagnostics, folder: Path, previous: PreviewBuild | None
) -> tuple[dict[str, tuple[str, ...]], Built | None]:
    """The site and the emails into ``folder``, as pipeline.build_all does (without its swap);
    the emails' messages by slug."""
    site, mail = folder / SITE, folder / NEWSLETTER_DIR
    mail.mkdir(parents=True)
    reuse = previous.newsletter if previous is not None else None
    try:
        built = build_into(project, diag, site, mail, reuse if reuse and reuse.is_dir() else None, strict=False)
    except SiteBuildError as err:
        diag.error(Location(CONFIG_FILE), _("mkdocs: %(err)s", err=err))
        return {}, None
    messages = {r.issue.slug: (*r.errors, *r.warnings) for r in built.results if r.rendered}
    for r in built.results:  # an email reused from the previous build: its messages were found then
        if not r.rendered and previous is not None:
            messages[r.issue.slug] = previous.email_messages.get(r.issue.slug, ())
    return messages, built
