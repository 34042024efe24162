"""Statistics without tracking: per send, how many rows of the ledger are in which state, and
how many bounced (hard, soft). Nothing else is measured: no tracking pixel, no rewritten links,
no opens or clicks (README, "Statistics without tracking"). Erased people's rows count too,
anonymised, so the numbers of a send never change when somebody is erased."""

from __future__ import annotations

from dataclasses import dataclass

from generator.send.sender import STATES
from generator.send.store import Store

__all__ = ["STATES", "SendStatistics", "send_statistics"]


@dataclass(frozen=True, slots=True)
class SendStatistics:
    slug: str
    started_at: str
    recipients: int  # frozen when the send started
    states: dict[str, int]
    hard: int
    soft: int


def send_statistics(store: Store) -> list[SendStatistics]:
    """Every send, oldest first."""
    result = []
    for send in store.db.execute("SELECT slug, started_at, recipients FROM sends ORDER BY started_at, slug").fetchall():
        states = dict.fromkeys(STATES, 0)
        for row in store.db.execute(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE slug = ? GROUP BY state", (send["slug"],)
        ):
            states[row["state"]] = row["n"]
        kinds = {"hard": 0, "soft": 0}
        query = "SELECT kind, COUNT(*) AS n FROM bounces WHERE slug = ? GROUP BY kind"
        for row in store.db.execute(query, (send["slug"],)):
            kinds[row["kind"]] = row["n"]
        result.append(SendStatistics(send["slug"], send["started_at"], send["recipients"], states, **kinds))
    return result
