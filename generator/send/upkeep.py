"""The command line of keeping the list healthy and lawful: ``bounces import``, ``subscribers
show`` and ``erase``, ``statistics``, ``store backup`` and ``restore`` (README, "Sending").

Exit statuses: 0 done; 1 nothing (or, for ``bounces import``, not everything) was done, and the
one-line message says why: a setting, a path, an unknown address, a damaged backup."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.i18n import N_, _
from generator.send.commands import _project_option, db_option, fail, open_store
from generator.send.store import inside_published, resolve_db
from generator.send.subscribers import shown


@click.group()
def bounces() -> None:
    """Read delivery failure notices (bounces) into the store."""


@bounces.command("import")
@_project_option
@db_option
@click.argument("source")
def bounces_import(project: Path, db: Path | None, source: str) -> None:
    """Read bounces from SOURCE: an mbox file, a Maildir folder, or imap (imap:FOLDER) with the
    RUNDBRIEF_IMAP_* settings. Messages read before count nothing twice."""
    from generator.send.bounces import BounceConfigError, Report, limit_from_environment, record
    from generator.send.mailboxes import SourceError, open_source
    from generator.send.tokens import TokenError, Tokens, secret_from_environment

    try:
        tokens = Tokens(secret_from_environment())
        limit = limit_from_environment()
    except (TokenError, BounceConfigError) as err:
        fail(str(err))
    store = open_store(project, db)
    report = Report()
    try:
        label, messages = open_source(source)
        for raw, done in messages:
            if record(store, tokens, raw, label, limit, report):
                done()  # only a message for a rundbrief return path is marked read or moved
            else:
                report.left += 1
    except SourceError as err:
        summarise(report)
        fail(_("bounces import stopped: %(err)s", err=err))
    summarise(report)


def summarise(report: object) -> None:
    from generator.send.bounces import Report

    assert isinstance(report, Report)
    click.echo(
        _(
            "rundbrief: read %(read)s messages: %(value)s hard and %(value2)s soft bounces "
            "recorded, %(already)s read before, %(sum)s ignored",
            read=report.read,
            value=report.recorded['hard'],
            value2=report.recorded['soft'],
            already=report.already,
            sum=sum(report.ignored.values()),
        )
    )
    for reason, count in sorted(report.ignored.items()):
        click.echo(f"ignored\t{count}\t{reason}")
    for address in report.bounced:
        click.echo(f"bounced\t{shown(address)}")
    for slug, count in sorted(report.rejected.items()):
        click.echo(
            f"rejected\t{count}\t{shown(slug)}\tthe receiving servers refused the sender (5.7.x: DMARC, SPF or a "
            "policy): nobody was marked bounced; check the sender domain's SPF, DKIM and DMARC and the relay"
        )
    if report.left:
        click.echo(f"left\t{report.left}\tmessages not for a rundbrief return path: not marked read, not moved")


@click.command("show")
@_project_option
@db_option
@click.argument("address")
def show_command(project: Path, db: Path | None, address: str) -> None:
    """Print everything stored about ADDRESS (GDPR Art. 15)."""
    from generator.send.privacy import describe

    lines = describe(open_store(project, db), address)
    if lines is None:
        fail(_("nothing is stored about %(shown)s", shown=shown(address)))
    for line in lines:
        click.echo(line)


@click.command("erase")
@_project_option
@db_option
@click.argument("address")
@click.option("--yes", is_flag=True, help=N_("Erase without asking."))
def erase_command(project: Path, db: Path | None, address: str, yes: bool) -> None:
    """Delete ADDRESS and everything about it; its ledger rows stay, anonymised (GDPR Art. 17)."""
    from generator.send.privacy import erase
    from generator.send.tokens import TokenError, secret_from_environment

    try:
        secret = secret_from_environment()  # the key of the erasure's tombstone (README, "Data-subject rights")
    except TokenError as err:
        fail(str(err))
    store = open_store(project, db)
    if store.find(address) is None:
        fail(_("nothing is stored about %(shown)s", shown=shown(address)))
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            fail(_(
                "erasing %(shown)s cannot be undone; confirm with --yes (no terminal to ask on)",
                shown=shown(address),
            ))
        click.confirm(_("Erase %(address)s for good?", address=shown(address)), abort=True)
    erased = erase(store, address, secret)
    if erased is None:
        fail(_("nothing is stored about %(shown)s", shown=shown(address)))
    click.echo(
        _(
            "rundbrief: erased %(shown)s: the subscriber and %(events)s consent events deleted; "
            "%(deliveries)s deliveries and %(bounces)s bounces kept without the address, for the "
            "statistics",
            shown=shown(erased.email),
            events=erased.events,
            deliveries=erased.deliveries,
            bounces=erased.bounces,
        )
    )
    if not erased.checkpointed:
        click.echo(
            _(
                "rundbrief: another process reads the store, so its write-ahead log could not be "
                "emptied yet: the address stays in the -wal file until the next checkpoint (stopping "
                "the service for a moment empties it)",
            )
        )


@click.command("statistics")
@_project_option
@db_option
def statistics_command(project: Path, db: Path | None) -> None:
    """Per send: recipients, the ledger's counts by state, and bounces (nothing is tracked)."""
    from generator.send.statistics import STATES, send_statistics

    click.echo("\t".join(("send", "started", "recipients", *STATES, "bounces_hard", "bounces_soft")))
    for s in send_statistics(open_store(project, db)):
        cells = (s.slug, s.started_at, s.recipients, *(s.states[state] for state in STATES), s.hard, s.soft)
        click.echo("\t".join(shown(str(cell)) for cell in cells))


@click.group()
def store() -> None:
    """Back up and restore the subscriber store."""


@store.command("backup")
@_project_option
@db_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(project: Path, db: Path | None, target: Path) -> None:
    """Write a consistent copy of the store to TARGET while the service runs (SQLite's backup API)."""
    from generator.send.backup import BackupError, backup
    from generator.send.store import StoreError

    if (inside := inside_published(project, target)) is not None:
        fail(_(
            "a backup must not be written into %(inside)s/: it holds the subscribers",
            inside=inside,
        ))
    try:
        path = resolve_db(project, db)
    except StoreError as err:
        fail(str(err))
    if not path.is_file():  # a typo in RUNDBRIEF_DB must not back up a new, empty store every night
        fail(_(
            "there is no store at %(shown)s (check --db or RUNDBRIEF_DB); nothing was backed up",
            shown=shown(str(path)),
        ))
    open_store(project, db).close()  # the retention rules first: a backup keeps nothing they delete
    try:
        size = backup(resolve_db(project, db), target)
    except (BackupError, StoreError) as err:
        fail(str(err))
    click.echo(_(
        "rundbrief: backup written to %(target)s (%(size)s bytes)",
        target=target,
        size=size,
    ))


@store.command("restore")
@_project_option
@db_option
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help=N_("Restore without asking."))
def restore_command(project: Path, db: Path | None, source: Path, yes: bool) -> None:
    """Replace the store's contents with the backup SOURCE (no send may run meanwhile)."""
    from generator.send.backup import BackupError, restore
    from generator.send.sender import SendError
    from generator.send.store import StoreError

    try:
        path = resolve_db(project, db)
    except StoreError as err:
        fail(str(err))
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            fail(_(
                "restoring replaces everything in %(path)s; confirm with --yes (no terminal to ask on)",
                path=path,
            ))
        click.confirm(_("Replace everything in %(path)s with %(source)s?", path=path, source=source), abort=True)
    from generator.send.tokens import TokenError, secret_from_environment

    try:
        secret = secret_from_environment()  # the tombstones of erasures are keyed with it
    except TokenError as err:
        fail(str(err))
    try:
        restored = restore(path, source, secret)
    except (BackupError, SendError) as err:
        fail(str(err))
    open_store(project, db).close()  # the retention rules, on what the backup brought back
    click.echo(
        _(
            "rundbrief: restored %(shown)s into %(path)s (%(subscribers)s subscribers); "
            "%(reapplied)s unsubscriptions and bounces since the backup applied again; %(erased)s "
            "people erased since the backup erased again",
            shown=shown(str(source)),
            path=path,
            subscribers=restored.subscribers,
            reapplied=restored.reapplied,
            erased=restored.erased,
        )
    )
    if restored.previous_unreadable:
        click.echo(
            _(
                "rundbrief: the store before the restore could not be read: unsubscriptions, bounces "
                "and erasures made after the backup could not be applied again; check them",
            )
        )
    if restored.replaced_file:
        click.echo(_("rundbrief: the damaged store file was replaced: restart the subscription service"))
