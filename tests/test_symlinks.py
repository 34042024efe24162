"""Nothing outside content/ is published: links that lead out of it are refused by check."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from generator.content import load_project
from tests.test_site import TODAY

OUTSIDE = "; nothing outside content/ is published: copy the {what} into content/ instead"


def messages(root: Path) -> list[str]:
    return [str(p) for p in load_project(root).diagnostics.sorted()]


def run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=root, capture_output=True, text=True,
        env=dict(os.environ, RUNDBRIEF_TODAY=TODAY), timeout=300, check=False,
    )  # fmt: skip


def published(root: Path, secret: str) -> list[Path]:
    site = root / "site"
    return [p for p in site.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()] if site.is_dir() else []


def test_link_to_a_file_outside_is_refused_even_when_no_page_uses_it(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "zugangsdaten.txt"
    secret.write_text("GEHEIMNIS\n", encoding="utf-8")
    os.symlink(secret, project / "content" / "media" / "liste.txt")
    os.symlink("/etc/passwd", project / "content" / "passwd")
    assert messages(project) == [
        f"content/media/liste.txt: error: a link to the file {secret}, outside content/" + OUTSIDE.format(what="file"),
        "content/passwd: error: a link to the file /etc/passwd, outside content/" + OUTSIDE.format(what="file"),
    ]
    result = run(project, "generator", "build")
    assert (
        result.returncode == 1
        and "content/passwd: error: a link to the file /etc/passwd" in result.stdout + result.stderr
    )
    assert not (project / "site").exists()
    result = run(project, "mkdocs", "build")  # the plugin checks the content itself
    assert result.returncode == 1 and "content/media/liste.txt: error: a link to the file" in result.stderr
    assert published(project, "GEHEIMNIS") == [] and published(project, "root:") == []


def test_issue_file_linked_from_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "entwuerfe" / "vertraulich.md"
    elsewhere.parent.mkdir()
    elsewhere.write_text(
        '---\ntitle: Vertraulich\nnumber: "02"\ndate: 2026-06-30\n---\n\nINTERNER VERMERK\n', encoding="utf-8"
    )
    os.symlink(elsewhere, project / "content" / "newsletter" / "2026-02.md")
    assert messages(project) == [
        f"content/newsletter/2026-02.md: error: a link to the file {elsewhere}, outside content/"
        + OUTSIDE.format(what="file")
    ]
    result = run(project, "generator", "build")
    assert (
        result.returncode == 1
        and "content/newsletter/2026-02.md: error: a link to the file" in result.stdout + result.stderr
    )
    assert published(project, "INTERNER VERMERK") == []


def test_folder_links(project: Path, tmp_path: Path, write: Callable[..., Path]) -> None:
    (tmp_path / "archiv").mkdir()
    (tmp_path / "archiv" / "alt.jpg").write_bytes(b"x")
    content = project / "content"
    os.symlink(tmp_path / "archiv", content / "archiv")  # a whole folder from outside
    os.symlink(content / "media", content / "bilder")  # an alias inside: fine
    write("a/b/.gitkeep", "")
    os.symlink(content / "a", content / "a" / "b" / "zurueck")  # contains itself
    write("x/.gitkeep", "")
    write("y/.gitkeep", "")
    os.symlink(content / "y", content / "x" / "zu-y")  # x -> y -> x: round through two links
    os.symlink(content / "x", content / "y" / "zu-x")
    os.symlink(content / "gibt-es-nicht.jpg", content / "media" / "weg.jpg")
    os.symlink("/nirgends", content / ".#2026-01.md")  # an editor's lock file: never published, ignored
    assert messages(project) == [
        "content/a/b/zurueck: error: a link to the folder content/a, which contains the link; MkDocs would follow it without end",
        f"content/archiv: error: a link to the folder {tmp_path / 'archiv'}, outside content/"
        + OUTSIDE.format(what="folder"),
        "content/media/weg.jpg: error: a link to content/gibt-es-nicht.jpg, which does not exist; put the file itself here",
        "content/y/zu-x: error: a link to the folder content/x, which contains the link; MkDocs would follow it without end",
    ]


def test_links_inside_content_are_published_as_copies(project: Path) -> None:
    content = project / "content"
    os.symlink(content / "media" / "foto.jpg", content / "media" / "alias.jpg")
    os.symlink(content / "media", content / "bilder")
    assert messages(project) == []
    result = run(project, "generator", "build", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    original = (content / "media" / "foto.jpg").read_bytes()
    for copy in ("media/alias.jpg", "bilder/foto.jpg"):
        path = project / "site" / copy
        assert not path.is_symlink() and path.read_bytes() == original, copy


THEME_OUTSIDE = "; nothing outside {folder}/ is published: copy the {what} into {folder}/ instead"


def test_theme_and_custom_dir_links_are_refused_like_content_ones(project: Path, tmp_path: Path) -> None:
    """theme/ (MkDocs copies custom_dir's files that are not templates; emails read theme/email/)
    and a custom_dir elsewhere in the project follow content/'s rule."""
    secret = tmp_path / "zugangsdaten.txt"
    secret.write_text("GEHEIMNIS\n", encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    )
    site_theme, email_theme, custom = project / "theme" / "site", project / "theme" / "email", project / "overrides"
    for folder in (site_theme, email_theme, custom):
        folder.mkdir(parents=True)
    os.symlink("/etc/passwd", site_theme / "passwd.txt")
    os.symlink(secret, email_theme / "email.css")
    os.symlink(secret, custom / "secret.txt")
    os.symlink(project / "nirgends.css", custom / "weg.css")
    os.symlink(custom, custom / "schleife")
    os.symlink(site_theme / "main.html", site_theme / "alias.html")  # inside theme/: fine (main.html missing: nothing)
    (site_theme / "main.html").write_text("{% extends 'base.html' %}\n", encoding="utf-8")
    assert messages(project) == [
        "overrides/schleife: error: a link to the folder overrides, which contains the link; MkDocs would follow it without end",
        f"overrides/secret.txt: error: a link to the file {secret}, outside overrides/"
        + THEME_OUTSIDE.format(folder="overrides", what="file"),
        "overrides/weg.css: error: a link to nirgends.css, which does not exist; put the file itself here",
        f"theme/email/email.css: error: a link to the file {secret}, outside theme/"
        + THEME_OUTSIDE.format(folder="theme", what="file"),
        "theme/site/passwd.txt: error: a link to the file /etc/passwd, outside theme/"
        + THEME_OUTSIDE.format(folder="theme", what="file"),
    ]
    result = run(project, "generator", "build")
    assert (
        result.returncode == 1
        and "theme/site/passwd.txt: error: a link to the file /etc/passwd" in result.stdout + result.stderr
    )
    assert published(project, "GEHEIMNIS") == [] and published(project, "root:") == []


def test_theme_folder_linked_from_outside_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    (tmp_path / "fremd").mkdir()
    (tmp_path / "fremd" / "passwd.txt").write_text("GEHEIMNIS\n", encoding="utf-8")
    os.symlink(tmp_path / "fremd", project / "theme")
    assert messages(project) == [
        f"theme: error: a link to the folder {tmp_path / 'fremd'}, outside the project; nothing outside the project "
        "is published: copy the folder into the project instead"
    ]
