"""Every image a page shows is decoded by check: a damaged file is a path:line error, never a traceback."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import PIL
import pytest
from PIL import Image

from generator.cachefiles import read_signed, write_signed
from generator.content import load_project
from generator.content.images import CACHE_DIR, VERIFIED_FILE
from tests.test_site import TODAY

DAMAGED = "image file is damaged or cut short and cannot be decoded, found {src}; export or copy it again"


def messages(root: Path) -> list[str]:
    return [str(p) for p in load_project(root).diagnostics.sorted()]


def run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *command, "--project", str(root)], capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip


def photo_bytes(fmt: str) -> bytes:
    """A noisy photo, the same every time: most of the file is pixel data after the header."""
    noise = random.Random(2026).randbytes(200 * 150 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 150), noise).save(out, fmt)
    return out.getvalue()


def cut(data: bytes) -> bytes:
    return data[: len(data) * 6 // 10]


def damaged(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + b"\xff" * 200 + data[middle + 200 :]


ISSUE = """\
---
title: Bilder
number: "02.2026"
date: 2026-06-30
cover:
  src: media/abgeschnitten.jpg
  alt: Ein Saal
  credit: X
photos:
  - src: media/foto.jpg
    alt: Ein Bild
    credit: X
  - src: media/kaputt.png
    alt: Ein zweites Bild
    credit: X
---

Text.

![Eine Karte](../media/beschaedigt.jpg)
"""


def test_damaged_images_are_errors_of_check_at_the_referring_line(project: Path, write: Callable[..., Path]) -> None:
    write("media/abgeschnitten.jpg", cut(photo_bytes("JPEG")))
    write("media/kaputt.png", cut(photo_bytes("PNG")))
    write("media/beschaedigt.jpg", damaged(photo_bytes("JPEG")))
    write("newsletter/2026-02.md", ISSUE)
    expected = [
        "content/newsletter/2026-02.md:6: error: cover.src: " + DAMAGED.format(src='"media/abgeschnitten.jpg"'),
        "content/newsletter/2026-02.md:13: error: photos[2].src: " + DAMAGED.format(src='"media/kaputt.png"'),
        "content/newsletter/2026-02.md:20: error: body: image ../media/beschaedigt.jpg: "
        + DAMAGED.format(src='"media/beschaedigt.jpg"'),
    ]
    assert messages(project) == expected
    result = run(project, "build")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and all(line in result.stdout + result.stderr for line in expected)
    assert not (project / "site").exists()


def test_images_of_every_page_and_every_way_of_writing_them_are_decoded(project: Path, write: Callable[..., Path]) -> None:
    write("media/abgeschnitten.jpg", cut(photo_bytes("JPEG")))
    write(
        "kontakt.md",
        "---\ntitle: Kontakt\n---\n\n# Kontakt\n\n![Lageplan][plan]\n\n"
        '<img src="media/abgeschnitten.jpg" alt="Eingang">\n\n'
        "`![Beispiel](media/abgeschnitten.jpg)` zeigt, wie ein Bild geschrieben wird.\n\n"
        "```\n![Im Code](media/abgeschnitten.jpg)\n```\n\n"
        "[Herunterladen](media/abgeschnitten.jpg)\n\n[plan]: media/abgeschnitten.jpg\n",
    )
    write("prozess/werkstatt.md", "---\ntitle: Werkstatt\nstatus: done\n---\n\n![Werkstatt](../media/abgeschnitten.jpg)\n")
    problem = DAMAGED.format(src='"media/abgeschnitten.jpg"')
    assert messages(project) == [
        f"content/kontakt.md:9: error: body: image media/abgeschnitten.jpg: {problem}",  # raw HTML
        # the reference image, at its definition: where its address is written
        f"content/kontakt.md:19: error: body: image media/abgeschnitten.jpg: {problem}",
        f"content/prozess/werkstatt.md:6: error: body: image ../media/abgeschnitten.jpg: {problem}",
    ]  # code, and a link to the file (not an image), are not shown: no message


def test_body_images_must_be_files_inside_content(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\n---\n\n![Fehlt](../media/fehlt.jpg)\n\n'
        "![Außerhalb](../../privat.jpg)\n\n![Grafik](../media/grafik.svg)\n\n![Fern](https://example.org/a.jpg)\n",
    )
    assert messages(project) == [
        "content/newsletter/2026-02.md:7: error: body: image ../media/fehlt.jpg: file not found: content/media/fehlt.jpg",
        'content/newsletter/2026-02.md:9: error: body: image ../../privat.jpg: must stay inside content/ (no ../), found "../privat.jpg"',
        "content/newsletter/2026-02.md:13: error: body: image https://example.org/a.jpg: the site loads nothing from other "
        "hosts (privacy); save the image in content/media/ and show it from there",
    ]  # an SVG in content/ is MkDocs' to copy: no message


def test_body_images_need_alt_text_and_links_no_scripts(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\n---\n\n<img src="../media/foto.jpg">\n\n'
        "![Lokal](/tmp/geheim.jpg)\n\n[Klick](JavaScript:alert) und [gut](https://example.org/)\n",
    )
    assert messages(project) == [
        'content/newsletter/2026-02.md:7: error: body: image without alt text, <img src="../media/foto.jpg">; write '
        'what it shows as alt="..."',
        "content/newsletter/2026-02.md:9: error: body: image /tmp/geheim.jpg: expected a path relative to this file, "
        "such as ../media/foto.jpg",
        "content/newsletter/2026-02.md:11: error: body: link JavaScript:alert: expected a web or mail address, "
        "or a page or file of the project",
    ]


def verified(root: Path) -> list[list[object]]:
    raw = read_signed(root / CACHE_DIR / VERIFIED_FILE)
    assert raw is not None
    data = json.loads(raw)
    return list(data["files"])


def test_verified_images_are_remembered_and_a_changed_file_is_decoded_again(project: Path, write: Callable[..., Path]) -> None:
    good = photo_bytes("JPEG")
    path = write("media/saal.jpg", good)
    write("newsletter/2026-02.md", ISSUE.replace("abgeschnitten.jpg", "saal.jpg").split("  - src: media/kaputt.png")[0] + "---\n")
    assert run(project, "check").returncode == 0
    stat = path.stat()
    assert [str(path.resolve()), stat.st_size, stat.st_mtime_ns] in verified(project)

    # The same bytes count, so the list is what a fresh process trusts: damage the file but give it
    # its size and time back, and check believes the list (this is how the list saves the decoding).
    path.write_bytes(damaged(good))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert run(project, "check").returncode == 0

    # Any change of size or time is a new file to decode: cut short, or damaged in place and saved again.
    error = "content/newsletter/2026-02.md:6: error: cover.src: " + DAMAGED.format(src='"media/saal.jpg"')
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    result = run(project, "check")
    assert result.returncode == 1 and error in result.stdout + result.stderr
    path.write_bytes(cut(good))
    result = run(project, "check")
    assert result.returncode == 1 and error in result.stdout + result.stderr
    path.write_bytes(good)
    assert run(project, "check").returncode == 0
    stat = path.stat()
    assert [str(path.resolve()), stat.st_size, stat.st_mtime_ns] in verified(project)


@pytest.mark.parametrize(
    ("pillow", "signed"),
    [
        ("0.0", True),  # another Pillow's list
        # from a trial: a list written by anybody else (a shared project folder) named a damaged
        # file decoded, so check passed it; the list is signed now (generator/cachefiles.py)
        (PIL.__version__, False),
    ],
)
def test_a_list_from_another_pillow_or_not_ours_is_not_trusted(
    project: Path, write: Callable[..., Path], pillow: str, signed: bool
) -> None:
    good = photo_bytes("JPEG")
    path = write("media/saal.jpg", damaged(good))
    write("newsletter/2026-02.md", '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\ncover:\n  src: media/saal.jpg\n  alt: Ein Saal\n  credit: X\n---\n')
    stat = path.stat()
    cache = project / CACHE_DIR / VERIFIED_FILE
    cache.parent.mkdir(parents=True)
    listed = json.dumps({"pillow": pillow, "files": [[str(path.resolve()), stat.st_size, stat.st_mtime_ns]]})
    if signed:
        write_signed(cache, listed.encode("utf-8"))
    else:
        cache.write_text(listed, encoding="utf-8")
    result = run(project, "check")
    assert result.returncode == 1 and "cover.src: image file is damaged" in result.stdout + result.stderr
