"""Rendering one issue as an email: view model -> jinja2 -> CSS inlined -> checked -> plain text.

The one place that does every email-only step, returning an :class:`EmailBody` value; the
MIME message and the sender only combine that body with headers and recipients.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import jinja2
from markupsafe import Markup

from generator.cachefiles import tree_stats
from generator.content.model import Issue, Project
from generator.email.bodyhtml import defuse
from generator.email.context import ViewBuilder
from generator.email.lint import lint_email
from generator.hyphenation import WBR, hyphenate_html
from generator.i18n import _
from generator.images import ImagePipeline
from generator.markup import Converter
from generator.plaintext import fill, quoted_text
from generator.texts import Texts, routes_for
from generator.theme import find_template

Inliner = Literal["css-inline", "premailer"]
WARN_BYTES = 90 * 1024
MAX_BYTES = 100 * 1024  # Gmail clips a message's HTML at about 102 KB
MAX_STYLE_BYTES = 16 * 1024
_SECTION = re.compile(r"<!-- rb:section (\w+) -->")
# Literal first, so the engine searches for it instead of trying each character (80 -> 11 us),
# and the line taken whole (possessive): it can only end at the line break.
_BLANK_LINES = re.compile(r"\n\n\n+")
# a heading's line, a blank line, its underline: the underline goes right under it
_UNDERLINE_APART = re.compile(r"^(\w[^\n]*+)\n\n(-{3,}|={3,})$", re.MULTILINE)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EmailBody:
    slug: str
    subject: str
    preheader: str
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    body: EmailBody
    errors: tuple[str, ...]  # the build must not send this
    warnings: tuple[str, ...]


def _underline(text: str, char: str) -> str:
    return f"{text}\n{char * min(len(text), 76)}"


_environments: dict[tuple[tuple[Path, ...], bool], tuple[str, jinja2.Environment]] = {}


def template_environment(templates: Sequence[Path], *, html: bool) -> jinja2.Environment:
    """The templates of ``templates`` (first match per file wins), compiled once per process
    while their files stay as they are: the preview renders an edited issue's email after every
    save, and compiling the templates took longer than rendering it."""
    folders = tuple(templates)
    files = "\n".join(line for folder in folders for line in tree_stats(folder))
    known = _environments.get((folders, html))
    if known is not None and known[0] == files:
        return known[1]
    env = _new_environment(folders, html=html)
    _environments[(folders, html)] = (files, env)
    return env


def _new_environment(templates: Sequence[Path], *, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=html,
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails loudly instead of vanishing
        keep_trailing_newline=True,
        trim_blocks=not html,
        lstrip_blocks=not html,
        auto_reload=False,  # templates do not change during a build: no stat per email
    )
    env.finalize = lambda value: value if isinstance(value, Markup) or not isinstance(value, str) else defuse(value)
    env.filters["underline"] = _underline
    env.filters["wrap"] = lambda text: fill(" ".join(str(text).split()))
    env.filters["quoted"] = lambda html, opening, closing: quoted_text(str(html), opening, closing)
    return env


def inline_css(document: str, inliner: Inliner) -> str:
    """Every rule into style attributes; @media rules stay in <style> as enhancements."""
    if inliner == "premailer":
        from premailer import Premailer  # optional, slower, kept for users who rely on it

        return str(
            Premailer(
                document, remove_classes=False, strip_important=False, keep_style_tags=False,
                allow_network=False, disable_validation=True, cssutils_logging_level=logging.CRITICAL,
                disable_basic_attributes=["width", "height", "align", "valign", "bgcolor"],  # ours are set explicitly
            ).transform(pretty_print=False)
        )  # fmt: skip
    import css_inline  # only the commands that build load it

    return str(css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False).inline(document))


def sections_by_size(html: str) -> list[tuple[str, int]]:
    """The template's sections with their size in bytes, biggest first."""
    marks = list(_SECTION.finditer(html))
    sizes = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(html)
        sizes.append((mark.group(1), len(html[mark.start() : end].encode("utf-8"))))
    return sorted(sizes, key=lambda item: -item[1])


class EmailRenderer:
    def __init__(
        self, project: Project, images: ImagePipeline, templates: Path | Sequence[Path],
        inliner: Inliner = "css-inline", texts: Texts | None = None,
    ) -> None:  # fmt: skip
        """``templates``: the folders the templates are looked up in, first match per file wins;
        ``texts``: the build's converted texts (those missing are converted when needed)."""
        if not project.settings.site_url:
            raise ValueError("site_url is required for emails")
        self.project = project
        self.inliner = inliner
        folders = (templates,) if isinstance(templates, Path) else tuple(templates)
        self.html_env = template_environment(folders, html=True)
        self.text_env = template_environment(folders, html=False)
        css = find_template(folders, "email.css").read_text(encoding="utf-8")
        routes = routes_for(project)
        if texts is None:
            texts = Texts(Converter(project.settings.markdown, routes))
        self.views = ViewBuilder(project, routes, texts, images, css)
        self.html_template = self.html_env.get_template("email.html.j2")
        self.text_template = self.text_env.get_template("email.txt.j2")

    def render(self, issue: Issue) -> RenderedEmail:
        view = self.views.build(issue)
        document = self.html_template.render(e=view)
        # soft hyphens in long words, break opportunities (<wbr>, not a character that would be copied
        # with an address) in long addresses: Gmail and Outlook know no `hyphens`, and GMX and WEB.DE
        # keep no <style> to shrink a heading on a phone
        document = hyphenate_html(document, WBR)
        html = inline_css(document, self.inliner).rstrip() + "\n"  # a MIME part ends with a line break
        text = self.text_template.render(e=view)
        text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
        text = _UNDERLINE_APART.sub(r"\1\n\2", text)
        errors, warnings = self._check_size(html)
        violations, findings = lint_email(html, self.project.settings.site_url or "")
        errors += violations
        warnings += [str(finding) for finding in findings]
        style = "".join(_STYLE.findall(html))
        if len(style.encode("utf-8")) > MAX_STYLE_BYTES:
            errors.append(
                _(
                    "the <style> block is %(size)d KB; at most %(limit)d KB",
                    size=len(style.encode()) // 1024, limit=MAX_STYLE_BYTES // 1024,
                )  # fmt: skip
            )
        body = EmailBody(issue.slug, view.subject, view.preheader, html, text)
        return RenderedEmail(body, tuple(errors), tuple(warnings))

    @staticmethod
    def _check_size(html: str) -> tuple[list[str], list[str]]:
        size = len(html.encode("utf-8"))
        if size <= WARN_BYTES:
            return [], []
        biggest = ", ".join(f"{name} {kb / 1024:.0f} KB" for name, kb in sections_by_size(html)[:3])
        if size > MAX_BYTES:
            return [
                _(
                    "the email's HTML is %(size).1f KB (biggest: %(biggest)s); Gmail clips emails over about "
                    "102 KB: at most %(limit)d KB, shorten the issue",
                    size=size / 1024, biggest=biggest, limit=MAX_BYTES // 1024,
                )  # fmt: skip
            ], []
        return [], [
            _(
                "the email's HTML is %(size).1f KB (biggest: %(biggest)s); Gmail clips emails over about 102 KB",
                size=size / 1024, biggest=biggest,
            )  # fmt: skip
        ]
