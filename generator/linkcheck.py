"""Every address on the site that a built email shows must be a file of the built site.

An email is read in a mail client weeks after it was sent: an image or link that the site
does not serve is broken for every subscriber, and nobody sees it before the send. The build
checks its staged output with this before swapping it in, and ``rundbrief check`` checks the
built output again.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import SplitResult, unquote, urlsplit

EMAIL_FILES = ("email.html", "email.txt")
_TEXT_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)  # "HTTPS://" is an address to a mail client too
# what ends a sentence or closes a quote after an address written in text, German quotes too
_TRAILING = ".,;:!?)]}>'\"“”„‘’‚»«›‹…`*"  # and Markdown's code and emphasis marks


# Address attributes wherever they stand, Outlook's conditional markup (the VML button) included:
# a scan of the whole text finds at least what a parser finds (a thousand emails: 0.15 s, not 8 s).
# The scan is `(?<=[\s"'])(?:href|src|background)=...` over the text's bytes in ASCII lower case
# (the same length, so the same places), one pattern per name, merged: a pattern that begins with
# a literal is found by a fast search for it, where one that begins with a class, an alternation
# or a lookbehind is tried at every character (0.43 -> 0.15 ms an email). Its lookbehind comes
# after the name for that reason. Whitespace is ASCII's, as a parser's: a name ends there only.
_VALUE = rb"""\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"""
_ADDRESS_ATTRIBUTES = tuple(
    re.compile(name + rb"(?<=[\s\"']" + name + rb")" + _VALUE) for name in (rb"href", rb"src", rb"background")
)


def _attribute_matches(lowered: bytes) -> Iterator[re.Match[bytes]]:
    """The matches of the three patterns as one scan by all three finds them: leftmost first, each
    after the one before (a name inside a value before it is text: "href='a src=b'")."""
    upcoming = [pattern.search(lowered) for pattern in _ADDRESS_ATTRIBUTES]
    position = 0
    while True:
        for index, match in enumerate(upcoming):
            if match is not None and match.start() < position:
                upcoming[index] = _ADDRESS_ATTRIBUTES[index].search(lowered, position)
        found = [match for match in upcoming if match is not None]
        if not found:
            return
        first = min(found, key=lambda match: match.start())
        yield first
        position = first.end()


def addresses(page: str, text: str) -> list[str]:
    """The link and image addresses of an email: attributes of its HTML, URLs written out in its text."""
    raw = page.encode("utf-8", "surrogatepass")
    found = []
    for match in _attribute_matches(raw.lower()):  # ASCII letters only: the places stay
        group = 1 if match.start(1) >= 0 else 2 if match.start(2) >= 0 else 3
        address = raw[match.start(group) : match.end(group)].decode("utf-8", "surrogatepass")
        address = (html.unescape(address) if "&" in address else address).strip()
        if address:
            found.append(address)
    return found + text_addresses(text)


def text_addresses(text: str) -> list[str]:
    """The web addresses written out in ``text``, without the punctuation that ends a sentence."""
    return [url.rstrip(_TRAILING) for url in _TEXT_URL.findall(text)]


def site_relative(address: str, site_url: str) -> str | None:
    """The path below ``site_url`` that ``address`` asks for (percent escapes kept), or None if it
    is not an address of the site: http or https, the host in any case, the path's dot segments
    resolved as a browser resolves them before its place below the site's is known. The one
    rule for the build's check of the emails and for ``check`` (content/bodyrefs.py)."""
    base = urlsplit(site_url if site_url.endswith("/") else site_url + "/")
    try:
        # a browser reads "\" as "/" in a web address, and the host as _origin does
        parts = urlsplit(address.replace("\\", "/"))
        if parts.scheme.lower() not in ("http", "https") or _origin(parts) != _origin(base):
            return None
    except ValueError:  # an address Python cannot split ("http://[x", a port "x"): none of the site's
        return None
    # "%2E%2E" is a dot segment to a browser too; what it names stays escaped for site_file
    dotted = re.sub(r"%2[eE]", ".", parts.path) or "/"
    path = posixpath.normpath(dotted)
    if dotted.endswith("/") and not path.endswith("/"):
        path += "/"  # the folder's address: its index.html
    if not (path + "/").startswith(base.path):
        return None
    return path[len(base.path) :]


def _origin(parts: SplitResult) -> tuple[str, int | None]:
    """The host (without user info, a closing dot or case) and port (the scheme's own left out)."""
    port = parts.port
    if port == {"http": 80, "https": 443}.get(parts.scheme.lower()):
        port = None
    return (parts.hostname or "").rstrip("."), port


def site_path(relative: str) -> str:
    """A site-relative path (site_relative's, without query or fragment) as a browser asks for
    it: unquoted, its dot segments resolved ("%2E%2E" too), never above the site's root, its
    closing slash kept. The one reading of it for ``check`` (content/bodyrefs.py) and for the
    build's site_file."""
    path = unquote(relative)
    resolved = posixpath.normpath("/" + path).lstrip("/")
    return resolved + "/" if path.endswith("/") and resolved else resolved


def site_file(site_dir: Path, relative: str) -> Path | None:
    """The file a web server would send for ``relative`` (below the site's root), if any."""
    path = site_dir.joinpath(*PurePosixPath(site_path(relative)).parts)
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def email_addresses(email_dir: Path) -> list[str]:
    """The addresses the built email in ``email_dir`` shows, read from its files."""
    html = (email_dir / "email.html").read_text(encoding="utf-8") if (email_dir / "email.html").is_file() else ""
    text = (email_dir / "email.txt").read_text(encoding="utf-8") if (email_dir / "email.txt").is_file() else ""
    return list(dict.fromkeys(addresses(html, text)))


def missing_on_site(
    email_dir: Path,
    site_dir: Path,
    site_url: str,
    elsewhere: tuple[str, ...] = (),
    seen: dict[str, bool] | None = None,
    shown: list[str] | None = None,
) -> list[str]:
    """Addresses below ``site_url`` in the email of ``email_dir`` that ``site_dir`` has no file for.
    ``elsewhere``: prefixes below the site's address served by something else (the subscription service);
    ``seen``: what earlier emails of the same check found (the same logos and pages are in every email);
    ``shown``: the email's addresses if known (the build took them from the text it wrote), else its
    files are read."""
    seen = {} if seen is None else seen
    found: list[str] = []
    for address in email_addresses(email_dir) if shown is None else shown:
        relative = site_relative(address, site_url)
        if relative is None or any(address.startswith(e) for e in elsewhere if e):
            continue
        if relative not in seen:
            seen[relative] = site_file(site_dir, relative) is not None
        if not seen[relative]:
            found.append(address)
    return found
