"""The MkDocs plugin: a thin layer that hands the content model to MkDocs and Material.

No domain logic lives here. Each event calls into plain modules: the loader, the page
views (pages.py), images, calendar and feed. MkDocs stays replaceable.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import pickle
import re
import site
import sysconfig
import tempfile
import zlib
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from jinja2 import BaseLoader, ChoiceLoader, DictLoader, Environment, pass_context
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.runtime import Context
from markupsafe import Markup
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, get_toc
from mkdocs.utils import get_build_datetime
from mkdocs.utils.templates import TemplateContext

from generator import hyphenation
from generator.cachefiles import forget_objects, read_signed, write_signed
from generator.content import load_project
from generator.content.images import CACHE_DIR, ImageChecker, ImageProblem
from generator.content.loader import PEOPLE_FILE, generated_files, is_hidden
from generator.content.model import Image, Issue, Phase, Project
from generator.content.settings import build_day
from generator.diagnostics import Diagnostics
from generator.formatting import tel_href
from generator.htmltags import without_comments
from generator.i18n import N_, translate
from generator.images import ImagePipeline
from generator.manifest import read_renditions
from generator.output import NEWSLETTER_DIR
from generator.plaintext import html_to_text
from generator.published import verify_published_html
from generator.routes import ARCHIVE_PAGE, EVENTS_PAGE, ISSUES_DIR, PHASES_DIR, STATEMENTS_PAGE, page_url
from generator.site import bodyimages, calendar, feed, pages, searchtext, sitemaps
from generator.site.pagecache import CachedPage, PageCache, shared_key
from generator.texts import Texts, convert_texts, issue_source, routes_for
from generator.theme import SITE_TEMPLATES
from generator.workers import worker_context

log = get_plugin_logger(__name__)

# Pages rundbrief provides when the editors have not written them, with their templates.
GENERATED = {
    f"{ISSUES_DIR}/index.md": ("archive.html", "Newsletter"),
    EVENTS_PAGE: ("events.html", "Termine"),
    STATEMENTS_PAGE: ("statements.html", "Stimmen"),
}
TEMPLATES = {"index.md": "home.html", f"{PHASES_DIR}/index.md": "process.html"} | {
    src: template for src, (template, _) in GENERATED.items()
}
ISSUE_TEMPLATE = "issue.html"
# Template variables that give any page all of the site: the page views, MkDocs' page list and
# the plugins (config.plugins['rundbrief'] holds the whole project).
_SITE_WIDE = re.compile(r"\b(views|pages|plugins)\b")
# An issue page taken from the page cache: MkDocs renders this (nothing) and on_post_page
# hands it the kept HTML instead (MkDocs 1.x has no other way to leave a page's rendering out).
KEPT_TEMPLATE = "rundbrief-kept.html"
# A page written part by part (on_page_markdown): MkDocs renders this template with the page's
# final context, and its one call writes the page's real template into the page's file.
STREAMED_TEMPLATE = "rundbrief-streamed.html"


class _SkippedNotes(logging.Filter):
    """MkDocs notes that a page it rendered as empty was skipped; a page rundbrief wrote itself
    (_write_streamed) is not. Each note is dropped once, as it is expected."""

    def __init__(self) -> None:
        super().__init__()
        self.expected: set[str] = set()

    def add(self, message: str) -> None:
        self.expected.add(message)

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message in self.expected:
            self.expected.discard(message)
            return False
        return True


_SKIPPED_NOTES = _SkippedNotes()
logging.getLogger("mkdocs.commands.build").addFilter(_SKIPPED_NOTES)


class _Passthrough(base.BaseConfigOption[Any]):
    """Accepts any value: rundbrief's own loader validates these options with line numbers."""

    def run_validation(self, value: object) -> Any:
        return value


class RundbriefConfig(base.Config):
    """Every option declared, so MkDocs does not warn; validated by rundbrief (see settings.py)."""

    newsletter_name = _Passthrough()
    organisation = _Passthrough()
    logo = _Passthrough()
    sender = _Passthrough()
    reply_to = _Passthrough()
    forward_note = _Passthrough()
    partners = _Passthrough()
    subscribe_url = _Passthrough()
    timezone = _Passthrough()
    email_inliner = _Passthrough()
    service_url = _Passthrough()
    allow_placeholders = _Passthrough()
    logo_alt = _Passthrough()
    claim = _Passthrough()
    slogan = _Passthrough()
    contact = _Passthrough()


ERROR_PAGE = """\
# Der Inhalt hat Fehler

Die Vorschau zeigt die Seiten wieder, sobald diese Fehler behoben sind; sie lädt sich dann von selbst neu.

<pre class="rb-errors">{errors}</pre>
"""


def add_templates(config: MkDocsConfig) -> None:
    """rundbrief's templates between the project's ``custom_dir`` (if any) and Material's own:
    a file of the same name in the project's folder overrides rundbrief's, which override
    Material's. MkDocs builds the Jinja environment and collects the theme's static files
    (``rundbrief.css``) from ``theme.dirs`` after on_config."""
    dirs, ours = config.theme.dirs, str(SITE_TEMPLATES)
    if ours not in dirs:
        dirs.insert(1 if config.theme.custom_dir else 0, ours)


class RundbriefPlugin(BasePlugin[RundbriefConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.preloaded: Project | None = None  # the CLI sets a project it already loaded and checked
        self.preloaded_texts: Texts | None = None  # and its texts, converted once for site and emails
        # A build after edits of these issues' bodies alone (pipeline.py): site_dir holds the last
        # build's site as hard links; only the pages that show these bodies are written, each as
        # a new file (never into a linked one: that is the published site's file too).
        self.edited: frozenset[str] | None = None
        self.before_writing: Callable[[], object] = lambda: None  # waits until site_dir is filled
        self.command = "build"
        self.dirty = False  # MkDocs' --dirty: it renders only the pages whose files changed
        self._reset()

    def _reset(self) -> None:
        """Per build. Under `mkdocs serve` one plugin object serves every rebuild, and a build
        that failed early must leave nothing for on_build_error to trip over."""
        self.project: Project | None = None
        self.content_errors: list[str] = []  # under `mkdocs serve`: shown on every page instead
        self.issue_pages: dict[str, Issue] = {}
        self.phase_pages: dict[str, Phase] = {}
        self.feed_pages: set[str] = set()
        self.issue_html: dict[str, str] = {}
        self.calendars: Future[None] | None = None
        self.page_urls: list[str] = []
        self.nav_items: list[Any] = []
        self.page_cache: PageCache | None = None
        self.search_entries: list[dict[str, Any]] | None = None  # Material's search index, if that is the plugin
        self._entries_before = 0  # the search entries before the page now in on_page_context
        self.search_written: BasePlugin[Any] | None = None  # the search plugin whose index this one wrote
        self.page_keys: dict[str, str] = {}  # issue page -> its key in the page cache
        self.kept: dict[str, CachedPage] = {}  # the issue pages being taken from the cache
        self.rendering: dict[str, tuple[str, int, TemplateContext | None]] = {}  # key, search entries before, context
        self.streamed: dict[str, str] = {}  # page -> its template, written part by part (_write_streamed)
        self.written: set[str] = set()  # the pages _write_streamed wrote, for on_post_page

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this keeps the plugin across `mkdocs serve` rebuilds (MkDocs' rule); each
        # rebuild's on_config loads the content anew.
        self.command = command
        self.dirty = dirty

    # -- loading --------------------------------------------------------------------
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._reset()
        add_templates(config)
        if not any(isinstance(extension, bodyimages.RawHtmlAddresses) for extension in config.markdown_extensions):
            config.markdown_extensions.append(bodyimages.RawHtmlAddresses())  # type: ignore[arg-type]
        if self.preloaded is None:  # run by plain `mkdocs build` or `mkdocs serve`: load and report here
            # `mkdocs serve` is a preview: placeholder legal pages are reminders there, errors in a build
            result = load_project(Path(config.config_file_path).parent, preview=self.command == "serve")
            for problem in result.diagnostics.warnings:
                (log.info if problem.reminder else log.warning)(str(problem))
            if errors := [str(p) for p in result.diagnostics.errors]:
                return self._refuse(config, errors)
            self.project = result.project
        else:
            self.project = self.preloaded
        project = self.project
        self.routes = routes_for(project)
        self.texts = (
            self.preloaded_texts
            if self.preloaded is not None and self.preloaded_texts
            else convert_texts(project, cache=project.root / CACHE_DIR)
        )
        if self.preloaded is None and (errors := self._published_html_errors(project)):
            return self._refuse(config, errors)
        self.tz = ZoneInfo(project.settings.timezone)
        self.today = build_day(self.tz)
        self.images = ImagePipeline(project.root / CACHE_DIR / "images", background=True)
        hyphenation.use_cache(project.root / CACHE_DIR)
        self.image_checker = ImageChecker(project.content_dir)
        self.site_url = project.settings.site_url or config.site_url or ""
        self.issue_pages = {f"{ISSUES_DIR}/{i.slug}.md": i for i in project.published}
        self.phase_pages = {f"{PHASES_DIR}/{p.slug}.md": p for p in project.phases}
        # the HTML of the issues the feed carries, kept from their page build until the feed is written
        self.feed_pages = {f"{ISSUES_DIR}/{i.slug}.md" for i in feed.feed_issues(list(project.published))}
        # The calendar built last time carries each event's SEQUENCE; MkDocs empties site_dir later.
        previous = project.root / project.settings.site_dir / pages.CALENDAR_FILE
        # (a build of edited bodies writes no calendar: the events are as they were)
        self.previous_calendar = (
            calendar.read_previous(previous.read_bytes()) if previous.is_file() and self.edited is None else {}
        )
        return config

    def _refuse(self, config: MkDocsConfig, errors: list[str]) -> MkDocsConfig:
        """Plain `mkdocs build`: stop with the content's errors; `mkdocs serve`: show them."""
        if self.command != "serve":
            # a BuildError: MkDocs prints it and stops, without a traceback
            raise PluginError(translate(N_("rundbrief content has errors:")) + "\n" + "\n".join(errors))
        # A live preview keeps running: every page shows the errors until they are fixed.
        for error in errors:
            log.error(error)
        self.project = None
        self.content_errors = errors
        return config

    def _published_html_errors(self, project: Project) -> list[str]:
        """What `rundbrief build` checks before it builds (published.py), for plain `mkdocs build`."""
        diag = Diagnostics()
        verify_published_html(project, self.texts, diag, project.published)
        return [str(problem) for problem in diag.errors]

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        if self.project is None:
            return self._error_pages(files, config)
        project = self.project
        if (people := files.get_file_from_path(PEOPLE_FILE)) is not None:
            files.remove(people)  # the people register is data for pages, not a file to publish
        docs = os.path.abspath(config.docs_dir)
        # an editor's hidden files ("~$Entwurf.md", ".notiz.md", newsletter/_vorlage.md) are no
        # content to the checks: published, they would reach the site unchecked
        for hidden in [
            f for f in files
            if f.abs_src_path and os.path.abspath(f.abs_src_path).startswith(docs + os.sep) and is_hidden(f.src_uri)
        ]:  # fmt: skip
            files.remove(hidden)
        public = {issue.slug for issue in project.published}  # the preview's project publishes drafts
        for issue in project.issues:
            if issue.slug in public:
                continue
            if (file := files.get_file_from_path(f"{ISSUES_DIR}/{issue.slug}.md")) is not None:
                files.remove(file)  # drafts never reach the public site
        for src, (_, title) in GENERATED.items():
            if files.get_file_from_path(src) is None:
                files.append(File.generated(config, src, content=f"# {title}\n"))
        drafts = {issue.slug for issue in project.issues if issue.slug not in public}
        for src in sorted(generated_files(project.events, drafts, project.settings)[0]):
            if files.get_file_from_path(src) is None:  # a page's link to a calendar or the feed resolves
                files.append(_MadeFile(src, None, config.site_dir, config.use_directory_urls))
        for src in self.issue_pages:
            if (file := files.get_file_from_path(src)) is not None and file.page is None:
                _IssuePage(None, file, config)  # MkDocs' navigation takes the page made here
        urls: dict[str, str] = {file.src_uri: file.url for file in files.documentation_pages()}
        self.page_urls = list(urls.values())
        self.url_of: pages.UrlFor = lambda src: urls.get(src, src)
        self.views = pages.SiteViews(project, self.url_of, self.today)
        self.files = files  # for rerender(): the pages of this build, kept by a preview
        # Thousands of small .ics files cost the kernel more than the pages, and making them
        # seconds of Python: they are written by a process of their own beside the page build
        # (MkDocs emptied site_dir before this event; nothing else writes termine/*.ics), and
        # on_post_build waits for them.
        if self.edited is not None:  # the events are as they were: so are the calendars
            self._render_only_edited(files)
            return files
        self.calendar_process = ProcessPoolExecutor(max_workers=1, mp_context=worker_context())
        self.calendars = self._write_calendars(Path(config.site_dir))
        return files

    def _render_only_edited(self, files: Files) -> None:
        """MkDocs' dirty build reads and renders a page only if its file ``is_modified()``. Read:
        every page but the issues not edited (the navigation needs the others' titles); rendered
        (on_env): the edited issues alone, as no other page shows a body (the archive, events,
        statements and the start page show front-matter). No other file is copied: their copies
        in site_dir are the last build's."""
        edited = {f"{ISSUES_DIR}/{slug}.md" for slug in self.edited or ()}
        for file in files:
            if file.is_documentation_page():
                modified = file.src_uri not in self.issue_pages or file.src_uri in edited
            else:
                modified = False
            file.is_modified = (lambda answer: lambda: answer)(modified)  # type: ignore[method-assign]

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav = nav
        self.nav_items = nav.items  # titles are read later, once every page is converted (on_env)
        return nav

    # -- templates ------------------------------------------------------------------
    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        config.site_name = pages.as_html(config.site_name)  # Material prints it unescaped
        if config.site_description:  # and this, in every page's <meta name="description">
            config.site_description = pages.as_html(config.site_description)
        if config.site_author:  # <meta name="author">
            config.site_author = pages.as_html(config.site_author)
        if config.repo_name:  # the header's link to the repository
            config.repo_name = pages.as_html(config.repo_name)
        env.filters["markdown"] = self._markdown_filter
        env.filters["tel"] = tel_href  # every template may use it, the error pages' too
        if self.project is None:  # the error pages: Material's page with rundbrief's frame, empty
            env.globals["rundbrief"] = {
                "settings": {"partners": (), "newsletter_name": config.site_name, "logo_alt": None},
                "legal_links": [], "feed_url": None, "calendar_url": pages.CALENDAR_FILE, "subscribe_url": None,
                **_list_pages(config.use_directory_urls),
            }  # fmt: skip
            return env
        project = self.project
        settings = project.settings
        env.globals["rundbrief"] = {
            "settings": settings,
            "legal_links": [
                (page.label, file.url) for page in project.legal_pages if (file := files.get_file_from_path(page.path))
            ],
            "feed_url": pages.FEED_FILE if self.site_url else None,
            "calendar_url": pages.CALENDAR_FILE,
            "subscribe_url": self.routes.subscribe_action,
            "site_logo": self._site_logo(config),
            **_list_pages(config.use_directory_urls),
        }
        env.globals["picture"] = self.images.picture
        env.globals["rundbrief_write_streamed"] = self._write_streamed
        env.globals["initials"] = pages.initials
        env.globals["anchor"] = {
            "contact": pages.contact_anchor, "issue": pages.issue_anchor, "phase": pages.phase_anchor,
        }  # fmt: skip
        env.loader = _with_kept_template(env)
        # Compiled templates kept between builds (Jinja checks each against its source): compiling
        # Material's and rundbrief's templates took 0.25 s of every build.
        env.bytecode_cache = SignedBytecodeCache(project.root / CACHE_DIR / "templates")
        self.env = env
        if self.edited is not None:  # converted, with their titles for the navigation: only these are rendered
            edited = {f"{ISSUES_DIR}/{slug}.md" for slug in self.edited}
            for file in files.documentation_pages():
                if file.src_uri not in edited:
                    file.is_modified = lambda: False  # type: ignore[method-assign]
        self._look_up_kept_pages(config, files, env)
        if self.edited is not None:
            self._make_room(config, files)
        return env

    def _make_room(self, config: MkDocsConfig, files: Files) -> None:
        """Before a build of edited bodies writes: the files it will write are unlinked from the
        last build's (MkDocs and Python rewrite a file in place, and a hard link is the published
        file itself); the search entries of the pages it leaves as they are are read first."""
        self.before_writing()
        site = Path(config.site_dir)
        index = site / "search" / "search_index.json"
        self.previous_search: dict[str, list[dict[str, Any]]] = {}
        if self.search_entries is not None and index.is_file():
            self.previous_search = _by_page(json.loads(index.read_text(encoding="utf-8")).get("docs", []))
        written = [index, site / pages.FEED_FILE]
        written += [site / name for name in (*config.theme.static_templates, *config.extra_templates)]
        written += [site / "sitemap.xml.gz"]
        written += [Path(file.abs_dest_path) for file in files.documentation_pages() if file.is_modified()]
        written += [site / folder / sitemaps.SITEMAP_FILE for folder in self._folder_sitemaps()]
        for path in written:
            path.unlink(missing_ok=True)
        for src in self.issue_pages:  # as a rendered issue page has them (see _IssuePage.render)
            if (file := files.get_file_from_path(src)) is not None and file.page is not None:
                if file.page.present_anchor_ids is None:
                    file.page.present_anchor_ids = set()

    # -- the page cache (pagecache.py) ----------------------------------------------
    def _look_up_kept_pages(self, config: MkDocsConfig, files: Files, env: Environment) -> None:
        """Every page is converted and the navigation has its titles now (MkDocs calls on_env
        between the two loops): each issue page's key is known, and a page kept from an earlier
        build gets the empty template, so that MkDocs' own loop leaves its rendering out."""
        project = self._project()
        ours = {os.path.abspath(str(SITE_TEMPLATES))}
        theme_dirs = [Path(d) for d in config.theme.dirs if os.path.abspath(d) not in ours and not _installed(Path(d))]
        shared = None
        self.search_entries = self._search_index(config)
        # not with hooks, another search plugin, or Markdown that reads other files (snippets)
        if not config.hooks and self.search_entries is not None and project.settings.markdown.pure:
            shared = shared_key(
                config=config.items(),
                plugins=((name, plugin.config) for name, plugin in config.plugins.items()),
                nav=_nav_outline(self.nav_items),
                own_template_dirs=theme_dirs,
                docs_dir=Path(config.docs_dir),
                today=self.today,
                utc_day=get_build_datetime().date(),  # the day MkDocs' sitemap shows, for one
                shown_everywhere=(env.globals["rundbrief"], self.site_url, *self._site_wide(theme_dirs, files)),
            )
        drafts = any(issue.draft for issue in project.published)  # the preview's pages: kept apart
        folder = project.root / CACHE_DIR / "pages" / ("drafts" if drafts else "site")
        self.page_cache = cache = PageCache(folder, shared)
        if not cache.enabled:
            return
        for src, issue in self.issue_pages.items():
            file = files.get_file_from_path(src)
            if file is None or file.page is None:
                continue
            if (self.edited is not None or self.dirty) and not file.is_modified():
                continue  # not rendered in this build (and MkDocs' --dirty did not read it)
            self._look_up_kept_page(src, issue, file.page)
        # The keys are made (the emails' too, long before): the digests of every model object and
        # view they kept (3 MB at 1,000 issues) need not live through the page loop. A later key
        # (the preview's next edit) computes its own again.
        cache.forget_digests()
        forget_objects()

    def _look_up_kept_page(self, src: str, issue: Issue, page: Page) -> None:
        cache = self.page_cache
        assert cache is not None
        key = cache.page_key(
            self.views.issue(issue), src in self.feed_pages, page.title, page.url, page.canonical_url,
            page.edit_url, repr(sorted(page.meta.items())), repr(_toc_outline(page.toc.items)),
        )  # fmt: skip  # the last two plain strings and numbers: their repr is their digest's input
        if key is None:
            return
        self.page_keys[src] = key
        if cache.has(key):
            page.meta["template"] = KEPT_TEMPLATE

    def _site_wide(self, theme_dirs: list[Path], files: Files) -> tuple[object, ...]:
        """What a page's key needs besides its own view when the project's own templates may show
        more: rundbrief's templates show an issue page from its view, but a project's override
        may read ``views`` or ``pages`` (everything: the whole model and every page) or the build's
        time (``build_date_utc``, to the second). Read from the templates' text."""
        text = _templates_text(theme_dirs)
        shown: list[object] = []
        if _SITE_WIDE.search(text):
            project = self._project()
            pages_shown = [(f.src_uri, f.url, f.page.title if f.page else None) for f in files.documentation_pages()]
            shown.append(hashlib.sha256(repr((project, pages_shown)).encode("utf-8", "surrogatepass")).hexdigest())
        if "build_date_utc" in text:
            shown.append(get_build_datetime().isoformat())
        return tuple(shown)

    @staticmethod
    def _search_index(config: MkDocsConfig) -> list[dict[str, Any]] | None:
        """Material's search index entries, which a kept page adds from the cache; None where
        the search plugin is not Material's of this shape (then nothing is kept)."""
        if (plugin := _search_plugin(config)) is None:
            return []  # no search plugin: no entries to keep
        entries = getattr(getattr(plugin, "search_index", None), "entries", None)
        return entries if isinstance(entries, list) else None

    def _site_logo(self, config: MkDocsConfig) -> Image | None:
        """Material's ``theme.logo`` as a checked image of the content, so that the header shows a
        web-sized copy with its size; None for an SVG or a file outside the content."""
        logo = config.theme.get("logo")
        if not isinstance(logo, str) or not logo:
            return None
        try:
            return self.image_checker.check(logo)
        except ImageProblem:
            return None

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        # Material prints the front matter's values unescaped (title, description, status,
        # subtitle, author: in <title>, <meta> and the navigation of every page): an editor's
        # kontakt.md must not put HTML there. Escaped text is what they are to those templates.
        page.meta = {key: _escaped(value) for key, value in page.meta.items()}
        if self.project is None:
            return markdown
        src = page.file.src_uri
        if (issue := self.issue_pages.get(src)) is not None:
            page.meta["template"] = "issue.html"
            page.meta["title"] = pages.as_html(issue.title)  # Material prints both unescaped
            if issue.summary:
                page.meta["description"] = pages.as_html(issue.summary)  # Material's <meta name="description">
        elif (phase := self.phase_pages.get(src)) is not None:
            # What the model read, not MkDocs' reading of the front matter: the loader warned that
            # other keys (description, hide, ...) are ignored, and Material would have used them.
            page.meta = {"template": "phase.html", "title": pages.as_html(phase.title)}
            if phase.summary:
                page.meta["description"] = pages.as_html(phase.summary)  # as an issue's summary
        elif src in TEMPLATES:
            page.meta.setdefault("template", TEMPLATES[src])
        if src in GENERATED and self._may_stream(config):
            self.streamed[src] = page.meta.get("template", "main.html")
            page.meta["template"] = STREAMED_TEMPLATE
        return markdown

    def _may_stream(self, config: MkDocsConfig) -> bool:
        """The pages that list every issue, event or statement are written part by part as their
        template makes them (_write_streamed): the events page of 1,000 issues is 5 MB of HTML
        that MkDocs would hold three times over, with Jinja's pieces of it (the build's peak).
        Only where no other plugin's on_post_page would see the page (it sees nothing of it)."""
        return all(getattr(handler, "__self__", None) is self for handler in config.plugins.events["post_page"])

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.project is None:
            return html
        if (issue := self.issue_pages.get(page.file.src_uri)) is not None:
            converted = self.texts.get(issue.body, issue_source(issue))
            page.toc = get_toc(list(converted.toc))  # type: ignore[arg-type]  # Python-Markdown's toc_tokens
            return ""  # the page's HTML is made just before it is rendered: on_page_context
        # without the editors' HTML comments (notes to colleagues), as the issue texts (markup.py)
        return bodyimages.rewrite(without_comments(html), page.url, self.image_checker, self.images)

    @event_priority(100)  # before Material's search plugin indexes page.content
    def _page_context_first(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        src = page.file.src_uri
        self._entries_before = len(self.search_entries or ())
        if self.project is not None and (key := self.page_keys.get(src)) is not None:
            kept = self.page_cache.get(key) if self.page_cache and page.meta.get("template") == KEPT_TEMPLATE else None
            entries = self.search_entries or []  # a page has a key only where they are Material's
            if kept is not None:  # the page as an earlier build made it: nothing to render
                self.kept[src] = kept
                self.rendering[src] = (key, len(entries), None)
                page.content = ""  # the search plugin indexes nothing: its entries come from the cache
                if src in self.feed_pages:
                    self.issue_html[src] = kept.content
                self.images.add(kept.renditions)
                return context
            # rendered here (a damaged cache file: with the issue template, see on_post_page)
            self.rendering[src] = (key, len(entries), context)
            self.images.start_recording()
        if self.project is not None and (issue := self.issue_pages.get(src)) is not None:
            # MkDocs converts every page before it renders the first: made here, only one issue
            # page's HTML is alive at a time, not a thousand (on_post_page lets it go again).
            converted = self.texts.get(issue.body, issue_source(issue))
            page.content = bodyimages.site_html(converted.html, page.url, self.routes, self.image_checker, self.images)
        # rundbrief's templates show the body alone (rb_body); the search index gets, beside it,
        # what the page's template adds: events, statements, people, places (searchtext.py)
        context["rb_body"] = Markup(page.content or "")  # type: ignore[typeddict-unknown-key]
        if self.project is None:
            return context
        views = self.views
        if src in self.feed_pages:
            self.issue_html[src] = page.content or ""
        if (issue := self.issue_pages.get(src)) is not None:
            shown = searchtext.issue_text(views, issue, self._search_markdown)
        else:
            shown = searchtext.page_text(views, src, self._search_markdown)
        if shown:
            page.content = (page.content or "") + shown
        extra: dict[str, Any] = {"views": views}
        if (issue := self.issue_pages.get(src)) is not None:
            extra["issue"] = views.issue(issue)
        if (phase := self.phase_pages.get(src)) is not None:
            extra["phase"] = next(v for v in views.phases() if v.phase is phase)
        if src == EVENTS_PAGE:
            absolute = self.absolute
            organiser = self._project().settings.organisation
            extra["events_jsonld"] = pages.EventsJsonLd(views.events, absolute, organiser, self._description_text)
        context.update(extra)  # type: ignore[typeddict-item]
        return context

    @event_priority(-100)  # after Material's search plugin added the page's entries
    def _page_context_last(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        src = page.file.src_uri
        if (rendering := self.rendering.get(src)) is not None:
            entries = self.search_entries
            if entries is not None and (kept := self.kept.get(src)) is not None:
                del entries[rendering[1] :]  # the entry of the empty page, for the kept ones
                entries.extend(dict(entry) for entry in kept.search)
        for entry in (self.search_entries or [])[self._entries_before :]:
            if isinstance(text := entry.get("text"), str) and len(text) >= PackedText.SHORTEST:
                entry["text"] = PackedText(text)
        return context

    on_page_context = CombinedEvent(_page_context_first, _page_context_last)

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        src = page.file.src_uri
        rendering = self.rendering.pop(src, None)
        if (kept := self.kept.pop(src, None)) is not None:
            page.markdown = page.content = ""
            return kept.output
        if rendering is not None and rendering[2] is not None and page.meta.get("template") == KEPT_TEMPLATE:
            # the kept page could not be read back: rendered now, as it would have been
            output = self.env.get_template(ISSUE_TEMPLATE).render(rendering[2])
        if src in self.written:  # by its template (_write_streamed): MkDocs writes no empty page
            self.written.discard(src)
            _SKIPPED_NOTES.add(f"Page skipped: '{src}'. Generated empty output.")  # it was not
            page.markdown = page.content = ""
            return ""
        if src in self.issue_pages or src in GENERATED:
            # Written and indexed for search: MkDocs would keep every issue's Markdown and HTML
            # until the build ends (measured: 5-10 MB of a 170 MB peak at a thousand issues), and
            # the events page's (its search text: every event) while its 5 MB are hyphenated.
            # Later steps use only the title, URL and anchors, which stay.
            page.markdown = ""
            page.content = ""
        # long German words break with a hyphen on phones; long addresses break at / @ .
        output = hyphenation.hyphenate_html(output, hyphenation.WBR)
        if rendering is not None and self.page_cache is not None:
            key, before, _ = rendering
            entries = self.search_entries or []
            self.page_cache.put(
                key,
                CachedPage(
                    output, self.issue_html.get(src, ""), tuple(dict(e) for e in entries[before:]),
                    self.images.stop_recording(),
                ),
            )  # fmt: skip
        return output

    @pass_context
    def _write_streamed(self, context: Context) -> str:
        """STREAMED_TEMPLATE's call: the page's own template rendered with the context MkDocs
        renders the page with (after every plugin's on_page_context), hyphenated and encoded as
        on_post_page and MkDocs would, written as it is made. Into a file of its own first: a
        template error half-way leaves no page cut off (MkDocs' own commands go on after one)."""
        page = context["page"]
        template = self.env.get_template(self.streamed.pop(page.file.src_uri))
        path = Path(page.file.abs_dest_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.rundbrief-part")
        try:
            with part.open("w", encoding="utf-8", errors="xmlcharrefreplace", newline="") as file:
                file.writelines(hyphenation.hyphenate_stream(template.generate(context.get_all()), hyphenation.WBR))
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        self.written.add(page.file.src_uri)
        return ""

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        """The static templates: 404.html shows the same header as the pages (the slogan, the
        claim) and gets the same hyphenation; sitemap.xml is not HTML and stays as it is."""
        if not template_name.endswith(".html"):
            return output_content
        return hyphenation.hyphenate_html(output_content, hyphenation.WBR)

    # -- files beside the pages -----------------------------------------------------
    @event_priority(100)  # before Material's search plugin writes its index
    def _post_build_first(self, *, config: MkDocsConfig) -> None:
        if self.project is not None and self.edited is not None:  # only some pages were rendered
            rendered = {file.src_uri for file in self.files.documentation_pages() if file.is_modified()}
            self._merge_search(rendered, self.previous_search)
        if self.project is not None and (search := self._write_search_index(config)) is not None:
            search.config.enabled = False  # it would write the same index again, all of it in memory at once
            self.search_written = search

    @event_priority(-100)  # after every other plugin's post_build
    def _post_build_restore(self, *, config: MkDocsConfig) -> None:
        self._hand_search_back()

    def _hand_search_back(self) -> None:
        """The search plugin writes its index again in the next build (this one wrote it)."""
        if (search := self.search_written) is not None:
            self.search_written = None
            search.config.enabled = True

    def _write_search_index(self, config: MkDocsConfig) -> BasePlugin[Any] | None:
        """Material's search index, written entry by entry: its own ``on_post_build`` makes the
        whole JSON as one string and then as bytes (two copies of 11 MB at 1,000 issues, with
        the encoder's pieces in between: the build's peak). The same bytes: the start comes from
        Material's own code (its settings, an empty list of entries), each entry is encoded as
        Material encodes it. Returns the plugin, or None where its index does not look so (then
        it writes it itself)."""
        plugin = _search_plugin(config)
        index = getattr(plugin, "search_index", None)
        if plugin is None or self.search_entries is None or getattr(index, "entries", None) is not self.search_entries:
            return None
        entries, index.entries = index.entries, []  # type: ignore[union-attr]
        try:
            start = index.generate_search_index(None)  # type: ignore[union-attr]
        finally:
            index.entries = entries  # type: ignore[union-attr]
        if not isinstance(start, str) or not start.endswith(_NO_ENTRIES):
            return None
        path = Path(config.site_dir) / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as file:
            file.write(start[: -len(_NO_ENTRIES)].encode("utf-8") + b'"docs":[')
            for number, entry in enumerate(entries):
                text = json.dumps(entry, separators=(",", ":"), default=str)
                file.write((text if number == 0 else "," + text).encode("utf-8"))
            file.write(b"]}")
        return plugin

    def _merge_search(self, rendered: set[str], previous: dict[str, list[dict[str, Any]]]) -> None:
        """The search index when only the pages ``rendered`` (by source) were rendered: their new
        entries, the others' from ``previous`` (by page address), in the order of the pages, as
        a full build adds them."""
        if self.search_entries is None:
            return
        new = _by_page(self.search_entries)
        merged: list[dict[str, Any]] = []
        for file in self.files.documentation_pages(inclusion=InclusionLevel.is_included):
            url = file.page.url if file.page is not None else file.url  # the home page's: "", not "./"
            merged += (new if file.src_uri in rendered else previous).get(url, [])
        self.search_entries[:] = merged

    def _post_build_last(self, *, config: MkDocsConfig) -> None:
        if self.project is None:
            return
        site = Path(config.site_dir)
        self._wait_for_calendars()
        if self.edited is not None:
            self._feed_html_of_pages_not_rendered()
        if self.site_url:
            self._write_feed(site)
            self._write_folder_sitemaps(site)
        if self.preloaded is None:
            # A plain `mkdocs build`: the emails built before show renditions no page asks for; the
            # site serves them too, or every sent email would lose its images with this site.
            self._add_email_renditions()
        made = self.images.write(site)
        log.debug(f"{made} image renditions made anew")
        if self.page_cache is not None:
            if self.edited is None and not self.dirty:
                self.page_cache.prune(self.page_keys)  # the pages of issues since edited or removed
            else:
                self.page_cache.replace(self.page_keys)  # the edited pages' old versions
        if self.preloaded is None:  # plain `mkdocs serve` builds again and again in this process
            forget_objects()

    on_post_build = CombinedEvent(_post_build_first, _post_build_last, _post_build_restore)

    def _feed_html_of_pages_not_rendered(self) -> None:
        """The feed carries the newest issues' HTML, made while their pages render
        (_page_context_first); a build of edited bodies renders few pages: the others' is made here."""
        for src in self.feed_pages:
            file = self.files.get_file_from_path(src)
            if src in self.issue_html or (issue := self.issue_pages.get(src)) is None or file is None:
                continue
            converted = self.texts.get(issue.body, issue_source(issue))
            self.issue_html[src] = bodyimages.site_html(
                converted.html, file.url, self.routes, self.image_checker, self.images
            )

    # -- a preview's next build: the pages of edited issue bodies alone --------------
    def rerender(self, config: MkDocsConfig, project: Project, texts: Texts, slugs: Collection[str]) -> None:
        """Render the pages of the issues ``slugs`` again, into the ``site_dir`` this plugin's last
        build wrote. The caller (the preview) has checked that ``project`` differs from that
        build's only in these issues' bodies: no other page shows a body (archive, events and
        statements show front-matter), so no other page changes. Their search entries take the
        old ones' place in the index; the feed and the renditions are written again."""
        self.project = self.preloaded = project
        self.texts = self.preloaded_texts = texts
        self.issue_pages = {f"{ISSUES_DIR}/{i.slug}.md": i for i in project.published}
        self.views = pages.SiteViews(project, self.url_of, self.today)
        self.images = ImagePipeline(project.root / CACHE_DIR / "images")
        self.env.globals["picture"] = self.images.picture
        shown = self.files.documentation_pages(inclusion=InclusionLevel.is_included)
        rendered = {f"{ISSUES_DIR}/{slug}.md" for slug in slugs}
        previous = _by_page(self.search_entries or [])
        if self.search_entries is not None:
            self.search_entries.clear()  # the rendered pages' entries; the others' come back below
        for slug in slugs:
            src = f"{ISSUES_DIR}/{slug}.md"
            file = self.files.get_file_from_path(src)
            if file is None or file.page is None:
                raise PluginError(f"{src}: not a page of the last build")
            page = file.page
            _populate_page(page, config, self.files)
            self.page_keys.pop(src, None)
            if self.page_cache is not None and self.page_cache.enabled:
                self._look_up_kept_page(src, self.issue_pages[src], page)
            _build_page(page, config, shown, self.nav, self.env)
        self._merge_search(rendered, previous)
        if self._write_search_index(config) is None and (search := _search_plugin(config)) is not None:
            search.on_post_build(config=config)  # the search index, written again
        site = Path(config.site_dir)
        if self.site_url and any(f"{ISSUES_DIR}/{slug}.md" in self.feed_pages for slug in slugs):
            self._write_feed(site)
        self.images.write(site)
        if self.page_cache is not None:  # a long session would keep every saved version
            self.page_cache.replace({src: key for src, key in self.page_keys.items() if src in rendered})

    def _add_email_renditions(self) -> None:
        newsletter = self._project().root / NEWSLETTER_DIR
        if newsletter.is_dir():
            for folder in sorted(p for p in newsletter.iterdir() if p.is_dir()):
                if (shown := read_renditions(folder, self.image_checker)) is not None:
                    self.images.add(shown)

    def on_build_error(self, *, error: Exception) -> None:
        self._wait_for_calendars()  # no writes into a staged folder that is about to be removed
        self._hand_search_back()
        if self.page_cache is not None:
            try:
                self.page_cache.finish()  # pages already made stay kept: each is right for its key
            except OSError as err:
                log.debug(f"a page could not be kept: {err}")
        if (images := getattr(self, "images", None)) is not None:
            images.abandon()

    def _wait_for_calendars(self) -> None:
        if (writing := self.calendars) is not None:
            self.calendars = None
            self.calendar_process.shutdown()
            self.calendar_job.unlink(missing_ok=True)
            writing.result()  # raises what the writer raised

    def _write_calendars(self, site: Path) -> Future[None]:
        """The subscribable calendar of all public events, and one file per event beside it."""
        settings = self._project().settings
        items = [
            calendar.CalendarEvent(
                view.event, self.absolute(view.url), tuple(self.absolute(i.url) for i in view.issues), view.open,
                self._description_text(view.event.description) if view.event.description else None,
            )  # fmt: skip
            for view in self.views.events
        ]
        args = (site, items, [self.routes.event_calendar(item.event.id) for item in items])
        kwargs = {
            "calendar_file": pages.CALENDAR_FILE, "title": f"{settings.site_name} – Termine",
            "site_url": self.site_url, "tz_name": settings.timezone, "previous": self.previous_calendar,
            # SOURCE_DATE_EPOCH pins it, as MkDocs' own dates, for reproducible builds
            "now": get_build_datetime().replace(microsecond=0),
        }  # fmt: skip
        # in the system's temp folder, not the project's: the worker unpickles it by its name, and a
        # file renamed over it in a folder others may write (.rundbrief/) ran as the build
        with tempfile.NamedTemporaryFile(prefix="rundbrief-calendars-", suffix=".pickle", delete=False) as job:
            pickle.dump((args, kwargs), job, protocol=pickle.HIGHEST_PROTOCOL)  # streamed, see write_calendars_from
        self.calendar_job = Path(job.name)
        return self.calendar_process.submit(calendar.write_calendars_from, self.calendar_job)

    def _folder_sitemaps(self) -> dict[str, list[str]]:
        return sitemaps.folder_sitemaps([pages.CALENDAR_FILE, pages.FEED_FILE], self.page_urls)

    def _write_folder_sitemaps(self, site: Path) -> None:
        """Beside the feed and the calendar: see sitemaps.py (only with site_url, as the feed)."""
        for folder, urls in self._folder_sitemaps().items():
            target = site / folder / sitemaps.SITEMAP_FILE
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(sitemaps.sitemap_xml(self.absolute(url) for url in urls))

    def _write_feed(self, site: Path) -> None:
        project = self._project()
        published = list(project.published)
        data = feed.build_feed(
            published,
            title=project.settings.newsletter_name,
            site_url=self.site_url,
            feed_url=self.absolute(pages.FEED_FILE),
            issue_url={slug: self.absolute(link.url) for slug, link in self.views.links.items()},
            author=project.settings.organisation or project.settings.site_name,
            tz=self.tz,
            content_html={i.slug: self.issue_html.get(f"{ISSUES_DIR}/{i.slug}.md", "") for i in published},
        )
        (site / pages.FEED_FILE).write_bytes(data)

    def _description_text(self, text: str) -> str:
        """An event's description (written in an issue) as plain text, for the calendars and the
        events' structured data: the one conversion's HTML, read as the email's text part reads
        its own (generator/plaintext.py: no Markdown marks, links absolute as converted), its
        paragraphs unwrapped (a calendar app wraps them to its own width), headings as their text
        (an underline or capitals are the email's way of marking them)."""
        return html_to_text(self.texts.html(text, f"{ISSUES_DIR}/index.md"), width=None, marked_headings=False)

    def _search_markdown(self, text: str) -> str:
        return self.texts.html(text, f"{ISSUES_DIR}/index.md")

    @pass_context
    def _markdown_filter(self, context: Context, text: str | None) -> Markup:
        """A statement's quote or an event's description on the page being rendered (they are
        written in issues, so links in them are relative to content/newsletter/)."""
        if not text or self.project is None:
            return Markup("")
        page = context.get("page")
        converted = self.texts.html(text, f"{ISSUES_DIR}/index.md")
        url = page.url if isinstance(page, Page) else ""
        return Markup(bodyimages.site_html(converted, url, self.routes, self.image_checker, self.images))

    def _error_pages(self, files: Files, config: MkDocsConfig) -> Files:
        """Every page at its own address shows the content errors: the editor's open tab reloads
        into the list of what to fix, and into the page again once it is fixed."""
        text = ERROR_PAGE.format(errors=html.escape("\n".join(self.content_errors)))
        # The theme's own files only: content/ is not checked (a link in it may lead to /etc/passwd).
        docs = Path(os.path.abspath(config.docs_dir))  # not resolved: a link's own place counts
        shown = Files(
            [
                f
                for f in files
                if f.abs_src_path is None or not Path(os.path.abspath(f.abs_src_path)).is_relative_to(docs)
            ]
        )
        for page in files.documentation_pages():
            shown.append(File.generated(config, page.src_uri, content=text))
        for src in GENERATED:
            if shown.get_file_from_path(src) is None:
                shown.append(File.generated(config, src, content=text))
        return shown

    # -- helpers --------------------------------------------------------------------
    def absolute(self, url: str) -> str:
        return urljoin(self.site_url if self.site_url.endswith("/") else self.site_url + "/", url)

    def _project(self) -> Project:
        assert self.project is not None, "on_config loads the project first"
        return self.project


def _templates_text(folders: Iterable[Path]) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in (".html", ".j2", ".jinja", ".xml", ".txt", ".js", ".json")
    )


def templates_show_whole_site(project: Project) -> bool:
    """Whether the project's own site templates (``custom_dir``) may show on a page what other
    pages hold: the page views or MkDocs' page list (bodies of other issues, say) or the build's
    time. Then a build of edited bodies cannot leave the other pages as they are."""
    custom = project.settings.custom_dir
    if custom is None:
        return False
    text = _templates_text([project.root / custom])
    return bool(_SITE_WIDE.search(text)) or "build_date_utc" in text


_NO_ENTRIES = '"docs":[]}'  # how Material's index ends without entries


def _search_plugin(config: MkDocsConfig) -> BasePlugin[Any] | None:
    """The search plugin (Material's, under either of its names), if the site has one."""
    return next((config.plugins[name] for name in ("material/search", "search") if name in config.plugins), None)


class _MadeFile(File):
    """A file this plugin writes itself beside MkDocs (a calendar, the feed): among MkDocs'
    files only so that a page's link to it resolves (MkDocs warned and left the link pointing
    below the page); MkDocs never copies it."""

    def copy_file(self, dirty: bool = False) -> None:
        return None

    def is_modified(self) -> bool:
        return False


class PackedText:
    """A search entry's text, compressed until the index is written: the entries of every page
    stay in memory until the build ends (16 of 20 MB at 1,000 issues, the build's peak).
    Material's search plugin writes the index with ``json.dumps(..., default=str)``: ``str()``
    gives the text back there, and the JSON is the same (tests/test_site.py compares it)."""

    SHORTEST = 200  # characters: a short text costs more packed than as it is

    __slots__ = ("_data",)

    def __init__(self, text: str) -> None:
        self._data = zlib.compress(text.encode("utf-8", "surrogatepass"), 1)

    def __str__(self) -> str:
        return zlib.decompress(self._data).decode("utf-8", "surrogatepass")


def _by_page(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Search entries by the page they belong to (a section's location is the page's and an anchor)."""
    pages: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        pages.setdefault(str(entry.get("location", "")).split("#", 1)[0], []).append(entry)
    return pages


def _with_kept_template(env: Environment) -> BaseLoader:
    """The environment's loader, which also knows rundbrief's own two: the empty template of
    kept pages and the one of pages written part by part."""
    loader = env.loader
    if isinstance(loader, ChoiceLoader) and any(
        isinstance(choice, DictLoader) and KEPT_TEMPLATE in choice.mapping for choice in loader.loaders
    ):
        return loader
    ours = DictLoader({KEPT_TEMPLATE: "", STREAMED_TEMPLATE: "{{ rundbrief_write_streamed() }}"})
    return ChoiceLoader([ours, *((loader,) if loader is not None else ())])


_PATHS = sysconfig.get_paths()
_INSTALLED = tuple({os.path.abspath(p) for p in (_PATHS["purelib"], _PATHS["platlib"], *site.getsitepackages())})


def _installed(folder: Path) -> bool:
    """A theme folder of an installed package (Material's, MkDocs'): its version is in the key."""
    return os.path.abspath(folder).startswith(_INSTALLED)


def _nav_outline(items: list[Any]) -> tuple[object, ...]:
    """What every page's navigation shows: each item's kind, title, address and children."""
    return tuple(
        (type(item).__name__, item.title, getattr(item, "url", None), _nav_outline(item.children or []))
        for item in items
    )


def _toc_outline(items: list[AnchorLink]) -> tuple[object, ...]:
    return tuple((item.title, item.id, item.level, _toc_outline(item.children)) for item in items)


class SignedBytecodeCache(BytecodeCache):
    """Jinja's compiled templates in ``folder``, each file with the keyed hash of the build's
    cache files (generator/cachefiles.py): Jinja's own file cache unpickles and runs whatever a
    file of the right name holds, and a template's name and source are no secret."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load_bytecode(self, bucket: Bucket) -> None:
        data = read_signed(self.folder / f"{bucket.key}.jinja")
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: Bucket) -> None:
        write_signed(self.folder / f"{bucket.key}.jinja", bucket.bytecode_to_string())


class _IssuePage(Page):
    """An issue's page. Its HTML is made from the texts converted for the site and the emails
    (on_page_context), and the loader has read its front-matter (with line numbers and the
    editor's meaning): MkDocs' own reading and converting of the file would be thrown away.
    Leaving them out saves a Markdown converter with every extension per page (0.4 ms) and
    PyYAML's pure-Python parse of the front-matter."""

    def read_source(self, config: MkDocsConfig) -> None:
        self.markdown, self.meta = "", {}

    def render(self, config: MkDocsConfig, files: Files) -> None:
        self.content = ""  # on_page_content sets the table of contents of the converted body
        self.toc = get_toc([])
        self.present_anchor_ids = set()
        self.links_to_anchors = {}


def _list_pages(directory_urls: bool) -> dict[str, str]:
    """The addresses of the pages that list everything, for the templates' links to them: by
    MkDocs' rule (``termine/`` or ``termine/index.html``), not written into the templates."""
    return {
        "archive_url": page_url(ARCHIVE_PAGE, directory_urls),
        "events_url": page_url(EVENTS_PAGE, directory_urls),
        "statements_url": page_url(STATEMENTS_PAGE, directory_urls),
        "process_url": page_url(f"{PHASES_DIR}/index.md", directory_urls),
    }


def _escaped(value: Any) -> Any:
    """A front-matter value with its text escaped (in lists and mappings too), other values as they are."""
    if isinstance(value, str):
        return pages.as_html(value)
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    return value
