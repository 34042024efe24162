"""The email cache follows the image files an email shows: replace one shown in the issue's
body (or in an event's description) and the next build renders that email again."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from tests.emailfixture import run


def build(root: Path) -> str:
    result = run("build", "--force", "--project", str(root))  # reuse, not the stamp
    assert result.returncode == 0, result.stderr
    return result.stdout


def shown_sizes(root: Path) -> list[tuple[str, str]]:
    html = (root / "newsletter" / "2026-01" / "email.html").read_text(encoding="utf-8")
    return re.findall(r'<img src="[^"]*/media/_r/[^"]*" width="(\d+)" height="(\d+)"', html)


def test_replacing_an_image_the_email_shows_renders_it_again(project: Path) -> None:
    issue = project / "content" / "newsletter" / "2026-01.md"
    text = issue.read_text(encoding="utf-8")
    text = text.replace("    location: Schwaan\n", "    location: Schwaan\n    description: \"![Lageplan](../media/logo.png)\"\n")
    issue.write_text(text + "\n![Foto vom Auftakt](../media/foto.jpg)\n", encoding="utf-8")
    assert "(1 email rendered, 0 unchanged)" in build(project)
    assert shown_sizes(project) == [("120", "80"), ("40", "40")]  # the body's photo, the description's plan
    assert "(0 emails rendered, 1 unchanged)" in build(project)

    # the same size and format, other pixels: only the file's size and time tell (an edited photo)
    Image.new("RGB", (120, 80), "#c62828").save(project / "content" / "media" / "foto.jpg", "JPEG")
    assert "(1 email rendered, 0 unchanged)" in build(project)
    Image.new("RGB", (40, 40), "#2e7d32").save(project / "content" / "media" / "logo.png", "PNG")
    assert "(1 email rendered, 0 unchanged)" in build(project)
    # another size: the email shows the new one
    Image.new("RGB", (200, 100), "#c62828").save(project / "content" / "media" / "foto.jpg", "JPEG")
    assert "(1 email rendered, 0 unchanged)" in build(project)
    assert shown_sizes(project) == [("200", "100"), ("40", "40")]


def test_replacing_an_image_a_statement_quote_shows_renders_it_again(project: Path) -> None:
    issue = project / "content" / "newsletter" / "2026-01.md"
    text = issue.read_text(encoding="utf-8").replace(
        "---\n\n", 'statements:\n  - person: anna-muster\n    quote: "Unser Zeichen: ![Logo](../media/logo.png)"\n---\n\n', 1
    )
    issue.write_text(text, encoding="utf-8")
    assert "(1 email rendered, 0 unchanged)" in build(project)
    assert "(0 emails rendered, 1 unchanged)" in build(project)
    Image.new("RGB", (40, 40), "#2e7d32").save(project / "content" / "media" / "logo.png", "PNG")
    assert "(1 email rendered, 0 unchanged)" in build(project)
