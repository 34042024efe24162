"""The command line of sending: ``rundbrief subscribers ...``, ``send``, ``subscriptions serve``."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from generator.content import load_project
from generator.content.model import Issue, Project
from generator.email.build import email_key
from generator.email.context import subject_for
from generator.email.mime import MessageError, PreparedMessage
from generator.i18n import N_, _, ngettext
from generator.manifest import read_key
from generator.output import NEWSLETTER_DIR
from generator.send.store import Status, Store, StoreError, inside_published, resolve_db

# Exit statuses of send (README, "Sending")
EXIT_ALL_SENT = 0
EXIT_STOPPED = 1  # did not start, or stopped (settings, lock, another build, the relay): fix, run again
EXIT_NOT_ALL_SENT = 2  # ran to the end, but not every recipient has "sent": see --status

db_option = click.option(
    "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=(
        N_(
            "The subscriber store (default: RUNDBRIEF_DB, else .rundbrief/rundbrief.sqlite in the "
            "project; a relative path is taken from the current folder).",
        )
    ),
)  # fmt: skip


def fail(message: str) -> NoReturn:
    click.echo(_("rundbrief: %(message)s", message=message), err=True)
    sys.exit(1)


def open_store(project: Path, db: Path | None) -> Store:
    """The store, with the retention rules applied (every command that opens it does)."""
    try:
        store = Store(resolve_db(project, db))
    except StoreError as err:
        fail(str(err))
    try:
        store.expire()
    except StoreError as err:
        fail(str(err))
    except sqlite3.Error as err:  # a damaged store: one line, and what to do
        fail(_(
            "the subscriber store %(path)s cannot be used: %(err)s (restore a backup: rundbrief "
            "store restore)",
            path=store.path,
            err=err,
        ))
    return store


def load_model(project: Path) -> Project:
    result = load_project(project)
    if result.diagnostics.errors:
        for problem in result.diagnostics.errors:
            click.echo(str(problem), err=True)
        fail(_(
            "the content has errors; fix them first (%(summary)s)",
            summary=result.diagnostics.summary(),
        ))
    return result.project


def built_email(model: Project, issue: Issue) -> tuple[str, str, str]:
    """The built HTML and text of ``issue`` and its build key; refuses an email older than its content."""
    folder = model.root / NEWSLETTER_DIR / issue.slug
    built_key = read_key(folder)
    # a build never makes a draft's email (and removes one made before): `rundbrief email` does
    command = f"rundbrief email {issue.slug}" if issue.draft else "rundbrief build"
    if built_key is None:
        fail(_(
            "%(newsletter_dir)s/%(slug)s/ is not built; run %(command)s first",
            newsletter_dir=NEWSLETTER_DIR,
            slug=issue.slug,
            command=command,
        ))
    current = email_key(model, issue, model.settings.email_inliner)  # type: ignore[arg-type]
    if built_key != current:
        fail(_(
            "%(newsletter_dir)s/%(slug)s/ is older than its content or templates; run %(command)s first",
            newsletter_dir=NEWSLETTER_DIR,
            slug=issue.slug,
            command=command,
        ))
    html = (folder / "email.html").read_text(encoding="utf-8")
    return html, (folder / "email.txt").read_text(encoding="utf-8"), current


@click.group()
def subscribers() -> None:
    """Manage the subscriber store (SQLite, never inside content/, site/ or newsletter/)."""


def _project_option(func: Any) -> Any:
    return click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."))(func)


@subscribers.command("import")
@_project_option
@db_option
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(project: Path, db: Path | None, csv_file: Path) -> None:
    """Import subscribers from CSV (columns email, consent; optional name, source); all rows or none."""
    from generator.send.subscribers import import_csv

    store = open_store(project, db)
    report, problems = import_csv(store, csv_file, str(csv_file))
    for problem in problems:
        click.echo(problem, err=True)
    if report is None:
        fail(ngettext(
            "nothing was imported: %(n)d problem in %(csv_file)s",
            "nothing was imported: %(n)d problems in %(csv_file)s",
            len(problems),
            csv_file=csv_file,
        ))
    click.echo(
        _(
            "rundbrief: imported %(added)s subscribers (%(known)s already known, %(duplicates)s "
            "duplicates in the file)",
            added=report.added,
            known=report.known,
            duplicates=report.duplicates,
        )
    )


@subscribers.command("list")
@_project_option
@db_option
@click.option("--status", type=click.Choice([s.value for s in Status]), default=None)
def list_command(project: Path, db: Path | None, status: str | None) -> None:
    """List subscribers: address, status, since."""
    store = open_store(project, db)
    for s in store.subscribers(Status(status) if status else None):
        click.echo(f"{s.email}\t{s.status.value}\t{s.confirmed_at or s.created_at}\t{s.name or ''}")


@subscribers.command("count")
@_project_option
@db_option
def count_command(project: Path, db: Path | None) -> None:
    """Count subscribers by status."""
    counts = open_store(project, db).count()
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@subscribers.command("remove")
@_project_option
@db_option
@click.argument("address")
def remove_command(project: Path, db: Path | None, address: str) -> None:
    """Unsubscribe ADDRESS (the consent history is kept as proof)."""
    store = open_store(project, db)
    found = store.find(address)
    if found is None:
        fail(_("no subscriber %(address)s", address=address))
    store.unsubscribe(found.id, "removed by operator (rundbrief subscribers remove)")
    click.echo(_("rundbrief: %(email)s unsubscribed", email=found.email))


@subscribers.command("export")
@_project_option
@db_option
def export_command(project: Path, db: Path | None) -> None:
    """Write all subscribers as CSV to standard output."""
    from generator.send.subscribers import export_csv

    click.echo(export_csv(open_store(project, db)), nl=False)


@click.command()
@_project_option
@db_option
@click.argument("slug")
@click.option("--yes", is_flag=True, help=N_("Send without asking."))
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Write the messages into this folder instead."),
)
@click.option("--test", "test_address", help="Send one copy, marked as a test, to this address (outside the ledger).")
@click.option("--status", "status", is_flag=True, help=N_("Show the ledger of this send and stop."))
@click.option("--rate", type=click.FloatRange(min=0.01), default=None, help="At most this many messages per second.")
@click.option("--retry-after", "retry_after", type=click.FloatRange(min=0), default=60.0, show_default=True,
              help=N_("Seconds before retrying a temporary failure (doubling each time)."))  # fmt: skip
@click.option("--resend-unknown", "resend_unknown", is_flag=True, help="Send again to rows whose delivery is unknown.")
@click.option("--accept-rebuild", "accept_rebuild", is_flag=True,
              help=N_(
                  "Resume a send although the issue was rebuilt since it started (the rest get the new "
                  "version).",
              ))  # fmt: skip
@click.option("--connections", type=click.IntRange(1, 8), default=2, show_default=True,
              help=N_("SMTP connections used at once (1 for relays that allow only one)."))  # fmt: skip
def send(
    project: Path, db: Path | None, slug: str, yes: bool, dry_run: Path | None, test_address: str | None,
    status: bool, rate: float | None, retry_after: float, resend_unknown: bool, accept_rebuild: bool, connections: int,
) -> None:  # fmt: skip
    """Send the built newsletter/SLUG/ to every active subscriber (resumes an interrupted send).

    Exit status: 0 every recipient has it, 1 the send did not start or stopped (fix what the
    message names, then run it again), 2 it ran to the end but not every recipient has "sent"."""
    from generator.send import sender
    from generator.send.smtp import Connection, RelayError, SmtpConfigError, SmtpSettings
    from generator.send.tokens import TokenError, Tokens, secret_from_environment

    model = load_model(project)
    store = open_store(project, db)
    ledger = sender.Ledger(store, slug)
    if status:
        print_status(ledger)
        return
    if dry_run is not None and (inside := inside_published(model.root, dry_run)) is not None:
        fail(_(
            "--dry-run must not write into %(inside)s/: the messages carry subscriber addresses",
            inside=inside,
        ))
    issue = model.issue(slug)
    if issue is None:
        fail(_("no issue %(slug)r in content/newsletter/", slug=slug))
    if issue.draft and not test_address and not dry_run:
        fail(_("%(slug)s is a draft; drafts are never sent (only --test or --dry-run)", slug=slug))
    html, text, build_key = built_email(model, issue)
    settings = model.settings
    if not settings.service_url:
        fail(_(
            "plugins.rundbrief.service_url is required for sending: the unsubscribe links point "
            "there",
        ))
    try:
        tokens = Tokens(secret_from_environment())
    except TokenError as err:
        fail(str(err))
    from generator.email.render import EmailBody

    subject = subject_for(issue)
    assert settings.service_url and settings.sender_email
    try:
        prepared = PreparedMessage(EmailBody(slug, subject, "", html, text), settings)
    except MessageError as err:
        fail(_("the message of %(slug)s is not safe to send: %(err)s", slug=slug, err=err))
    if dry_run is not None:
        write_dry_run(model, store, tokens, prepared, dry_run)
        return
    try:
        smtp = SmtpSettings.from_environment()
    except SmtpConfigError as err:
        fail(str(err))
    if test_address:
        send_test(settings, smtp, EmailBody(slug, f"[TEST] {subject}", "", html, text), test_address)
    verp = return_paths(settings.sender_email, tokens, slug)
    waiting = (
        len(store.subscribers(Status.ACTIVE))
        if not ledger.started()
        else sum(ledger.summary().counts[s] for s in ("pending", "failed_temporary", "sending"))
    )
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            fail(_(
                "%(waiting)s messages would be sent; confirm with --yes (no terminal to ask on)",
                waiting=waiting,
            ))
        click.confirm(_("Send %(subject)r to %(waiting)s recipients?", subject=subject, waiting=waiting), abort=True)
    from tqdm import tqdm

    bars: list[tqdm[Any]] = []  # shown once the send holds the lock and knows its total

    def started(total: int) -> None:
        bars.append(tqdm(total=total, unit="msg", desc=slug, file=sys.stderr, dynamic_ncols=True))

    def advanced(state: str) -> None:
        bars[0].update(1)

    try:
        summary = sender.send_issue(
            store, slug, prepared, subject, [Connection(smtp) for _ in range(connections)],
            build_key=build_key, tokens=tokens, service_url=settings.service_url, sender_address=settings.sender_email,
            rate=rate, retry_after=retry_after, resend_unknown=resend_unknown, accept_rebuild=accept_rebuild,
            progress=sender.Progress(started=started, advanced=advanced), return_path=verp,
        )  # fmt: skip
    except sender.SendError as err:
        fail(str(err))
    except RelayError as err:
        for bar in bars:
            bar.close()
        print_status(ledger)
        fail(
            _(
                "the send stopped: %(err)s\nNo recipient is charged with this: those not yet sent stay "
                "waiting, and the same send run again after the fix gives each of them the issue once.",
                err=err,
            )
        )
    for bar in bars:
        bar.close()
    print_status(ledger)
    done = summary.counts["sent"] + summary.counts["skipped"]  # a skipped row left the list: no failure
    sys.exit(EXIT_ALL_SENT if done == sum(summary.counts.values()) else EXIT_NOT_ALL_SENT)


def return_paths(sender_address: str, tokens: Any, slug: str) -> Callable[[int], str] | None:
    """Each subscriber's envelope sender (VERP, README "Bounces"), or None with RUNDBRIEF_VERP=off."""
    from generator.send.bounces import BounceConfigError, bounce_base, return_path, verp_from_environment

    try:
        if not verp_from_environment():
            return None
        base = bounce_base(sender_address)
        return_path(base, tokens, slug, 2**40)  # the longest the ids here make: refused now, not mid-send
    except BounceConfigError as err:
        fail(str(err))
    return lambda subscriber_id: return_path(base, tokens, slug, subscriber_id)


def send_test(settings: Any, smtp: Any, body: Any, recipient: str) -> NoReturn:
    """One copy to ``recipient``, outside the ledger; exits 0 only if the server accepted it."""
    from generator.addresses import AddressError, check_address
    from generator.send.smtp import Connection, RelayError

    try:
        address = check_address(recipient)
        data = PreparedMessage(body, settings).personalise(address, settings.service_url)
    except AddressError as err:
        fail(_(
            "--test %(recipient)r is not a usable address: %(err)s",
            recipient=recipient,
            err=err,
        ))
    except MessageError as err:
        fail(_("the test message is not safe to send: %(err)s", err=err))
    connection = Connection(smtp)
    try:
        result = connection.deliver(settings.sender_email, address, data)
    except RelayError as err:
        fail(_("the test was not sent: %(err)s", err=err))
    finally:
        connection.close()
    click.echo(_(
        "rundbrief: test to %(address)s: %(value)s (%(reply)s)",
        address=address,
        value=result.outcome.value,
        reply=result.reply,
    ))
    sys.exit(0 if result.outcome.value == "sent" else 1)


def print_status(ledger: Any) -> None:
    """The ledger's counts, every row not sent with the reason, then the bounces reported since."""
    from generator.send.subscribers import shown

    summary = ledger.summary()
    click.echo(" ".join(f"{state}={count}" for state, count in summary.counts.items()))
    for address, state, reply in summary.failures:
        click.echo(f"{state}\t{shown(address)}\t{shown(reply)}")
    bounces = ledger.store.db.execute(
        "SELECT b.kind, d.email, b.detail FROM bounces b LEFT JOIN deliveries d ON d.slug = b.slug AND "
        "d.subscriber_id = b.subscriber_id WHERE b.slug = ? ORDER BY b.kind, d.email",
        (ledger.slug,),
    ).fetchall()
    kinds = [row["kind"] for row in bounces]
    click.echo(f"bounces: hard={kinds.count('hard')} soft={kinds.count('soft')}")
    rejected = ledger.store.db.execute("SELECT COUNT(*) FROM sender_rejections WHERE slug = ?", (ledger.slug,))
    count = rejected.fetchone()[0]
    if count:
        click.echo(
            _(
                "sender rejected: %(count)s notices refused the sender (5.7.x: DMARC, SPF or a "
                "policy), charged to nobody; check the sender domain's SPF, DKIM and DMARC and the "
                "relay",
                count=count,
            )
        )
    for row in bounces:
        click.echo(f"bounce_{row['kind']}\t{shown(row['email'] or '(erased)')}\t{shown(row['detail'] or '')}")


def write_dry_run(model: Project, store: Store, tokens: Any, message: PreparedMessage, folder: Path) -> None:
    from generator.send.sender import unsubscribe_url

    target = folder.resolve()
    target.mkdir(parents=True, exist_ok=True)
    active = store.subscribers(Status.ACTIVE)
    written = 0
    for subscriber in active:
        try:
            data = message.personalise(
                subscriber.email, unsubscribe_url(model.settings.service_url or "", tokens, subscriber.id)
            )
        except MessageError as err:
            click.echo(_(
                "rundbrief: not written for %(email)r: %(err)s",
                email=subscriber.email,
                err=err,
            ), err=True)
            continue
        written += 1
        (target / f"{written:06d}.eml").write_bytes(data)
    click.echo(_(
        "rundbrief: wrote %(written)s messages to %(folder)s (nothing was sent)",
        written=written,
        folder=folder,
    ))
    if written != len(active):
        sys.exit(EXIT_NOT_ALL_SENT)


@click.group()
def subscriptions() -> None:
    """The subscription web application (double opt-in, unsubscribe, RFC 8058 one-click)."""


@subscriptions.command("status")
@_project_option
@db_option
def subscriptions_status(project: Path, db: Path | None) -> None:
    """The confirmation mails kept (RUNDBRIEF_RETENTION_DAYS): counts by state, then every failure with the reply."""
    store = open_store(project, db)
    rows = store.db.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").fetchall()
    counts = {"queued": 0, "sending": 0, "sent": 0, "failed": 0} | {row["state"]: row["n"] for row in rows}
    click.echo(" ".join(f"{state}={count}" for state, count in counts.items()))
    for row in store.db.execute(
        "SELECT created_at, email_key, state, reply FROM outbox WHERE state = 'failed' OR (state = 'queued' AND "
        "reply IS NOT NULL) "
        "ORDER BY id"
    ):
        click.echo(f"{row['state']}\t{row['email_key']}\t{row['created_at']}\t{row['reply']}")


@subscriptions.command("serve")
@_project_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--trusted-proxy", "trusted_proxy", default=None, envvar="RUNDBRIEF_TRUSTED_PROXY",
              help=N_(
                  "The address of a reverse proxy in front: its X-Forwarded-For names the client (for "
                  "the limits). Default: RUNDBRIEF_TRUSTED_PROXY.",
              ))  # fmt: skip
def serve(project: Path, db: Path | None, host: str, port: int, trusted_proxy: str | None) -> None:
    """Serve the subscription pages with waitress (any WSGI server can run generator.send.webapp:create_app)."""
    import logging

    import waitress

    from generator.send.webapp import MAX_BODY, ServiceConfigError, create_app

    logging.basicConfig(level=logging.INFO, format="rundbrief: %(levelname)s: %(message)s", stream=sys.stderr)
    try:
        app = create_app(project, db, check_smtp=True)
    except ServiceConfigError as err:
        fail(_("cannot start the subscription service: %(err)s", err=err))
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-for"},
            "clear_untrusted_proxy_headers": True,
        }
    click.echo(_("rundbrief: subscriptions on http://%(host)s:%(port)s/", host=host, port=port), err=True)
    try:
        waitress.serve(app, host=host, port=port, ident="rundbrief", max_request_body_size=64 * MAX_BODY, **proxy)
    except OSError as err:
        fail(_(
            "cannot serve on %(host)s:%(port)s: %(value)s",
            host=host,
            port=port,
            value=err.strerror or err,
        ))
