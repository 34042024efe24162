"""The next issue number and file name, in the numbering styles processes use."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from generator.content import load_project
from generator.content.model import Issue
from generator.diagnostics import Location
from generator.newissue import NewIssueError, create_issue, file_name, next_number
from generator.newproject import create_project


def issue(number: str, day: date) -> Issue:
    return Issue(
        slug=number, title="T", number=number, date=day, summary=None, draft=False, cover=None, photos=(), events=(),
        statements=(), contacts=(), body="", body_line=1, body_images=(), path=Path("x.md"), source=Location("x.md", 1),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("numbers", "today", "expected"),
    [
        ((), date(2026, 5, 1), "01.2026"),
        (("01.2026", "02.2026"), date(2026, 7, 1), "03.2026"),
        (("09.2025",), date(2026, 1, 10), "01.2026"),  # a new year starts the count again
        (("2026-04",), date(2026, 7, 1), "2026-05"),
        (("2025/12",), date(2026, 1, 3), "2026/01"),
        (("7",), date(2026, 7, 1), "8"),
        (("009",), date(2026, 7, 1), "010"),
        (("03.2026", "04.2026"), date(2026, 7, 1), "05.2026"),
    ],
)
def test_next_number(numbers: tuple[str, ...], today: date, expected: str) -> None:
    issues = tuple(issue(n, date(2026, 1, 1 + i)) for i, n in enumerate(numbers))
    assert next_number(issues, today) == expected


def test_next_number_skips_numbers_in_use() -> None:
    issues = (issue("02.2026", date(2026, 6, 1)), issue("03.2026", date(2026, 1, 1)))
    assert next_number(issues, date(2026, 7, 1)) == "04.2026"


def test_next_number_unknown_style_asks_for_the_number() -> None:
    with pytest.raises(NewIssueError, match=r'cannot tell the next number after "Sommer"; give it with --number'):
        next_number((issue("Sommer", date(2026, 6, 1)),), date(2026, 7, 1))


@pytest.mark.parametrize(
    ("number", "title", "expected"),
    [
        ("02.2026", "T", "2026-02.md"),
        ("2026-02", "T", "2026-02.md"),
        ("12", "T", "12.md"),
        ("Sommer", "Grüße aus Schwaan", "gruesse-aus-schwaan.md"),
    ],
)
def test_file_name(number: str, title: str, expected: str) -> None:
    assert file_name(number, title) == expected


_EXAMPLE_LINE = re.compile(r"# ( |[a-z_]+:(?: |$)|- )")  # a commented field, list item or continuation


def _uncomment_examples(text: str) -> str:
    """The issue with every commented example in its front-matter in use: the leading "# " of
    each commented line that is YAML (a field, a list item, an indented line) removed, as the
    guide tells editors to; commented explanations stay comments."""
    lines = text.split("\n")
    close = lines.index("---", 1)
    for i in range(1, close):
        if _EXAMPLE_LINE.match(lines[i]):
            lines[i] = lines[i][2:]
    return "\n".join(lines)


def test_every_commented_example_of_a_new_projects_issue_passes_check(tmp_path: Path) -> None:
    """rundbrief init's first issue: its examples name people of the skeleton's people.yml, and
    all of them uncommented at once check clean (with the photo the cover example names in place)."""
    root = tmp_path / "projekt"
    create_project(root, date(2026, 5, 4))
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("# allow_placeholders: true", "allow_placeholders: true")
    )
    (issue_file,) = (root / "content" / "newsletter").glob("*.md")
    text = issue_file.read_text(encoding="utf-8")
    used = _uncomment_examples(text)
    assert used.count("\n# ") < text.count("\n# ") - 15  # the examples were uncommented (not the explanations)
    assert "\ncover:\n  src: media/foto.jpg\n" in used and "\nstatements:\n  - person: " in used
    issue_file.write_text(used, encoding="utf-8")
    (root / "content" / "media").mkdir()
    Image.new("RGB", (120, 80), "#3949ab").save(root / "content" / "media" / "foto.jpg", "JPEG")
    result = load_project(root)
    assert [str(p) for p in result.diagnostics.errors] == []
    (issue,) = result.project.issues
    assert issue.cover is not None and len(issue.events) == 1 and len(issue.statements) == 1 and issue.contacts


def test_rundbrief_new_names_a_person_of_the_project_in_its_examples(tmp_path: Path) -> None:
    path = create_issue(tmp_path, (), "Titel", number="01", day=date(2026, 5, 4), person="anna-muster")
    text = path.read_text(encoding="utf-8")
    assert "#   - person: anna-muster\n" in text and "# contacts: [anna-muster]\n" in text and "erika" not in text
