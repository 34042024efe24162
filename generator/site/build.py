"""Running MkDocs for a loaded project: the one place that starts a MkDocs build."""

from __future__ import annotations

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


def build_site(project: Project, site_dir: Path, *, strict: bool, texts: Texts | None = None) -> MkDocsConfig:
    """Build the website of ``project`` into ``site_dir`` with MkDocs and Material; the build's
    configuration, whose plugins hold what the build made (a preview renders pages again with it)."""
    try:
        config = load_config(str(project.root / CONFIG_FILE), site_dir=str(site_dir), strict=strict)
        plugin = config.plugins.get(PLUGIN_NAME)
        if plugin is None:
            raise SiteBuildError(f"{CONFIG_FILE}: the {PLUGIN_NAME} plugin is not enabled")
        plugin.preloaded = project  # already loaded and checked: the plugin must not load it again
        plugin.preloaded_texts = texts  # converted once for the site and the emails
        build(config)
        return config
    except MkDocsException as err:
        raise SiteBuildError(str(err) or type(err).__name__) from err
    except jinja2.TemplateError as err:  # an edit of a template in theme/: the editor's to fix
        raise SiteBuildError(template_message(err), template_location(err, project.root, CONFIG_FILE)) from err
