"""Backups of the store while the service runs, and restoring one.

:func:`backup` uses SQLite's online backup API (``sqlite3.Connection.backup``), which copies
the pages of one read transaction: a consistent copy, whatever the service or a send writes
meanwhile (in WAL mode a reader blocks no writer). The copy is checked (``integrity_check``),
written beside the target, synced and renamed, so the target is always a whole backup, readable
by its owner only. It refuses a store that does not exist, and a target that is the store or one
of its SQLite files, is no regular file, or exists and is no earlier backup.

:func:`restore` copies the backup (opened by an escaped ``file:`` URI, read-only) to a temporary
file beside the store, checks and migrates it there, applies what the current store knows and the
backup must not undo (unsubscriptions and bounces, erasures by their tombstones, the highest
subscriber id ever issued), and only then copies it into the live store with the same API (the
service's connection sees the restored rows at its next query), while it holds the sender's lock.
The live store is read without migrating it, so a damaged one can be restored over (a file that is
no SQLite database at all is replaced; the service must then be restarted).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

from generator.i18n import _
from generator.send.migrations import SCHEMA_VERSION
from generator.send.sender import sender_lock
from generator.send.store import Store, StoreError, now
from generator.send.subscribers import shown


class BackupError(Exception):
    pass


def _check(connection: sqlite3.Connection, what: str) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        raise BackupError(_("%(what)s is not a readable SQLite file: %(err)s", what=what, err=err)) from None
    if result != "ok":
        raise BackupError(_(
            "%(what)s is damaged (integrity_check: %(result)s)",
            what=what,
            result=result,
        ))
    if not {"subscribers", "consent_events", "sends", "deliveries"} <= tables:
        raise BackupError(_(
            "%(what)s is not a rundbrief store (its tables are missing)",
            what=what,
        ))
    if version > SCHEMA_VERSION:
        raise BackupError(_(
            "%(what)s was made by a newer rundbrief (schema %(version)s; this one knows "
            "%(schema_version)s)",
            what=what,
            version=version,
            schema_version=SCHEMA_VERSION,
        ))


def _sync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def store_files(store_path: Path) -> list[Path]:
    """The store and the files SQLite keeps beside it (-wal, -shm, -journal)."""
    return [store_path] + [store_path.with_name(store_path.name + end) for end in ("-wal", "-shm", "-journal")]


def _is_backup(path: Path) -> bool:
    """A file :func:`backup` wrote: a self-contained SQLite file (no -wal beside it) with the store's tables."""
    try:
        with open(path, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return False
        if path.with_name(path.name + "-wal").exists():
            return False  # a live store (WAL mode), not a backup
        connection = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
        try:
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except (OSError, sqlite3.Error):
        return False
    return {"subscribers", "consent_events", "sends", "deliveries"} <= tables


def _check_target(store_path: Path, target: Path) -> None:
    """Refuse to write over anything but an earlier backup (or nothing): never the store or its
    SQLite files, never something that is not a regular file, never another file."""
    store_path = store_path.resolve()
    for own in store_files(store_path):
        if target == own or (own.exists() and target.exists() and os.path.samefile(own, target)):
            raise BackupError(_(
                "the backup would replace the store itself (%(own)s); choose another file",
                own=own,
            ))
    if not target.exists() and not target.is_symlink():
        return
    mode = os.stat(target).st_mode
    if not stat.S_ISREG(mode):
        raise BackupError(
            _(
                "%(shown)s exists and is no regular file; a backup replaces only an earlier backup",
                shown=shown(str(target)),
            )
        )
    if not _is_backup(target):
        raise BackupError(
            _(
                "%(shown)s exists and is no rundbrief backup; a backup replaces only an earlier backup "
                "(remove the file first, or choose another name)",
                shown=shown(str(target)),
            )
        )


def backup(store_path: Path, target: Path) -> int:
    """Write a consistent copy of the store to ``target``; returns its size in bytes. ``target``
    may be an earlier backup (replaced whole) or nothing yet; anything else is refused."""
    if not store_path.is_file():
        raise BackupError(_(
            "there is no store at %(shown)s (check --db or RUNDBRIEF_DB)",
            shown=shown(str(store_path)),
        ))
    target = target.resolve()
    _check_target(store_path, target)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        source = sqlite3.connect(store_path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # all pages in one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            _check(copy, "the copy")
        finally:
            copy.close()
            source.close()
        with open(partial, "rb+") as handle:
            os.fsync(handle.fileno())
        _check_target(store_path, target)  # nothing else took the name meanwhile
        os.replace(partial, target)
        _sync_dir(target.parent)
    except (OSError, sqlite3.Error) as err:
        partial.unlink(missing_ok=True)
        raise BackupError(_(
            "cannot write the backup %(shown)s: %(err)s",
            shown=shown(str(target)),
            err=err,
        )) from None
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


@dataclass(frozen=True, slots=True)
class Restored:
    subscribers: int
    reapplied: int  # unsubscriptions and bounces since the backup, applied again
    erased: int = 0  # people erased since the backup, erased again (their tombstones)
    replaced_file: bool = False  # the store was unreadable: its file was replaced (restart the service)
    previous_unreadable: bool = False  # the store before the restore could not be read (nothing re-applied)


def _previous(store_path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int, bool]:
    """What the store holds before the restore, read without migrating it: who left, the
    tombstones, the highest subscriber id ever issued; the last value False when it is unreadable."""
    if not store_path.exists():
        return [], [], 0, True
    try:
        db = sqlite3.connect(store_path.as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            left = [
                (str(r[0]), str(r[1]))
                for r in db.execute(
                    "SELECT email_key, status FROM subscribers WHERE status IN ('unsubscribed', 'bounced')"
                )
            ]
            erased = (
                [(str(r[0]), str(r[1])) for r in db.execute("SELECT digest, at FROM erasures")]
                if "erasures" in tables
                else []
            )
            highest = db.execute("SELECT COALESCE(MAX(id), 0) FROM subscribers").fetchone()[0]
            if "sqlite_sequence" in tables:
                row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'subscribers'").fetchone()
                highest = max(highest, row[0] if row else 0)
        finally:
            db.close()
    except sqlite3.Error:
        return [], [], 0, False
    return left, erased, int(highest), True


def restore(store_path: Path, source: Path, secret: str | None = None) -> Restored:
    """Replace the store's contents with the backup ``source`` (see the module docstring).

    The backup is copied to a temporary file beside the store, checked, migrated, and has the
    unsubscriptions, bounces and erasures since applied; only then is it copied into the store
    (which is opened without migrating it: a damaged store can be restored over)."""
    if not source.is_file():
        raise BackupError(_("there is no backup at %(shown)s", shown=shown(str(source))))
    store_path = store_path.resolve()
    if any(source.resolve() == own for own in store_files(store_path)):
        raise BackupError(_(
            "%(shown)s is the store itself, not a backup",
            shown=shown(str(source)),
        ))
    work = store_path.with_name(f".{store_path.name}.restore-{os.getpid()}")
    store_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        backup_db = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)  # as_uri escapes # % ?
    except sqlite3.Error as err:
        raise BackupError(_(
            "cannot open the backup %(shown)s: %(err)s",
            shown=shown(str(source)),
            err=err,
        )) from None
    try:
        for leftover in store_files(work):
            leftover.unlink(missing_ok=True)
        os.close(os.open(work, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            _check(backup_db, f"the backup {shown(str(source))}")
            copy = sqlite3.connect(work)
            try:
                backup_db.backup(copy)
            finally:
                copy.close()
        finally:
            backup_db.close()
        with sender_lock(store_path):
            left, tombstones, highest, readable = _previous(store_path)
            try:
                staged = Store(work)  # migrates a backup made by an older rundbrief; a fake one fails here
            except StoreError as err:
                why = str(err).replace(f"cannot open the subscriber store {work}: ", "")
                raise BackupError(
                    _(
                        "the backup %(shown)s cannot be used: its migration failed (%(why)s)",
                        shown=shown(str(source)),
                        why=why,
                    )
                ) from None
            try:
                problem = staged.db.execute("PRAGMA integrity_check").fetchone()[0]
                if problem != "ok" or staged.db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise BackupError(_(
                        "the backup %(shown)s is damaged after its migration",
                        shown=shown(str(source)),
                    ))
                reapplied = _reapply(staged, left, source.name)
                erased = _erase_again(staged, tombstones, secret)
                if highest:
                    _keep_ids_above(staged, highest)
                count = staged.db.execute("SELECT COUNT(*) FROM subscribers").fetchone()[0]
                staged.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                staged.db.execute("PRAGMA journal_mode=DELETE")
            finally:
                staged.close()
            replaced = _install(work, store_path)
    except (sqlite3.Error, OSError) as err:
        raise BackupError(_("cannot restore %(shown)s: %(err)s", shown=shown(str(source)), err=err)) from None
    finally:
        for leftover in store_files(work):
            leftover.unlink(missing_ok=True)
    return Restored(count, reapplied, erased, replaced, not readable)


def _install(work: Path, store_path: Path) -> bool:
    """Copy the checked, migrated ``work`` into the store with SQLite's backup API (a running
    service sees the rows at its next query); when the store is no SQLite file SQLite can
    write into, replace the file (True: a running service must be restarted)."""
    existed = store_path.exists()
    source = sqlite3.connect(work)
    try:
        if existed:
            target = sqlite3.connect(store_path, timeout=30)
            try:
                target.execute("PRAGMA journal_mode=WAL")
                source.backup(target, sleep=0.05)
                return False
            except sqlite3.DatabaseError:
                pass  # "file is not a database": its file is replaced below
            finally:
                target.close()
    finally:
        source.close()
    with open(work, "rb+") as handle:
        os.fsync(handle.fileno())
    for end in ("-wal", "-shm", "-journal"):
        store_path.with_name(store_path.name + end).unlink(missing_ok=True)
    os.replace(work, store_path)
    _sync_dir(store_path.parent)
    return existed  # a store that was not there is simply made; nothing had it open


def _keep_ids_above(store: Store, highest: int) -> None:
    """Subscriber ids are never used again, a restore included: a return path or unsubscribe link
    of somebody the backup does not hold must not name a new subscriber."""
    with store.transaction() as db:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'subscribers'").fetchone()
        if row is None:
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('subscribers', ?)", (highest,))
        elif row[0] < highest:
            db.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'subscribers'", (highest,))


def _erase_again(store: Store, tombstones: list[tuple[str, str]], secret: str | None) -> int:
    """Erase again whoever the store erased since the backup (README, "Data-subject rights"):
    a subscriber whose address matches a tombstone and who did not consent anew after it."""
    from generator.send.privacy import erase_row, tombstone

    if not tombstones or secret is None:
        return 0
    with store.transaction() as db:
        for digest, erased_at in tombstones:
            db.execute("INSERT OR IGNORE INTO erasures (digest, at) VALUES (?, ?)", (digest, erased_at))
        when = {str(r[0]): str(r[1]) for r in db.execute("SELECT digest, at FROM erasures")}
        done = 0
        rows = db.execute("SELECT id, email_key, created_at, confirmed_at, requested_at FROM subscribers").fetchall()
        for row in rows:
            at = when.get(tombstone(secret, row["email_key"]))
            latest = max(v for v in (row["created_at"], row["confirmed_at"], row["requested_at"]) if v)
            if at is not None and latest <= at:  # a consent newer than the erasure wins
                erase_row(db, row["id"], row["email_key"])
                done += 1
    return done


def _reapply(store: Store, left: list[tuple[str, str]], name: str) -> int:
    done = 0
    with store.transaction() as db:
        for key, status in left:
            column = "unsubscribed_at" if status == "unsubscribed" else "bounced_at"
            row = db.execute(
                f"UPDATE subscribers SET status = ?, {column} = ? WHERE email_key = ? AND status IN ('active', "
                "'pending') RETURNING id",
                (status, now(), key),
            ).fetchone()
            if row is not None:
                detail = f"{status} again: it was so before the restore"
                store.record(db, row[0], "restored", f"restore of {name}", detail=detail)
                done += 1
    return done
