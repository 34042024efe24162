"""Checks of build output, shared by the build (on its staged folders, before the swap) and by
``rundbrief check`` (on what the last build left): every site address an email shows is a
file of the site, the built emails pass the lint and no subscriber's address was published.
(The HTML the editors' texts become is checked before anything is built: published.py.)

Nothing here builds, so ``check`` runs without MkDocs: this module reads files only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path

from generator.content.model import Project
from generator.diagnostics import Diagnostics, Location
from generator.email.lint import lint_email
from generator.i18n import _
from generator.linkcheck import missing_on_site
from generator.output import NEWSLETTER_DIR
from generator.texts import routes_for


def verify_email_links(
    project: Project,
    emails: Path,
    site: Path,
    diag: Diagnostics,
    shown: Path,
    known: Mapping[str, list[str]] | None = None,
    only: Collection[str] | None = None,
) -> None:
    """Every image and link on the site that an email in ``emails`` shows names a file in ``site``
    (``shown``: the newsletter folder as the editor knows it; ``known``: the addresses of the
    emails just rendered, by slug, taken from the very text written into their files; the files
    of the others are read; ``only``: these emails' slugs, where the others and every file they
    show are the last build's)."""
    known = known or {}
    site_url = project.settings.site_url or ""
    if not site_url:
        return
    elsewhere = routes_for(project).served_elsewhere
    published = {issue.slug for issue in project.published}  # a draft's preview links to pages not yet public
    seen: dict[str, bool] = {}
    if only is not None:
        published &= set(only)
    for folder in sorted(p for p in emails.iterdir() if p.is_dir() and p.name in published):
        for address in missing_on_site(folder, site, site_url, elsewhere, seen, known.get(folder.name)):
            where = _written_at(project, folder.name, address, site_url) or Location(
                (shown / folder.name / "email.html").relative_to(project.root).as_posix()
            )
            diag.error(where, _(
                "email: shows %(address)s, but the site has no such file",
                address=address,
            ))


def _written_at(project: Project, slug: str, address: str, site_url: str) -> Location | None:
    """The line of the issue's file that writes ``address`` out (an editor's text: "see
    https://.../plan.pdf"), for a message the editor can act on; None if it is not written there."""
    issue = project.issue(slug)
    if issue is None:
        return None
    try:
        lines = (project.root / issue.source.path).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    wanted = (address, address[len(site_url) :]) if address.startswith(site_url) else (address,)
    for number, line in enumerate(lines, start=1):
        if any(part and part in line for part in wanted):
            return Location(issue.source.path, number)
    return None


def lint_built_emails(project: Project, diag: Diagnostics) -> int:
    """`rundbrief check`: the emails in newsletter/ against the clients' support and our rules,
    and every site address they show against the built site."""
    checked = 0
    site_dir = project.root / project.settings.site_dir
    newsletter_dir = project.root / NEWSLETTER_DIR
    if site_dir.is_dir() and newsletter_dir.is_dir():
        verify_email_links(project, newsletter_dir, site_dir, diag, newsletter_dir)
    for issue in project.published:
        built = project.root / NEWSLETTER_DIR / issue.slug / "email.html"
        if not built.is_file():
            continue
        html = built.read_text(encoding="utf-8")
        shown = f"{NEWSLETTER_DIR}/{issue.slug}/email.html"
        violations, findings = lint_email(html, project.settings.site_url or "")
        for violation in violations:
            diag.error(Location(shown), violation)
        for finding in findings:
            diag.warning(Location(shown), str(finding))
        checked += 1
    return checked


_ADDRESS = re.compile(rb"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# What the build puts into long words and addresses so that they break (generator/hyphenation.py):
# a reader sees the address whole, so it is looked for whole.
_BREAKS = re.compile("<wbr>|\u00ad|\u200b".encode())


def find_subscriber_leaks(
    project: Project, subscribers: frozenset[str], folders: dict[Path, Path], *, new_only: bool = False
) -> list[tuple[str, str]]:
    """The ``subscribers``' addresses (lower case) found in built files (staged folder -> its real
    name), except the addresses the content itself publishes (contacts, sender). ``new_only``:
    a file that is a link to the same file of the real folder was checked by the build that
    made it (against the same addresses: they are part of the build stamp)."""
    if not subscribers:
        return []
    published = {a.lower() for a in (project.settings.sender_email, project.settings.reply_to) if a}
    published |= {p.email.lower() for p in project.people if p.email}
    published |= {c.email.lower() for i in project.issues for c in i.contacts if c.email}
    if project.settings.contact is not None and project.settings.contact.email:
        published.add(project.settings.contact.email.lower())
    suspicious = subscribers - published
    leaks = []
    for staged, real in folders.items():
        for path in staged.rglob("*"):
            if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".gif", ".gz", ".woff2", ".woff") or not path.is_file():
                continue
            if new_only and _same_file(path, real / path.relative_to(staged)):
                continue
            for found in set(_ADDRESS.findall(_BREAKS.sub(b"", path.read_bytes()))):
                address = found.decode("utf-8", "replace").lower()
                if address in suspicious:
                    shown = (real / path.relative_to(staged)).relative_to(project.root).as_posix()
                    leaks.append((shown, address))
    return leaks


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
