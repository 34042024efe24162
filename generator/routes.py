"""Every public address of a project, in one place: pages, issues, phases, events, calendars,
the feed, legal pages, files, renditions and the subscription service.

Page addresses follow MkDocs' own rule (``mkdocs.structure.files.File``: ``foo.md`` is
``foo/`` with directory URLs, ``foo.html`` without; ``index.md`` and ``README.md`` are their
folder's index), so the site, the emails, the calendar, the feed, the sender and the web app
all link to what MkDocs writes. ``tests/test_routes.py`` holds the rule against MkDocs' code.
Addresses are site-relative (``newsletter/2026-02/``) unless a method says absolute.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

ISSUES_DIR = "newsletter"
PHASES_DIR = "prozess"
EVENTS_DIR = "termine"
ARCHIVE_PAGE = f"{ISSUES_DIR}/index.md"
EVENTS_PAGE = f"{EVENTS_DIR}/index.md"
STATEMENTS_PAGE = "stimmen/index.md"
PROCESS_PAGE = f"{PHASES_DIR}/index.md"
CALENDAR_FILE = f"{EVENTS_DIR}/kalender.ics"
FEED_FILE = f"{ISSUES_DIR}/feed.xml"
# The subscription service's paths (generator/send/webapp.py serves them below service_url).
SUBSCRIBE_PATH = "abonnieren"
CONFIRM_PATH = "bestaetigen"
UNSUBSCRIBE_PATH = "abmelden"

# The suffixes MkDocs converts as Markdown (mkdocs.utils.markdown_extensions): such a file is
# published as a page at another address, never as itself.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")


def calendar_event(path: str) -> str | None:
    """The event id whose calendar file ``path`` is (``termine/<id>.ics``: the inverse of
    Routes.event_calendar), or None: another file, or the calendar of all events."""
    folder, name = posixpath.split(path)
    if folder != EVENTS_DIR or not name.endswith(".ics") or path == CALENDAR_FILE:
        return None
    return name[: -len(".ics")]


CALENDAR_ID = posixpath.splitext(posixpath.basename(CALENDAR_FILE))[0]  # no event may have it: see calendar_event


def page_path(content_path: str, directory_urls: bool = True) -> str:
    """Where MkDocs writes the page of ``content_path`` (a ``.md`` file below content/)."""
    parent, filename = posixpath.split(content_path)
    stem = posixpath.splitext(filename)[0]
    stem = "index" if stem == "README" else stem
    if not directory_urls or stem == "index":
        return posixpath.join(parent, stem + ".html")
    return posixpath.join(parent, stem, "index.html")


def page_url(content_path: str, directory_urls: bool = True) -> str:
    """The site-relative address of the page of ``content_path``, as MkDocs' ``File.url``."""
    url = page_path(content_path, directory_urls)
    folder, filename = posixpath.split(url)
    if directory_urls and filename == "index.html":
        url = (folder or ".") + "/"
    return quote(url)


def is_page_address(path: str) -> bool:
    """Whether a site-relative path names a page (it ends in "/" or ".html", or its last part
    has no suffix), not a file such as a PDF."""
    last = path.rsplit("/", 1)[-1]
    return last == "" or last.endswith(".html") or "." not in last


@dataclass(frozen=True, slots=True)
class Routes:
    site_url: str  # the public address, ending in "/" ("" when the project has none yet)
    directory_urls: bool = True
    service_url: str | None = None  # `rundbrief subscriptions serve`, ending in "/"
    subscribe_url: str | None = None  # where the site's form posts, if not the service

    @classmethod
    def create(
        cls, site_url: str | None, directory_urls: bool = True, service_url: str | None = None,
        subscribe_url: str | None = None,
    ) -> Routes:  # fmt: skip
        def folder(url: str | None) -> str | None:
            return (url if url.endswith("/") else url + "/") if url else None

        return cls(folder(site_url) or "", directory_urls, folder(service_url), subscribe_url)

    # -- pages and files (site-relative) ---------------------------------------------
    def page(self, content_path: str) -> str:
        return page_url(content_path, self.directory_urls)

    def file(self, content_path: str) -> str:
        """A file MkDocs copies as it is (an image, a PDF)."""
        return quote(content_path)

    def issue(self, slug: str) -> str:
        return self.page(f"{ISSUES_DIR}/{slug}.md")

    def phase(self, slug: str) -> str:
        return self.page(f"{PHASES_DIR}/{slug}.md")

    @property
    def home(self) -> str:
        return self.page("index.md")

    @property
    def archive(self) -> str:
        return self.page(ARCHIVE_PAGE)

    @property
    def events(self) -> str:
        return self.page(EVENTS_PAGE)

    @property
    def statements(self) -> str:
        return self.page(STATEMENTS_PAGE)

    @property
    def process(self) -> str:
        return self.page(PROCESS_PAGE)

    @staticmethod
    def event_calendar(event_id: str) -> str:
        return f"{EVENTS_DIR}/{event_id}.ics"  # ids are lower-case letters, digits and hyphens

    calendar = CALENDAR_FILE
    feed = FEED_FILE

    def reference(self, written: str, folder: str) -> str:
        """A link or image address as an editor wrote it in a content file in ``folder`` (below
        content/, such as "newsletter"): relative to that file (``2026-01.md``, ``../media/foto.jpg``),
        to the site (``/kontakt/``), or a web address. Pages and files of the project become their
        absolute address on the site; web addresses, anchors (``#oben``) and mail links stay as
        written."""
        try:
            parts = urlsplit(written)
        except ValueError:  # "http://[x": no address a browser could follow (check reports it)
            return written
        if parts.scheme or parts.netloc or written.startswith("#") or not written:
            return written
        if written.startswith("/"):
            return self.absolute(written.lstrip("/"))
        target = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
        if target.startswith("../") or target == "..":
            return written  # outside content/: nothing of ours (the loader reports it)
        address = self.page(target) if target.endswith(".md") else self.file(target)
        return (
            self.absolute(address)
            + (f"?{parts.query}" if parts.query else "")
            + (f"#{parts.fragment}" if parts.fragment else "")
        )

    # -- absolute ---------------------------------------------------------------------
    def absolute(self, relative: str) -> str:
        """``relative`` (site-relative) on the public site."""
        return urljoin(self.site_url, relative)

    def relative_to_site(self, address: str) -> str | None:
        """The site-relative part of an absolute address on the site, or None."""
        if self.site_url and address.startswith(self.site_url):
            return address[len(self.site_url) :]
        return None

    # -- the subscription service ---------------------------------------------------------
    def service(self, path: str) -> str | None:
        return urljoin(self.service_url, path) if self.service_url else None

    @property
    def subscribe_action(self) -> str | None:
        """Where the site's subscription form posts: subscribe_url, else the service's form."""
        return self.subscribe_url or self.service(SUBSCRIBE_PATH)

    @property
    def served_elsewhere(self) -> tuple[str, ...]:
        """Addresses that may lie below site_url but belong to the service, not to the site's files."""
        return tuple(u for u in (self.service_url, self.subscribe_url) if u)
