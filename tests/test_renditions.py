"""Renditions made in the background (the site's, in a worker process while pages render) are the
very files made in the build's own process, and a built email's manifest is read whole or not at all."""

from __future__ import annotations

import fcntl
import os
import pickle
from dataclasses import fields
from pathlib import Path, PurePosixPath

import pytest

from generator import images
from generator.content.images import ImageChecker
from generator.content.model import Image
from generator.images import ImagePipeline, Rendition
from generator.manifest import MANIFEST_FILE, read_key, read_manifest, read_renditions, write_manifest
from tests.conftest import write_images


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    write_images(root / "media")
    return root


def _ask(pipeline: ImagePipeline, checker: ImageChecker) -> None:
    for src in ("media/foto.jpg", "media/logo.png"):
        image = checker.check(src)
        pipeline.picture(image, 60)
        pipeline.picture(image, 60)  # asked again, as every page asks for the logos


def test_background_renditions_equal_those_made_here(content: Path, tmp_path: Path) -> None:
    checker = ImageChecker(content)
    here, there = ImagePipeline(tmp_path / "c1"), ImagePipeline(tmp_path / "c2", background=True)
    _ask(here, checker)
    _ask(there, checker)
    assert [r.url for r in here.requested()] == [r.url for r in there.requested()]
    assert len(here.requested()) == 3  # the photo at 60 and 120 px; the 40 px logo only once
    assert here.write(tmp_path / "site1") == 3
    assert there.write(tmp_path / "site2") == 3
    for rendition in here.requested():
        made_here = (tmp_path / "site1" / rendition.url).read_bytes()
        assert made_here == (tmp_path / "site2" / rendition.url).read_bytes()
        assert made_here[:2] in (b"\xff\xd8", b"\x89P")  # JPEG or PNG
    # a second build finds them all in the cache
    again = ImagePipeline(tmp_path / "c2", background=True)
    _ask(again, checker)
    assert again.write(tmp_path / "site3") == 0


def test_a_rendition_that_cannot_be_made_fails_the_write(content: Path, tmp_path: Path) -> None:
    checker = ImageChecker(content)
    pipeline = ImagePipeline(tmp_path / "cache", background=True)
    image = checker.check("media/foto.jpg")
    (content / "media" / "foto.jpg").write_bytes(b"no longer a JPEG")  # replaced after the check
    pipeline.picture(image, 60)
    with pytest.raises(OSError):
        pipeline.write(tmp_path / "site")


def _photo_pipeline(content: Path, cache: Path) -> tuple[ImagePipeline, list[Path]]:
    """A pipeline asked for the photo at 60 px (two renditions) and the files that claim them."""
    pipeline = ImagePipeline(cache)
    pipeline.picture(ImageChecker(content).check("media/foto.jpg"), 60)
    markers = [cache / f".{PurePosixPath(r.url).name}.signed.making" for r in pipeline.requested()]
    assert len(markers) == 2
    return pipeline, markers


def test_a_rendition_another_process_is_making_is_left_to_it(content: Path, tmp_path: Path) -> None:
    """Two email workers and the site's image process start with the same logos and photos, and
    each made them all (a third of a second of Pillow apiece at a cold build): the one that
    claims a rendition makes it, the others leave it."""
    pipeline, markers = _photo_pipeline(content, tmp_path / "cache")
    markers[0].parent.mkdir()
    held = [os.open(marker, os.O_RDWR | os.O_CREAT) for marker in markers]
    try:
        for descriptor in held:
            fcntl.flock(descriptor, fcntl.LOCK_EX)  # as the process making it holds it
        assert pipeline.make() == 0
        assert list((tmp_path / "cache").glob("*.signed")) == []
        # a claim held for ever (a hung or hostile process) costs no picture: the site's write
        # makes what it finds missing
        assert pipeline.write(tmp_path / "site") == 2
    finally:
        for descriptor in held:
            os.close(descriptor)
    assert all((tmp_path / "site" / r.url).read_bytes()[:2] == b"\xff\xd8" for r in pipeline.requested())


def test_a_claim_left_behind_or_planted_does_not_stop_the_making(content: Path, tmp_path: Path) -> None:
    """A killed process's claim is let go with it; a link put at a claim's name is not followed."""
    pipeline, markers = _photo_pipeline(content, tmp_path / "cache")
    markers[0].parent.mkdir()
    markers[0].write_bytes(b"")  # nobody holds it
    outside = tmp_path / "outside"
    markers[1].symlink_to(outside)
    assert pipeline.make() == 2
    assert len(list((tmp_path / "cache").glob("*.signed"))) == 2
    assert not outside.exists()
    assert not markers[0].exists()  # taken, and removed once made


def test_a_claim_that_cannot_be_removed_or_is_no_file_does_not_end_the_build(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who may write the cache folder swaps a folder in at a claim's name while its
    rendition is made (the claim then cannot be removed), or puts a FIFO or a folder there first:
    every rendition is made, nothing raises (a trial's PermissionError and IsADirectoryError
    ended the build with a traceback)."""
    pipeline, markers = _photo_pipeline(content, tmp_path / "cache")
    markers[0].parent.mkdir()
    os.mkfifo(markers[1])
    make = images._rendered

    def swapped_while_made(rendition: Rendition) -> bytes:
        if markers[0].is_file():
            markers[0].rename(tmp_path / "moved-away")
            markers[0].mkdir()
        return make(rendition)

    monkeypatch.setattr(images, "_rendered", swapped_while_made)
    assert pipeline.make() == 2
    assert markers[0].is_dir() and (tmp_path / "moved-away").is_file()
    assert len(list((tmp_path / "cache").glob("*.signed"))) == 2
    assert pipeline.write(tmp_path / "site") == 0


def test_an_abandoned_pipeline_leaves_no_worker_behind(content: Path, tmp_path: Path) -> None:
    pipeline = ImagePipeline(tmp_path / "cache", background=True)
    _ask(pipeline, ImageChecker(content))
    pipeline.abandon()
    assert pipeline._pool is None


def test_the_manifest_is_read_whole_or_not_at_all(content: Path, tmp_path: Path) -> None:
    checker = ImageChecker(content)
    pipeline = ImagePipeline(tmp_path / "cache")
    _ask(pipeline, checker)
    folder = tmp_path / "email"
    folder.mkdir()
    write_manifest(folder, "abc123", pipeline.requested(), ("https://example.org/a/", "https://example.org/b.ics"))
    assert read_key(folder) == "abc123"
    assert read_renditions(folder, checker) == pipeline.requested()
    manifest = read_manifest(folder, checker)
    assert manifest is not None and manifest.addresses == ("https://example.org/a/", "https://example.org/b.ics")
    data = (folder / MANIFEST_FILE).read_bytes()
    for cut in (1, len(data) // 2, len(data) - 1):  # a build killed while writing it
        (folder / MANIFEST_FILE).write_bytes(data[:cut])
        assert read_key(folder) is None
        assert read_renditions(folder, checker) is None
        assert read_manifest(folder, checker) is None
    (folder / MANIFEST_FILE).unlink()
    assert read_key(folder) is None
    # an image it names was removed since: the email must be rendered again
    write_manifest(folder, "abc123", pipeline.requested(), ())
    (content / "media" / "logo.png").unlink()
    assert read_renditions(folder, ImageChecker(content)) is None


def test_a_rendition_pickles_with_every_field(tmp_path: Path) -> None:
    """Rendition pickles through its own __reduce__ (the page cache keeps thousands): every field,
    the next one added too, must come back as it was."""
    source = Image("media/a.jpg", tmp_path / "a.jpg", "JPEG", 1200, 800)
    values = {"source": source, "url": "media/_r/a-600-0123abcd.jpg", "width": 600, "height": 400}
    assert [f.name for f in fields(Rendition)] == list(values)  # a new field: give it a value here
    rendition = Rendition(**values)  # type: ignore[arg-type]
    copy = pickle.loads(pickle.dumps(rendition, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == rendition and all(getattr(copy, name) == value for name, value in values.items())
