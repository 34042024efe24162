"""Running MkDocs for a loaded project: the one place that starts a MkDocs build."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import jinja2
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException

from generator.content.model import Project
from generator.content.settings import CONFIG_FILE, PLUGIN_NAME
from generator.diagnostics import Location, template_location, template_message
from generator.texts import Texts


class SiteBuildError(Exception):
    """MkDocs refused the configuration or the build (its own messages were logged), or a
    template of the project's failed (``location``: its file and line)."""

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location


def build_site(
    project: Project,
    site_dir: Path,
    *,
    strict: bool,
    texts: Texts | None = None,
    edited: frozenset[str] | None = None,
    before_writing: Callable[[], object] = lambda: None,
) -> MkDocsConfig:
    """Build the website of ``project`` into ``site_dir`` with MkDocs and Material; the build's
    configuration, whose plugins hold what the build made (a preview renders pages again with it).
    ``edited``: only these issues' bodies changed since the last build, whose site ``site_dir``
    holds as hard links once ``before_writing`` returned; only the pages that show them are
    written (plugin.py, RundbriefPlugin.edited)."""
    try:
        config = load_config(str(project.root / CONFIG_FILE), site_dir=str(site_dir), strict=strict)
        plugin = config.plugins.get(PLUGIN_NAME)
        if plugin is None:
            raise SiteBuildError(f"{CONFIG_FILE}: the {PLUGIN_NAME} plugin is not enabled")
        plugin.preloaded = project  # already loaded and checked: the plugin must not load it again
        plugin.preloaded_texts = texts  # converted once for the site and the emails
        plugin.edited, plugin.before_writing = edited, before_writing
        if edited is None:
            build(config)
            return config
        quiet = _DirtyNotes()
        logging.getLogger("mkdocs.commands.build").addFilter(quiet)
        try:
            build(config, dirty=True)  # MkDocs' own way to render only the pages is_modified() names
        finally:
            logging.getLogger("mkdocs.commands.build").removeFilter(quiet)
        return config
    except MkDocsException as err:
        raise SiteBuildError(str(err) or type(err).__name__) from err
    except jinja2.TemplateError as err:  # an edit of a template in theme/: the editor's to fix
        raise SiteBuildError(template_message(err), template_location(err, project.root, CONFIG_FILE)) from err


class _DirtyNotes(logging.Filter):
    """MkDocs' notes on a dirty build (links may be stale, the folder holds other files) are for
    its ``--dirty`` option; rundbrief's build of edited bodies renders every page that could change."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not message.startswith(("A 'dirty' build is being performed", "The directory contains stale files"))
