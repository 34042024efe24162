"""Images in the Markdown body: shown through web-sized renditions, with width and height.

Python-Markdown writes ``<img alt=".." src="..">`` with double-quoted attributes; an image
whose src resolves to a JPEG, PNG or GIF in content/ gets its rendition, a srcset and its
size, so the body obeys the same rule as the photos rundbrief places itself.
"""

from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import unquote, urlsplit

from generator.content.images import ImageChecker, ImageProblem
from generator.site.images import ImagePipeline

BODY_WIDTH = 800  # CSS pixels of Material's content column
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')


def rewrite(page_html: str, page_url: str, checker: ImageChecker, images: ImagePipeline) -> str:
    """``page_url`` is the page's URL relative to the site, such as "newsletter/2026-02/".

    MkDocs has already made every src relative to that URL; files keep their content/ paths.
    """
    page_dir = posixpath.dirname(page_url)
    depth = page_url.count("/")  # "newsletter/2026-02/" lies two folders below the site's root

    def replace(match: re.Match[str]) -> str:
        tag = match.group(0)
        attrs = dict(_ATTR.findall(tag))
        src = html.unescape(attrs.get("src", ""))
        parts = urlsplit(src)
        if not src or parts.scheme or parts.netloc or src.startswith("/"):
            return tag
        target = posixpath.normpath(posixpath.join(page_dir, unquote(parts.path)))
        try:
            image = checker.check(target)
        except ImageProblem:
            return tag  # not ours to resize; MkDocs reports broken links itself
        picture = images.picture(image, BODY_WIDTH)
        up = "../" * depth
        srcset = ", ".join(f"{up}{url} {width}w" for url, width in picture.candidates)
        alt = attrs.get("alt", "")
        kept = "".join(f' {k}="{v}"' for k, v in attrs.items() if k not in ("src", "alt", "width", "height", "srcset"))
        return (
            f'<img src="{up}{picture.src}" srcset="{srcset}" sizes="(max-width: {BODY_WIDTH}px) 100vw, {BODY_WIDTH}px" '
            f'alt="{alt}" width="{picture.width}" height="{picture.height}" loading="lazy"{kept}>'
        )

    return _IMG.sub(replace, page_html)
