"""What the email preview shows of a built email, and the variants of its HTML.

The built files are only read, never changed: every variant is made for the browser from
``email.html`` when it is asked for.

- ``normal``: as the subscribers get it, with the site's addresses (``site_url``) turned into
  addresses of the preview server, so that the images are this preview's, not the public site's
  (which may not have them yet).
- ``ohne-style``: GMX and WEB.DE desktop webmail drop ``<style>``: the blocks are removed, the
  inlined styles stay.
- ``dunkel``: dark mode. An iframe cannot be told to prefer dark colours, so the email's own
  dark rules (``@media (prefers-color-scheme: dark)``) are made to apply always: the media
  feature is replaced with one that is always true. This shows what Apple Mail, iOS Mail and
  Outlook for Mac make of those rules; clients that invert colours on their own (the Gmail app,
  Outlook.com) are not imitated.
- ``ohne-bilder``: images blocked, as many clients do until the reader allows them: ``src``
  is removed, so the browser shows the alt text in the image's place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

from generator.email.lint import lint_email
from generator.email.render import MAX_BYTES, WARN_BYTES

VARIANTS = {
    "normal": "wie verschickt",
    "ohne-style": "ohne <style> (GMX, WEB.DE)",
    "dunkel": "dunkler Modus",
    "ohne-bilder": "Bilder blockiert",
}
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE)
_DARK = re.compile(r"\(\s*prefers-color-scheme\s*:\s*dark\s*\)", re.IGNORECASE)
_LIGHT = re.compile(r"\(\s*prefers-color-scheme\s*:\s*light\s*\)", re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_IMG_SOURCE = re.compile(r"""\s(?:src|srcset)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def local_addresses(html: str, site_url: str) -> str:
    """The site's addresses as addresses of the preview server (its root is the built site)."""
    if not site_url:
        return html
    prefix = site_url if site_url.endswith("/") else site_url + "/"
    return html.replace(prefix, "/")


def variant(html: str, name: str, site_url: str) -> str:
    """``html`` as the variant ``name`` (one of VARIANTS) shows it."""
    html = local_addresses(html, site_url)
    if name == "ohne-style":
        return _STYLE_BLOCK.sub("", html)
    if name == "dunkel":

        def forced(match: re.Match[str]) -> str:
            # always true / never true, and valid in any media query
            css = _DARK.sub("(min-width: 0px)", match.group(0))
            return _LIGHT.sub("(max-width: 0px)", css)

        return _STYLE_BLOCK.sub(forced, html)
    if name == "ohne-bilder":
        return _IMG.sub(lambda m: _IMG_SOURCE.sub("", m.group(0)), html)
    return html


@dataclass(frozen=True, slots=True)
class EmailFacts:
    """What the preview page lists above the email."""

    subject: str
    sender: str
    reply_to: str
    size: int  # bytes of the HTML
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    text: str

    @property
    def size_percent(self) -> int:
        return round(100 * self.size / MAX_BYTES)

    @property
    def size_state(self) -> str:
        return "zu groß" if self.size > MAX_BYTES else "knapp" if self.size > WARN_BYTES else "in Ordnung"


def email_facts(folder: Path, site_url: str, build_messages: tuple[str, ...]) -> EmailFacts:
    """Subject and sender as the message carries them, the size, and every finding: the build's
    (``build_messages``) and the client lint's, each once."""
    html = (folder / "email.html").read_text(encoding="utf-8")
    with (folder / "message.eml").open("rb") as handle:
        headers = BytesHeaderParser(policy=default).parse(handle)
    violations, findings = lint_email(html, site_url)
    errors = list(dict.fromkeys(violations))
    warnings = [str(f) for f in findings]
    for message in build_messages:
        if message not in errors and message not in warnings:
            (errors if message in violations else warnings).append(message)
    return EmailFacts(
        # a long header is folded right after its name ("Subject:" CRLF " Newsletter ..."): the
        # folding blank is not part of the value
        subject=str(headers.get("Subject", "")).strip(),
        sender=str(headers.get("From", "")).strip(),
        reply_to=str(headers.get("Reply-To", "")).strip(),
        size=len(html.encode("utf-8")),
        errors=tuple(errors),
        warnings=tuple(dict.fromkeys(warnings)),
        text=(folder / "email.txt").read_text(encoding="utf-8"),
    )
