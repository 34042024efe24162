"""Running rundbrief's list-care commands (bounces, subscribers, store, statistics) as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SECRET = "upkeep-secret-0123456789abcdef"
GROUPS = ("bounces", "subscribers", "store", "subscriptions")


def rundbrief(
    project: Path, db: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``rundbrief <command> --project P --db D <rest>``; a group's command is two words."""
    words = 2 if args[0] in GROUPS else 1
    command = [sys.executable, "-m", "generator", *args[:words], "--project", str(project), "--db", str(db)]
    environment = {**os.environ, "RUNDBRIEF_SECRET": SECRET, **(env or {})}
    return subprocess.run(
        [*command, *args[words:]], capture_output=True, text=True, env=environment, input=stdin, timeout=300,
        check=False,
    )  # fmt: skip


def import_addresses(project: Path, db: Path, folder: Path, addresses: list[str]) -> None:
    csv_file = folder / "liste.csv"
    csv_file.write_text("email,consent\n" + "".join(f"{a},2026-01-05\n" for a in addresses), encoding="utf-8")
    result = rundbrief(project, db, "subscribers", "import", str(csv_file))
    assert result.returncode == 0, result.stderr
