"""Checking image files that content refers to: inside ``content/``, real, sane in size, whole.

Every image a page shows is decoded completely once (a truncated or damaged file must be an
error of ``check``, not a traceback of ``build``). Decoding is what costs: each file is checked
once per load however many issues use it, a file decoded well is remembered for the process by
its path, size and modification time, and a checker given a cache folder keeps that list in
``verified-images.json`` there, so that ``check`` decodes only new and changed files.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import warnings
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from struct import error as struct_error

import PIL
from PIL import Image as PILImage

from generator.cachefiles import read_signed, write_signed
from generator.content.model import Image
from generator.i18n import N_, _

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF")
MAX_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel camera image is the largest a process would publish
_EXIF_ORIENTATION = 0x0112
_OTHER_FORMATS = {
    ".svg": N_("an SVG file"),
    ".pdf": N_("a PDF file"),
    ".heic": N_("a HEIC photo (export it as JPEG)"),
    ".heif": N_("a HEIF photo (export it as JPEG)"),
    ".webp": N_("a WebP image"),
    ".avif": N_("an AVIF image"),
}
_SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF"}
IMAGE_SUFFIXES = tuple(_SUFFIXES)
_IMAGE_NAMES = frozenset((*_SUFFIXES, *_OTHER_FORMATS))  # the files a misspelt image name may mean
CACHE_DIR = ".rundbrief/cache"  # below the project; the renditions' cache is there too
VERIFIED_FILE = "verified-images.json"

FileKey = tuple[str, int, int]  # real path, size in bytes, modification time in nanoseconds
_decoded: set[FileKey] = set()  # files this process decoded well (or read from a cache)


class VerifiedImages:
    """The files an earlier check decoded well, kept in ``cache_dir/verified-images.json``.

    A file counts as verified only while its path, size and modification time are those it had
    when it was decoded; any change (a new export, a truncated copy) decodes it again. A list
    written by another Pillow version is not trusted.
    """

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / VERIFIED_FILE
        self.known: set[FileKey] = set()
        self.used: set[FileKey] = set()  # verified during this load: what the next one needs
        try:
            # signed: a list from anybody else could call a damaged or hostile file decoded
            raw = read_signed(self.path)
            data = json.loads(raw) if raw is not None else {}
            if data.get("pillow") == PIL.__version__:
                self.known = {(str(p), int(size), int(mtime)) for p, size, mtime in data["files"]}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            pass  # no list yet, or not one we wrote: every file is decoded

    def __contains__(self, key: FileKey) -> bool:
        return key in self.known

    def add(self, key: FileKey) -> None:
        self.used.add(key)

    def save(self) -> None:
        """Write the files verified during this load, if that changes the list."""
        if self.used == self.known:
            return
        data = {"pillow": PIL.__version__, "files": sorted([list(key) for key in self.used])}
        write_signed(self.path, json.dumps(data, indent=0).encode("utf-8"))  # a cache: it never raises
        self.known = set(self.used)


class ImageProblem(Exception):
    """Why a referenced image cannot be used; the message completes "<field>: ...".
    ``closest``: for a file not found, the image file of content/ closest to the name."""

    def __init__(self, message: str, closest: str | None = None) -> None:
        super().__init__(message)
        self.message, self.closest = message, closest

    def __str__(self) -> str:
        return self.shown_from("")

    def shown_from(self, folder: str) -> str:
        """The message, its suggestion written as seen from ``folder`` below content/ (the
        folder of the issue whose body names the image: "../media/foto.jpg")."""
        if self.closest is None:
            return self.message
        name = posixpath.relpath(self.closest, folder) if folder else self.closest
        return self.message + _(' (did you mean "%(name)s"?)', name=name)


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False, not an error, where the system cannot even look (a name
    longer than the file system allows: an editor's link may be any text)."""
    try:
        return path.is_file()
    except OSError:
        return False


def content_files(content_dir: Path, suffixes: Collection[str]) -> list[str]:
    """The files of content/ with one of ``suffixes`` (lower case, with the dot), as content
    paths, sorted; hidden ones (a part starting with ".") left out, as the build leaves them out."""
    return sorted(
        path.relative_to(content_dir).as_posix()
        for path in content_dir.rglob("*")
        if path.suffix.lower() in suffixes and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(content_dir).parts)
    )  # fmt: skip


def closest_file(missing: str, names: Collection[str]) -> str | None:
    """The name among ``names`` (content paths) a name not found most likely meant: the same name
    in another case, else the closest name without folder and suffix (a slip of a letter), or None."""
    wanted = PurePosixPath(missing.casefold())
    same = [name for name in names if name.casefold() == str(wanted)]
    if not same:
        # names compared without folder and suffix: "media/" and ".jpg" make any two alike
        stems: dict[str, list[str]] = {}
        for name in names:
            stems.setdefault(PurePosixPath(name.casefold()).stem, []).append(name)
        close = difflib.get_close_matches(wanted.stem, list(stems), 1, 0.7)
        same = stems[close[0]] if close else []
    if not same:
        return None
    # of several files with that name, the one in the folder that was named
    return min(same, key=lambda name: (PurePosixPath(name.casefold()).parent != wanted.parent, name))


class ImageChecker:
    def __init__(self, content_dir: Path, cache_dir: Path | None = None) -> None:
        self.content_dir = content_dir
        self.content_real = content_dir.resolve()
        self._cache: dict[str, Image | ImageProblem] = {}
        self.verified = VerifiedImages(cache_dir) if cache_dir is not None else None
        self._images: list[str] | None = None  # content/'s image files, listed at the first miss

    def _suggest(self, missing: str) -> str | None:
        """The image file of content/ closest to a name not found (a slip of a letter, another
        case), or None."""
        if self._images is None:
            self._images = content_files(self.content_dir, _IMAGE_NAMES)
        return closest_file(missing, self._images)

    def save(self) -> None:
        """Keep the list of verified files for the next check (with a cache folder only)."""
        if self.verified is not None:
            self.verified.save()

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
            raise ImageProblem(_(
                "expected a path relative to content/ such as media/foto.jpg, found %(shown)s",
                shown=shown,
            ))
        if ".." in pure.parts:
            raise ImageProblem(_(
                "must stay inside content/ (no ../), found %(shown)s",
                shown=shown,
            ))
        if "://" in src:
            raise ImageProblem(_(
                "expected a file in content/, not a web address, found %(shown)s",
                shown=shown,
            ))
        path = self.content_dir.joinpath(*pure.parts)
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.content_real):
            raise ImageProblem(_(
                "is a link that points outside content/, found %(shown)s",
                shown=shown,
            ))
        if not is_file(real):
            raise ImageProblem(
                _("file not found: content/%(path)s", path=pure.as_posix()), self._suggest(pure.as_posix())
            )
        stat = real.stat()
        if stat.st_size > MAX_BYTES:
            raise ImageProblem(
                _(
                    "image file is too large: %(value).0f MB (at most %(value2)s MB), found %(shown)s",
                    value=stat.st_size / 1024 / 1024,
                    value2=MAX_BYTES // 1024 // 1024,
                    shown=shown,
                )
            )
        key: FileKey = (str(real), stat.st_size, stat.st_mtime_ns)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", PILImage.DecompressionBombWarning)
                with PILImage.open(real) as img:
                    fmt, (width, height) = img.format or "", img.size
                    _check_size(fmt, width, height, shown)
                    if key not in _decoded and (self.verified is None or key not in self.verified):
                        _decode(img, shown)
                    # after decoding: a PNG's EXIF may follow its pixels, and reading it decodes them
                    if img.getexif().get(_EXIF_ORIENTATION) in (5, 6, 7, 8):  # shown turned by 90 degrees
                        width, height = height, width
        except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
            raise ImageProblem(
                _(
                    "image is too large in pixels (at most %(value)s megapixels), found %(shown)s",
                    value=MAX_PIXELS // 1_000_000,
                    shown=shown,
                )
            ) from None
        except (OSError, ValueError, SyntaxError):
            what = _(_OTHER_FORMATS.get(pure.suffix.lower(), N_("a file that cannot be read as an image")))
            raise ImageProblem(_(
                "expected a JPEG, PNG or GIF image, found %(shown)s, %(what)s",
                shown=shown,
                what=what,
            )) from None
        _decoded.add(key)
        if self.verified is not None:
            self.verified.add(key)
        return Image(src=pure.as_posix(), path=real, format=fmt, width=width, height=height)


def _check_size(fmt: str, width: int, height: int, shown: str) -> None:
    if fmt not in ALLOWED_FORMATS:
        raise ImageProblem(_(
            "expected a JPEG, PNG or GIF image, found %(shown)s in the format %(value)s",
            shown=shown,
            value=fmt or 'unknown',
        ))
    if width * height > MAX_PIXELS:
        raise ImageProblem(
            _(
                "image is too large: %(width)sx%(height)s pixels (at most %(value)s megapixels), found "
                "%(shown)s",
                width=width,
                height=height,
                value=MAX_PIXELS // 1_000_000,
                shown=shown,
            )
        )
    if width < 1 or height < 1:
        raise ImageProblem(_("image has no pixels, found %(shown)s", shown=shown))


def _decode(img: PILImage.Image, shown: str) -> None:
    """Every pixel of the (first) frame, as the renditions will need them: a file cut short or
    damaged after its header fails here, where only the header was read before."""
    try:
        img.load()
    except (OSError, ValueError, SyntaxError, EOFError, IndexError, struct_error) as err:
        raise ImageProblem(
            _(
                "image file is damaged or cut short and cannot be decoded, found %(shown)s; export or "
                "copy it again",
                shown=shown,
            )
        ) from err


def suffix_mismatch(image: Image) -> str | None:
    """A note when the file name promises another format than the file has."""
    expected = _SUFFIXES.get(PurePosixPath(image.src).suffix.lower())
    if expected is not None and expected != image.format:
        return _(
            '"%(src)s" is a %(format)s image but its name ends in %(suffix)s',
            src=image.src, format=image.format, suffix=PurePosixPath(image.src).suffix,
        )  # fmt: skip
    if expected is None:
        return _(
            '"%(src)s" is a %(format)s image; name it with .jpg, .png or .gif so every server sends the right type',
            src=image.src, format=image.format,
        )  # fmt: skip
    return None
