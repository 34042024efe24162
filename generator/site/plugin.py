"""The MkDocs plugin: a thin layer that hands the content model to MkDocs and Material.

No domain logic lives here. Each event calls into plain modules: the loader, the page
views (pages.py), images, calendar and feed. MkDocs stays replaceable.
"""

from __future__ import annotations

import html
import os
import pickle
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date, datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.templates import TemplateContext

from generator import hyphenation
from generator.content import load_project
from generator.content.images import ImageChecker, ImageProblem
from generator.content.loader import PEOPLE_FILE
from generator.content.model import Image, Issue, Phase, Project
from generator.formatting import tel_href
from generator.i18n import N_, translate
from generator.images import ImagePipeline
from generator.manifest import read_renditions
from generator.output import NEWSLETTER_DIR
from generator.routes import EVENTS_PAGE, ISSUES_DIR, PHASES_DIR, STATEMENTS_PAGE
from generator.site import bodyimages, calendar, feed, pages, searchtext, sitemaps
from generator.texts import Texts, convert_texts, issue_source, routes_for
from generator.theme import SITE_TEMPLATES

log = get_plugin_logger(__name__)

CACHE_DIR = ".rundbrief/cache"
# Pages rundbrief provides when the editors have not written them, with their templates.
GENERATED = {
    f"{ISSUES_DIR}/index.md": ("archive.html", "Newsletter"),
    EVENTS_PAGE: ("events.html", "Termine"),
    STATEMENTS_PAGE: ("statements.html", "Stimmen"),
}
TEMPLATES = {"index.md": "home.html", f"{PHASES_DIR}/index.md": "process.html"} | {
    src: template for src, (template, _) in GENERATED.items()
}


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


def build_day(tz: ZoneInfo) -> date:
    """Today in the project's zone; RUNDBRIEF_TODAY=YYYY-MM-DD pins it for reproducible builds."""
    pinned = os.environ.get("RUNDBRIEF_TODAY")
    return date.fromisoformat(pinned) if pinned else datetime.now(tz).date()


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
        self.command = "build"
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

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining this keeps the plugin across `mkdocs serve` rebuilds (MkDocs' rule); each
        # rebuild's on_config loads the content anew.
        self.command = command

    # -- loading --------------------------------------------------------------------
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self._reset()
        add_templates(config)
        if self.preloaded is None:  # run by plain `mkdocs build` or `mkdocs serve`: load and report here
            # `mkdocs serve` is a preview: placeholder legal pages are reminders there, errors in a build
            result = load_project(Path(config.config_file_path).parent, preview=self.command == "serve")
            for problem in result.diagnostics.warnings:
                (log.info if problem.reminder else log.warning)(str(problem))
            if errors := [str(p) for p in result.diagnostics.errors]:
                if self.command != "serve":
                    # a BuildError: MkDocs prints it and stops, without a traceback
                    raise PluginError(translate(N_("rundbrief content has errors:")) + "\n" + "\n".join(errors))
                # A live preview keeps running: every page shows the errors until they are fixed.
                for error in errors:
                    log.error(error)
                self.content_errors = errors
                return config
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
        self.previous_calendar = calendar.read_previous(previous.read_bytes()) if previous.is_file() else {}
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        if self.project is None:
            return self._error_pages(files, config)
        project = self.project
        if (people := files.get_file_from_path(PEOPLE_FILE)) is not None:
            files.remove(people)  # the people register is data for pages, not a file to publish
        public = {issue.slug for issue in project.published}  # the preview's project publishes drafts
        for issue in project.issues:
            if issue.slug in public:
                continue
            if (file := files.get_file_from_path(f"{ISSUES_DIR}/{issue.slug}.md")) is not None:
                files.remove(file)  # drafts never reach the public site
        for src, (_, title) in GENERATED.items():
            if files.get_file_from_path(src) is None:
                files.append(File.generated(config, src, content=f"# {title}\n"))
        urls = {file.src_uri: file.url for file in files.documentation_pages()}
        self.page_urls = list(urls.values())
        self.views = pages.SiteViews(project, lambda src: urls.get(src, src), self.today)
        # Thousands of small .ics files cost the kernel more than the pages, and making them
        # seconds of Python: they are written by a process of their own beside the page build
        # (MkDocs emptied site_dir before this event; nothing else writes termine/*.ics), and
        # on_post_build waits for them.
        self.calendar_process = ProcessPoolExecutor(max_workers=1, mp_context=get_context("forkserver"))
        self.calendars = self._write_calendars(Path(config.site_dir))
        return files

    # -- templates ------------------------------------------------------------------
    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        config.site_name = pages.as_html(config.site_name)  # Material prints it unescaped
        if config.site_description:  # and this, in every page's <meta name="description">
            config.site_description = pages.as_html(config.site_description)
        env.filters["markdown"] = self._markdown_filter
        env.filters["tel"] = tel_href  # every template may use it, the error pages' too
        if self.project is None:  # the error pages: Material's page with rundbrief's frame, empty
            env.globals["rundbrief"] = {
                "settings": {"partners": (), "newsletter_name": config.site_name, "logo_alt": None},
                "legal_links": [], "feed_url": None, "calendar_url": pages.CALENDAR_FILE, "subscribe_url": None,
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
        }
        env.globals["picture"] = self.images.picture
        env.globals["initials"] = pages.initials
        env.globals["anchor"] = {
            "contact": pages.contact_anchor, "issue": pages.issue_anchor, "phase": pages.phase_anchor,
        }  # fmt: skip
        return env

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

    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """An issue's body alone: the loader has read its front-matter already (with line numbers
        and the editor's meaning); MkDocs would parse it again with PyYAML's slow pure-Python loader.
        The empty mapping keeps a body that itself starts with ``---`` from passing as front-matter."""
        issue = self.issue_pages.get(page.file.src_uri)
        return None if issue is None else "---\n{}\n---\n"  # the body was converted already: on_page_content

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.project is None:
            return markdown
        src = page.file.src_uri
        if (issue := self.issue_pages.get(src)) is not None:
            page.meta["template"] = "issue.html"
            page.meta["title"] = pages.as_html(issue.title)  # Material prints both unescaped
            if issue.summary:
                page.meta["description"] = pages.as_html(issue.summary)  # Material's <meta name="description">
        elif (phase := self.phase_pages.get(src)) is not None:
            page.meta["template"] = "phase.html"
            page.meta["title"] = pages.as_html(phase.title)  # not MkDocs' own reading of the front-matter
        elif src in TEMPLATES:
            page.meta.setdefault("template", TEMPLATES[src])
        return markdown

    def on_page_content(self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.project is None:
            return html
        if (issue := self.issue_pages.get(page.file.src_uri)) is not None:
            converted = self.texts.get(issue.body, issue_source(issue))
            page.toc = get_toc(list(converted.toc))  # type: ignore[arg-type]  # Python-Markdown's toc_tokens
            return ""  # the page's HTML is made just before it is rendered: on_page_context
        return bodyimages.rewrite(html, page.url, self.image_checker, self.images)

    @event_priority(100)  # before Material's search plugin indexes page.content
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        if self.project is not None and (issue := self.issue_pages.get(page.file.src_uri)) is not None:
            # MkDocs converts every page before it renders the first: made here, only one issue
            # page's HTML is alive at a time, not a thousand (on_post_page lets it go again).
            converted = self.texts.get(issue.body, issue_source(issue))
            page.content = bodyimages.site_html(converted.html, page.url, self.routes, self.image_checker, self.images)
        # rundbrief's templates show the body alone (rb_body); the search index gets, beside it,
        # what the page's template adds: events, statements, people, places (searchtext.py)
        context["rb_body"] = Markup(page.content or "")  # type: ignore[typeddict-unknown-key]
        if self.project is None:
            return context
        views, src = self.views, page.file.src_uri
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
            extra["events_jsonld"] = Markup(
                pages.jsonld_script([pages.event_jsonld(v, absolute, organiser) for v in views.events])
            )
        context.update(extra)  # type: ignore[typeddict-item]
        return context

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        if page.file.src_uri in self.issue_pages:
            # Written and indexed for search: MkDocs would keep every issue's Markdown and HTML
            # until the build ends (measured: 5-10 MB of a 170 MB peak at a thousand issues).
            # Later steps use only the title, URL and anchors, which stay.
            page.markdown = ""
            page.content = ""
        # long German words break with a hyphen on phones; long addresses break at / @ .
        return hyphenation.hyphenate_html(output, hyphenation.WBR)

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        """The static templates: 404.html shows the same header as the pages (the slogan, the
        claim) and gets the same hyphenation; sitemap.xml is not HTML and stays as it is."""
        if not template_name.endswith(".html"):
            return output_content
        return hyphenation.hyphenate_html(output_content, hyphenation.WBR)

    # -- files beside the pages -----------------------------------------------------
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.project is None:
            return
        site = Path(config.site_dir)
        self._wait_for_calendars()
        if self.site_url:
            self._write_feed(site)
            self._write_folder_sitemaps(site)
        if self.preloaded is None:
            # A plain `mkdocs build`: the emails built before show renditions no page asks for; the
            # site serves them too, or every sent email would lose its images with this site.
            self._add_email_renditions()
        made = self.images.write(site)
        log.debug(f"{made} image renditions made anew")

    def _add_email_renditions(self) -> None:
        newsletter = self._project().root / NEWSLETTER_DIR
        if newsletter.is_dir():
            for folder in sorted(p for p in newsletter.iterdir() if p.is_dir()):
                if (shown := read_renditions(folder, self.image_checker)) is not None:
                    self.images.add(shown)

    def on_build_error(self, *, error: Exception) -> None:
        self._wait_for_calendars()  # no writes into a staged folder that is about to be removed
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
                view.event, self.absolute(view.url), tuple(self.absolute(i.url) for i in view.issues), view.open
            )
            for view in self.views.events
        ]
        args = (site, items, [self.routes.event_calendar(item.event.id) for item in items])
        kwargs = {
            "calendar_file": pages.CALENDAR_FILE, "title": f"{settings.site_name} – Termine",
            "site_url": self.site_url, "tz_name": settings.timezone, "previous": self.previous_calendar,
            "now": datetime.now(timezone.utc).replace(microsecond=0),
        }  # fmt: skip
        cache = self._project().root / CACHE_DIR
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache, prefix="calendars-", suffix=".pickle", delete=False) as job:
            pickle.dump((args, kwargs), job, protocol=pickle.HIGHEST_PROTOCOL)  # streamed, see write_calendars_from
        self.calendar_job = Path(job.name)
        return self.calendar_process.submit(calendar.write_calendars_from, self.calendar_job)

    def _write_folder_sitemaps(self, site: Path) -> None:
        """Beside the feed and the calendar: see sitemaps.py (only with site_url, as the feed)."""
        announced = [pages.CALENDAR_FILE, pages.FEED_FILE]
        for folder, urls in sitemaps.folder_sitemaps(announced, self.page_urls).items():
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
