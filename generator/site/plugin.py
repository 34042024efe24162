"""The MkDocs plugin: a thin layer that hands the content model to MkDocs and Material.

No domain logic lives here; every event calls into plain modules (the loader, the page
builders), so MkDocs stays replaceable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from mkdocs.config import base
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from generator.content import load_project
from generator.content.loader import ISSUES_DIR, PEOPLE_FILE
from generator.content.model import Issue, Project
from generator.formatting import EVENT_STATUS_LABELS, event_when
from generator.markup import markdown_to_html
from generator.site import pages

log = get_plugin_logger(__name__)


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


class RundbriefPlugin(BasePlugin[RundbriefConfig]):
    def __init__(self) -> None:
        super().__init__()
        self.project: Project | None = None  # the CLI sets a project it already loaded and checked
        self._issues: dict[str, Issue] = {}

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.project is None:  # run by plain `mkdocs build`: load and report here
            result = load_project(Path(config.config_file_path).parent)
            for problem in result.diagnostics.warnings:
                log.warning(str(problem))
            if errors := result.diagnostics.errors:
                raise PluginError("rundbrief content has errors:\n" + "\n".join(str(p) for p in errors))
            self.project = result.project
        self._issues = {f"{ISSUES_DIR}/{i.slug}.md": i for i in self.project.published}
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        assert self.project is not None
        if (people := files.get_file_from_path(PEOPLE_FILE)) is not None:
            files.remove(people)  # the people register is data for pages, not a page to publish
        for issue in self.project.issues:
            if issue.draft and (file := files.get_file_from_path(f"{ISSUES_DIR}/{issue.slug}.md")) is not None:
                files.remove(file)  # drafts never reach the public site
        if files.get_file_from_path(f"{ISSUES_DIR}/index.md") is None:
            files.append(File.generated(config, f"{ISSUES_DIR}/index.md", content=pages.archive_markdown(self.project)))
        return files

    def on_env(self, env: Environment, /, *, config: MkDocsConfig, files: Files) -> Environment:
        env.globals["event_when"] = event_when
        env.globals["event_status"] = lambda event: EVENT_STATUS_LABELS[event.status]
        env.filters["markdown"] = lambda text: Markup(markdown_to_html(text))
        return env

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri in self._issues:
            page.meta["template"] = "issue.html"
        return markdown

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        issue = self._issues.get(page.file.src_uri)
        if issue is not None and self.project is not None:
            context["issue"] = pages.issue_view(self.project, issue)  # type: ignore[typeddict-unknown-key]
        return context
