"""Checking image files that content refers to: inside ``content/``, real, and sane in size.

Only the header is read (Pillow opens lazily), and each file is checked once per load
however many issues use it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path, PurePosixPath

from PIL import Image as PILImage

from generator.content.model import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF")
MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel camera image is the largest a process would publish
_EXIF_ORIENTATION = 0x0112
_OTHER_FORMATS = {
    ".svg": "an SVG file",
    ".pdf": "a PDF file",
    ".heic": "a HEIC photo (export it as JPEG)",
    ".heif": "a HEIF photo (export it as JPEG)",
    ".webp": "a WebP image",
    ".avif": "an AVIF image",
}
_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF"}


class ImageProblem(Exception):
    """Why a referenced image cannot be used; the message completes "<field>: ..."."""


class ImageChecker:
    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.content_real = content_dir.resolve()
        self._cache: dict[str, Image | ImageProblem] = {}

    def check(self, src: str) -> Image:
        """The image at ``src`` (relative to content/), or raise :class:`ImageProblem`."""
        cached = self._cache.get(src)
        if cached is None:
            try:
                cached = self._check(src)
            except ImageProblem as problem:
                cached = problem
            self._cache[src] = cached
        if isinstance(cached, ImageProblem):
            raise cached
        return cached

    def _check(self, src: str) -> Image:
        shown = f'"{src}"'
        pure = PurePosixPath(src.replace("\\", "/"))
        if pure.is_absolute() or src.startswith(("/", "\\")) or (len(src) > 1 and src[1] == ":"):
            raise ImageProblem(f"expected a path relative to content/ such as media/foto.jpg, found {shown}")
        if ".." in pure.parts:
            raise ImageProblem(f"must stay inside content/ (no ../), found {shown}")
        if "://" in src:
            raise ImageProblem(f"expected a file in content/, not a web address, found {shown}")
        path = self.content_dir.joinpath(*pure.parts)
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.content_real):
            raise ImageProblem(f"is a link that points outside content/, found {shown}")
        if not real.is_file():
            raise ImageProblem(f"file not found: content/{pure.as_posix()}")
        size = real.stat().st_size
        if size > MAX_BYTES:
            raise ImageProblem(
                f"image file is too large: {size / 1024 / 1024:.0f} MB (at most {MAX_BYTES // 1024 // 1024} MB), "
                f"found {shown}"
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PILImage.DecompressionBombWarning)
                with PILImage.open(real) as img:
                    fmt, (width, height) = img.format or "", img.size
                    if img.getexif().get(_EXIF_ORIENTATION) in (5, 6, 7, 8):  # shown turned by 90 degrees
                        width, height = height, width
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            raise ImageProblem(f"image is too large in pixels (at most {MAX_PIXELS // 1_000_000} megapixels), found {shown}")
        except (OSError, ValueError, SyntaxError):
            what = _OTHER_FORMATS.get(pure.suffix.lower(), "a file that cannot be read as an image")
            raise ImageProblem(f"expected a JPEG, PNG or GIF image, found {shown}, {what}")
        if fmt not in ALLOWED_FORMATS:
            raise ImageProblem(f"expected a JPEG, PNG or GIF image, found {shown} in the format {fmt or 'unknown'}")
        if width * height > MAX_PIXELS:
            raise ImageProblem(
                f"image is too large: {width}x{height} pixels (at most {MAX_PIXELS // 1_000_000} megapixels), found {shown}"
            )
        if width < 1 or height < 1:
            raise ImageProblem(f"image has no pixels, found {shown}")
        return Image(src=pure.as_posix(), path=real, format=fmt, width=width, height=height)


def suffix_mismatch(image: Image) -> str | None:
    """A note when the file name promises another format than the file has."""
    expected = _SUFFIXES.get(PurePosixPath(image.src).suffix.lower())
    if expected is not None and expected != image.format:
        return f'"{image.src}" is a {image.format} image but its name ends in {PurePosixPath(image.src).suffix}'
    if expected is None:
        return f'"{image.src}" is a {image.format} image; name it with .jpg, .png or .gif so every server sends the right type'
    return None
