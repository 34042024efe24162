"""Site-wide settings: the rundbrief plugin's options in ``mkdocs.yml``.

``mkdocs.yml`` stays the one config file. MkDocs' own loader reads the values it owns
(``site_url`` may be ``!ENV``); our options are read from the composed YAML so that every
problem names its line, exactly like content.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from generator.content.bodyrefs import check_published_html, css_imports, css_loads_elsewhere
from generator.content.fields import Context, Fields, is_url
from generator.content.frontmatter import read_text
from generator.content.images import ImageChecker
from generator.content.mkdocsyaml import load_mkdocs_yaml
from generator.content.model import MKDOCS_EXTENSIONS, MarkdownDialect, Partner, ProcessContact, Settings
from generator.content.people import alt_text_problem, read_image
from generator.content.yamlnodes import YList, YMap, YNode, YScalar, parse_yaml, quote
from generator.diagnostics import Diagnostics, Location, display_path
from generator.htmltags import browser_address
from generator.i18n import _, ngettext

CONFIG_FILE = "mkdocs.yml"
PLUGIN_NAME = "rundbrief"
SETTINGS_KEYS = (
    "newsletter_name", "organisation", "logo", "sender", "reply_to", "forward_note", "partners", "subscribe_url",
    "timezone", "email_inliner", "service_url", "allow_placeholders", "logo_alt", "claim", "slogan", "contact",
)  # fmt: skip
EMAIL_INLINERS = ("css-inline", "premailer")
SENDER_KEYS = ("name", "email")
PARTNER_KEYS = ("label", "name", "logo", "url")
CONTACT_KEYS = ("name", "email", "address", "phone")
# Lengths that fit a header line on a phone and a footer block: longer text is an error, not cut off.
MAX_LINE = {"claim": 120, "slogan": 120, "contact.name": 120, "contact.phone": 40}
MAX_ADDRESS_LINES, MAX_ADDRESS_LINE = 5, 120
DEFAULT_TIMEZONE = "Europe/Berlin"
DEFAULT_DOCS_DIR = "content"
MAX_SERVICE_URL = (
    500  # characters: with a token it stands in the List-Unsubscribe header, whose lines end at 998 octets
)


def build_day(tz: ZoneInfo) -> date:
    """Today in the project's zone; RUNDBRIEF_TODAY=YYYY-MM-DD pins it for reproducible builds
    (the site's event states, and the build stamp, which must see the same day)."""
    pinned = os.environ.get("RUNDBRIEF_TODAY")
    return date.fromisoformat(pinned) if pinned else datetime.now(tz).date()


def read_mkdocs_values(path: Path, shown: str, diag: Diagnostics) -> tuple[dict[str, Any], YNode | None] | None:
    """mkdocs.yml as MkDocs reads it, and as nodes with lines; None (reported) if unreadable."""
    if not path.is_file():
        diag.error(Location(shown), _("not found: run rundbrief in the project folder, or pass --project DIR"))
        return None
    text = read_text(path, shown, diag)
    if text is None:
        return None
    nodes = parse_yaml(text, diag, shown, allow_tags=True)
    if nodes is None:
        return None
    try:
        values = load_mkdocs_yaml(text, path.parent, DEFAULT_DOCS_DIR) or {}
    except (yaml.YAMLError, ValueError, TypeError) as err:  # an unknown !!python/name, for example
        diag.error(Location(shown), _("MkDocs cannot read this file: %(err)s", err=err))
        return None
    if not isinstance(values, dict):
        diag.error(Location(shown, 1), _("expected a mapping of settings (site_name: ...), found a list or text"))
        return None
    return values, nodes


def plugin_options(nodes: YNode) -> YNode | None | bool:
    """The rundbrief plugin's options node; True if enabled without options, None if absent."""
    if not isinstance(nodes, YMap) or "plugins" not in nodes.entries:
        return None
    plugins = nodes.entries["plugins"][1]
    if isinstance(plugins, YMap):
        entry = plugins.entries.get(PLUGIN_NAME)
        return entry[1] if entry else None
    if isinstance(plugins, YList):
        for item in plugins.items:
            if isinstance(item, YScalar) and item.text == PLUGIN_NAME:
                return True
            if isinstance(item, YMap) and PLUGIN_NAME in item.entries:
                return item.entries[PLUGIN_NAME][1]
    return None


def read_settings(root: Path, diag: Diagnostics, images_for: Any) -> tuple[Settings, ImageChecker]:
    """Settings from ``root/mkdocs.yml``; sensible defaults where it cannot be read.

    ``images_for`` makes the image checker for the content folder the settings name.
    """
    shown = CONFIG_FILE
    loaded = read_mkdocs_values(root / CONFIG_FILE, shown, diag)
    values, nodes = loaded if loaded is not None else ({}, None)
    docs_dir = str(values.get("docs_dir") or DEFAULT_DOCS_DIR)
    site_name = str(values.get("site_name") or "")
    site_url = values.get("site_url") or None
    images: ImageChecker = images_for(root / docs_dir)
    theme = values.get("theme")
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    base = Settings(
        site_name=site_name, site_url=str(site_url) if site_url else None, docs_dir=docs_dir,
        site_dir=str(values.get("site_dir") or "site"), newsletter_name=site_name,
        use_directory_urls=values.get("use_directory_urls", True) is not False,
        markdown=read_dialect(values.get("markdown_extensions"), nodes, shown, diag),
        custom_dir=str(custom_dir) if isinstance(custom_dir, str) and custom_dir else None,
        # a value other than text is MkDocs' to refuse
        exclude_docs="\n".join(v for k in ("exclude_docs", "draft_docs") if isinstance(v := values.get(k), str)),
    )  # fmt: skip
    if nodes is None:
        return base, images
    if not values.get("docs_dir"):  # MkDocs would silently read docs/ instead
        diag.error(
            Location(shown, 1),
            _(
                "docs_dir: missing required field (rundbrief projects use docs_dir: "
                "%(default_docs_dir)s)",
                default_docs_dir=DEFAULT_DOCS_DIR,
            ),
        )
    if not site_url:
        diag.error(
            Location(shown, 1),
            _(
                "site_url: missing required field (the site's public address, https://...; the emails' "
                "links and images, the feed and the calendar point there)",
            ),
        )
    elif not is_url(str(site_url)):
        diag.error(Location(shown, 1), _(
            'site_url: expected a web address starting with https://, found "%(site_url)s"',
            site_url=site_url,
        ))
    if not site_name:
        diag.error(
            Location(shown, 1), _("site_name: missing required field (the name of the process, shown on every page)")
        )
    elif not site_name.isprintable():
        diag.error(Location(shown, 1), _(
            "site_name: expected one line of text, found %(site_name)r",
            site_name=site_name,
        ))
    check_output_folder(root, base.site_dir, docs_dir, nodes, shown, diag)
    # what reaches every page: as MkDocs reads it, with the settings of an INHERIT file under them
    seen = _with_inherited(values, root / CONFIG_FILE, diag)
    check_loaded_from_elsewhere(seen, nodes, shown, diag, root / docs_dir)
    check_copyright(seen, nodes, shown, diag, base.site_url)
    check_requests_of_the_theme(seen, nodes, shown, diag)
    options = plugin_options(nodes)
    if options is None:
        diag.error(
            Location(shown, nodes.line),
            _(
                "plugins: the %(plugin_name)s plugin is not enabled; add - %(plugin_name)s under "
                "plugins:",
                plugin_name=PLUGIN_NAME,
            ),
        )
        return base, images
    if options is True or (isinstance(options, YScalar) and options.is_null):
        diag.error(
            Location(shown, nodes.line),
            _(
                "plugins.%(plugin_name)s.sender: missing required field (name and email address the "
                "newsletter is sent from)",
                plugin_name=PLUGIN_NAME,
            ),
        )
        return base, images
    assert not isinstance(options, bool)
    ctx = Context(diag, shown, ZoneInfo(DEFAULT_TIMEZONE))
    fields = Fields(ctx, options, f"plugins.{PLUGIN_NAME}", SETTINGS_KEYS)
    if not fields.ok:
        return base, images
    tz_name = fields.text("timezone") or DEFAULT_TIMEZONE
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        fields.error("timezone", _(
            'expected a time zone name such as "Europe/Berlin", found "%(tz_name)s"',
            tz_name=tz_name,
        ))
        tz_name = DEFAULT_TIMEZONE
    sender_name = sender_email = None
    if (sender := fields.nested("sender", SENDER_KEYS)) is not None and sender.ok:
        sender_name = sender.text("name", required=True)
        sender_email = sender.email("email", required=True)
    elif not fields.has("sender"):
        fields.missing("sender", _(" (name and email address the newsletter is sent from)"))
    inliner = fields.text("email_inliner") or EMAIL_INLINERS[0]
    if inliner not in EMAIL_INLINERS:
        fields.error("email_inliner", _(
            'expected css-inline or premailer, found "%(inliner)s"',
            inliner=inliner,
        ))
        inliner = EMAIL_INLINERS[0]
    logo = read_image(fields, "logo", images) if fields.has("logo") else None
    logo_alt = fields.text("logo_alt")
    if logo_alt is not None and (problem := alt_text_problem(logo_alt, fields.text("logo"))) is not None:
        fields.error("logo_alt", _(
            '%(problem)s (what the logo shows, such as "Zukunftswerkstatt Kommunen"), found '
            "%(logo_alt)s",
            problem=problem,
            logo_alt=quote(logo_alt),
        ))  # fmt: skip
        logo_alt = None
    if fields.has("logo") and logo_alt is None and not fields.has("logo_alt"):
        fields.missing(
            "logo_alt", _(
                ' (what the logo shows, such as "Zukunftswerkstatt Kommunen": the email shows it where '
                "images are not loaded, screen readers read it)",
            ),
        )  # fmt: skip
    partners = [_read_partner(ctx, node, name, images) for name, node in fields.items("partners")]
    claim, slogan = _short_text(fields, "claim"), _short_text(fields, "slogan")
    contact = _read_contact(fields)
    settings = Settings(
        site_name=base.site_name, site_url=base.site_url, docs_dir=docs_dir, site_dir=base.site_dir,
        newsletter_name=fields.text("newsletter_name") or site_name, organisation=fields.text("organisation"),
        logo=logo, sender_name=sender_name, sender_email=sender_email, reply_to=fields.email("reply_to"),
        forward_note=fields.text("forward_note"), subscribe_url=_service_url(fields, "subscribe_url"), timezone=tz_name,
        service_url=_service_url(fields, "service_url"), use_directory_urls=base.use_directory_urls,
        markdown=base.markdown,
        partners=tuple(p for p in partners if p is not None), email_inliner=inliner,
        allow_placeholders=fields.boolean("allow_placeholders", False), logo_alt=logo_alt, claim=claim,
        slogan=slogan, contact=contact, custom_dir=base.custom_dir, options_read=True, exclude_docs=base.exclude_docs,
    )  # fmt: skip
    return settings, images


def _service_url(fields: Fields, key: str) -> str | None:
    """A URL of the subscription service: at most ``MAX_SERVICE_URL`` characters, since every
    email carries it (with a token) in a header line."""
    value = fields.url(key)
    if value is not None and len(value) > MAX_SERVICE_URL:
        fields.error(
            key, _(
                "at most %(max_service_url)s characters (every email carries it in a header), found "
                "%(n_value)s",
                max_service_url=MAX_SERVICE_URL,
                n_value=len(value),
            )
        )
        return None
    return value


def check_loaded_from_elsewhere(
    values: dict[str, Any], nodes: YNode | None, shown: str, diag: Diagnostics, content: Path | None = None
) -> None:
    """What every page loads by itself (scripts, stylesheets, the favicon, the logo) comes from the
    site: an address of another host is a request to it from every reader (privacy); so does what
    a stylesheet of the project (in ``content``) loads, which is read for it."""
    theme = values.get("theme")
    theme = theme if isinstance(theme, dict) else {}
    named: list[tuple[str, object, int]] = [
        (f"theme.{key}", theme.get(key), _line_of(nodes, "theme", key)) for key in ("favicon", "logo")
    ]
    extra = values.get("extra")
    lists = [
        ("extra_javascript", values.get("extra_javascript"), ("extra_javascript",)),
        ("extra_css", values.get("extra_css"), ("extra_css",)),
        # scripts of Material's, loaded before its own
        ("extra.polyfills", extra.get("polyfills") if isinstance(extra, dict) else None, ("extra", "polyfills")),
    ]
    for key, items, path in lists:
        written = _node_at(nodes, *path)
        lines = [item.line for item in written.items] if isinstance(written, YList) else []
        for index, item in enumerate(items if isinstance(items, list) else ()):
            line = lines[index] if index < len(lines) else _line_of(nodes, *path)
            named.append((key, item.get("path") if isinstance(item, dict) else item, line))
    for key, value, line in named:
        if not isinstance(value, str):
            continue
        if _elsewhere(value):
            diag.error(Location(shown, line), _(
                "%(key)s: %(value)s: the site loads nothing from other hosts (privacy); save the file in the "
                "content folder and name it by its path there",
                key=key,
                value=value,
            ))
        elif key == "extra_css" and content is not None and (problem := _stylesheet_problem(content, value)):
            diag.error(Location(shown, line), _(
                "%(key)s: %(value)s: %(problem)s: the site loads nothing from other hosts (privacy), and a "
                "stylesheet imported by another is read by no check; write its rules into this file and save "
                "what it loads in the content folder",
                key=key,
                value=value,
                problem=problem,
            ))  # fmt: skip


def _stylesheet_problem(content: Path, relative: str) -> str | None:
    """What a stylesheet of the project loads from another host (its address), or "@import"."""
    path = content / relative.split("?", 1)[0].split("#", 1)[0]
    try:
        if not path.resolve().is_relative_to(content.resolve()) or not path.is_file():
            return None  # MkDocs reports a missing file; one outside the content folder is not published
        css = path.read_text(encoding="utf-8", errors="replace")[:2_000_000]
    except OSError:
        return None
    return css_loads_elsewhere(css) or ("@import" if css_imports(css) else None)


def _elsewhere(address: str) -> bool:
    """Whether a browser takes ``address`` to another host (a scheme, or ``//host``)."""
    compact = browser_address(address).lower()
    return compact.startswith("//") or re.match(r"[a-z][a-z0-9+.-]*:", compact) is not None


def _node_at(nodes: YNode | None, *keys: str) -> YNode | None:
    """The value at ``keys`` (nested mappings) as mkdocs.yml writes it, if it does."""
    for key in keys:
        if not isinstance(nodes, YMap) or key not in nodes.entries:
            return None
        nodes = nodes.entries[key][1]
    return nodes


def _with_inherited(values: dict[str, Any], path: Path, diag: Diagnostics, depth: int = 0) -> dict[str, Any]:
    """``values`` over those of the file their ``INHERIT`` names (and its own), merged as MkDocs
    merges them (mergedeep's REPLACE: mappings key by key, anything else replaced)."""
    parent = values.get("INHERIT")
    if not isinstance(parent, str) or depth > 20:
        return values
    parent_path = path.parent / parent
    loaded = read_mkdocs_values(parent_path, display_path(parent_path, path.parent), diag)
    if loaded is None:  # reported
        return values
    inherited = _with_inherited(loaded[0], parent_path, diag, depth + 1)
    return _merged(inherited, {key: value for key, value in values.items() if key != "INHERIT"})


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        merged[key] = _merged(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return merged


def _line_of(nodes: YNode | None, *keys: str) -> int:
    """The line of the deepest of ``keys`` (nested mappings) that mkdocs.yml holds; a setting it
    does not hold at all, of its INHERIT file: that line."""
    if isinstance(nodes, YMap) and keys and keys[0] not in nodes.entries and "INHERIT" in nodes.entries:
        return nodes.entries["INHERIT"][0]
    line = 1
    for key in keys:
        if not isinstance(nodes, YMap) or key not in nodes.entries:
            break
        line, nodes = nodes.entries[key]
    return line


# Material's header script asks GitHub or a GitLab host for a repository's stars and forks, from
# each reader's browser, where the address matches one of its patterns (material/templates/assets/
# javascripts/bundle.*.js, its source component): these are those patterns
_FACTS_FROM = (
    re.compile(r"^.+(github\.com)\/([^/]+)\/?([^/]+)?", re.I),
    re.compile(r"^.+?([^/]*gitlab[^/]+)\/(.+?)\/?$", re.I),
)


def check_requests_of_the_theme(values: dict[str, Any], nodes: YNode | None, shown: str, diag: Diagnostics) -> None:
    """What Material makes every page ask of another host by a setting: its fonts from Google
    (unless ``font: false``), analytics, the sitemap of another language's site, a repository's
    facts from GitHub or GitLab; and another theme than Material (readthedocs loads from a CDN).
    The site makes no request to another host (privacy): each is an error at its line. A
    repo_url MkDocs refuses is one too (else check passed what the build then refused)."""
    theme = values.get("theme")
    font = theme.get("font") if isinstance(theme, dict) else None
    if font is not False:
        diag.error(Location(shown, _line_of(nodes, "theme", "font")), _(
            "theme.font: expected false, found %(found)s: Material then loads its fonts from Google "
            "(fonts.googleapis.com) on every page, a request to Google from every reader (privacy); write "
            "font: false under theme: (the readers' own fonts; a font of your own goes into a stylesheet in "
            "the content folder, named under extra_css)",
            found=_("nothing") if font is None else quote(str(font) if not isinstance(font, dict) else repr(font)),
        ))  # fmt: skip
    extra = values.get("extra")
    if isinstance(extra, dict) and extra.get("analytics"):
        diag.error(Location(shown, _line_of(nodes, "extra", "analytics")), _(
            "extra.analytics: Material's analytics send every reader's visits to another host (privacy); "
            "remove extra.analytics"
        ))  # fmt: skip
    alternate = extra.get("alternate") if isinstance(extra, dict) else None
    for item in alternate if isinstance(alternate, list) else ():  # Material's language selector
        link = item.get("link") if isinstance(item, dict) else None
        if isinstance(link, str) and _elsewhere(link):
            diag.error(Location(shown, _line_of(nodes, "extra", "alternate")), _(
                "extra.alternate: %(link)s: Material's script asks that host for its sitemap.xml from every "
                "reader's browser (privacy); link the other language's site in a page's text",
                link=quote(link),
            ))  # fmt: skip
    repo_url = values.get("repo_url")
    if isinstance(repo_url, str) and repo_url:
        if not is_url(repo_url):  # MkDocs refuses it too, in the build only
            diag.error(Location(shown, _line_of(nodes, "repo_url")), _(
                "repo_url: expected a web address starting with https://, found %(url)s",
                url=quote(repo_url),
            ))  # fmt: skip
        elif (facts := next((m for p in _FACTS_FROM if (m := p.search(repo_url)) is not None), None)) is not None:
            diag.error(Location(shown, _line_of(nodes, "repo_url")), _(
                "repo_url: %(url)s: Material's header asks %(host)s for the repository's stars and forks from "
                "every reader's browser (privacy); remove repo_url and link the repository in a page's text",
                url=quote(repo_url),
                host=facts[1],
            ))  # fmt: skip
    name = theme.get("name") if isinstance(theme, dict) else theme
    if name != "material":
        diag.error(Location(shown, _line_of(nodes, "theme", "name")), _(
            "theme.name: expected material, found %(found)s: rundbrief's pages are made for Material's "
            "(another theme may load from other hosts: readthedocs loads its scripts from a CDN)",
            found=_("nothing") if name is None else quote(str(name)),
        ))  # fmt: skip


def check_copyright(
    values: dict[str, Any], nodes: YNode | None, shown: str, diag: Diagnostics, site_url: str | None
) -> None:
    """``copyright`` is HTML in every page's footer, shown as written (as Material's own footer
    does): checked as a text's raw HTML is, at its line (no script or event handler, no page
    embedded, nothing loaded from another host, no tag or comment left open)."""
    copyright = values.get("copyright")
    if not isinstance(copyright, str) or "<" not in copyright:
        return
    ctx = Context(diag, shown, ZoneInfo(DEFAULT_TIMEZONE))
    check_published_html(ctx, copyright, copyright, _line_of(nodes, "copyright"), "copyright", site_url or "")


def check_output_folder(
    root: Path, site_dir: str, docs_dir: str, nodes: YNode | None, shown: str, diag: Diagnostics
) -> None:
    """site_dir is replaced as a whole by every build: it must not hold the project, its content,
    its emails or rundbrief's own state, nor lie inside the content, the emails or rundbrief's
    state (the content's files, published into site_dir, would become its caches: the build
    reads those back). Symbolic links are followed: where the folders are, not how they are named."""
    line = nodes.entries["site_dir"][0] if isinstance(nodes, YMap) and "site_dir" in nodes.entries else 1
    site = Path(os.path.realpath(root / site_dir))
    project = Path(os.path.realpath(root))
    content = Path(os.path.realpath(root / docs_dir))
    owned = {_("the project folder"): project, _("the content folder %(folder)s/", folder=docs_dir): content,
             _("the emails' folder newsletter/"): project / "newsletter",
             _("rundbrief's folder .rundbrief/"): project / ".rundbrief"}  # fmt: skip
    for what, folder in owned.items():
        if folder.is_relative_to(site):
            diag.error(
                Location(shown, line),
                _(
                    "site_dir: every build replaces this folder as a whole, so it must not contain "
                    '%(what)s; use a folder of its own such as "site", found "%(site_dir)s"',
                    what=what,
                    site_dir=site_dir,
                ),
            )
            return
    if any(site.is_relative_to(folder) for folder in (content, project / "newsletter", project / ".rundbrief")):
        diag.error(
            Location(shown, line), _(
                'site_dir: must not lie inside %(docs_dir)s/, newsletter/ or .rundbrief/, found "%(site_dir)s"',
                docs_dir=docs_dir,
                site_dir=site_dir,
            )
        )


def read_dialect(listed: object, nodes: YNode | None, shown: str, diag: Diagnostics) -> MarkdownDialect:
    """``markdown_extensions`` as MkDocs reads it: names, or one-key mappings of a name to its
    options; MkDocs' built-in extensions first, each extension once."""
    line = (
        nodes.entries["markdown_extensions"][0]
        if isinstance(nodes, YMap) and "markdown_extensions" in nodes.entries
        else 1
    )
    names: list[str] = list(MKDOCS_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    if listed is None:
        return MarkdownDialect(tuple(names), configs)
    if not isinstance(listed, list):
        diag.error(Location(shown, line), _("markdown_extensions: expected a list of extension names, found one value"))
        return MarkdownDialect(tuple(names), configs)
    for position, item in enumerate(listed, start=1):
        if isinstance(item, str):
            name, options = item, None
        elif isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item)), str):
            name, options = next(iter(item.items()))
        else:
            diag.error(
                Location(shown, line),
                _(
                    "markdown_extensions[%(position)s]: expected an extension name, or a name with its "
                    "options, found %(item)r",
                    position=position,
                    item=item,
                ),
            )
            continue
        if options is not None and not isinstance(options, dict):
            diag.error(
                Location(shown, line),
                _(
                    "markdown_extensions[%(position)s].%(name)s: expected options as a mapping, found "
                    "%(options)r",
                    position=position,
                    name=name,
                    options=options,
                ),
            )
            continue
        if name not in names:
            names.append(name)
        if options:
            configs[name] = options
    return MarkdownDialect(tuple(names), configs)


def _short_text(fields: Fields, key: str, limit_key: str | None = None) -> str | None:
    value = fields.text(key)
    limit = MAX_LINE[limit_key or key]
    if value is not None and len(value) > limit:
        fields.error(key, _(
            "at most %(limit)s characters (one line in the header of the site and the email), "
            "found %(n_value)s",
            limit=limit,
            n_value=len(value),
        ))  # fmt: skip
        return None
    return value


def _read_contact(fields: Fields) -> ProcessContact | None:
    """The process's general contact, shown in every issue and in the site's footer."""
    if not fields.has("contact"):
        return None
    contact = fields.nested("contact", CONTACT_KEYS)
    if contact is None or not contact.ok:
        return None
    name = _short_text(contact, "name", "contact.name")
    email = contact.email("email")
    phone = _short_text(contact, "phone", "contact.phone")
    address = contact.text("address", single_line=False)
    lines: tuple[str, ...] = ()
    if address is not None:
        lines = tuple(line.strip() for line in address.split("\n") if line.strip())
        if len(lines) > MAX_ADDRESS_LINES or any(len(line) > MAX_ADDRESS_LINE for line in lines):
            contact.error(
                "address", ngettext(
                    "at most %(max_address_lines)s lines of at most %(max_address_line)s characters (a "
                    "postal address), found %(n)d line, the longest %(max)s characters",
                    "at most %(max_address_lines)s lines of at most %(max_address_line)s characters (a "
                    "postal address), found %(n)d lines, the longest %(max)s characters",
                    len(lines),
                    max_address_lines=MAX_ADDRESS_LINES,
                    max_address_line=MAX_ADDRESS_LINE,
                    max=max(len(line) for line in lines),
                ),
            )  # fmt: skip
            lines = ()
    if name is None and email is None and not lines:
        # any one of name, email and address makes a contact; one that was given but rejected has
        # had its error already (a second one, "name: missing", would mislead)
        if not any(contact.has(key) for key in ("name", "email", "address")):
            hint = _(' (or email or address; the name of the office or mailbox, such as "Projektbüro")')
            contact.missing("name", hint)
        return None
    return ProcessContact(name=name, email=email, address_lines=lines, phone=phone)


def _read_partner(ctx: Context, node: YNode, name: str, images: ImageChecker) -> Partner | None:
    fields = Fields(ctx, node, name, PARTNER_KEYS)
    if not fields.ok:
        return None
    label = fields.text("label", required=True, hint=_(' (such as "Gefördert vom" or "Ein Projekt von")'))
    partner_name = fields.text("name", required=True, hint=_(" (also the logo's alternative text)"))
    logo = read_image(fields, "logo", images) if fields.has("logo") else None
    url = fields.url("url")
    if label is None or partner_name is None:
        return None
    return Partner(label=label, name=partner_name, logo=logo, url=url)
