"""Symbolic links in ``content/`` and in ``theme/``: nothing outside them may reach the site.

MkDocs copies every file below docs_dir and follows links to files and folders, so a link to
``/etc/passwd``, to a private folder or to an issue file elsewhere would be published. The same
holds for the theme: MkDocs copies every file of ``custom_dir`` that is not a template into the
site, and the emails read their templates and stylesheet from ``theme/email/``. The rule, for
``content/``, for ``theme/`` and for a ``custom_dir`` elsewhere in the project (each its own
folder):

- a link to a file or folder inside the same folder (``content/``, say) is fine (an alias: MkDocs publishes the target's
  content under the link's name);
- a link that leads outside ``content/``, directly or through other links, is an error;
- a link to nothing is an error (MkDocs would fail copying it);
- a link to a folder that contains the link (also through other folder links) is an error: MkDocs
  would walk through it again and again.

Names starting with ``.`` are skipped, as MkDocs does not publish them (editors' lock files are
often links to nothing).
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.diagnostics import Diagnostics, Location, display_path
from generator.i18n import _


def check_links(content: Path, root: Path, diag: Diagnostics) -> None:
    """Report every link below ``content`` (the content folder, the theme or ``custom_dir``)
    that breaks the rule above."""
    real_content = Path(os.path.realpath(content))
    shown_content = display_path(content, root)
    if content.is_symlink() and not real_content.is_relative_to(Path(os.path.realpath(root))):
        diag.error(
            Location(shown_content),
            _(
                "a link to the folder %(real_content)s, outside the project; nothing outside the "
                "project is published: copy the folder into the project instead",
                real_content=display_path(real_content, root),
            ),
        )
        return
    finished: set[Path] = set()  # real folders walked completely
    reported: set[Path] = set()  # real places of links already reported

    def shown(real: Path) -> str:
        inside = real.relative_to(real_content).as_posix()
        return shown_content if inside == "." else f"{shown_content}/{inside}"

    def walk(folder: Path, real_folder: Path, open_folders: tuple[Path, ...]) -> None:
        """``open_folders``: the real folders being walked, from content/ down to this one."""
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            diag.error(Location(shown(real_folder)), _(
                "cannot read folder: %(value)s",
                value=err.strerror or err,
            ))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            place = real_folder / entry.name  # where the entry itself lies, whatever it points to
            if not entry.is_symlink():
                if entry.is_dir(follow_symlinks=False) and place not in finished:
                    walk(Path(entry.path), place, open_folders + (place,))
                continue
            target = Path(os.path.realpath(entry.path))
            problem = None
            if not target.exists():  # also a chain of links that ends in nothing or goes round
                problem = f"a link to {display_path(target, root)}, which does not exist; put the file itself here"
            elif not target.is_relative_to(real_content):
                what = "folder" if target.is_dir() else "file"
                problem = (
                    f"a link to the {what} {display_path(target, root)}, outside {shown_content}/; nothing "
                    f"outside {shown_content}/ is published: copy the {what} into {shown_content}/ instead"
                )
            elif target.is_dir():
                if target in open_folders:
                    problem = (
                        f"a link to the folder {shown(target)}, which contains the link; MkDocs would "
                        "follow it without end"
                    )
                elif target not in finished:
                    walk(Path(entry.path), target, open_folders + (target,))
            if problem is not None and place not in reported:
                reported.add(place)
                diag.error(Location(shown(place)), problem)
        finished.add(real_folder)

    if real_content.is_dir():
        walk(content, real_content, (real_content,))
