"""The site target of converted Markdown: images web-sized, addresses relative to the page.

An image whose src is a JPEG, PNG or GIF in content/ gets its rendition, a srcset and its size,
so the body obeys the same rule as the photos rundbrief places itself. The tag is read as a
browser reads it (htmltags.py; an editor's raw ``<img>`` may quote with ``'`` or not at all,
and a quoted value may hold ``>``), and written anew with each attribute escaped: the new tag
says what the old one said, nothing more. The src is either relative to
the page (pages MkDocs converted) or the absolute address of the file on the site (texts of the
one conversion, generator/markup.py); links of the latter become relative to the page, as
MkDocs writes them, so the site works below any address and in the local preview.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from urllib.parse import unquote, urlsplit

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from mkdocs.utils import get_relative_url

from generator.content.images import ImageChecker, ImageProblem
from generator.htmltags import pixels, raw_attributes, real_tags, replace_addresses, unescape_value
from generator.images import ImagePipeline
from generator.markup import resolve_raw_html, resolve_tree
from generator.routes import Routes

BODY_WIDTH = 800  # CSS pixels of Material's content column
_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_:.]*")  # an attribute name that needs no care to be written


def rewrite(page_html: str, page_url: str, checker: ImageChecker, images: ImagePipeline, site_url: str = "") -> str:
    """``page_url`` is the page's URL relative to the site, such as "newsletter/2026-02/".

    Relative srcs are relative to that URL (MkDocs made them so); files keep their content/ paths.
    """
    page_dir = posixpath.dirname(page_url)
    depth = page_url.count("/")  # "newsletter/2026-02/" lies two folders below the site's root

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        attrs: dict[str, str] = {}  # as written: a value's character references are the browser's to read
        for name, value in raw_attributes(match.group(2)):
            attrs.setdefault(name.lower(), value.replace('"', "&quot;"))  # a browser keeps the first of two
        src = unescape_value(attrs.get("src", ""))
        try:
            parts = urlsplit(src)
        except ValueError:  # "http://[x": nothing a browser could load (check reports it)
            return tag
        if site_url and src.startswith(site_url):
            target = unquote(urlsplit(src[len(site_url) :]).path)
        elif not src or parts.scheme or parts.netloc or src.startswith("/"):
            return tag
        else:
            target = posixpath.normpath(posixpath.join(page_dir, unquote(parts.path)))
        try:
            image = checker.check(target)
        except ImageProblem:
            return tag  # not ours to resize; check reports missing images with their line
        wanted = pixels(attrs.get("width", ""))  # the editor's width, as <img width> or {width=...}
        shown = wanted if wanted and wanted < BODY_WIDTH else BODY_WIDTH
        picture = images.picture(image, shown)
        up = "../" * depth
        srcset = ", ".join(f"{up}{url} {width}w" for url, width in picture.candidates)
        wide = picture.width  # as wide as it is shown: never wider than the image
        alt = attrs.get("alt", "")
        kept = "".join(
            f' {k}="{v}"'
            for k, v in attrs.items()
            if k not in ("src", "alt", "width", "height", "srcset", "sizes", "loading") and _NAME.fullmatch(k)
        )
        return (
            f'<img src="{up}{picture.src}" srcset="{srcset}" sizes="(max-width: {wide}px) 100vw, {wide}px" '
            f'alt="{alt}" width="{picture.width}" height="{picture.height}" loading="lazy"{kept}>'
        )

    out: list[str] = []
    copied = 0
    for tag in real_tags(page_html):  # not an "<img" in another tag's value, nor in a comment
        if tag.group(1).lower() == "img":
            out += (page_html[copied : tag.start()], replace(tag))
            copied = tag.end()
    out.append(page_html[copied:])
    return "".join(out)


def site_html(converted: str, page_url: str, routes: Routes, checker: ImageChecker, images: ImagePipeline) -> str:
    """A text of the one conversion as the page at ``page_url`` shows it."""
    with_images = rewrite(converted, page_url, checker, images, routes.site_url)
    if not routes.site_url:
        return with_images
    site_url = routes.site_url

    def relative(address: str) -> str:
        if not address.startswith(site_url):
            return address
        rest = address[len(site_url) :]
        path, mark, after = rest.partition("?") if "?" in rest.split("#", 1)[0] else rest.partition("#")
        target = get_relative_url(path or "./", page_url) if path else get_relative_url("./", page_url)
        if (path.endswith("/") or not path) and not target.endswith("/"):
            target += "/"
        return target + mark + after

    # in the tags a browser reads (not in code that shows an address, nor in another attribute)
    return replace_addresses(with_images, relative)


class RawHtmlAddresses(Extension):
    """For the pages MkDocs converts itself (kontakt.md, the phases): addresses in raw HTML are
    relative to the Markdown file, as its Markdown links are and as ``check`` and the issue
    texts read them; MkDocs leaves raw HTML as written, and the browser would read
    ``<img src="media/plan.jpg">`` in kontakt.md relative to the page, /kontakt/media/plan.jpg.
    MkDocs' own link rewriting (its "relpath" tree processor) resolves them, after it ran on
    the Markdown links: the same addresses, the same warnings for missing files."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        md.treeprocessors.register(_RawHtmlAddresses(md), "rundbrief_raw_html_addresses", -1)

    def __repr__(self) -> str:
        # It has no state: the page cache's key (which hashes mkdocs.yml's settings, this among
        # them) shows it by name; an object's address would match no later build, and its code
        # is in the key anyway.
        return f"{type(self).__name__}()"


class _RawHtmlAddresses(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        if "relpath" not in self.md.treeprocessors:  # not MkDocs converting a page
            return
        to_url = self.md.treeprocessors["relpath"].path_to_url  # type: ignore[attr-defined]

        def resolve(address: str) -> str:
            try:
                return str(to_url(address))
            except ValueError:  # "http://[x": no address a browser could follow (check reports it)
                return address

        resolve_tree(root, resolve, links_and_images=False)  # <video poster> in a markdown="1" block
        resolve_raw_html(self.md, resolve)
