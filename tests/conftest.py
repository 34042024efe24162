"""Shared fixtures: small complete projects built in a temporary folder, for real."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

# The suite asserts rundbrief's messages in English, the language of the code (the msgids); the
# editors' German is tested where it is asked for (tests/test_messages.py, with --lang or the
# environment). Set here, before any test starts a command, so subprocesses inherit it too.
os.environ["RUNDBRIEF_LANG"] = "en"

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

MKDOCS_YML = """\
site_name: Testprozess
site_url: https://test.example.org/
docs_dir: content
theme:
  name: material
  language: de
  font: false
not_in_nav: |
  /newsletter/*.md
plugins:
  - rundbrief:
      newsletter_name: Test-Newsletter
      sender:
        name: Testprozess
        email: test@example.org
"""

PEOPLE_YML = """\
anna-muster:
  name: Anna Muster
  role: Sozialplanerin
  email: anna@example.org
max-beispiel:
  name: Max Beispiel
  organisation: Kreissportbund
"""

BASE_ISSUE = """\
---
title: Erste Ausgabe
number: "01.2026"
date: 2026-05-12
events:
  - id: base-event
    title: Auftakt
    start: 2026-05-26 10:00
    end: "15:00"
    location: Schwaan
---

Text der ersten Ausgabe.
"""


def write_images(media: Path) -> None:
    media.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (120, 80), "#3949ab").save(media / "foto.jpg", "JPEG")
    Image.new("RGB", (40, 40), "#00897b").save(media / "logo.png", "PNG")
    (media / "grafik.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (media / "kaputt.jpg").write_text("not an image at all", encoding="utf-8")
    # 64 megapixels, but 1 bit deep and uniform: a few kB on disk, a bomb when decoded
    Image.new("1", (8000, 8000)).save(media / "riesig.png", "PNG")


@pytest.fixture(scope="session")
def image_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    media = tmp_path_factory.mktemp("media")
    write_images(media)
    return media


def make_project(root: Path, images: Path) -> Path:
    """A minimal valid project at ``root``: one issue, two people, the test images, legal pages."""
    content = root / "content"
    (content / "newsletter").mkdir(parents=True)
    shutil.copytree(images, content / "media")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (content / "people.yml").write_text(PEOPLE_YML, encoding="utf-8")
    (content / "index.md").write_text("# Start\n", encoding="utf-8")
    (content / "newsletter" / "2026-01.md").write_text(BASE_ISSUE, encoding="utf-8")
    for name, title in (("impressum", "Impressum"), ("datenschutz", "Datenschutz"), ("barrierefreiheit", "Barrierefreiheit")):
        (content / f"{name}.md").write_text(f"# {title}\n\nText der herausgebenden Stelle.\n", encoding="utf-8")
    return root


@pytest.fixture
def german() -> Iterator[None]:
    """This process's messages in German (the editors' default) for one test."""
    from generator.i18n import set_language

    set_language("de")
    yield
    set_language(None)  # back to the environment: English for the suite


@pytest.fixture
def project(tmp_path: Path, image_store: Path) -> Path:
    return make_project(tmp_path / "projekt", image_store)


@pytest.fixture
def write(project: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file below the project's content folder."""

    def _write(relative: str, text: str | bytes) -> Path:
        path = project / "content" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
