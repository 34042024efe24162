"""What a built email in ``newsletter/<slug>/`` was made of: its build key, the image renditions
it shows and the site addresses it links to, in one file beside it (``.build.json``).

The build reuses an email whose key is unchanged and writes the renditions it shows into the
site again; a plain ``mkdocs build`` writes them too; the sender refuses an email whose key no
longer matches its content; the build checks the addresses of a reused email against the new
site without reading the email again (they were taken from the very text written beside it).
One small file, written last: an email without it is rendered again (and each file a build
creates costs the kernel more than its bytes, a thousand emails over).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from generator.content.images import ImageChecker, ImageProblem
from generator.images import Rendition

MANIFEST_FILE = ".build.json"


@dataclass(frozen=True, slots=True)
class Manifest:
    key: str
    renditions: tuple[Rendition, ...]
    addresses: tuple[str, ...]


EMAIL_FILES = ("email.html", "email.txt", "message.eml")


def _stats(folder: Path) -> dict[str, list[int]] | None:
    """Size and modification time of the email's files: one changed by hand since it was built
    (the manifest still naming the right key) is not reused, but rendered again."""
    try:
        return {name: [(info := (folder / name).stat()).st_size, info.st_mtime_ns] for name in EMAIL_FILES}
    except OSError:
        return None


def write_manifest(folder: Path, key: str, renditions: tuple[Rendition, ...], addresses: tuple[str, ...]) -> None:
    """After the email's files: their sizes and times are part of it."""
    shown = [{"src": r.source.src, "url": r.url, "width": r.width, "height": r.height} for r in renditions]
    data = json.dumps(
        {"key": key, "renditions": shown, "addresses": list(addresses), "files": _stats(folder)}, ensure_ascii=False
    )
    # A manifest cut short by a killed build is no JSON object (its closing brace is missing):
    # read as absent, so that email is rendered again.
    (folder / MANIFEST_FILE).write_text(data, encoding="utf-8")


def _read(folder: Path) -> dict[str, object] | None:
    try:
        data = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def read_key(folder: Path) -> str | None:
    """The build key of the email in ``folder``; None if it is not (completely) built."""
    data = _read(folder)
    key = data.get("key") if data else None
    return key if isinstance(key, str) else None


def read_manifest(folder: Path, checker: ImageChecker) -> Manifest | None:
    """What the email in ``folder`` was made of; None if its manifest is missing or damaged, or
    no longer matches the content (an image it names is gone or changed its kind) or its files
    (one was changed by hand)."""
    data = _read(folder)
    if data is None or data.get("files") != _stats(folder):
        return None
    try:
        renditions = []
        for item in data["renditions"]:  # type: ignore[attr-defined]
            image = checker.check(str(item["src"]))
            renditions.append(Rendition(image, str(item["url"]), int(item["width"]), int(item["height"])))
        addresses = data["addresses"]
        key = data["key"]
        if (
            not isinstance(key, str)
            or not isinstance(addresses, list)
            or not all(isinstance(a, str) for a in addresses)
        ):
            return None
    except (OSError, ValueError, TypeError, KeyError, ImageProblem):
        return None
    return Manifest(key, tuple(renditions), tuple(addresses))


def read_renditions(folder: Path, checker: ImageChecker) -> tuple[Rendition, ...] | None:
    """The renditions the email in ``folder`` shows (see read_manifest)."""
    manifest = read_manifest(folder, checker)
    return manifest.renditions if manifest is not None else None
