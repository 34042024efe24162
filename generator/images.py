"""Web-sized copies of content images: pages never show a photo at camera size.

Templates ask for an image at a display width; that yields renditions (1x and 2x, never
wider than the original) with their names and sizes at once, and the files are written
from a cache keyed on the file's content. A pipeline made with ``background=True`` (the
site's) starts making each new rendition in a worker process as soon as a page asks for it,
so Pillow's time and memory are spent beside the page build, not after it in the build's
process; the email workers make theirs as they render (``make``). Each rendition is made by
one process at a time: the others (two email workers and the site's, all starting with the same
logos) leave it to the one making it. The copies carry no
metadata: EXIF (with a phone's GPS position) is dropped, the orientation applied.

The cache's copies are signed as every cache file is (``cachefiles``): a rendition's name
follows from its image's content, so anybody who may write ``.rundbrief/`` (a shared folder, a
CI cache restored from another branch) could put a picture of their own under it, and the
build published it on the site and in every email. One without its keyed hash is made again.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image as PILImage
from PIL import ImageOps

from generator.cachefiles import open_regular, read_signed, write_signed
from generator.content.model import Image
from generator.output import write_anew
from generator.workers import worker_context

RENDITIONS_DIR = "_r"  # below the site's media folder
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]+")  # ASCII: a URL without escapes, in every mail client
JPEG_QUALITY = 82
SIGNED_SUFFIX = ".signed"  # a cached rendition: its image file with cachefiles' header before it


@dataclass(frozen=True, slots=True)
class Rendition:
    source: Image
    url: str  # site-relative, such as "media/_r/kreativgruppe-800-1a2b3c4d.jpg"
    width: int
    height: int

    def __reduce__(self) -> tuple[type[Rendition], tuple[Image, str, int, int]]:
        # Pickled by the thousand (every kept page's and email's images): the state of a slotted
        # dataclass is gathered and set again field by field in Python, this is one call each way.
        return (Rendition, (self.source, self.url, self.width, self.height))


@dataclass(frozen=True, slots=True)
class Picture:
    """What an <img> needs: the default rendition, the srcset candidates and the display size."""

    src: str
    candidates: tuple[tuple[str, int], ...]  # (url, pixel width) for srcset
    width: int
    height: int


def _scaled_height(image: Image, width: int) -> int:
    return max(1, round(image.height * width / image.width))


class ImagePipeline:
    def __init__(self, cache_dir: Path, media_prefix: str = "media", *, background: bool = False) -> None:
        self.cache_dir = cache_dir
        self.media_prefix = media_prefix
        self.background = background
        self._digests: dict[Path, str] = {}
        self._wanted: dict[str, Rendition] = {}
        self._known: dict[tuple[Image, int], Rendition] = {}  # every rendition named so far
        self._making: dict[str, Future[bool]] = {}  # cache file name -> its making in the background
        self._present: set[str] = set()  # cache file names seen made: an email worker asks per email
        self._pool: ProcessPoolExecutor | None = None
        self._recording: dict[str, Rendition] | None = None  # what one page asks for (the page cache keeps it)

    def _digest(self, image: Image) -> str:
        """The image file's SHA-256 (hex): its first 12 digits name its renditions."""
        digest = self._digests.get(image.path)
        if digest is None:
            digest = hashlib.sha256(image.path.read_bytes()).hexdigest()
            self._digests[image.path] = digest
        return digest

    def rendition(self, image: Image, width: int) -> Rendition:
        width = max(1, min(width, image.width))
        known = self._known.get((image, width))
        if known is not None:  # pages ask for the same logos and portraits again and again
            self._wanted.setdefault(known.url, known)
            if self._recording is not None:
                self._recording.setdefault(known.url, known)
            return known
        # Only letters, digits, "_", "." and "-" from the file's path: the name goes into URLs and
        # HTML attributes, where "#", "?", "%", spaces or quotes would break it; the digest keeps
        # names apart that this makes alike.
        stem = _UNSAFE_IN_NAME.sub("-", PurePosixPath(image.src).with_suffix("").as_posix().replace("/", "_"))
        suffix = ".jpg" if image.format == "JPEG" else ".png"
        url = f"{self.media_prefix}/{RENDITIONS_DIR}/{stem}-{width}-{self._digest(image)[:12]}{suffix}"
        rendition = self._wanted.get(url)
        if rendition is None:
            rendition = self._wanted[url] = Rendition(image, url, width, _scaled_height(image, width))
            if self.background:
                self._start(rendition)
        self._known[(image, width)] = rendition
        if self._recording is not None:
            self._recording.setdefault(url, rendition)
        return rendition

    def start_recording(self) -> None:
        """From now on, note every rendition asked for (also those asked for before)."""
        self._recording = {}

    def stop_recording(self) -> tuple[Rendition, ...]:
        """The renditions asked for since start_recording, in the order first asked."""
        recorded, self._recording = self._recording or {}, None
        return tuple(recorded.values())

    def requested(self) -> tuple[Rendition, ...]:
        return tuple(self._wanted.values())

    def clear(self) -> None:
        self._wanted.clear()

    def add(self, renditions: tuple[Rendition, ...]) -> None:
        """Renditions asked for elsewhere (a worker process), to be written by this pipeline."""
        for rendition in renditions:
            if rendition.url not in self._wanted:
                self._wanted[rendition.url] = rendition
                if self.background:
                    self._start(rendition)

    def picture(self, image: Image, display_width: int) -> Picture:
        """The image shown ``display_width`` CSS pixels wide (or narrower if it is smaller)."""
        one = self.rendition(image, display_width)
        two = self.rendition(image, display_width * 2)
        candidates = ((one.url, one.width),) + (((two.url, two.width),) if two.width > one.width else ())
        return Picture(src=one.url, candidates=candidates, width=one.width, height=one.height)

    def _identity(self, rendition: Rendition) -> bytes:
        """What a cached rendition is signed as, beside its name: its image's whole digest (the
        name holds 12 digits of it) and its size. A cached file of another rendition, another
        image's (a draft's), or of one of the same name made from another image, is no copy of it."""
        image = rendition.source
        return f"{self._digest(image)}|{rendition.width}x{rendition.height}|{image.format}".encode()

    def _cached(self, rendition: Rendition) -> Path:
        return self.cache_dir / (PurePosixPath(rendition.url).name + SIGNED_SUFFIX)

    def _start(self, rendition: Rendition) -> None:
        """Make ``rendition`` in the background unless it is cached or being made."""
        cached = self._cached(rendition)
        if cached.name in self._making or cached.exists():
            return
        if self._pool is None:
            # one process: the pages and the emails keep the other cores; forkserver, as the
            # build runs threads (a fork would copy their locks)
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=worker_context())
        self._making[cached.name] = self._pool.submit(_make, rendition, cached, self._identity(rendition))

    def make(self) -> int:
        """Make every rendition asked for that is not cached yet, here; returns how many."""
        made = 0
        for rendition in self._wanted.values():
            cached = self._cached(rendition)
            if cached.name in self._present:
                continue
            if not cached.exists():  # one that is there but not ours is made again in write()
                made += _make(rendition, cached, self._identity(rendition))
            self._present.add(cached.name)
        return made

    def close(self) -> int:
        """Wait for the renditions being made in the background; returns how many that made, raises
        what making one raised."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        making, self._making = self._making, {}
        return sum(future.result() for future in making.values())

    def abandon(self) -> None:
        """The build failed: stop making renditions (those made stay in the cache)."""
        pool, self._pool, self._making = self._pool, None, {}
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def write(self, site_dir: Path) -> int:
        """Write every rendition asked for into ``site_dir``; returns how many were made anew."""
        made = self.close() + self.make()
        for rendition in self._wanted.values():
            cached = self._cached(rendition)
            identity = self._identity(rendition)
            # what is published is what was verified: read once, its hash checked, written out
            data = read_signed(cached, identity, limit=_largest(rendition))
            if data is None:  # cut short, or not signed with this user's key as this rendition
                data = _rendered(rendition)
                write_signed(cached, data, identity)
                made += 1
            target = site_dir / rendition.url
            target.parent.mkdir(parents=True, exist_ok=True)
            # a new file, not a link: a tool that rewrites the published site in place (an image
            # optimiser) must not change the cache every later build takes its renditions from
            write_anew(target, data)
        return made


def _make(rendition: Rendition, cached: Path, identity: bytes) -> bool:
    """Make ``rendition`` into the cache unless another process is making it or has made it;
    returns whether this one did."""
    with _claim(cached) as mine:
        if not mine or cached.exists():
            return False
        write_signed(cached, _rendered(rendition), identity)
        return True


@contextmanager
def _claim(cached: Path) -> Iterator[bool]:
    """Whether this process may make ``cached`` now: False while another process makes it (an
    email worker, the site's image process: a build's processes all start with the same logos
    and photos, and each made them, half a second of Pillow apiece at every cold build). The
    claim is an advisory lock on a file beside it, let go when its process ends however it ends.
    One held by anyone else, even for ever, costs no picture: ``ImagePipeline.write`` makes what
    it finds missing itself; one that cannot be taken at all (no locks there, something else at
    its name) makes it anyway. The folder is not ours alone: nothing found there ends the build."""
    marker = cached.with_name(f".{cached.name}.making")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        descriptor = open_regular(marker, os.O_RDWR | os.O_CREAT)  # a device, a link, a FIFO: no claim
    except OSError:
        descriptor = None
    if descriptor is None:
        yield True
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            # gone before the lock is let go: whoever opens the name later locks a new file and
            # finds the rendition made. One that cannot go (a read-only folder, a folder swapped
            # in at its name) is left: a claim nobody holds stops nobody.
            with suppress(OSError):
                marker.unlink()
    finally:
        os.close(descriptor)


def _largest(rendition: Rendition) -> int:
    """More bytes than the rendition's file can have: its pixels raw, as RGBA, and room for the
    file's own data (a file of our header and hundreds of MB is refused before it is read)."""
    return rendition.width * rendition.height * 4 + (1 << 16)


def _rendered(rendition: Rendition) -> bytes:
    """The rendition's image file."""
    out = io.BytesIO()
    _resize(rendition, out)
    return out.getvalue()


def _resize(rendition: Rendition, target: io.BytesIO) -> None:
    with PILImage.open(rendition.source.path) as opened:
        opened.seek(0)  # the first frame of an animated GIF
        if rendition.source.format == "JPEG":
            # Decode at a reduced scale (JPEG's DCT scaling) that still has twice the pixels the
            # rendition needs: a 96 px portrait need not decode a 12-megapixel photo in full.
            turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # stored on its side
            need = (rendition.height, rendition.width) if turned else (rendition.width, rendition.height)
            opened.draft("RGB", (need[0] * 2, need[1] * 2))
        img = ImageOps.exif_transpose(opened)
        size = (rendition.width, rendition.height)
        mode = "RGB" if rendition.source.format == "JPEG" else "RGBA"
        # converted only if it has to be: the same mode is a copy of every pixel (4 ms a photo)
        img = img if img.mode == mode else img.convert(mode)
        if mode == "RGB":
            img.resize(size, PILImage.Resampling.LANCZOS).save(
                target, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True
            )
        else:
            img.resize(size, PILImage.Resampling.LANCZOS).save(target, "PNG", optimize=True)
