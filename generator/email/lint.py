"""Checks of a built email: what the mail clients our readers use cannot show, and our own rules.

``client_support.json`` carries the facts from caniemail (https://www.caniemail.com, MIT
licence; made by scripts/caniemail_table.py): for each HTML element or CSS feature, the
target clients that do not support it. Only what carries layout is reported: a missing
rounded corner is cosmetic, a missing ``display:flex`` breaks the email.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from importlib import resources
from urllib.parse import urlsplit

from generator.email.context import PLACEHOLDERS
from generator.i18n import _

# Elements and CSS properties whose absence changes the layout (not just the look).
LAYOUT_ELEMENTS = {
    "svg", "video", "audio", "form", "input", "select", "textarea", "button", "picture", "iframe", "object",
    "embed", "canvas", "figure", "figcaption", "main", "nav", "section", "article", "header", "footer", "aside",
}  # fmt: skip
LAYOUT_PROPERTIES = {
    "display", "position", "float", "clear", "inset", "top", "right", "bottom", "left", "gap", "row-gap",
    "column-gap", "flex", "flex-direction", "flex-wrap", "flex-grow", "flex-shrink", "flex-basis",
    "justify-content", "align-items", "align-self", "grid-template", "grid-template-columns", "grid-area",
    "column-count", "columns", "width", "height", "min-width", "max-width", "min-height", "max-height",
    "margin", "padding", "box-sizing", "table-layout", "border-collapse", "border-spacing", "vertical-align",
    "text-align", "overflow", "aspect-ratio", "object-fit", "writing-mode", "direction",
}  # fmt: skip
# Layout CSS that Outlook or Gmail drop: never in our emails, whatever the table says.
FORBIDDEN_CSS = re.compile(
    r"(?:display\s*:\s*(?:flex|grid|inline-flex|inline-grid)|position\s*:|float\s*:|var\(|calc\()", re.I
)
FORBIDDEN_ELEMENTS = {"figure", "figcaption", "svg", "script", "form", "iframe", "video", "picture", "object", "embed"}
_HIDDEN = re.compile(r"mso-hide\s*:\s*all|display\s*:\s*none", re.I)
_DECLARATION = re.compile(r"([a-zA-Z-]+)\s*:\s*([^;]+)")
_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{%|%\}|%%[a-z_]+%%")
_TOKEN_MARKS = ("{{", "}}", "{%", "%}", "%%")  # what each token of _TEMPLATE_TOKEN holds
_PERCENT_TOKEN = re.compile(r"%%[a-z_]+%%")  # _TEMPLATE_TOKEN where the other four cannot match
# A script URL in an address attribute or a style's url(); browsers ignore ASCII whitespace and
# control characters inside the scheme, so "java\tscript:" counts too. Text is not matched: an
# event called "Workshop JavaScript: erste Schritte", or a photo's alt text about it, is no script.
_SCRIPT_URL = re.compile(r"(?:^|url\(['\"]?)(?:javascript|vbscript):", re.I)
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "cite", "data", "xlink:href", "style"}
_URL_NOISE = re.compile(r"[\x00-\x20]+")
_CONDITIONAL = re.compile(r"<!--\[if [^\]]*mso[^\]]*\]>.*?<!\[endif\]-->", re.DOTALL | re.IGNORECASE)


@lru_cache(maxsize=1)
def client_support() -> dict[str, dict[str, object]]:
    data = json.loads(resources.files("generator.email").joinpath("client_support.json").read_text(encoding="utf-8"))
    features: dict[str, dict[str, object]] = data["features"]
    return features


@dataclass(frozen=True, slots=True)
class Finding:
    feature: str  # caniemail's feature id, such as css-display-flex
    what: str
    clients: tuple[str, ...]

    def __str__(self) -> str:
        return _(
            "%(what)s is not supported in %(clients)s (caniemail: %(feature)s)",
            what=self.what, clients=", ".join(self.clients), feature=self.feature,
        )  # fmt: skip


_ATTRIBUTE = re.compile(r"([^\s=/>\"']+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")


# What the scan reads, each at the leftmost place it begins: a comment (to its end, or to the end
# of the text if it has none), a start tag, or a "<" before a letter that starts no tag (text).
# Possessive: a tag's attribute text is taken in runs, never given back (the only end it can
# have is the first ">" outside quotes, so backtracking never finds another), a third faster.
_LEXEME = re.compile(
    r"<!--(?:.*?-->|.*)|<([a-zA-Z][\w:-]*)((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)/?>|<[a-zA-Z]", re.DOTALL
)
_RAW_TEXT_END = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("style", "script")}


Attributes = Mapping[str, str | None]  # shared between equal tags: read only


@lru_cache(maxsize=16384)  # the templates' tags repeat in every email: each is read once per process
def _attributes(raw: str) -> Attributes:
    """The attributes of a start tag's text after its name, entities decoded. The result is shared
    between the tags with the same text: callers only read it."""
    attrs: dict[str, str | None] = {}
    for name, double, single, bare in _ATTRIBUTE.findall(raw):
        value = double or single or bare
        attrs[name.lower()] = unescape(value) if value or "=" in raw else None
    return attrs


StartTag = tuple[str, str]  # (the name in lower case, the text of its attributes as written)


def _elements(html: str) -> list[StartTag]:
    """Start tags with the text of their attributes, outside comments (Outlook's conditional
    markup among them) and style/script text (their verdicts come from :func:`_tag_problems` and
    :func:`_tag_findings`, once per distinct tag and process). A scan, not a DOM: a fraction of the
    time of html.parser, and it sees what a client's sanitiser sees: tags and attributes. The
    markup is read from left to right as a browser does, so a ``<script>`` or ``<!--`` inside an
    attribute's quoted value (an alt text) is text."""
    found: list[StartTag] = []
    position = 0
    while (lexeme := _LEXEME.search(html, position)) is not None:
        position = lexeme.end()
        if lexeme.group(1) is None:  # a comment, or a "<" that starts no tag
            continue
        tag = lexeme.group(1).lower()
        found.append((tag, lexeme.group(2)))
        if tag in _RAW_TEXT_END:  # raw text up to the end tag: no tags in it
            end = _RAW_TEXT_END[tag].search(html, position)
            position = end.end() if end else len(html)
    return found


def _feature_for(prop: str, value: str) -> str | None:
    features = client_support()
    if prop == "display":
        keyword = value.strip().lower()
        candidate = f"css-display-{keyword}"
        return candidate if candidate in features else None
    for candidate in (f"css-{prop}", f"css-{prop.split('-')[0]}"):
        if candidate in features:
            return candidate
    return None


@lru_cache(maxsize=4096)  # inlined CSS repeats the same few style attributes on every email
def _style_features(style: str) -> tuple[tuple[str, str], ...]:
    """(caniemail feature, what) of each layout declaration in ``style`` some client lacks."""
    if _HIDDEN.search(style):
        return ()  # a hidden element (the preheader) carries no layout; each client hides it its way
    features = client_support()
    found = []
    for prop, value in _DECLARATION.findall(style):
        prop = prop.lower()
        if prop not in LAYOUT_PROPERTIES:
            continue
        feature_id = _feature_for(prop, value)
        if feature_id and features[feature_id]["unsupported"]:
            found.append((feature_id, f"{prop}: {value.strip()}" if prop == "display" else prop))
    return tuple(found)


def client_findings(html: str, elements: list[StartTag] | None = None) -> list[Finding]:
    """Layout-carrying elements and inline CSS that a target client does not support."""
    found: dict[str, Finding] = {}
    for tag, raw in elements if elements is not None else _elements(html):
        for finding in _tag_findings(tag, raw):
            found.setdefault(finding.feature, finding)
    return list(found.values())


# The templates' tags repeat in every email: each distinct tag is judged once per process, keyed
# by its text as written (a string hashes once; a tuple of its attributes hashed at every tag).
@lru_cache(maxsize=16384)
def _tag_findings(tag: str, raw: str) -> tuple[Finding, ...]:
    features = client_support()
    found: list[Finding] = []
    feature = f"html-{tag}"
    if tag in LAYOUT_ELEMENTS and feature in features and features[feature]["unsupported"]:
        found.append(Finding(feature, f"<{tag}>", tuple(features[feature]["unsupported"])))  # type: ignore[arg-type]
    for feature_id, what in _style_features(_attributes(raw).get("style") or ""):
        found.append(Finding(feature_id, what, tuple(features[feature_id]["unsupported"])))  # type: ignore[arg-type]
    return tuple(found)


def rule_violations(html: str, site_url: str, elements: list[StartTag] | None = None) -> list[str]:
    """rundbrief's own rules for every email (see the README); an empty list when all hold."""
    problems: list[str] = []
    host = urlsplit(site_url).hostname
    for tag, raw in elements if elements is not None else _elements(html):
        problems.extend(_tag_problems(tag, raw, host))
    # the quick test first: an email without any of these marks has no token (nearly every one)
    if any(mark in html for mark in _TOKEN_MARKS):
        body = _CONDITIONAL.sub("", html)
        # every email holds its unsubscribe placeholder (%%...%%): without the other marks, the
        # scan needs only the pattern with a literal start, which the engine looks for at once
        token = _TEMPLATE_TOKEN if any(mark in body for mark in _TOKEN_MARKS[:4]) else _PERCENT_TOKEN
        tokens = {t for t in token.findall(body) if t not in PLACEHOLDERS}
        if tokens:
            problems.append(f"unresolved template tokens: {', '.join(sorted(tokens))}")
    return problems


@lru_cache(maxsize=16384)
def _tag_problems(tag: str, raw: str, host: str | None) -> tuple[str, ...]:
    """What rundbrief's rules find in one tag with the attributes ``raw``, on a site at ``host``."""
    attrs = _attributes(raw)
    problems: list[str] = []
    if tag in FORBIDDEN_ELEMENTS:
        problems.append(f"<{tag}> must not be in an email")
    if any(name.startswith("on") for name in attrs):
        problems.append(f"<{tag}> has an event handler")
    if tag == "link" and (attrs.get("rel") or "").lower() == "stylesheet":
        problems.append("external stylesheets must not be in an email")
    href = attrs.get("href") or ""
    if tag == "a":
        scheme = urlsplit(href).scheme.lower()
        if href in PLACEHOLDERS:
            pass
        elif scheme not in ("https", "http", "mailto", "tel"):
            problems.append(f"link is not absolute: {href!r}")
    if tag == "img":
        src = attrs.get("src") or ""
        width = attrs.get("width") or ""
        if not src.startswith("https://") and not src.startswith("http://"):
            problems.append(f"image is not an absolute URL: {src!r}")
        elif host and urlsplit(src).hostname != host:
            problems.append(f"image is not on the published site: {src!r}")
        if not width.isdigit() or int(width) > 600:
            problems.append(f"image needs a numeric width of at most 600, found {width!r}: {src}")
        if attrs.get("alt") is None:
            problems.append(f"image without alt: {src}")
        if attrs.get("border") != "0":
            problems.append(f"image without border=0: {src}")
        if "display:block" not in (attrs.get("style") or "").replace(" ", "").lower():
            problems.append(f"image without display:block: {src}")
    for name, value in attrs.items():
        if value and name in _URL_ATTRIBUTES and _SCRIPT_URL.search(_URL_NOISE.sub("", value)):
            problems.append(f"<{tag}> has a javascript: URL in {name}")
    style = attrs.get("style") or ""
    if FORBIDDEN_CSS.search(style):
        problems.append(f"<{tag}> has layout CSS that Outlook or Gmail drop: {style!r}")
    if tag == "table" and attrs.get("role") == "presentation":
        if not (attrs.get("cellpadding") == attrs.get("cellspacing") == attrs.get("border") == "0"):
            problems.append("a layout table needs cellpadding, cellspacing and border of 0")
    return tuple(problems)


def lint_email(html: str, site_url: str) -> tuple[list[str], list[Finding]]:
    """Both checks on one parse: (rule violations, client-support findings)."""
    elements = _elements(html)
    return rule_violations(html, site_url, elements), client_findings(html, elements)
