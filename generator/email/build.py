"""Building the emails of a project into ``newsletter/<slug>/``.

Each issue becomes ``email.html``, ``email.txt`` and ``message.eml``. An email is rendered
again only when something it is made of changed: its key hashes the issue, the settings,
the templates, the inliner, rundbrief's code and the image files it shows; unchanged emails
are copied from the previous ``newsletter/``, with the list of the image renditions they show
(``.build.json``, generator/manifest.py), so that the site build writes those again. Many emails render on all cores.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.cachefiles import code_digest, object_digest
from generator.content.images import ImageChecker
from generator.content.model import Issue, Project
from generator.email.context import UNSUBSCRIBE_PLACEHOLDER
from generator.email.mime import PreparedMessage, message_id
from generator.email.render import EmailRenderer, Inliner, RenderedEmail
from generator.formatting import message_date
from generator.hyphenation import use_cache
from generator.i18n import language, set_language
from generator.images import ImagePipeline, Rendition
from generator.linkcheck import addresses
from generator.manifest import read_manifest, write_manifest
from generator.output import link_or_copy
from generator.texts import Texts
from generator.theme import EMAIL_TEMPLATES, email_template_dirs
from generator.workers import worker_context

PARALLEL_FROM = 24  # below this, starting worker processes costs more than it saves
BACKGROUND_NICE = 5


@dataclass(frozen=True, slots=True)
class EmailResult:
    issue: Issue
    rendered: bool  # False when copied unchanged from the previous build
    errors: tuple[str, ...] = ()  # an email with errors is not written
    warnings: tuple[str, ...] = ()
    renditions: tuple[Rendition, ...] = ()  # images it shows, for the site to serve
    addresses: tuple[str, ...] | None = None  # the links and images it shows, if rendered here


BUNDLED_TEMPLATES = EMAIL_TEMPLATES  # the templates rundbrief ships (generator/theme/email/)


def templates_dir(project: Project) -> tuple[Path, ...]:
    """The project's theme/email/ first, then rundbrief's own: per file, the project's wins."""
    return email_template_dirs(project.root)


def _stat(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


def _templates_digest(folders: tuple[Path, ...]) -> bytes:
    """The templates in effect: per name, the first folder's file (as the loader picks it),
    in subfolders too (a template may include ``partials/gruss.html.j2``)."""
    chosen: dict[str, Path] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                chosen.setdefault(path.relative_to(folder).as_posix(), path)
    digest = hashlib.sha256()
    for name, path in sorted(chosen.items()):
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def shared_email_key(project: Project, inliner: Inliner, templates: bytes | None = None) -> bytes:
    """What every email of ``project`` is made of: rundbrief's code, the templates, the inliner,
    the settings and the legal pages (hashed once per build, not once per email)."""
    digest = hashlib.sha256(code_digest())
    digest.update(templates if templates is not None else _templates_digest(templates_dir(project)))
    digest.update(f"{inliner}|{project.settings!r}|{project.legal_pages!r}".encode())
    return digest.digest()


def email_key(
    project: Project,
    issue: Issue,
    inliner: Inliner,
    templates: bytes | None = None,
    stats: dict[Path, str] | None = None,
    shared: bytes | None = None,
) -> str:
    """What the email of ``issue`` is made of, hashed (``templates``: their digest, if known;
    ``stats``: image file stats already taken in this build: many issues show the same logos;
    ``shared``: what every email of the project is made of, if known: see shared_email_key)."""
    digest = hashlib.sha256(shared if shared is not None else shared_email_key(project, inliner, templates))
    digest.update(object_digest(issue).encode())
    images = [p.image.path for p in (issue.cover, *issue.photos) if p is not None]
    images += [s.shown_photo.image.path for s in issue.statements if s.shown_photo is not None]
    images += [p.logo.path for p in project.settings.partners if p.logo is not None]
    images += [project.settings.logo.path] if project.settings.logo else []
    # the images the Markdown texts show: resolved and checked by the loader
    images += [image.path for image in issue.body_images]
    images += [image.path for event in issue.events for image in event.description_images]
    images += [image.path for statement in issue.statements for image in statement.quote_images]
    stats = {} if stats is None else stats
    for path in images:
        if path not in stats:
            stats[path] = _stat(path)
        digest.update(stats[path].encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class _Job:
    slug: str
    folder: Path  # where the email goes
    key: str | None  # what it is made of (see email_key); None: worked out where it renders


# slug, errors, warnings, images, the addresses it shows
_Summary = tuple[str, tuple[str, ...], tuple[str, ...], tuple[Rendition, ...], tuple[str, ...]]


class _Worker:
    """Everything one process needs to render emails: the model arrives once, jobs are slugs."""

    def __init__(
        self, project: Project, inliner: Inliner, cache: Path, texts: Texts | None, shared: bytes | None = None
    ) -> None:
        """``shared``: what every email of the project is made of (shared_email_key), for the
        keys of the jobs that come without one."""
        self.project = project
        self.inliner = inliner
        self.shared = shared
        self.stats: dict[Path, str] = {}  # one stat per image file in this process
        self.issues = {issue.slug: issue for issue in project.issues}
        self.images = ImagePipeline(cache)
        use_cache(cache.parent)  # the German hyphenation patterns, parsed once per project
        self.renderer = EmailRenderer(project, self.images, templates_dir(project), inliner, texts)

    def render(self, job: _Job) -> _Summary:
        """Render and write one email here: only a small summary travels back to the build."""
        issue = self.issues[job.slug]
        key = job.key
        if key is None:
            key = email_key(self.project, issue, self.inliner, stats=self.stats, shared=self.shared)
        self.images.clear()
        rendered = self.renderer.render(issue)
        renditions = self.images.requested()
        shown: tuple[str, ...] = ()
        if not rendered.errors:
            self.images.make()  # here, in this worker: the build only links them into the site
            # what the build checks against the site, found here (in parallel) in the text written
            shown = tuple(dict.fromkeys(addresses(rendered.body.html, rendered.body.text)))
            write_email(job.folder, self.project, rendered, issue, key, renditions, shown)
        return job.slug, rendered.errors, rendered.warnings, renditions, shown


_worker: _Worker | None = None


def _start_worker(inputs: Path, inliner: Inliner, cache: Path, nice: int, shared: bytes, lang: str) -> None:
    global _worker
    set_language(lang)  # the build's language: forkserver workers inherit none of its state
    if nice:
        # emails are background work beside the site build: the MkDocs process keeps its core
        os.nice(nice)
    # The model is hundreds of thousands of objects that live as long as this process: collected
    # while they arrive, they were scanned again and again (0.23 s to load instead of 0.09 s),
    # and after, never again (as the build's own process, generator/cli.py).
    gc.disable()
    try:
        with inputs.open("rb") as file:
            project, texts = pickle.load(file)
        _worker = _Worker(project, inliner, cache, texts, shared)
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    finally:
        gc.enable()


def _render_in_worker(job: _Job) -> _Summary:
    assert _worker is not None
    return _worker.render(job)


def render_emails(
    project: Project, jobs: list[_Job], *, inliner: Inliner, cache: Path, background: bool, texts: Texts | None,
    shared: bytes,
) -> list[_Summary]:
    """Render and write ``jobs``, in worker processes on all cores when there are many."""
    workers = os.cpu_count() or 1
    if len(jobs) < PARALLEL_FROM or workers < 2:
        worker = _Worker(project, inliner, cache, texts, shared)
        return [worker.render(job) for job in jobs]
    # The model and the texts reach the workers through a file, streamed: as arguments of the
    # pool they would be pickled into one bytes object per worker in this process (tens of MB
    # at a thousand issues, the build's memory peak), while the site is built beside them.
    # In the system's temp folder, not the project's: the workers unpickle it by its name, and a
    # file renamed over it in a folder others may write (.rundbrief/) ran as the build.
    with tempfile.NamedTemporaryFile(prefix="rundbrief-email-workers-", suffix=".pickle") as inputs:
        pickle.dump((project, texts), inputs, protocol=pickle.HIGHEST_PROTOCOL)
        inputs.flush()
        initargs = (Path(inputs.name), inliner, cache, BACKGROUND_NICE if background else 0, shared, language())
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=worker_context(), initializer=_start_worker, initargs=initargs
        ) as pool:
            # Chunks of about 16 of a thousand: the last chunk's worker works on alone (one of 62
            # kept the other core idle up to a third of a second); a chunk's passage costs 0.1 ms.
            chunk = max(1, min(16, len(jobs) // (workers * 8)))
            return list(pool.map(_render_in_worker, jobs, chunksize=chunk))


def write_email(
    folder: Path,
    project: Project,
    rendered: RenderedEmail,
    issue: Issue,
    key: str,
    renditions: tuple[Rendition, ...],
    shown: tuple[str, ...],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = rendered.body
    (folder / "email.html").write_text(body.html, encoding="utf-8")
    (folder / "email.txt").write_text(body.text, encoding="utf-8")
    domain = (project.settings.sender_email or "rundbrief.invalid").rpartition("@")[2]
    prepared = PreparedMessage(body, project.settings)
    message = prepared.personalise(
        None, UNSUBSCRIBE_PLACEHOLDER, date=message_date(issue, ZoneInfo(project.settings.timezone)),
        # from what the message shows, not from its key (which holds image files' times): the
        # same email built again, anywhere, is the same message
        message_id=message_id(issue.slug, domain, prepared.digest[:12]),
    )  # fmt: skip
    (folder / "message.eml").write_bytes(message)
    write_manifest(folder, key, renditions, shown)  # last: an email without its key is rendered again


def build_emails(
    project: Project,
    target_for: Callable[[str], Path],
    previous_dir: Path | None,
    *,
    inliner: Inliner,
    cache: Path,
    only: list[Issue] | None = None,
    background: bool = False,
    texts: Texts | None = None,
) -> list[EmailResult]:
    """Write the emails of the published issues (or ``only`` these) into ``target_for(slug)``,
    reusing unchanged ones from ``previous_dir``. ``background``: another build runs beside
    these (the site), so the email workers yield the CPU to it."""
    issues = only if only is not None else list(project.published)
    by_slug = {issue.slug: issue for issue in issues}
    templates = _templates_digest(templates_dir(project))
    every_email = shared_email_key(project, inliner, templates)
    # One stat per image file, not per issue showing it: this loop runs in a thread beside MkDocs,
    # and every system call hands the interpreter lock over and waits to get it back.
    stats: dict[Path, str] = {}
    checker = ImageChecker(project.content_dir)
    pure = project.settings.markdown.pure
    results: list[EmailResult] = []
    jobs: list[_Job] = []
    for issue in issues:
        old = previous_dir / issue.slug if previous_dir else None
        # an extension that reads other files: the key cannot see them, every email is made anew
        kept = read_manifest(old, checker) if old and pure else None
        # Only an email built before needs its key here, to be compared; the others' keys are
        # worked out where they render, in parallel (the first build's thousand keys held the
        # workers' start back by a tenth of a second)
        key = email_key(project, issue, inliner, templates, stats, every_email) if kept is not None else None
        if old and kept is not None and kept.key == key:
            # hard links: instant, and the previous newsletter/ stays intact (files are never rewritten in place)
            shutil.copytree(old, target_for(issue.slug), dirs_exist_ok=True, copy_function=link_or_copy)
            results.append(EmailResult(issue, False, renditions=kept.renditions, addresses=kept.addresses))
        else:
            jobs.append(_Job(issue.slug, target_for(issue.slug), key))
    rendered = render_emails(
        project, jobs, inliner=inliner, cache=cache, background=background, texts=texts, shared=every_email
    )
    # the same logos, pages and calendars in every email: each address kept once
    shared: dict[str, str] = {}
    for slug, errors, warnings, renditions, shown in rendered:
        shown = tuple(shared.setdefault(address, address) for address in shown)
        results.append(EmailResult(by_slug[slug], True, errors, warnings, renditions, shown))
    return results
