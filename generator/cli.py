"""The ``rundbrief`` command: check, build, email, new and init (sending: generator.send.commands)."""

from __future__ import annotations

import gc
import logging
import os
import shlex
import sys
import time
from collections.abc import Callable, Collection, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from generator.clicktexts import use_our_catalog
from generator.content import load_project
from generator.content.settings import CONFIG_FILE
from generator.diagnostics import UNKNOWN_FIELD, Diagnostics, LogProblems, display_path
from generator.i18n import N_, _, language, ngettext, set_language
from generator.routes import ISSUES_DIR

if TYPE_CHECKING:
    from generator.buildstamp import Inputs
    from generator.content.loader import LoadResult
    from generator.content.model import Issue, Project

F = TypeVar("F", bound=Callable[..., Any])


def project_option(func: F) -> F:
    return click.option(
        "--project",
        "project",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=N_("the current directory"),
        help=N_("The project folder, holding mkdocs.yml and content/."),
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


def _issues(count: int) -> str:
    return ngettext("%(n)s issue", "%(n)s issues", count, n=count)


def format_seconds(seconds: float) -> str:
    """ "0.7" in English, "0,7" in German."""
    shown = f"{seconds:.1f}"
    return shown.replace(".", ",") if language() == "de" else shown


def failed_summary(diag: Diagnostics, strict: bool) -> str:
    """The counts of a failed run, and why warnings alone failed it."""
    if strict and not diag.errors:
        return _("%(summary)s; with --strict, warnings count as errors", summary=diag.summary())
    return diag.summary()


def report(diag: Diagnostics, *, reminders: bool = True) -> None:
    """Every problem, in file order. The legal-page reminders are the project's to-do list, not a
    fault of this command's: only build, check and serve print them (``reminders=False``: left out)."""
    for problem in diag.sorted():
        if reminders or not problem.reminder:
            click.echo(str(problem), err=True)


def _lang_before_command(args: list[str]) -> str | None:
    """``--lang`` among the options before the command's name: click reads it too late for the
    help texts of ``rundbrief --help`` and for messages made while it parses."""
    for index, arg in enumerate(args):
        if arg == "--lang" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
        if not arg.startswith("-"):
            return None
    return None


def translate_help(command: click.Command, originals: dict[int, str | None]) -> None:
    """The help texts of ``command`` and its subcommands and options in the current language.
    They are written in English (the docstrings and ``help=``); ``originals`` keeps those."""
    text = originals.setdefault(id(command), command.help)
    if text:
        command.help = _(text)
    for param in command.params:
        if isinstance(param, click.Option):
            text = originals.setdefault(id(param), param.help)
            if text:
                param.help = _(text)
            default = param.show_default if isinstance(param.show_default, str) else None
            shown = originals.setdefault(-id(param), default)
            if shown:
                param.show_default = _(shown)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub, originals)


class _Rundbrief(click.Group):
    """The ``rundbrief`` group: chooses the language before click reads anything."""

    english_help: dict[int, str | None] = {}

    def main(self, args: Sequence[str] | None = None, *rest: Any, **options: Any) -> Any:
        given = list(sys.argv[1:] if args is None else args)
        set_language(_lang_before_command(given))  # None: from the environment
        translate_help(self, self.english_help)
        use_our_catalog()
        return super().main(given, *rest, **options)


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    set_language(value)


@click.group(cls=_Rundbrief, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang", type=click.Choice(["de", "en"], case_sensitive=False), expose_value=False, is_eager=True,
    callback=_set_lang,
    help=N_("The language of messages and help: de (German) or en (English). Default: RUNDBRIEF_LANG, "
            "then LC_ALL, LC_MESSAGES, LANG (en... gives English), else German."),
)  # fmt: skip
@click.version_option(package_name="rundbrief")
def main() -> None:
    """rundbrief: a participation process's Markdown issues into a website and email newsletters."""


@main.command()
@project_option
@click.option("--strict", is_flag=True, help=N_("Treat warnings as errors."))
def check(project: Path, strict: bool) -> None:
    """Check all content, settings and built emails; print every problem as path:line: level: message."""
    from generator.output import recover_outputs
    from generator.verification import lint_built_emails

    result = load_project(project)
    diag, model = result.diagnostics, result.project
    if strict:
        diag.promote(UNKNOWN_FIELD)
    settings_fine = _settings_fine(diag)
    if settings_fine:
        # drafts too, and kept for the next check and build: an editor checks, then builds (a
        # build drops the drafts' texts from the cache again, a check adds them)
        _check_published(model, diag, model.issues)
    for done in recover_outputs(model.root):  # lint what a finished build left, not half a swap
        click.echo(_("rundbrief: %(done)s", done=done), err=True)
    # the built emails against the site in site_dir: with the settings in error, that may be the wrong folder
    emails = lint_built_emails(model, diag) if settings_fine else 0
    report(diag)
    if diag.failed(strict=strict):
        click.echo(_("rundbrief: check failed: %(summary)s", summary=failed_summary(diag, strict)), err=True)
        sys.exit(1)
    published = len(model.published)
    click.echo(
        _(
            "rundbrief: content is fine: %(published)s and %(drafts)s, %(events)s, %(people)s, %(phases)s, "
            "%(emails)s (%(summary)s)",
            published=ngettext("%(n)s published issue", "%(n)s published issues", published, n=published),
            drafts=ngettext(
                "%(n)s draft", "%(n)s drafts", len(model.issues) - published, n=len(model.issues) - published
            ),
            events=ngettext("%(n)s event", "%(n)s events", len(model.events), n=len(model.events)),
            people=ngettext("%(n)s person", "%(n)s people", len(model.people), n=len(model.people)),
            phases=ngettext("%(n)s phase", "%(n)s phases", len(model.phases), n=len(model.phases)),
            emails=ngettext("%(n)s built email", "%(n)s built emails", emails, n=emails),
            summary=diag.summary(),
        )
    )


def subscriber_addresses(root: Path) -> tuple[frozenset[str], str]:
    """The subscribers' addresses, which a build must not publish (none without a store), and a
    line saying which store was checked (or that none was: on a server, set RUNDBRIEF_DB). The
    command line reads them: the build itself knows nothing of sending."""
    from generator.send.store import Store, StoreError, resolve_db

    try:
        db = resolve_db(root, None)
    except StoreError as err:  # a store in a published folder: refused by every command that uses it
        return frozenset(), _("rundbrief: the output was not checked for subscriber addresses: %(err)s", err=err)
    if not db.is_file():
        return frozenset(), _(
            "rundbrief: no subscriber store at %(db)s: the output was not checked for subscriber addresses "
            "(set RUNDBRIEF_DB where the store is)",
            db=db,
        )
    try:
        store = Store(db)
    except StoreError as err:  # unreadable (another user's file, damaged): the build must not go out unchecked
        click.echo(_(
            "rundbrief: build failed, nothing was written: %(err)s; the output cannot be checked "
            "for subscriber addresses",
            err=err,
        ), err=True)  # fmt: skip
        sys.exit(1)
    try:
        found = frozenset(store.active_addresses())
    finally:
        store.close()
    return found, _(
        "rundbrief: checked the output against the %(n)d addresses of the subscriber store %(db)s", n=len(found), db=db
    )


def _settings_fine(diag: Diagnostics) -> bool:
    """Whether mkdocs.yml was read without an error: the texts are converted with its dialect and
    addresses, and the built output lies where it says."""
    return not any(problem.location.path == CONFIG_FILE for problem in diag.errors)


def _check_published(model: Project, diag: Diagnostics, issues: Collection[Issue]) -> None:
    """The HTML the texts of ``issues`` and the pages become, checked as a build checks it (the
    conversions and their verdicts read from and kept in the build's cache), also where the
    loader found errors in other texts (published.py leaves out the texts it found errors in)."""
    from generator.content.images import CACHE_DIR
    from generator.published import verify_published_html
    from generator.texts import convert_texts

    texts = convert_texts(model, issues, cache=model.root / CACHE_DIR)
    verify_published_html(model, texts, diag, issues)


def _load_for_build(
    project: Path, inputs: Inputs | None, site_dir: str, read_again: Callable[[], Inputs | None], *, force: bool
) -> tuple[LoadResult, frozenset[str] | None, dict[str, str]]:
    """The project, its issue files read anew only where they changed (the memo an earlier build
    kept, while nothing else it read changed); the issues whose bodies' text alone changed since
    the last build, if nothing else did (None: build everything; ``--force`` always does); and
    each issue file's front_matter_digest, for the build stamp. ``read_again``: the inputs as
    they are after loading (a file saved meanwhile: everything is built)."""
    from generator import buildstamp
    from generator.content.images import CACHE_DIR
    from generator.content.loader import IssueMemo

    folder = buildstamp.last_issues_folder(project)
    key = inputs.shared(folder) if inputs is not None else None
    memo_file = project / CACHE_DIR / "issues.pickle"
    memo = IssueMemo.from_file(memo_file, key) if key is not None else IssueMemo()
    changed = None if force else buildstamp.edited_issues(project, inputs, site_dir)
    result = load_project(project, memo=memo)
    if key is not None:
        memo.save(memo_file, key)
    digests = memo.digests()
    if changed is None or changed.digests != digests:
        return result, None, digests
    # A file saved while this build read the project: what the build read is not what the inputs
    # say it read, and a page it leaves as it was might show the new text. Everything is built.
    again = read_again()
    if again is None or inputs is None or again.rest != inputs.rest or again.files != inputs.files:
        return result, None, digests
    return result, changed.slugs, digests


@main.command()
@project_option
@click.option("--strict", is_flag=True, help=N_("Treat warnings (rundbrief's and MkDocs') as errors."))
@click.option("-v", "--verbose", is_flag=True, help=N_("Show MkDocs' progress messages."))
@click.option(
    "--force", is_flag=True,
    help=N_("Build even when nothing changed since the last build (its kept pages and emails are still used)."),
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
    def read_inputs() -> buildstamp.Inputs | None:
        return buildstamp.read_inputs(project, site_dir, tz_name, strict=strict, subscribers=addresses)

    inputs = read_inputs()
    if not force and (same := buildstamp.unchanged(project, inputs, site_dir)) is not None:
        diag = Diagnostics(list(same.problems))
        report(diag)
        click.echo(
            _(
                "rundbrief: nothing changed since the last build: %(site_dir)s/ with %(issues)s and "
                "%(newsletter_dir)s/ are up to date, checked in %(seconds)s s (%(summary)s)",
                site_dir=site_dir,
                issues=_issues(same.issues),
                newsletter_dir=NEWSLETTER_DIR,
                seconds=format_seconds(time.perf_counter() - started),
                summary=diag.summary(),
            )
        )
        click.echo(checked)
        return
    # A build makes millions of small objects that live until it ends (pages, the model):
    # collecting the young generation less often saves seconds at a thousand issues.
    gc.set_threshold(50_000, 20, 100)
    from generator.content.images import CACHE_DIR
    from generator.hyphenation import prepare_cache
    from generator.workers import start_early

    prepare_cache(project / CACHE_DIR)  # on the other core while the content loads
    start_early()  # the workers' code is imported there too, not when the first pool needs it
    result, edited, fronts = _load_for_build(project, inputs, site_dir, read_inputs, force=force)
    diag, model = result.diagnostics, result.project
    if strict:
        diag.promote(UNKNOWN_FIELD)
    _configure_logging(verbose, LogProblems(diag, model.settings.docs_dir, CONFIG_FILE))
    gc.freeze()  # the model lives as long as the build: never scan it again
    if diag.failed(strict=strict):
        if _settings_fine(diag):  # all problems together: what the build would check next, too
            _check_published(model, diag, model.published)
        report(diag)
        click.echo(
            _(
                "rundbrief: build failed, nothing was written: %(summary)s",
                summary=failed_summary(diag, strict),
            ),
            err=True,
        )
        sys.exit(1)
    same_settings = (model.settings.site_dir, model.settings.timezone) == (site_dir, tz_name)
    try:
        built = build_all(
            model, diag, strict=strict, subscribers=addresses, inputs=inputs if same_settings else None,
            edited=edited if same_settings else None, fronts=fronts,
        )  # fmt: skip
    except BuildFailed as err:
        report(diag)
        click.echo(_("rundbrief: build failed, nothing was written: %(err)s", err=err), err=True)
        sys.exit(1)
    report(diag)
    click.echo(
        _(
            "rundbrief: built %(site_dir)s/ with %(issues)s and %(newsletter_dir)s/ (%(rendered)s, "
            "%(reused)s) in %(seconds)s s (%(summary)s)",
            site_dir=model.settings.site_dir,
            issues=_issues(len(model.published)),
            newsletter_dir=NEWSLETTER_DIR,
            rendered=ngettext(
                "%(n)s email rendered", "%(n)s emails rendered", built.emails_rendered, n=built.emails_rendered
            ),
            reused=ngettext("%(n)s unchanged", "%(n)s unchanged", built.emails_reused, n=built.emails_reused),
            seconds=format_seconds(time.perf_counter() - started),
            summary=diag.summary(),
        )
    )
    if built.edited_only is not None:
        # the same output as a full build, but an editor should know why it took a second
        click.echo(
            ngettext(
                "rundbrief: only the text of %(n)s issue changed: its page and email were made anew, the rest "
                "taken from the last build",
                "rundbrief: only the texts of %(n)s issues changed: their pages and emails were made anew, the "
                "rest taken from the last build",
                built.edited_only, n=built.edited_only,
            )  # fmt: skip
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
        written = model.content_dir / ISSUES_DIR / f"{slug}.md"
        if diag.errors and written.is_file():  # there, but not read: its errors are above
            click.echo(
                _(
                    "rundbrief: %(path)s has errors (above); correct them, then make its email",
                    path=display_path(written, model.root),
                ),
                err=True,
            )
            sys.exit(1)
        known = ", ".join(i.slug for i in model.issues) or "none"
        click.echo(
            _(
                "rundbrief: no issue %(slug)r in content/newsletter/ (issues: %(known)s)",
                slug=slug,
                known=known,
            ),
            err=True,
        )
        sys.exit(1)
    if diag.errors:
        report(diag, reminders=False)
        click.echo(
            _(
                "rundbrief: email failed, nothing was written: %(summary)s",
                summary=diag.summary(),
            ),
            err=True,
        )
        sys.exit(1)
    try:
        folder = build_one_email(model, issue, diag)
    except BuildFailed as err:
        report(diag, reminders=False)
        click.echo(_("rundbrief: email failed, nothing was written: %(err)s", err=err), err=True)
        sys.exit(1)
    report(diag, reminders=False)
    for name in ("email.html", "email.txt", "message.eml"):
        click.echo((folder / name).relative_to(model.root).as_posix())


class _Day(click.ParamType):  # type: ignore[type-arg]  # click's own types are not generic either
    """A date as the front-matter takes it (2026-03-05 or 05.03.2026), refused as check would."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        from generator.content.fields import DATE_EXPECTED, date_problem, parse_date

        if isinstance(value, date):
            return value
        day = parse_date(str(value))
        if day is None:
            self.fail(date_problem(str(value)) or _("expected %(kind)s", kind=_(DATE_EXPECTED)), param, ctx)
        return day


@main.command()
@project_option
@click.argument("title")
@click.option("--number", help=N_('The issue number, such as "03.2022" (default: the one after the latest).'))
@click.option(
    "--date",
    "day",
    type=_Day(),
    help=N_("The publication date, YYYY-MM-DD or DD.MM.YYYY (default: today)."),
)
def new(project: Path, title: str, number: str | None, day: date | None) -> None:
    """Create the next issue file as a draft and print its path."""
    from generator.newissue import NewIssueError, create_issue

    model = load_project(project).project  # only the existing numbers are needed
    try:
        path = create_issue(
            model.content_dir / ISSUES_DIR,
            model.issues,
            title,
            number=number,
            day=day or date.today(),
            person=next((p.id for p in model.people if p.id), None),  # the examples name a real person
        )
    except NewIssueError as err:
        click.echo(_("rundbrief: %(err)s", err=err), err=True)
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
        click.echo(_("rundbrief: %(err)s", err=err), err=True)
        sys.exit(1)
    for path in written:
        click.echo((folder / path).as_posix())
    # as the guide's section 1: into the folder, then the commands without --project
    issue = next(p for p in written if p.parts[:2] == ("content", ISSUES_DIR))
    steps = [
        _("In mkdocs.yml, replace the example values (site_name, site_url, the sender's name and address)."),
        _(
            "Replace the placeholder texts of the legal pages (content/impressum.md, datenschutz.md,\n"
            "     barrierefreiheit.md) and the sample texts of index.md, kontakt.md and prozess/index.md,\n"
            "     and remove their line placeholder: true. Until then check and build refuse them\n"
            "     (6 errors); for a site that is not public yet, uncomment\n"
            "     allow_placeholders: true in mkdocs.yml: then they are reminders."
        ),
        _("Write the first issue in %(issue)s; set draft: false to publish it.", issue=issue.as_posix()),
        _("rundbrief check    checks everything and names each problem with file and line."),
        _("rundbrief serve    the preview in the browser, drafts included: http://127.0.0.1:8000/"),
        _("rundbrief build    builds the website into site/ and the emails into newsletter/."),
    ]
    if folder.resolve() != Path.cwd().resolve():
        steps.insert(0, f"cd {shlex.quote(click.format_filename(folder))}")
    listed = "\n".join(f"  {n}. {step}" for n, step in enumerate(steps, start=1))
    click.echo(
        "\n"
        + _(
            "rundbrief: created a new project in %(folder)s/. Next:\n%(steps)s\nThe editors' guide: "
            "docs/redaktion.md of rundbrief, also at http://127.0.0.1:8000/_guide/ while serve runs.",
            folder=click.format_filename(folder),
            steps=listed,
        )
    )


def bind_hint(err: OSError, port: int) -> str:
    """What to do when the preview cannot open its address, by the reason the system gives."""
    import errno
    import socket

    if isinstance(err, socket.gaierror):
        return _("there is no computer of this name; --host 127.0.0.1 (this computer only) or leave it out")
    if err.errno == errno.EADDRINUSE:
        return _("is it running already? Another port: rundbrief serve --port %(port)d", port=port + 1)
    if err.errno == errno.EADDRNOTAVAIL:
        return _(
            "this address does not belong to this computer; --host 127.0.0.1 (this computer only, the default) "
            "or --host 0.0.0.0 (all addresses of this computer, in the network too)"
        )
    if err.errno == errno.EACCES:
        return _("ports below 1024 need administrator rights; another port: rundbrief serve --port 8000")
    return _("check --host and --port (default: --host 127.0.0.1 --port 8000)")


@main.command()
@project_option
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=N_("The port to serve on.")
)
@click.option(
    "--host", default="127.0.0.1", show_default=True,
    help=N_("The address to serve on (default: this computer only)."),
)  # fmt: skip
def serve(project: Path, port: int, host: str) -> None:
    """Live preview of the website and every email, drafts included, rebuilt on every change."""
    import signal

    from generator.preview.server import LOOPBACK_NAMES, Preview, make_server

    if not (project / CONFIG_FILE).is_file():
        click.echo(
            _(
                "rundbrief: %(config)s is missing: --project must be the project folder",
                config=project / CONFIG_FILE,
            ),
            err=True,
        )
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
        click.echo(_(
            "rundbrief: the preview cannot open %(host)s:%(port)s (%(reason)s); %(bind_hint)s",
            host=host,
            port=port,
            reason=err.strerror or err,
            bind_hint=bind_hint(err, port),
        ), err=True)  # fmt: skip
        sys.exit(1)

    def built(done: Any) -> None:
        if done.errors:
            for problem in done.errors:
                click.echo(str(problem), err=True)
            click.echo(
                ngettext(
                    "rundbrief: preview: %(n)d error, the pages show it",
                    "rundbrief: preview: %(n)d errors, the pages show them",
                    len(done.errors),
                ),
                err=True,
            )
        else:
            click.echo(_("rundbrief: preview built in %(seconds)s s", seconds=format_seconds(done.seconds)), err=True)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    preview.on_build = built
    signal.signal(signal.SIGTERM, stop)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        _(
            "rundbrief: preview at %(address)s – emails: %(address)s_email/, guide: %(address)s_guide/ – "
            "stop with Ctrl+C",
            address=f"http://{shown}:{port}/",
        ),
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
        click.echo(_("rundbrief: preview stopped"), err=True)


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
