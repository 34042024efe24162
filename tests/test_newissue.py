"""The next issue number and file name, in the numbering styles processes use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from generator.content.model import Issue
from generator.diagnostics import Location
from generator.newissue import NewIssueError, file_name, next_number


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
    [("02.2026", "T", "2026-02.md"), ("2026-02", "T", "2026-02.md"), ("12", "T", "12.md"), ("Sommer", "Grüße aus Schwaan", "gruesse-aus-schwaan.md")],
)
def test_file_name(number: str, title: str, expected: str) -> None:
    assert file_name(number, title) == expected
