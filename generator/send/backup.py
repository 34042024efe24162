"""Backups of the store while the service runs, and restoring one.

:func:`backup` uses SQLite's online backup API (``sqlite3.Connection.backup``), which copies
the pages of one read transaction: a consistent copy, whatever the service or a send writes
meanwhile (in WAL mode a reader blocks no writer). The copy is checked (``integrity_check``),
written beside the target, synced and renamed, so the target is always a whole backup, readable
by its owner only.

:func:`restore` checks a backup the same way, then copies it into the live store with the same
API (the service's connection sees the restored rows at its next query), while it holds the
sender's lock (no send runs meanwhile). A restored store is migrated like any old store.
Unsubscriptions and bounces that happened after the backup are applied again (nobody who left
gets the newsletter because of a restore). Erasures since the backup cannot be: nothing of an
erased person is kept, so the command says to repeat them.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from generator.send.migrations import SCHEMA_VERSION
from generator.send.sender import sender_lock
from generator.send.store import Store, StoreError, now


class BackupError(Exception):
    pass


def _check(connection: sqlite3.Connection, what: str) -> None:
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as err:
        raise BackupError(f"{what} is not a readable SQLite file: {err}") from None
    if result != "ok":
        raise BackupError(f"{what} is damaged (integrity_check: {result})")
    if not {"subscribers", "consent_events", "sends", "deliveries"} <= tables:
        raise BackupError(f"{what} is not a rundbrief store (its tables are missing)")
    if version > SCHEMA_VERSION:
        raise BackupError(f"{what} was made by a newer rundbrief (schema {version}; this one knows {SCHEMA_VERSION})")


def _sync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def backup(store_path: Path, target: Path) -> int:
    """Write a consistent copy of the store to ``target``; returns its size in bytes."""
    if not store_path.is_file():
        raise BackupError(f"there is no store at {store_path}")
    target = target.resolve()
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        source = sqlite3.connect(store_path, timeout=30)
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
        os.replace(partial, target)
        _sync_dir(target.parent)
    except (OSError, sqlite3.Error) as err:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot write the backup {target}: {err}") from None
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


@dataclass(frozen=True, slots=True)
class Restored:
    subscribers: int
    reapplied: int  # unsubscriptions and bounces since the backup, applied again


def restore(store_path: Path, source: Path) -> Restored:
    """Replace the store's contents with the backup ``source`` (see the module docstring)."""
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    try:
        backup_db = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise BackupError(f"cannot open the backup {source}: {err}") from None
    try:
        _check(backup_db, f"the backup {source}")
        store = Store(store_path)
        try:
            with sender_lock(store_path):
                left = store.db.execute(
                    "SELECT email_key, status FROM subscribers WHERE status IN ('unsubscribed', 'bounced')"
                ).fetchall()
                backup_db.backup(store.db, sleep=0.05)
                store.close()
                store = Store(store_path)  # migrates a backup made by an older rundbrief
                reapplied = _reapply(store, [(r["email_key"], r["status"]) for r in left], source.name)
                count = store.db.execute("SELECT COUNT(*) FROM subscribers").fetchone()[0]
        finally:
            store.close()
    except (sqlite3.Error, OSError) as err:
        raise BackupError(f"cannot restore {source}: {err}") from None
    except StoreError as err:
        raise BackupError(str(err)) from None
    finally:
        backup_db.close()
    return Restored(count, reapplied)


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
