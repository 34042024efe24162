"""Loading a whole project: every file read and checked once, all problems collected."""

from __future__ import annotations

import dataclasses
import hashlib
import mimetypes
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pathspec

from generator.cachefiles import read_pickle, write_pickle
from generator.content.bodyrefs import BodyImage, LinkTargets, check_body, check_published_html, check_site_address
from generator.content.bodyrefs import check_links as check_body_links
from generator.content.fields import Context, suggest
from generator.content.frontmatter import mkdocs_page, read_text
from generator.content.images import CACHE_DIR, ImageChecker
from generator.content.issues import EventRef, IssueReader, ReadIssue
from generator.content.legal import LEGAL_PAGES, check_legal_pages, check_other_pages
from generator.content.links import check_links
from generator.content.model import Event, EventEntry, Issue, PageText, Phase, Project, Settings
from generator.content.people import load_people
from generator.content.phases import read_phase
from generator.content.settings import read_settings
from generator.content.yamlnodes import quote
from generator.diagnostics import Diagnostics, Location, Problem, display_path
from generator.i18n import _, ngettext
from generator.linkcheck import text_addresses
from generator.routes import (
    ARCHIVE_PAGE,
    CALENDAR_FILE,
    EVENTS_PAGE,
    FEED_FILE,
    ISSUES_DIR,
    MARKDOWN_SUFFIXES,
    PHASES_DIR,
    STATEMENTS_PAGE,
    Routes,
)

PEOPLE_FILE = "people.yml"
THEME_DIR = "theme"  # the project's own templates (theme/site/ for MkDocs' custom_dir, theme/email/)
_SAFE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


_MEMO_FORMAT = 2
_SAVE_FROM = 20  # issue files read anew
# stat, what was read, the problems found, front_matter_digest
_Remembered = tuple[tuple[int, int, int], ReadIssue, tuple[Problem, ...], str]


@dataclass(slots=True)
class IssueMemo:
    """The issue files an earlier load of this process read, each with its size, time and inode,
    what was read and the problems found: the preview loads the project after every save and
    reads again only the issue files that changed. Reading an issue also depends on people.yml,
    the image files and mkdocs.yml: whoever keeps a memo must start a new one when anything but
    issue files changed (the preview compares every file's size and time, preview/incremental.py)."""

    read: dict[Path, _Remembered] = dataclasses.field(default_factory=dict)
    reused: int = 0  # files the last load took from here

    @classmethod
    def from_file(cls, path: Path, key: str) -> IssueMemo:
        """The memo a build kept in ``path`` if it was kept under ``key`` (what else the reading
        depends on, see buildstamp.Inputs.shared), else an empty one."""
        data = read_pickle(path)
        if isinstance(data, tuple) and len(data) == 3 and data[:2] == (_MEMO_FORMAT, key) and isinstance(data[2], dict):
            return cls(data[2])
        return cls()

    def save(self, path: Path, key: str) -> None:
        """Keep the memo for the next build, when the last load read many files anew: a build
        of a few edited issues reads those few again next time (cheaper than writing them all)."""
        if len(self.read) - self.reused > _SAVE_FROM or not path.is_file():
            write_pickle(path, (_MEMO_FORMAT, key, self.read))

    def digests(self) -> dict[str, str]:
        """front_matter_digest of each issue file the last load read, by slug."""
        return {path.stem: entry[3] for path, entry in self.read.items()}


@dataclass(frozen=True, slots=True)
class LoadResult:
    project: Project  # complete where there are no errors; objects with errors are left out
    diagnostics: Diagnostics


def _markdown_files(folder: Path, root: Path, diag: Diagnostics) -> list[Path]:
    """The ``*.md`` files of a section, without its index page and editors' hidden files."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_", "~")) or path.name == "index.md":
            continue
        if path.is_dir():
            if any(path.rglob("*.md")):
                diag.warning(
                    Location(display_path(path, root)),
                    _(
                        "Markdown files in subfolders of %(folder)s/ are not read; put them directly in the folder",
                        folder=display_path(folder, root),
                    ),
                )
            continue
        if path.suffix.lower() == ".md":
            found.append(path)
            if not _SAFE_SLUG.fullmatch(path.stem):
                diag.warning(
                    Location(display_path(path, root)),
                    _(
                        "file name %(name)s has characters that do not belong in a web address; use letters, "
                        "digits and hyphens, such as 2022-02.md",
                        name=quote(path.name),
                    ),
                )
    return found


def load_project(root: Path, *, preview: bool = False, memo: IssueMemo | None = None) -> LoadResult:
    """The project at ``root`` with every problem. ``preview``: a build nobody publishes (``mkdocs
    serve``, one email rendered alone), where placeholder legal pages are reminders, not errors.
    ``memo``: issue files read before, taken where unchanged (see IssueMemo)."""
    root = root.resolve()
    diag = Diagnostics()
    settings, images = read_settings(root, diag, lambda content: ImageChecker(content, root / CACHE_DIR))
    content = root / settings.docs_dir
    if not content.is_dir() and (root / "mkdocs.yml").is_file():
        diag.error(Location(settings.docs_dir), _("content folder not found (docs_dir in mkdocs.yml)"))
    check_links(content, root, diag)
    _check_theme_links(root, settings.custom_dir, diag)
    tz = ZoneInfo(settings.timezone)

    def context(path: Path) -> Context:
        return Context(diag, display_path(path, root), tz)

    read_people = load_people(
        content / PEOPLE_FILE, display_path(content / PEOPLE_FILE, root), context(content / PEOPLE_FILE), images
    )
    people = read_people if read_people is not None else {}

    phases: list[Phase] = []
    phase_files = _markdown_files(content / PHASES_DIR, root, diag)
    for path in phase_files:
        if (phase := read_phase(context(path), path, path.stem, images)) is not None:
            phases.append(phase)
    phases.sort(key=lambda p: (p.order, p.start.isoformat() if p.start else "", p.title))

    issues: list[Issue] = []
    entries_by_issue: dict[str, list[Event | EventRef]] = {}
    number_lines: dict[str, int] = {}
    unreadable: list[str] = []  # issues whose front-matter could not be read: their events are unknown
    checked_only: list[Issue] = []  # issues with a wrong required field: their number and links still count
    issue_files = _markdown_files(content / ISSUES_DIR, root, diag)

    def read_issue(ctx: Context, path: Path) -> ReadIssue:
        return IssueReader(ctx, people, images, people_read=read_people is not None).issue(path, path.stem)

    if memo is not None:
        memo.reused = 0
        memo.read = {path: memo.read[path] for path in issue_files if path in memo.read}
    for path in issue_files:
        read = read_issue(context(path), path) if memo is None else _remembered(memo, path, diag, context, read_issue)
        entries_by_issue[path.stem] = read.events
        number_lines[path.stem] = read.number_line
        if read.unreadable:
            unreadable.append(display_path(path, root))
        if read.issue is not None:
            issues.append(read.issue)
        elif read.checked_only is not None:
            checked_only.append(read.checked_only)

    legal_pages = (
        check_legal_pages(
            content,
            root,
            context(content / "index.md"),
            # settings that could not be read (a YAML error, say) may well allow them: reminders
            # then, not errors telling to set what may be set already
            allow_placeholders=preview or settings.allow_placeholders or not settings.options_read,
        )  # fmt: skip
        if content.is_dir()
        else ()
    )
    _check_files_published_as_they_are(content, context)
    left_out = unpublished(settings)
    # the pages the site publishes: those MkDocs leaves out are nobody's to read, their links included
    other_pages = [
        path for path in _other_pages(content, set(phase_files) | set(issue_files))
        if left_out(path.relative_to(content).as_posix()) is None
    ]  # fmt: skip
    page_texts = _check_pages(other_pages, images, context, content)
    page_texts += [  # each phase's body as MkDocs reads the file (phases.py)
        PageText(phase.path.relative_to(content).as_posix(), phase.path, phase.body, phase.body_line)
        for phase in phases
    ]
    legal_files = {content / name for name, _ in LEGAL_PAGES}
    check_other_pages(
        [path for path in other_pages if path not in legal_files], context,
        allow_placeholders=preview or settings.allow_placeholders,
    )  # fmt: skip
    if memo is None or not memo.reused:  # the files it took are not checked again: the list would shrink
        images.save()
    _check_numbers(issues + [i for i in checked_only if i.number], number_lines, diag)
    events = _unique_events(entries_by_issue, diag, unreadable)
    issues = [
        replace(issue, events=tuple(events[e.id].event for e in entries_by_issue[issue.slug] if e.id in events))
        for issue in issues
    ]
    if content.is_dir():
        pages, drafts = _published_pages(content, issues)
        pages = {page for page in pages if left_out(page) is None}
        files = generated_files(events.values(), {issue.slug for issue in issues if issue.draft}, settings)
        for made in sorted(files[0] | files[1]):
            if (content / made).exists():  # it would be replaced without a word
                diag.error(
                    Location(display_path(content / made, root)),
                    _("the build makes this file itself (the calendar or the feed): rename or remove yours"),
                )
        targets = _link_targets(content, pages, drafts, files, settings, left_out)
        _check_issue_links(issues + checked_only, targets, files[1], context)
        _check_page_links(page_texts, targets, context)
        _check_site_addresses(issues, targets, diag)
    issues.sort(key=lambda i: (i.date, i.number, i.slug))
    order = {issue.slug: position for position, issue in enumerate(issues)}
    entries = sorted(events.values(), key=lambda e: (e.event.start, e.event.title))
    entries = [replace(e, issues=tuple(sorted(e.issues, key=lambda s: order.get(s, len(order))))) for e in entries]
    project = Project(
        root=root, content_dir=content, settings=settings, issues=tuple(issues),
        people=tuple(people.values()), phases=tuple(phases), events=tuple(entries), legal_pages=legal_pages,
        pages=tuple(page_texts),
    )  # fmt: skip
    return LoadResult(project, diag)


def front_matter_digest(read: ReadIssue) -> str:
    """A digest of all an issue file says but its body's text (the Markdown and the line it
    starts on; the images it shows count). Two readings with the same digest differ at most in
    that text: then no page but the issue's own shows anything new, and the site needs no other
    image renditions (a build of edited bodies, pipeline.py)."""

    def bodyless(issue: Issue | None) -> Issue | None:
        return None if issue is None else replace(issue, body="", body_line=0)

    masked = replace(read, issue=bodyless(read.issue), checked_only=bodyless(read.checked_only))
    return hashlib.sha256(repr(masked).encode("utf-8", "surrogatepass")).hexdigest()


def _remembered(
    memo: IssueMemo,
    path: Path,
    diag: Diagnostics,
    context: Callable[[Path], Context],
    read_issue: Callable[[Context, Path], ReadIssue],
) -> ReadIssue:
    """``path`` read, or taken from ``memo`` if its size, time and inode are those it was read with."""
    try:
        info = path.stat()
        stamp: tuple[int, int, int] | None = (info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError:
        stamp = None
    known = memo.read.get(path)
    if stamp is not None and known is not None and known[0] == stamp:
        memo.reused += 1
        diag.problems.extend(known[2])
        return known[1]
    own = Diagnostics()
    base = context(path)
    read = read_issue(Context(own, base.path, base.tz), path)
    diag.problems.extend(own.problems)
    if stamp is not None:
        memo.read[path] = (stamp, read, tuple(own.problems), front_matter_digest(read))
    return read


def _check_theme_links(root: Path, custom_dir: str | None, diag: Diagnostics) -> None:
    """The links in ``theme/`` and in ``custom_dir`` (where it lies outside ``theme/``): MkDocs
    publishes the theme's files that are not templates, and the emails read ``theme/email/``."""
    theme = root / THEME_DIR
    if theme.is_dir() or theme.is_symlink():
        check_links(theme, root, diag)
    if custom_dir is None:
        return
    custom = root / custom_dir
    real_theme = Path(os.path.realpath(theme))
    if (custom.is_dir() or custom.is_symlink()) and not Path(os.path.realpath(custom)).is_relative_to(real_theme):
        check_links(custom, root, diag)


# Pages the site has even where the editors wrote none (generator/site/plugin.py's GENERATED).
GENERATED_PAGES = (ARCHIVE_PAGE, EVENTS_PAGE, STATEMENTS_PAGE)


def _published_pages(content: Path, issues: list[Issue]) -> tuple[set[str], set[str]]:
    """The content paths of the pages the site has, drafts included, and those of the drafts."""
    pages = set(GENERATED_PAGES)
    # as Path.rglob("*.md") finds them (linked folders not entered), a tenth of its time
    for folder, dirs, names in os.walk(content):
        relative = os.path.relpath(folder, content)
        parts = () if relative == "." else tuple(relative.split(os.sep))
        if any(part.startswith((".", "~")) for part in parts):
            dirs[:] = []
            continue
        shown = (name for name in (*dirs, *names) if name.endswith(".md") and not name.startswith((".", "~")))
        pages.update("/".join((*parts, name)) for name in shown)
    return pages, {f"{ISSUES_DIR}/{issue.slug}.md" for issue in issues if issue.draft}


def generated_files(entries: Iterable[EventEntry], drafts: set[str], settings: Settings) -> tuple[set[str], set[str]]:
    """The files the build makes that a text may link to: the calendar of all events, one per
    event (generator/site/plugin.py's calendars: of the events published issues show) and the
    feed (with site_url). Returns those of the published site and those only drafts add."""
    published = {CALENDAR_FILE, *([FEED_FILE] if settings.site_url else [])}
    only_drafts: set[str] = set()
    for entry in entries:
        shown_by = published if any(slug not in drafts for slug in entry.issues) else only_drafts
        shown_by.add(Routes.event_calendar(entry.event.id))
    return published, only_drafts


def _check_issue_links(
    issues: list[Issue], targets: LinkTargets, draft_files: set[str], context: Callable[[Path], Context]
) -> None:
    """Links in issue bodies lead to published pages and existing files (rundbrief converts the
    bodies itself, for the site and the emails; MkDocs never sees them). ``targets``: what the
    published site has; ``draft_files``: the files the build makes once the drafts are published."""
    # a draft may link to another draft: both are published together, or the link is reported then
    of_drafts = replace(
        targets, pages={*targets.pages, *targets.drafts}, drafts=(), files={*targets.files, *draft_files},
        unpublished_files=(),
    )  # fmt: skip
    for issue in issues:
        ctx = context(issue.path)
        shown = of_drafts if issue.draft else targets
        own = f"{ISSUES_DIR}/{issue.slug}.md"  # a link's suggestion is never the page it is on
        check_body_links(ctx, issue.body, issue.body_line, ISSUES_DIR, shown, own=own, written_out=True)
        # quotes and descriptions are Markdown of the issue too (an event named by id from
        # another issue is checked there, where its description is written)
        for number, statement in enumerate(issue.statements, start=1):
            field = f"statements[{number}].quote"
            quote, line = statement.quote, statement.quote_line
            in_quote = ctx.in_text(line, statement.quote_starts)
            check_body_links(in_quote, quote, line, ISSUES_DIR, shown, field, own, written_out=True)
        for number, event in enumerate(issue.events, start=1):
            if event.description and event.source.path == ctx.path:
                field = f"events[{number}].description"
                in_description = ctx.in_text(event.description_line, event.description_starts)
                check_body_links(
                    in_description, event.description, event.description_line, ISSUES_DIR, shown, field, own,
                    written_out=True,
                )  # fmt: skip


def _check_page_links(texts: list[PageText], targets: LinkTargets, context: Callable[[Path], Context]) -> None:
    """Links in the pages MkDocs converts itself (the start page, kontakt.md, the legal pages,
    the phases) are held to the issues' rule: MkDocs only warns, in English and without a line,
    and publishes the broken link. A page is never a draft, so it may link to published pages
    and to the files the published site has."""
    for text in texts:
        folder = posixpath.dirname(text.source) or "."  # MkDocs resolves a link from the page's folder
        check_body_links(context(text.path), text.body, text.body_line, folder, targets, own=text.source)


def _link_targets(
    content: Path,
    pages: set[str],
    drafts: set[str],
    files: tuple[set[str], set[str]],
    settings: Settings,
    left_out: Callable[[str], str | None],
) -> LinkTargets:
    """What the links of the published site's texts may lead to (see LinkTargets; ``left_out``:
    unpublished(settings), made once per load: it compiles mkdocs.yml's patterns)."""
    routes = (
        Routes.create(settings.site_url, settings.use_directory_urls, settings.service_url, settings.subscribe_url)
        if settings.site_url
        else None
    )
    published = pages - drafts
    return LinkTargets(
        content=content, pages=published, drafts=drafts, files=files[0], unpublished_files=files[1],
        unpublished=left_out, routes=routes,
        page_urls={routes.page(page).removeprefix("./") for page in published} if routes else set(),
        docs_dir=settings.docs_dir,
    )  # fmt: skip


def _check_site_addresses(issues: list[Issue], targets: LinkTargets, diag: Diagnostics) -> None:
    """An event's web address for joining or signing up that lies on this site (below site_url)
    must name a page or file the site has: else every email and page showing it links to nothing
    (the build finds it in the built emails too, but only check names the line). A sign-up
    written as text ("Anmeldung bis 1.9. unter https://...") is read for its addresses as the
    email's check reads its text. The rule is the links' (bodyrefs.check_site_address)."""
    if targets.routes is None:
        return
    checked: set[str] = set()
    for event in (event for issue in issues for event in issue.events):
        if event.id in checked:  # an event named in several issues: reported once
            continue
        checked.add(event.id)
        ctx = Context(diag, event.source.path, ZoneInfo("UTC"))  # only its place is used
        for field, value in (("online", event.online), ("registration", event.registration)):
            for address in dict.fromkeys(text_addresses(value or "")):
                link = BodyImage(address, event.source.line)
                check_site_address(ctx, link, ISSUES_DIR, targets, f"event {event.id}: {field}", address_field=True)


def _other_pages(content: Path, read: set[Path]) -> list[Path]:
    """The other pages MkDocs publishes (the start page, legal pages, ...): each file with a
    suffix MkDocs converts (``.md``, also ``.markdown`` and the like), but editors' hidden ones."""
    if not content.is_dir():
        return []
    return [
        path
        for path in sorted(content.rglob("*"))
        if path.suffix.lower() in MARKDOWN_SUFFIXES
        and path not in read
        and not is_hidden(path.relative_to(content).as_posix())
        and path.is_file()
    ]


# Files a browser shown them runs as pages, whatever the site's checks: HTML, and XML (with an XHTML
# or SVG namespace, or a stylesheet that makes HTML of it); a compressed SVG cannot be read here.
_HTML_FILES = (
    ".html", ".htm", ".xhtml", ".xhtm", ".xht", ".shtml", ".xml", ".xsl", ".xslt", ".svgz", ".mht", ".mhtml"
)
# and any other name a web server may serve as one (Python's table, with the system's mime.types)
_PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/xml", "application/xml", "application/xslt+xml"})
# In an SVG, what a browser reading it as XML may run: scripts (any prefix), handlers, entities
# of its own, embedded HTML, script addresses
_SVG_DANGER = re.compile(
    r"<[\w.-]*:?script\b|[\s:/\"']on[a-z]{3,}\s*=|foreignObject|javascript:|data:text/html"
    r"|<\?xml-stylesheet",  # a stylesheet the browser applies: XSLT may make a script, CSS load from anywhere
    re.IGNORECASE,
)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)  # in XML, text: CorelDRAW writes its CSS so
# an entity whose text holds markup or a reference (Illustrator's own name namespaces only)
_SVG_ENTITY = re.compile(r"""<!ENTITY\s+(?:%\s*)?\S+\s+("[^"]*"|'[^']*')""", re.IGNORECASE)


def _unprefixed(svg: str) -> str:
    """An SVG with its elements' and attributes' namespace prefixes taken off (``h:iframe`` is an
    iframe where h names XHTML's namespace, ``q:href`` a link where q names XLink's), so that the
    check of the HTML a text becomes knows them by their names; values stay as they are, and each
    line where it is."""
    return _IN_TAG.sub(lambda tag: _PREFIX.sub(lambda m: m.group(1) or "", tag.group(0)), svg)


_IN_TAG = re.compile(r"<[^<>]*>")
# a quoted value (kept), or a prefix at a name's start after "<", "</", a blank or a value (not
# a namespace's declaration, xmlns:...)
_PREFIX = re.compile(r"""("[^"]*"|'[^']*')|(?<=[\s<"'/])(?!xmlns:)[A-Za-z_][\w.-]*:(?=[A-Za-z_])""")


def _svg_danger(text: str) -> re.Match[str] | None:
    """What an SVG read as XML may run: see _SVG_DANGER and _SVG_ENTITY."""
    found = _SVG_DANGER.search(text)
    entity = next((e for e in _SVG_ENTITY.finditer(text) if re.search(r"[<>&%]", e.group(1))), None)
    if found is None or (entity is not None and entity.start() < found.start()):
        return entity
    return found


def _check_files_published_as_they_are(content: Path, context: Callable[[Path], Context]) -> None:
    """Files MkDocs copies to the site unchanged, which a browser runs as pages: an HTML file is
    refused (it would pass every check), an SVG is checked as the HTML of a text is (opened on its
    own, its scripts run)."""
    if not content.is_dir():
        return
    for path in sorted(content.rglob("*")):
        suffix = path.suffix.lower()
        if suffix not in _HTML_FILES and suffix != ".svg" and mimetypes.guess_type(path.name)[0] not in _PAGE_TYPES:
            continue
        if is_hidden(path.relative_to(content).as_posix()) or not path.is_file():
            continue
        ctx = context(path)
        if suffix != ".svg":
            ctx.error(1, _(
                "an HTML file reaches the site as it is, past every check (its scripts would run there); "
                "write the page in Markdown (.md), or link to it elsewhere"
            ))
        elif (text := read_text(path, ctx.path, ctx.diag)) is not None:
            if (danger := _svg_danger(text)) is not None:
                ctx.error(text.count("\n", 0, danger.start()) + 1, _(
                    "svg: %(found)s: an SVG that is opened on its own runs what it holds; save it without scripts, "
                    "event handlers, entities or embedded HTML (export it anew, as plain SVG)",
                    found=danger.group(0).strip(),
                ))
            else:
                as_text = _unprefixed(_CDATA.sub(lambda m: m.group(1), text))  # the same lines, the CSS checked as CSS
                check_published_html(ctx, as_text, as_text, 1, "svg")


# rundbrief's templates of its own pages: each needs what only those pages have (plugin.py)
OWN_PAGE_TEMPLATES = frozenset(
    {"issue.html", "phase.html", "archive.html", "events.html", "statements.html", "home.html", "process.html"}
)

OWN_PAGES = {"index.md": "home.html", f"{PHASES_DIR}/index.md": "process.html"}  # the pages that have them


def unpublished(settings: Settings) -> Callable[[str], str | None]:
    """For a file below content/ (its path there), why the built site leaves it out, or None
    where it publishes it: MkDocs' own rule (names beginning with "." and a templates/ folder at
    the top), exclude_docs and draft_docs of mkdocs.yml, the people register, an editor's hidden
    files (is_hidden). Drafts among the issues are left to the callers (a draft may link to a draft)."""
    patterns = pathspec.GitIgnoreSpec.from_lines([".*", "/templates/", *settings.exclude_docs.splitlines()])

    def why(relative: str) -> str | None:
        if relative == PEOPLE_FILE:
            return _("people.yml is the register of people the pages show, not a page")
        if is_hidden(relative):
            return _('a name beginning with ".", "~" or, for an issue, "_" is hidden')
        if patterns.match_file(relative):
            return _("MkDocs leaves it out (the folder templates/, or exclude_docs or draft_docs in mkdocs.yml)")
        return None

    return why


def is_hidden(relative: str) -> bool:
    """Whether a file below content/ is an editor's hidden one (a dot or a "~" starts a part of
    its path, or "_" an issue's name): neither content nor published (the site leaves it out)."""
    parts = relative.split("/")
    return any(part.startswith((".", "~")) for part in parts) or (
        len(parts) == 2 and parts[0] == ISSUES_DIR and parts[1].startswith("_")
    )


# Fields only an issue has: a page with them is an issue in the wrong folder (a page may have a
# title, a date or a summary of its own in MkDocs' front matter).
_ISSUE_ONLY_KEYS = ("number", "events", "statements", "contacts", "cover", "photos")


def _check_pages(
    pages: list[Path], images: ImageChecker, context: Callable[[Path], Context], content: Path
) -> list[PageText]:
    """The images in the other pages: their front-matter is MkDocs' business, only the body is
    read. Returns the bodies read, for the check of the HTML they become."""
    texts: list[PageText] = []
    for path in pages:
        parts = path.relative_to(content).parts
        ctx = context(path)
        quiet = Diagnostics()  # an unreadable page is MkDocs' to report
        text = read_text(path, ctx.path, quiet)
        if text is None:
            continue
        page = mkdocs_page(text)  # what MkDocs converts, as it reads the front matter
        check_body(ctx, page.body, page.body_line, images, "/".join(parts))
        if issue_fields := [key for key in _ISSUE_ONLY_KEYS if key in page.meta]:
            # an issue saved in the wrong folder (content/, content/Newsletter/): MkDocs publishes it
            # as a plain page, its number, events and statements unshown, and nothing said so
            line = next(
                (n for n, row in enumerate(text.split("\n"), start=1) if row.startswith(f"{issue_fields[0]}:")), 1
            )
            ctx.warning(line, _(
                "this page's header has fields of an issue (%(fields)s): an issue belongs in %(folder)s/, "
                "as a page here it is published without them; move the file there",
                fields=", ".join(issue_fields), folder=f"content/{ISSUES_DIR}",
            ))  # fmt: skip
        template = page.meta.get("template")
        if template in OWN_PAGE_TEMPLATES and OWN_PAGES.get("/".join(parts)) != template:
            line = next((n for n, row in enumerate(text.split("\n"), start=1) if row.startswith("template")), 1)
            ctx.error(line, _(
                "template: %(template)s is rundbrief's template for its own pages (an issue, the events, ...); "
                "remove the line, or name a template of your theme/",
                template=template,
            ))
        texts.append(PageText("/".join(parts), path, page.body, page.body_line))
    return texts


def _check_numbers(issues: list[Issue], number_lines: dict[str, int], diag: Diagnostics) -> None:
    first: dict[str, Issue] = {}
    for issue in sorted(issues, key=lambda i: i.source.path):
        key = issue.number.casefold()
        if key not in first:
            first[key] = issue
            continue
        other = first[key]
        diag.error(
            Location(issue.source.path, number_lines[issue.slug]),
            _(
                "number: %(number)s is already the number of %(path)s:%(value)s; every issue needs its own number",
                number=quote(issue.number),
                path=other.source.path,
                value=number_lines[other.slug],
            ),
        )


def _differences(a: Event, b: Event) -> list[str]:
    return [f.name for f in fields(Event) if f.compare and getattr(a, f.name) != getattr(b, f.name)]


def _unique_events(
    entries_by_issue: dict[str, list[Event | EventRef]], diag: Diagnostics, unreadable: list[str]
) -> dict[str, EventEntry]:
    """One entry per event id: definitions compared, references resolved, mentions listed."""
    events: dict[str, EventEntry] = {}
    for slug, entries in entries_by_issue.items():
        for entry in entries:
            if isinstance(entry, EventRef):
                continue
            known = events.get(entry.id)
            if known is None:
                events[entry.id] = EventEntry(entry, (slug,))
                continue
            if slug in known.issues:
                diag.error(
                    entry.source,
                    _(
                        "events: the event %(id)s appears twice in this issue, first at line %(line)s",
                        id=quote(entry.id),
                        line=known.event.source.line,
                    ),
                )
                continue
            if differing := _differences(known.event, entry):
                diag.error(
                    entry.source,
                    _(
                        "events: the event %(id)s differs from its definition at %(source)s in %(join)s; an "
                        "event in several issues is described once: change it there (a cancellation too: every "
                        "issue that names it shows it), and write only - id: %(id2)s here",
                        id=quote(entry.id),
                        source=known.event.source,
                        join=", ".join(differing),
                        id2=entry.id,
                    ),
                )
            events[entry.id] = replace(known, issues=known.issues + (slug,))
    for slug, entries in entries_by_issue.items():
        for entry in entries:
            if not isinstance(entry, EventRef):
                continue
            known = events.get(entry.id)
            if known is None and unreadable:
                # the event may well be defined there: say so, rather than that it does not exist
                diag.error(
                    entry.source,
                    ngettext(
                        "events: unknown event id %(id)s; it may be defined in %(files)s, which could not be read "
                        "(see the error there)",
                        "events: unknown event id %(id)s; it may be defined in one of %(files)s, which could not be "
                        "read (see the errors there)",
                        len(unreadable), id=quote(entry.id), files=", ".join(unreadable),
                    ),
                )  # fmt: skip
            elif known is None:
                diag.error(
                    entry.source,
                    _(
                        "events: unknown event id %(id)s; an entry with only an id refers to an event defined "
                        "with title and start in another issue",
                        id=quote(entry.id),
                    )
                    + suggest(entry.id, list(events)),  # a slip of a letter in the id
                )
            elif slug not in known.issues:
                events[entry.id] = replace(known, issues=known.issues + (slug,))
    return events
