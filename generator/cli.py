"""The ``rundbrief`` command: check, build, email, new and init (sending: generator.send.commands)."""

from __future__ import annotations

import gc
import logging
import os
import shlex
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.content import load_project
from generator.content.settings import CONFIG_FILE
from generator.diagnostics import Diagnostics, LogProblems
from generator.routes import ISSUES_DIR

F = TypeVar("F", bound=Callable[..., Any])


def project_option(func: F) -> F:
    return click.option(
        "--project",
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default="the current directory",
        help="The project folder, holding mkdocs.yml and content/.",
    )(func)


class _MkDocsLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"mkdocs: {record.levelname.lower()}: {record.getMessage()}"


def _configure_logging(verbose: bool, problems: logging.Handler) -> None:
    """MkDocs' progress to stderr with -v; its warnings and errors into ``problems`` (the build's
    diagnostics), so they are reported with rundbrief's own and counted in the summary."""
    # Material 9.7+ prints an end-of-life banner on every build; it is not the editor's concern.
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    progress = logging.StreamHandler(sys.stderr)
    progress.setFormatter(_MkDocsLogFormatter())
    progress.addFilter(lambda record: record.levelno < logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.handlers[:] = [progress, problems]
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def report(diag: Diagnostics, *, reminders: bool = True) -> None:
    """Every problem, in file order. The legal-page reminders are the project's to-do list, not a
    fault of this command's: only build, check and serve print them (``reminders=False``: left out)."""
    for problem in diag.sorted():
        if reminders or not problem.reminder:
            click.echo(str(problem), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rundbrief")
def main() -> None:
    """rundbrief: a participation process's Markdown issues into a website and email newsletters."""


@main.command()
@project_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def check(project: Path, strict: bool) -> None:
    """Check all content, settings and built emails; print every problem as path:line: level: message."""
    from generator.output import recover_outputs
    from generator.verification import lint_built_emails

    result = load_project(project)
    diag, model = result.diagnostics, result.project
    for done in recover_outputs(model.root):  # lint what a finished build left, not half a swap
        click.echo(f"rundbrief: {done}", err=True)
    emails = lint_built_emails(model, diag)
    report(diag)
    if diag.failed(strict=strict):
        click.echo(f"rundbrief: check failed: {diag.summary()}", err=True)
        sys.exit(1)
    published = len(model.published)
    click.echo(
        f"rundbrief: content is fine: {published} published and {len(model.issues) - published} draft issues, "
        f"{len(model.events)} events, {len(model.people)} people, {len(model.phases)} phases, "
        f"{emails} built emails ({diag.summary()})"
    )


def subscriber_addresses(root: Path) -> tuple[frozenset[str], str]:
    """The subscribers' addresses, which a build must not publish (none without a store), and a
    line saying which store was checked (or that none was: on a server, set RUNDBRIEF_DB). The
    command line reads them: the build itself knows nothing of sending."""
    from generator.send.store import Store, StoreError, resolve_db

    try:
        db = resolve_db(root, None)
    except StoreError as err:  # a store in a published folder: refused by every command that uses it
        return frozenset(), f"rundbrief: the output was not checked for subscriber addresses: {err}"
    if not db.is_file():
        return frozenset(), (
            f"rundbrief: no subscriber store at {db}: the output was not checked for subscriber addresses "
            "(set RUNDBRIEF_DB where the store is)"
        )
    try:
        store = Store(db)
    except StoreError as err:  # unreadable (another user's file, damaged): the build must not go out unchecked
        click.echo(f"rundbrief: build failed, nothing was written: {err}; the output cannot be checked for "
                   "subscriber addresses", err=True)  # fmt: skip
        sys.exit(1)
    try:
        found = frozenset(store.active_addresses())
    finally:
        store.close()
    return found, f"rundbrief: checked the output against the {len(found)} addresses of the subscriber store {db}"


@main.command()
@project_option
@click.option("--strict", is_flag=True, help="Treat warnings (rundbrief's and MkDocs') as errors.")
@click.option("-v", "--verbose", is_flag=True, help="Show MkDocs' progress messages.")
@click.option(
    "--force", is_flag=True,
    help="Build even when nothing changed since the last build (its kept pages and emails are still used).",
)  # fmt: skip
def build(project: Path, strict: bool, verbose: bool, force: bool) -> None:
    """Check, then build the website into site/ and the emails into newsletter/ (all or nothing)."""
    from generator import buildstamp
    from generator.diagnostics import Diagnostics
    from generator.output import NEWSLETTER_DIR
    from generator.pipeline import BuildFailed, build_all

    started = time.perf_counter()
    addresses, checked = subscriber_addresses(project)
    # Everything the build would read, before it reads anything: an edit made while it runs is
    # seen by the next build. Nothing changed and the output untouched: the output stands.
    site_dir, tz_name = buildstamp.last_settings(project)
    inputs = buildstamp.inputs_digest(project, site_dir, tz_name, strict=strict, subscribers=addresses)
    if not force and (same := buildstamp.unchanged(project, inputs, site_dir)) is not None:
        diag = Diagnostics(list(same.problems))
        report(diag)
        click.echo(
            f"rundbrief: nothing changed since the last build: {site_dir}/ with {same.issues} issues and "
            f"{NEWSLETTER_DIR}/ are up to date, checked in {time.perf_counter() - started:.1f} s ({diag.summary()})"
        )
        click.echo(checked)
        return
    # A build makes millions of small objects that live until it ends (pages, the model):
    # collecting the young generation less often saves seconds at a thousand issues.
    gc.set_threshold(50_000, 20, 100)
    result = load_project(project)
    diag, model = result.diagnostics, result.project
    _configure_logging(verbose, LogProblems(diag, model.settings.docs_dir, CONFIG_FILE))
    gc.freeze()  # the model lives as long as the build: never scan it again
    if diag.failed(strict=strict):
        report(diag)
        click.echo(f"rundbrief: build failed, nothing was written: {diag.summary()}", err=True)
        sys.exit(1)
    same_settings = (model.settings.site_dir, model.settings.timezone) == (site_dir, tz_name)
    try:
        built = build_all(
            model, diag, strict=strict, subscribers=addresses, inputs=inputs if same_settings else None
        )
    except BuildFailed as err:
        report(diag)
        click.echo(f"rundbrief: build failed, nothing was written: {err}", err=True)
        sys.exit(1)
    report(diag)
    click.echo(
        f"rundbrief: built {model.settings.site_dir}/ with {len(model.published)} issues and {NEWSLETTER_DIR}/ "
        f"({built.emails_rendered} emails rendered, {built.emails_reused} unchanged) "
        f"in {time.perf_counter() - started:.1f} s ({diag.summary()})"
    )
    click.echo(checked)


@main.command()
@project_option
@click.argument("slug")
def email(project: Path, slug: str) -> None:
    """Render one issue's email into newsletter/SLUG/ (drafts too, for a preview)."""
    from generator.pipeline import BuildFailed, build_one_email

    result = load_project(project, preview=True)  # placeholder legal pages only remind: nothing is published
    diag, model = result.diagnostics, result.project
    issue = model.issue(slug)
    if issue is None:
        report(diag, reminders=False)
        known = ", ".join(i.slug for i in model.issues) or "none"
        click.echo(f"rundbrief: no issue {slug!r} in content/newsletter/ (issues: {known})", err=True)
        sys.exit(1)
    if diag.errors:
        report(diag, reminders=False)
        click.echo(f"rundbrief: email failed, nothing was written: {diag.summary()}", err=True)
        sys.exit(1)
    try:
        folder = build_one_email(model, issue, diag)
    except BuildFailed as err:
        report(diag, reminders=False)
        click.echo(f"rundbrief: email failed, nothing was written: {err}", err=True)
        sys.exit(1)
    report(diag, reminders=False)
    for name in ("email.html", "email.txt", "message.eml"):
        click.echo((folder / name).relative_to(model.root).as_posix())


@main.command()
@project_option
@click.argument("title")
@click.option("--number", help='The issue number, such as "03.2022" (default: the one after the latest).')
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The publication date, YYYY-MM-DD (default: today).",
)
def new(project: Path, title: str, number: str | None, day: Any) -> None:
    """Create the next issue file as a draft and print its path."""
    from generator.newissue import NewIssueError, create_issue

    model = load_project(project).project  # only the existing numbers are needed
    try:
        path = create_issue(
            model.content_dir / ISSUES_DIR,
            model.issues,
            title,
            number=number,
            day=day.date() if day else date.today(),
            person=next((p.id for p in model.people if p.id), None),  # the examples name a real person
        )
    except NewIssueError as err:
        click.echo(f"rundbrief: {err}", err=True)
        sys.exit(1)
    click.echo(path.relative_to(model.root).as_posix() if path.is_relative_to(model.root) else str(path))


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Create a new process project in FOLDER (missing or empty): settings, pages, a first draft issue."""
    from generator.newproject import NewProjectError, create_project

    try:
        written = create_project(folder, date.today())
    except NewProjectError as err:
        click.echo(f"rundbrief: {err}", err=True)
        sys.exit(1)
    for path in written:
        click.echo((folder / path).as_posix())
    # as the guide's section 1: into the folder, then the commands without --project
    issue = next(p for p in written if p.parts[:2] == ("content", ISSUES_DIR))
    steps = [
        "In mkdocs.yml, replace the example values (site_name, site_url, the sender's name and address).",
        "Replace the placeholder texts of the legal pages (content/impressum.md, datenschutz.md,\n"
        "     barrierefreiheit.md) and remove their line placeholder: true. Until then check and build\n"
        "     refuse them (3 errors); for a site that is not public yet, uncomment\n"
        "     allow_placeholders: true in mkdocs.yml: then they are reminders.",
        f"Write the first issue in {issue.as_posix()}; set draft: false to publish it.",
        "rundbrief check    checks everything and names each problem with file and line.",
        "rundbrief serve    the preview in the browser, drafts included: http://127.0.0.1:8000/",
        "rundbrief build    builds the website into site/ and the emails into newsletter/.",
    ]
    if folder.resolve() != Path.cwd().resolve():
        steps.insert(0, f"cd {shlex.quote(click.format_filename(folder))}")
    listed = "\n".join(f"  {n}. {step}" for n, step in enumerate(steps, start=1))
    click.echo(
        f"\nrundbrief: created a new project in {click.format_filename(folder)}/. Next:\n{listed}\n"
        "The editors' guide: docs/redaktion.md of rundbrief, also at http://127.0.0.1:8000/_guide/ while serve runs."
    )


def bind_hint(err: OSError, port: int) -> str:
    """What to do when the preview cannot open its address, by the reason the system gives."""
    import errno
    import socket

    if isinstance(err, socket.gaierror):
        return "diesen Rechnernamen gibt es nicht; --host 127.0.0.1 (nur dieser Rechner) oder weglassen"
    if err.errno == errno.EADDRINUSE:
        return f"ist sie schon gestartet? Ein anderer Port: rundbrief serve --port {port + 1}"
    if err.errno == errno.EADDRNOTAVAIL:
        return (
            "diese Adresse gehört nicht zu diesem Rechner; --host 127.0.0.1 (nur dieser Rechner, die Vorgabe) "
            "oder --host 0.0.0.0 (alle Adressen dieses Rechners, auch im Netz)"
        )
    if err.errno == errno.EACCES:
        return "Ports unter 1024 brauchen Administratorrechte; ein anderer Port: rundbrief serve --port 8000"
    return "--host und --port prüfen (Vorgabe: --host 127.0.0.1 --port 8000)"


@main.command()
@project_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port to serve on.")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="The address to serve on (default: this computer only)."
)
def serve(project: Path, port: int, host: str) -> None:
    """Live preview of the website and every email, drafts included, rebuilt on every change."""
    import signal

    from generator.preview.server import LOOPBACK_NAMES, Preview, make_server

    if not (project / CONFIG_FILE).is_file():
        click.echo(f"rundbrief: {project / CONFIG_FILE} fehlt: --project muss der Projektordner sein", err=True)
        sys.exit(1)
    loaded = load_project(project)
    for problem in loaded.diagnostics.sorted():  # the legal-page reminders, once; the preview shows the rest
        if problem.reminder:
            click.echo(str(problem), err=True)
    watched = (loaded.project.settings.docs_dir, "theme")  # and mkdocs.yml; a changed docs_dir needs a restart
    preview = Preview(project, loopback_only=host.strip("[]") in LOOPBACK_NAMES, watched=watched)
    try:
        server = make_server(preview, host, port)
    except OSError as err:
        click.echo(f"rundbrief: die Vorschau kann {host}:{port} nicht öffnen ({err.strerror or err}); "
                   f"{bind_hint(err, port)}", err=True)  # fmt: skip
        sys.exit(1)

    def built(done: Any) -> None:
        if done.errors:
            for problem in done.errors:
                click.echo(str(problem), err=True)
            click.echo(f"rundbrief: Vorschau: {len(done.errors)} Fehler, die Seiten zeigen sie", err=True)
        else:
            click.echo(f"rundbrief: Vorschau gebaut in {done.seconds:.1f} s", err=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    preview.on_build = built
    signal.signal(signal.SIGTERM, stop)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"rundbrief: Vorschau unter http://{shown}:{port}/ – E-Mails: http://{shown}:{port}/_email/, "
        f"Leitfaden: http://{shown}:{port}/_guide/ – beenden mit Strg+C",
        err=True,
    )
    preview.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        preview.stop()
        click.echo("rundbrief: Vorschau beendet", err=True)


def _add_sending_commands() -> None:
    from generator.send.commands import send, subscribers, subscriptions
    from generator.send.upkeep import bounces, erase_command, show_command, statistics_command, store

    subscribers.add_command(show_command)
    subscribers.add_command(erase_command)
    main.add_command(subscribers)
    main.add_command(send)
    main.add_command(subscriptions)
    main.add_command(bounces)
    main.add_command(statistics_command)
    main.add_command(store)


_add_sending_commands()
