"""One build of a project: site and emails into staged folders, swapped in only when all succeeded."""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

import jinja2
from mkdocs.config.defaults import MkDocsConfig

from generator import buildstamp, hyphenation
from generator.cachefiles import forget_objects
from generator.content.images import CACHE_DIR
from generator.content.model import Issue, Project
from generator.content.settings import CONFIG_FILE
from generator.diagnostics import Diagnostics, Location, template_location, template_message
from generator.email.build import EmailResult, build_emails
from generator.email.render import Inliner
from generator.i18n import _
from generator.images import ImagePipeline, Rendition
from generator.output import NEWSLETTER_DIR, STATE_DIR, OutputBusy, StagedOutputs, start_link_tree
from generator.published import verify_published_html, verify_published_texts
from generator.routes import ISSUES_DIR
from generator.site.build import SiteBuildError, build_site
from generator.site.feed import feed_issues
from generator.site.plugin import templates_show_whole_site
from generator.texts import Texts, convert_texts
from generator.verification import find_subscriber_leaks, verify_email_links

log = logging.getLogger("rundbrief")
T = TypeVar("T")


class BuildFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Built:
    """What ``build_into`` made: the emails' results, and for a preview that renders pages again
    later, the site build's configuration (its plugins hold the pages) and the converted texts."""

    results: list[EmailResult]
    site_config: MkDocsConfig | None = None
    texts: Texts | None = None


@dataclass(frozen=True, slots=True)
class BuildReport:
    emails_rendered: int
    emails_reused: int
    edited_only: int | None = None  # a build of edited bodies: how many issues' pages it rendered


def report_emails(results: list[EmailResult], diag: Diagnostics) -> list[Rendition]:
    """Problems of freshly rendered emails into ``diag``; their renditions, to be written."""
    renditions: list[Rendition] = []
    for result in results:
        where = result.issue.source
        for error in result.errors:
            diag.error(where, f"email: {error}")
        for warning in result.warnings:
            diag.warning(where, f"email: {warning}")
        renditions.extend(result.renditions)
    return renditions


@contextmanager
def _staged_outputs(project: Project) -> Iterator[StagedOutputs]:
    """The project's staged output under its build lock, after finishing an interrupted swap."""
    outputs = StagedOutputs(project.root / STATE_DIR)
    try:
        outputs.open()
    except OutputBusy as err:
        raise BuildFailed(str(err)) from err
    try:
        for done in outputs.recovered:
            log.warning(f"rundbrief: {done}")
        yield outputs
    finally:
        outputs.close()


def build_into(
    project: Project, diag: Diagnostics, site: Path, mail: Path, previous: Path | None, *, strict: bool
) -> Built:
    """The site into ``site`` and every published issue's email into ``mail`` (both folders of
    the caller's: a build's staged output, or a preview's folder), reusing unchanged emails of
    ``previous``; then the renditions the emails show, and the check that every site address an
    email shows is a file of ``site``. Problems go into ``diag``, a template's error of the
    project's ``theme/`` too (at its file and line, with no results); SiteBuildError where MkDocs
    refused the build."""
    return _reported(project, diag, lambda: _build_into(project, diag, site, mail, previous, strict=strict), Built([]))


def _reported(project: Project, diag: Diagnostics, make: Callable[[], T], failed: T) -> T:
    """``make()``, where a template's error of the project's ``theme/`` is one of ``diag``'s (at
    its file and line; then ``failed``); SiteBuildError where MkDocs refused the build."""
    try:
        return make()
    except SiteBuildError as err:
        if err.location is None:
            raise
        diag.error(err.location, str(err))  # a site template's error
        return failed
    except jinja2.TemplateError as err:  # an email template's (the site's come as SiteBuildError)
        diag.error(template_location(err, project.root, CONFIG_FILE), template_message(err))
        return failed
    finally:
        forget_objects()  # the model's digests of this build (the preview builds again and again)


def _build_into(
    project: Project, diag: Diagnostics, site: Path, mail: Path, previous: Path | None, *, strict: bool
) -> Built:
    cache = project.root / CACHE_DIR
    inliner = cast(Inliner, project.settings.email_inliner)
    texts = convert_texts(project, cache=cache)  # once, for the site and the emails
    verify_published_html(project, texts, diag, project.published)
    if diag.failed(strict=strict):
        return Built([])
    # parsed here once (and kept in the cache) before the email workers start: on a cold build
    # each of them and the site parsed the German patterns itself, half a second of CPU apiece
    hyphenation.use_cache(cache)
    # The emails render in worker processes while MkDocs builds the site here: both cores work.
    with ThreadPoolExecutor(max_workers=1) as background:
        emails = background.submit(
            build_emails, project, lambda slug: mail / slug, previous, inliner=inliner, cache=cache / "images",
            background=True, texts=texts,
        )  # fmt: skip
        try:
            config = build_site(project, site, strict=strict, texts=texts)
        except SiteBuildError:
            emails.cancel()
            raise
        finally:
            results = emails.result()
    renditions = report_emails(results, diag)
    if diag.failed(strict=strict):
        return Built(results)
    write_renditions(project, renditions, site)
    known = {r.issue.slug: list(r.addresses) for r in results if r.addresses is not None}
    verify_email_links(project, mail, site, diag, project.root / NEWSLETTER_DIR, known)
    return Built(results, config, texts)


def write_renditions(project: Project, renditions: list[Rendition], site: Path) -> None:
    """The renditions the emails show, into the site (made once, kept in the build's cache)."""
    images = ImagePipeline(project.root / CACHE_DIR / "images")
    images.add(tuple(renditions))
    images.write(site)


def build_all(
    project: Project,
    diag: Diagnostics,
    *,
    strict: bool,
    subscribers: frozenset[str] = frozenset(),
    inputs: buildstamp.Inputs | None = None,
    edited: frozenset[str] | None = None,
    fronts: dict[str, str] | None = None,
) -> BuildReport:
    """Build site and emails; raise BuildFailed (nothing written) on any failure. ``subscribers``:
    the addresses that must not turn up in the output (the caller reads them from the store);
    ``inputs``: what the build read (buildstamp.py), taken before it read it; ``edited``: only
    these issues' bodies changed since the last build, whose output is untouched (the caller
    checked both: buildstamp.edited_issues, content.loader.front_matter_digest); ``fronts``: each
    issue file's front_matter_digest, for the next build's check."""
    site_dir = project.root / project.settings.site_dir
    newsletter_dir = project.root / NEWSLETTER_DIR
    with _staged_outputs(project) as outputs:
        staged_site = outputs.stage(site_dir)
        staged_mail = outputs.stage(newsletter_dir)
        previous = newsletter_dir if newsletter_dir.is_dir() else None
        if previous is None or not site_dir.is_dir() or templates_show_whole_site(project):
            edited = None  # nothing to start from, or a page of the project's may show every issue's body
        try:
            if edited is not None:
                folders, only = ((site_dir, staged_site), (newsletter_dir, staged_mail)), edited
                none: list[EmailResult] = []
                results = _reported(project, diag, lambda: _build_edits(project, diag, *folders, only, strict), none)
            else:
                edited = None
                results = build_into(project, diag, staged_site, staged_mail, previous, strict=strict).results
        except SiteBuildError as err:
            raise BuildFailed(str(err)) from err
        if diag.failed(strict=strict):
            raise BuildFailed(diag.summary())
        for folder, leak in find_subscriber_leaks(
            project, subscribers, {staged_site: site_dir, staged_mail: newsletter_dir}, new_only=edited is not None
        ):
            diag.error(Location(folder), _("a subscriber's address is in the build output: %(leak)s", leak=leak))
        if diag.errors:
            raise BuildFailed(diag.summary())
        try:
            buildstamp.forget(project.root)  # a build killed during the swap leaves no stamp
        except OSError as err:  # a read-only .rundbrief/: said before anything is swapped in
            raise BuildFailed(
                _(
                    "%(path)s cannot be removed (%(reason)s); rundbrief must be able to write in %(folder)s",
                    path=err.filename or STATE_DIR, reason=err.strerror or err, folder=STATE_DIR,
                )  # fmt: skip
            ) from err
        outputs.commit()
        settings = project.settings
        buildstamp.record(
            project.root, settings.site_dir, settings.timezone, inputs=inputs, problems=diag.problems,
            issues=len(project.published), issues_folder=issues_folder(project), fronts=fronts,
        )  # fmt: skip
    rendered = sum(1 for r in results if r.rendered)
    # a build of edited bodies made only their emails: the others are the last build's
    if edited is not None:
        return BuildReport(rendered, len(project.published) - rendered, len(edited))
    return BuildReport(rendered, len(results) - rendered)


def issues_folder(project: Project) -> str:
    """The folder of the issue files, below the project folder, as the build stamp names files."""
    return os.path.relpath(project.content_dir / ISSUES_DIR, project.root)


def _build_edits(
    project: Project,
    diag: Diagnostics,
    site: tuple[Path, Path],
    mail: tuple[Path, Path],
    edited: frozenset[str],
    strict: bool,
) -> list[EmailResult]:
    """A build after edits of the bodies of ``edited`` alone: the last build's ``site`` and
    ``mail`` (each: the published folder, the staged one) linked into the staged folders, then
    only what shows these bodies made anew there: their pages, their emails, the search index,
    the feed and the renditions. No other page shows a body (the archive, the events, the
    statements and the pager show front-matter), so the result is the full build's, byte for
    byte (tests/test_incremental.py). A staged file is never written through a link: what is
    written is unlinked first (plugin.py's _make_room; the emails' folders here)."""
    (live_site, staged_site), (live_mail, staged_mail) = site, mail
    # the kernel's work, beside MkDocs reading the pages (they write nothing before on_env)
    site_linked, mail_linked = start_link_tree(live_site, staged_site), start_link_tree(live_mail, staged_mail)
    try:
        issues = [issue for issue in project.published if issue.slug in edited]
        # the texts these pages and the feed show (the others are read from the cache as asked for)
        shown = {issue.slug for issue in feed_issues(list(project.published))} | edited
        texts = convert_texts(
            project, [i for i in project.published if i.slug in shown], cache=project.root / CACHE_DIR, keep=False
        )
        verify_published_texts(project, texts, diag, issues)
        if diag.failed(strict=strict):
            return []
        build_site(project, staged_site, strict=strict, texts=texts, edited=edited, before_writing=site_linked)
    finally:
        site_linked()  # nothing may still write into a folder that is about to be removed
        mail_linked()
    for issue in issues:
        shutil.rmtree(staged_mail / issue.slug, ignore_errors=True)
    inliner = cast(Inliner, project.settings.email_inliner)
    cache = project.root / CACHE_DIR
    results = build_emails(
        project, lambda slug: staged_mail / slug, None, inliner=inliner, cache=cache / "images", only=issues,
        texts=texts,
    )  # fmt: skip
    renditions = report_emails(results, diag)
    if not diag.errors:
        write_renditions(project, renditions, staged_site)
        known = {r.issue.slug: list(r.addresses) for r in results if r.addresses is not None}
        verify_email_links(
            project, staged_mail, staged_site, diag, project.root / NEWSLETTER_DIR, known, only=edited
        )
    return results


def build_one_email(project: Project, issue: Issue, diag: Diagnostics) -> Path:
    """``rundbrief email SLUG``: only this issue's email, drafts included (for a preview)."""
    newsletter_dir = project.root / NEWSLETTER_DIR
    cache = project.root / CACHE_DIR / "images"
    inliner = cast(Inliner, project.settings.email_inliner)
    with _staged_outputs(project) as outputs:
        staged = outputs.stage(newsletter_dir / issue.slug)
        results = build_emails(project, lambda slug: staged, None, inliner=inliner, cache=cache, only=[issue])
        renditions = report_emails(results, diag)
        if diag.failed():
            raise BuildFailed(diag.summary())
        site_dir = project.root / project.settings.site_dir
        if site_dir.is_dir():  # adding the images a page or email shows changes nothing else
            write_renditions(project, renditions, site_dir)
        else:
            diag.warning(
                Location(issue.source.path),
                _("email: site/ is not built yet; its images appear once `rundbrief build` ran"),
            )
        outputs.commit()
    return newsletter_dir / issue.slug
