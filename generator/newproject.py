"""``rundbrief init``: a new process project from the skeleton rundbrief ships.

The skeleton (``generator/skeleton/``) is a complete small project: settings with German
defaults, a start page, a contact page and a process page with sample text, the people
register, one phase, the three legal pages (those six pages marked ``placeholder: true``), a
``theme/`` with only its README, and a ``.gitignore`` for the build output. The first issue is
written by ``rundbrief new``'s code, as a draft.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from generator.i18n import _
from generator.newissue import create_issue
from generator.routes import ISSUES_DIR

SKELETON = Path(__file__).resolve().parent / "skeleton"
RENAMED = {"gitignore": ".gitignore"}  # dot files are not package data; they get their name here
FIRST_TITLE = "Erste Ausgabe"


class NewProjectError(Exception):
    pass


def create_project(target: Path, today: date) -> list[Path]:
    """Write a new project into ``target`` (missing or empty) and return the files written,
    relative to it."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise NewProjectError(_(
            "%(target)s is not an empty folder; a new project needs one of its own",
            target=target,
        ))
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted(SKELETON.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(SKELETON)
        relative = relative.with_name(RENAMED.get(relative.name, relative.name))
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / relative)
        written.append(relative)
    issue = create_issue(target / "content" / ISSUES_DIR, (), FIRST_TITLE, number=None, day=today)
    written.append(issue.relative_to(target))
    return sorted(written)
