"""Limits of the public subscription service, kept in the store (shared by waitress's threads,
by several server processes, and kept across restarts).

Fixed windows of one hour: a key (a client's network, or all confirmation mails together)
counts its hits since the window began; past the limit the request is refused until the next
window. Simple, and enough here: a bot gets at most twice the limit across a window boundary.
Confirmation mails per address are limited by the queue itself (generator.send.outbox).
"""

from __future__ import annotations

import ipaddress
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from generator.send.store import stamp

WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Limits:
    """The defaults suit a county's newsletter: an office behind one address can sign up its
    staff, a script cannot make the relay a spam cannon (README, "Sending")."""

    requests_per_client: int = 30  # POST /abonnieren per client network and hour
    confirmations: int = 300  # confirmation mails per hour, all addresses together
    pending: int = 5000  # unconfirmed requests at once (they expire after RUNDBRIEF_RETENTION_DAYS, default 30)
    address_interval: timedelta = timedelta(hours=1)  # at most one confirmation mail per address in this time


DEFAULT_LIMITS = Limits()


def client_key(remote_addr: str | None) -> str:
    """The client's network: one IPv4 address, or the /64 an IPv6 host can pick addresses from."""
    try:
        ip = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "client:unknown"
    if ip.version == 6:
        return f"client:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"client:{ip}"


def hit(db: sqlite3.Connection, key: str, limit: int, at: datetime | None = None, count: int = 1) -> bool:
    """Count ``count`` hits for ``key`` (0: the same statements, nothing counted); False when
    that would take it over ``limit`` in the current window.
    Call inside a transaction (BEGIN IMMEDIATE): the read and the write must not interleave."""
    moment = at or datetime.now(timezone.utc)
    row = db.execute("SELECT window_start, hits FROM rate_limits WHERE key = ?", (key,)).fetchone()
    if row is None or datetime.fromisoformat(row[0]) <= moment - WINDOW:
        db.execute(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, hits = excluded.hits",
            (key, stamp(moment), count),
        )
        return limit >= count
    if row[1] + count > limit:
        return False
    db.execute("UPDATE rate_limits SET hits = hits + ? WHERE key = ?", (count, key))
    return True


def full(db: sqlite3.Connection, key: str, limit: int, at: datetime | None = None) -> bool:
    """Whether ``key`` has reached ``limit`` in its current window (counts nothing)."""
    moment = at or datetime.now(timezone.utc)
    row = db.execute("SELECT window_start, hits FROM rate_limits WHERE key = ?", (key,)).fetchone()
    return row is not None and datetime.fromisoformat(row[0]) > moment - WINDOW and row[1] >= limit
