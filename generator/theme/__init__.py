"""The templates rundbrief ships: a project's own ``theme/`` only overrides them.

- ``site/``: overrides of Material for MkDocs (page templates, partials, ``rundbrief.css``).
  The plugin puts this folder between the project's ``custom_dir`` and Material's own, so a
  file of the same name in the project's ``custom_dir`` wins, and everything else comes from here.
- ``email/``: ``email.html.j2``, ``email.txt.j2`` and ``email.css``. Per file, a project's
  ``theme/email/<file>`` wins over the one here (``email_template_dirs``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_THEME = Path(__file__).resolve().parent
SITE_TEMPLATES = PACKAGE_THEME / "site"
EMAIL_TEMPLATES = PACKAGE_THEME / "email"
PROJECT_EMAIL_DIR = "theme/email"  # below the project root


def email_template_dirs(root: Path) -> tuple[Path, ...]:
    """Where the email templates are looked up, first match per file wins: the project's
    ``theme/email/`` (if it has one), then rundbrief's own."""
    own = root / PROJECT_EMAIL_DIR
    return (own, EMAIL_TEMPLATES) if own.is_dir() else (EMAIL_TEMPLATES,)


def find_template(dirs: tuple[Path, ...], name: str) -> Path:
    """The first ``name`` in ``dirs`` (the package's folder always has it)."""
    for folder in dirs:
        if (path := folder / name).is_file():
            return path
    raise FileNotFoundError(f"no {name} in {', '.join(map(str, dirs))}")
