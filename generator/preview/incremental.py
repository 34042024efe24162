"""The preview's rebuild after an edit of issue bodies: only what shows a body, in place.

An editor types in an issue and saves, again and again. Everything else of the project stays
as it was, and no page but the issue's own shows its body (the archive, the events, the
statements and the pager show front-matter). So :class:`IncrementalRebuild` keeps the last good
full build in memory (the model, the converted texts, MkDocs' pages and plugins) and, when

- every file that changed since that build is an issue file of ``newsletter/`` that was there
  before and is there still (compared by size, time and link target, as the build stamp does),
  and nothing else the build reads changed (configuration, code, day, language), and
- the project loaded again (the changed files read anew, the others taken from memory, every
  check across files done again) has no errors, and differs from the kept one only in these
  issues' bodies, with the same headings,

renders again, into the last build's folder, just those issues' pages, their emails, their
search entries, the feed and the renditions they show. Anything else builds everything into a
new folder (preview/build.py). tests/test_preview_incremental.py proves the folder ends up
byte for byte as a full build makes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from generator.buildstamp import Inputs, issue_changes, read_inputs
from generator.content import load_project
from generator.content.images import CACHE_DIR
from generator.content.loader import IssueMemo
from generator.content.model import Issue, Project
from generator.content.settings import PLUGIN_NAME
from generator.diagnostics import Diagnostics, Problem
from generator.email.build import build_emails
from generator.email.render import Inliner
from generator.output import NEWSLETTER_DIR
from generator.pipeline import Built, report_emails, write_renditions
from generator.preview.build import (
    PreviewBuild,
    _log_into,
    _strict_for_editors,
    build_fully,
    issue_entries,
)
from generator.preview.model import preview_project
from generator.routes import ISSUES_DIR
from generator.site.plugin import RundbriefPlugin
from generator.texts import Texts, issue_texts
from generator.verification import verify_email_links

log = logging.getLogger("rundbrief.preview")


@dataclass(frozen=True, slots=True)
class _Kept:
    """The last good full build, and what has been rendered into its folder since."""

    folder: Path
    inputs: Inputs
    project: Project
    built: Built
    files: Files  # MkDocs' files of that build, as its plugin holds them
    loaded: tuple[Problem, ...]  # the problems the loading found
    made: tuple[Problem, ...]  # the problems the build found (MkDocs' warnings, the emails')
    result: PreviewBuild


class _NotIncremental(Exception):
    """This change needs a full build."""


class IncrementalRebuild:
    """A preview's ``rebuild`` (preview/server.py) that renders only edited bodies where it can."""

    def __init__(self) -> None:
        self._kept: _Kept | None = None
        self._memo = IssueMemo()
        self.incremental = 0  # builds done in place (tests and the benchmark read it)

    def __call__(self, root: Path, folder: Path, previous: PreviewBuild | None) -> PreviewBuild:
        started = time.perf_counter()
        kept = self._kept
        settings = kept.project.settings if kept is not None else None
        inputs = read_inputs(
            root.resolve(), settings.site_dir if settings else "site", settings.timezone if settings else "UTC",
            strict=False, subscribers=frozenset(),
        )  # fmt: skip  # before anything is read: an edit during this build is seen by the next
        if kept is not None and inputs is not None and previous is not None and previous.folder == kept.folder:
            slugs = _edited_issues(kept, inputs)
            if slugs:
                try:
                    return self._in_place(root, kept, inputs, slugs, started)
                except _NotIncremental as why:
                    log.debug(f"preview: a full build ({why})")
                except Exception:  # the folder may be half new: the full build below replaces it
                    log.exception("preview: rendering in place failed; building everything")
                return self._full(root, folder, previous, inputs, memo=self._memo)  # issue files alone changed
        return self._full(root, folder, previous, inputs, memo=IssueMemo())

    def _full(
        self, root: Path, folder: Path, previous: PreviewBuild | None, inputs: Inputs | None, *, memo: IssueMemo
    ) -> PreviewBuild:
        self._kept = None
        self._memo = memo  # a new one where anything but issue files changed (see IssueMemo)
        full = build_fully(root, folder, previous, self._memo)
        done = full.result
        if done.folder is not None and full.built is not None and full.built.site_config is not None:
            if inputs is not None and full.project is not None:
                plugin = cast(RundbriefPlugin, full.built.site_config.plugins[PLUGIN_NAME])
                self._kept = _Kept(
                    done.folder, inputs, full.project, full.built, plugin.files, done.problems[: full.loaded_problems],
                    done.problems[full.loaded_problems :], done,
                )  # fmt: skip
        return done

    def _in_place(self, root: Path, kept: _Kept, inputs: Inputs, slugs: frozenset[str], started: float) -> PreviewBuild:
        loaded = load_project(root, memo=self._memo)
        diag = loaded.diagnostics
        _strict_for_editors(diag)
        if diag.errors:  # shown instead of the pages; the folder stays the last good build's
            return PreviewBuild(None, tuple(diag.sorted()), seconds=time.perf_counter() - started)
        project = preview_project(loaded.project)
        _body_edits_only(kept.project, project, slugs)
        texts = _texts(kept.built, project)
        edited = [issue for issue in project.issues if issue.slug in slugs]
        plugin = cast(RundbriefPlugin, cast(MkDocsConfig, kept.built.site_config).plugins[PLUGIN_NAME])
        if plugin.files is not kept.files:  # MkDocs shares one plugin object per process
            raise _NotIncremental("another MkDocs build ran in this process since")
        loaded_problems = tuple(diag.problems)
        made = _email_and_pages(project, kept, edited, texts, diag)
        shown = {issue.source.path for issue in edited} | {f"{NEWSLETTER_DIR}/{slug}/email.html" for slug in slugs}
        problems = (
            *loaded_problems,
            *(p for p in kept.made if p.location.path not in shown),
            *diag.problems[len(loaded_problems) :],
        )
        messages = dict(kept.result.email_messages) | made
        done = PreviewBuild(
            kept.folder,
            tuple(Diagnostics(list(problems)).sorted()),
            issue_entries(project),
            messages,
            project.settings.site_url or "",
            time.perf_counter() - started,
        )
        built = replace(kept.built, texts=texts)
        self._kept = _Kept(
            kept.folder, inputs, project, built, kept.files, loaded_problems, tuple(problems[len(loaded_problems) :]),
            done,
        )  # fmt: skip
        self.incremental += 1
        return done


def _edited_issues(kept: _Kept, inputs: Inputs) -> frozenset[str] | None:
    """The issues whose files alone changed since the kept build; None where anything else did."""
    if inputs.rest != kept.inputs.rest:
        return None
    project = kept.project
    folder = os.path.relpath(project.content_dir / ISSUES_DIR, project.root)  # as read_inputs names files
    return issue_changes(kept.inputs.files, inputs.files, folder)


def _body_edits_only(old: Project, new: Project, slugs: frozenset[str]) -> None:
    """Raise unless ``new`` is ``old`` with other bodies for the issues ``slugs``."""
    by_slug = {issue.slug: issue for issue in old.issues}
    masked: list[Issue] = []
    for issue in new.issues:
        before = by_slug.get(issue.slug)
        if issue.slug in slugs and before is not None:
            issue = replace(issue, body=before.body, body_line=before.body_line)  # the same images: renditions
        masked.append(issue)
    if replace(new, issues=tuple(masked)) != old:
        raise _NotIncremental("more than an issue's body changed")


def _texts(built: Built, project: Project) -> Texts:
    """The kept conversions of the texts ``project`` shows (the edited ones are converted when
    first asked for): the same converter, as the configuration is unchanged."""
    kept = cast(Texts, built.texts)
    wanted = {key for issue in project.published for key in issue_texts(issue)}
    return kept.subset(wanted)


def _email_and_pages(
    project: Project, kept: _Kept, edited: list[Issue], texts: Texts, diag: Diagnostics
) -> dict[str, tuple[str, ...]]:
    """The emails of ``edited`` and their pages, into the kept folder; their messages by slug.
    The emails are made first, beside the folder: one with an error leaves the folder as it was."""
    folder = kept.folder
    site, mail = folder / "site", folder / NEWSLETTER_DIR
    incoming = folder / f".incoming-{os.getpid()}"
    shutil.rmtree(incoming, ignore_errors=True)
    inliner = cast(Inliner, project.settings.email_inliner)
    results = build_emails(
        project, lambda slug: incoming / slug, None, inliner=inliner, cache=project.root / CACHE_DIR / "images",
        only=edited, texts=texts,
    )  # fmt: skip
    renditions = report_emails(results, diag)
    if not diag.errors:
        # the renditions the emails show are the ones shown before (the same images): the links
        # are checked before anything of the folder changes
        known = {r.issue.slug: list(r.addresses) for r in results if r.addresses is not None}
        verify_email_links(project, incoming, site, diag, project.root / NEWSLETTER_DIR, known)
    if diag.errors:
        shutil.rmtree(incoming, ignore_errors=True)
        raise _NotIncremental("an email has errors")
    config = kept.built.site_config
    assert config is not None
    _log_into(diag, project.settings.docs_dir)
    try:
        plugin = cast(RundbriefPlugin, config.plugins[PLUGIN_NAME])
        plugin.rerender(config, project, texts, [issue.slug for issue in edited])
        write_renditions(project, renditions, site)
        for issue in edited:
            target, retired = mail / issue.slug, incoming / f".old-{issue.slug}"
            if target.exists():
                target.rename(retired)
            (incoming / issue.slug).rename(target)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    return {r.issue.slug: (*r.errors, *r.warnings) for r in results}
