"""One build of a project: site and emails into staged folders, swapped in only when all succeeded."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from generator.content.model import Issue, Project
from generator.diagnostics import Diagnostics, Location
from generator.email.build import EmailResult, build_emails
from generator.email.lint import lint_email
from generator.email.render import Inliner
from generator.linkcheck import missing_on_site
from generator.output import STATE_DIR, OutputBusy, StagedOutputs
from generator.site.build import SiteBuildError, build_site
from generator.images import ImagePipeline, Rendition
from generator.site.plugin import CACHE_DIR
from generator.texts import convert_texts, routes_for

NEWSLETTER_DIR = "newsletter"
log = logging.getLogger("rundbrief")


class BuildFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class BuildReport:
    emails_rendered: int
    emails_reused: int


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


def verify_email_links(project: Project, emails: Path, site: Path, diag: Diagnostics, shown: Path) -> None:
    """Every image and link on the site that an email in ``emails`` shows names a file in ``site``
    (``shown``: the newsletter folder as the editor knows it)."""
    site_url = project.settings.site_url or ""
    if not site_url:
        return
    elsewhere = routes_for(project).served_elsewhere
    for folder in sorted(p for p in emails.iterdir() if p.is_dir()):
        for address in missing_on_site(folder, site, site_url, elsewhere):
            where = (shown / folder.name / "email.html").relative_to(project.root).as_posix()
            diag.error(Location(where), f"email: shows {address}, but the site has no such file")


def build_all(project: Project, diag: Diagnostics, *, strict: bool) -> BuildReport:
    """Build site and emails; raise BuildFailed (nothing written) on any failure."""
    site_dir = project.root / project.settings.site_dir
    newsletter_dir = project.root / NEWSLETTER_DIR
    cache = project.root / CACHE_DIR / "images"
    inliner = cast(Inliner, project.settings.email_inliner)
    with _staged_outputs(project) as outputs:
        staged_site = outputs.stage(site_dir)
        staged_mail = outputs.stage(newsletter_dir)
        previous = newsletter_dir if newsletter_dir.is_dir() else None
        # The emails render in worker processes while MkDocs builds the site here: both cores work.
        texts = convert_texts(project)  # once, for the site and the emails
        with ThreadPoolExecutor(max_workers=1) as background:
            emails = background.submit(
                build_emails, project, lambda slug: staged_mail / slug, previous, inliner=inliner, cache=cache,
                background=True, texts=texts,
            )  # fmt: skip
            try:
                build_site(project, staged_site, strict=strict, texts=texts)
            except SiteBuildError as err:
                emails.cancel()
                raise BuildFailed(str(err)) from err
            finally:
                results = emails.result()
        renditions = report_emails(results, diag)
        if diag.failed(strict=strict):
            raise BuildFailed(diag.summary())
        images = ImagePipeline(cache)
        images.add(tuple(renditions))
        images.write(staged_site)
        verify_email_links(project, staged_mail, staged_site, diag, newsletter_dir)
        for folder, leak in find_subscriber_leaks(project, {staged_site: site_dir, staged_mail: newsletter_dir}):
            diag.error(Location(folder), f"a subscriber's address is in the build output: {leak}")
        if diag.errors:
            raise BuildFailed(diag.summary())
        outputs.commit()
    rendered = sum(1 for r in results if r.rendered)
    return BuildReport(rendered, len(results) - rendered)


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
            images = ImagePipeline(cache)
            images.add(tuple(renditions))
            images.write(site_dir)
        else:
            diag.warning(Location(issue.source.path), "email: site/ is not built yet; its images appear once `rundbrief build` ran")
        outputs.commit()
    return newsletter_dir / issue.slug


def lint_built_emails(project: Project, diag: Diagnostics) -> int:
    """`rundbrief check`: the emails in newsletter/ against the clients' support and our rules,
    and every site address they show against the built site."""
    checked = 0
    site_dir = project.root / project.settings.site_dir
    newsletter_dir = project.root / NEWSLETTER_DIR
    if site_dir.is_dir() and newsletter_dir.is_dir():
        verify_email_links(project, newsletter_dir, site_dir, diag, newsletter_dir)
    for issue in project.published:
        built = project.root / NEWSLETTER_DIR / issue.slug / "email.html"
        if not built.is_file():
            continue
        html = built.read_text(encoding="utf-8")
        shown = f"{NEWSLETTER_DIR}/{issue.slug}/email.html"
        violations, findings = lint_email(html, project.settings.site_url or "")
        for violation in violations:
            diag.error(Location(shown), violation)
        for finding in findings:
            diag.warning(Location(shown), str(finding))
        checked += 1
    return checked


_ADDRESS = re.compile(rb"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")


def find_subscriber_leaks(project: Project, folders: dict[Path, Path]) -> list[tuple[str, str]]:
    """Subscriber addresses found in built files (staged folder -> its real name), except the
    addresses the content itself publishes (contacts, sender)."""
    from generator.send.store import Store, StoreError, resolve_db

    try:
        db = resolve_db(project.root, None)
    except StoreError:
        return []
    if not db.is_file():
        return []
    store = Store(db)
    try:
        subscribers = store.active_addresses()
    finally:
        store.close()
    published = {a.lower() for a in (project.settings.sender_email, project.settings.reply_to) if a}
    published |= {p.email.lower() for p in project.people if p.email}
    published |= {c.email.lower() for i in project.issues for c in i.contacts if c.email}
    suspicious = subscribers - published
    leaks = []
    for staged, real in folders.items():
        for path in staged.rglob("*"):
            if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".gif", ".gz", ".woff2", ".woff") or not path.is_file():
                continue
            for found in set(_ADDRESS.findall(path.read_bytes())):
                address = found.decode("utf-8", "replace").lower()
                if address in suspicious:
                    shown = (real / path.relative_to(staged)).relative_to(project.root).as_posix()
                    leaks.append((shown, address))
    return leaks
