"""What the loader makes of valid content: typed, frozen values that mean what the editor wrote."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.content import load_project
from generator.content.model import EventStatus, EventTime, Project

BERLIN = ZoneInfo("Europe/Berlin")


def load_clean(root: Path) -> Project:
    result = load_project(root)
    assert [str(p) for p in result.diagnostics.problems] == []
    return result.project


def test_yaml_hazards_keep_the_editors_text(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        "---\ntitle: no\nnumber: 01234\ndate: 2026-06-30\nsummary: on\nevents:\n  - title: yes\n"
        "    start: 2026-09-25 15:00\n    end: 19:00\n    location: off\n    region: 0x1F\n---\n",
    )
    issue = load_clean(project).issue("2026-02")
    assert issue is not None
    assert (issue.title, issue.number, issue.summary) == ("no", "01234", "on")
    event = issue.events[0]
    assert (event.title, event.location, event.region) == ("yes", "off", "0x1F")
    assert event.end == EventTime(date(2026, 9, 25), datetime(2026, 9, 25, 19, 0, tzinfo=BERLIN))


def test_unquoted_dotted_number_stays_text(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", "---\ntitle: T\nnumber: 02.2020\ndate: 2026-06-30\n---\n")
    issue = load_clean(project).issue("2026-02")
    assert issue is not None and issue.number == "02.2020"  # a YAML float would be 2.202


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-09-25 15:00", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("2026-09-25T15:00", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("25.09.2026 15:00", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("25.09.2026, 15:00 Uhr", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("2026-09-25T13:00Z", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("2026-09-25 15:00+02:00", datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN)),
        ("2026-09-25", date(2026, 9, 25)),
        ("25.9.2026", date(2026, 9, 25)),
    ],
)
def test_start_formats(project: Path, write: Callable[..., Path], written: str, expected: date) -> None:
    write(
        "newsletter/2026-02.md",
        f'---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\nevents:\n  - title: X\n    start: "{written}"\n    location: Y\n---\n',
    )
    issue = load_clean(project).issue("2026-02")
    assert issue is not None
    start = issue.events[0].start
    assert start == EventTime.of(expected) and start.timed == isinstance(expected, datetime)
    if start.moment is not None:
        assert start.moment.utcoffset() == expected.utcoffset()  # type: ignore[union-attr]


def test_event_defaults_and_references(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\nevents:\n  - id: base-event\n'
        "  - title: Jugendforum „Unser Landkreis 2040“\n    start: 2027-01-22 16:00\n    online: https://video.example.org/x\n---\n",
    )
    model = load_clean(project)
    issue = model.issue("2026-02")
    assert issue is not None
    assert [e.id for e in issue.events] == ["base-event", "2027-01-22-jugendforum-unser-landkreis-2040"]
    assert issue.events[1].status is EventStatus.SCHEDULED and issue.events[1].location is None
    assert {e.event.id: e.issues for e in model.events} == {
        "base-event": ("2026-01", "2026-02"),
        "2027-01-22-jugendforum-unser-landkreis-2040": ("2026-02",),
    }


def test_drafts_are_loaded_but_not_published(project: Path, write: Callable[..., Path]) -> None:
    write("newsletter/2026-02.md", '---\ntitle: Entwurf\nnumber: "02"\ndate: 2026-06-30\ndraft: true\n---\n')
    model = load_clean(project)
    assert [i.slug for i in model.issues] == ["2026-01", "2026-02"]
    assert [i.slug for i in model.published] == ["2026-01"]


def test_statements_resolve_people(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\nstatements:\n  - person: anna-muster\n    quote: A\n'
        "  - people: [anna-muster, max-beispiel]\n    quote: B\n"
        "  - name: Heike Sommer\n    organisation: Kreiselternrat\n    groups: Mitglied Kreativ-Gruppe\n    quote: C\n"
        "contacts:\n  - anna-muster\n  - name: Projektbüro\n    email: buero@example.org\n---\n",
    )
    issue = load_clean(project).issue("2026-02")
    assert issue is not None
    assert [[p.name for p in s.people] for s in issue.statements] == [
        ["Anna Muster"], ["Anna Muster", "Max Beispiel"], ["Heike Sommer"]
    ]
    assert issue.statements[2].people[0].groups == ("Mitglied Kreativ-Gruppe",)
    assert [(c.id, c.name, c.email) for c in issue.contacts] == [
        ("anna-muster", "Anna Muster", "anna@example.org"), (None, "Projektbüro", "buero@example.org")
    ]


def test_bom_and_windows_line_ends_keep_line_numbers(project: Path, write: Callable[..., Path]) -> None:
    text = '---\r\ntitle: T\r\nnumber: "02"\r\ndate: 2026-06-31\r\n---\r\nText\r\n'
    write("newsletter/2026-02.md", b"\xef\xbb\xbf" + text.encode())
    problems = [str(p) for p in load_project(project).diagnostics.problems]
    assert problems == [
        'content/newsletter/2026-02.md:4: error: date: "2026-06-31": there is no 31 June (June has 30 days)'
    ]


def test_model_is_frozen(project: Path) -> None:
    model = load_clean(project)
    issue = model.issues[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.issues = ()  # type: ignore[misc]
    assert isinstance(model.issues, tuple) and isinstance(issue.events, tuple)


def test_photos_carry_image_facts(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\ncover:\n  src: media/foto.jpg\n  alt: Eine Gruppe\n'
        "  credit: Vera Beispiel\n  caption: |\n    Zwei\n    Zeilen\n---\n",
    )
    issue = load_clean(project).issue("2026-02")
    assert issue is not None and issue.cover is not None
    image = issue.cover.image
    assert (image.src, image.format, image.width, image.height) == ("media/foto.jpg", "JPEG", 120, 80)
    assert issue.cover.caption == "Zwei\nZeilen"


def test_example_project_model() -> None:
    result = load_project(Path(__file__).resolve().parent.parent)
    assert result.diagnostics.errors == []
    assert result.diagnostics.warnings == []  # the example's legal pages are complete (fictional) texts
    model = result.project
    assert len(model.published) >= 2
    assert any(i.draft for i in model.issues)
    conferences = [e for e in model.events if e.event.title.startswith("Regionalkonferenz")]
    assert len(conferences) >= 4
    assert len(model.phases) == 6
    assert [p.order for p in model.phases] == sorted(p.order for p in model.phases)
    assert any(s.people and s.shown_photo for i in model.published for s in i.statements)
    assert len(model.settings.partners) >= 2
    assert all(i.cover is None or i.cover.credit for i in model.issues)


def test_plugin_declares_exactly_the_settings_rundbrief_reads() -> None:
    from generator.content.settings import SETTINGS_KEYS
    from generator.site.plugin import RundbriefConfig

    assert [name for name, _ in RundbriefConfig._schema] == list(SETTINGS_KEYS)


def test_body_images_are_the_checked_files_the_body_shows(project: Path, write: Callable[..., Path]) -> None:
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-30\n---\n\n![Logo](../media/logo.png)\n\n'
        '![Foto][bild]\n\n<img alt="Logo noch einmal" src="../media/logo.png">\n\n![Grafik](../media/grafik.svg)\n\n'
        "`![kein Bild](../media/fehlt.jpg)`\n\n[bild]: ../media/foto.jpg\n",
    )
    model = load_clean(project)
    issue = model.issue("2026-02")
    assert issue is not None
    assert [(i.src, i.format, i.width, i.height) for i in issue.body_images] == [
        ("media/logo.png", "PNG", 40, 40), ("media/foto.jpg", "JPEG", 120, 80)
    ]  # in order, each once; an SVG is MkDocs' business, code is no image
    assert issue.body_images[0].path == (project / "content" / "media" / "logo.png").resolve()
    assert model.issue("2026-01").body_images == ()  # type: ignore[union-attr]


def test_event_time_is_a_day_or_a_moment_on_it() -> None:
    day = EventTime(date(2026, 9, 25))
    moment = EventTime.of(datetime(2026, 9, 25, 15, 0, tzinfo=BERLIN))
    assert (day.timed, moment.timed, moment.day) == (False, True, date(2026, 9, 25))
    assert EventTime.of(date(2026, 9, 25)) == day and not day.same_kind_as(moment)
    assert (day.isoformat(), moment.isoformat()) == ("2026-09-25", "2026-09-25T15:00:00+02:00")
    later = EventTime.of(datetime(2026, 9, 25, 15, 0, tzinfo=ZoneInfo("UTC")).astimezone(BERLIN))
    assert sorted([later, EventTime(date(2026, 9, 26)), moment, day]) == [day, moment, later, EventTime(date(2026, 9, 26))]
    with pytest.raises(ValueError):
        EventTime(date(2026, 9, 24), moment.moment)  # a moment belongs to its own day
    with pytest.raises(ValueError):
        EventTime.of(datetime(2026, 9, 25, 15, 0))  # naive: in which zone?


def test_a_pickled_issue_comes_back_equal_and_leaves_its_body_as_it_was() -> None:
    """The loader's memo and the email workers pickle the model: an Issue pickles its body as
    UTF-8 bytes, so the str in the build's own model does not grow a UTF-8 copy (CPython keeps
    one inside a non-ASCII str that pickle encoded: 6.5 MB at 1,000 issues)."""
    import pickle
    import sys

    project = load_project(Path(__file__).resolve().parent.parent).project
    issue = project.issues[0]
    body = issue.body
    assert not body.isascii()  # German: „“, ä, ß
    size = sys.getsizeof(body)
    copy = pickle.loads(pickle.dumps(project, protocol=pickle.HIGHEST_PROTOCOL))
    assert copy == project and copy.issues[0].source == issue.source and copy.issues[0].body == body
    assert sys.getsizeof(body) == size


@pytest.mark.parametrize("root", [Path(__file__).resolve().parent.parent, Path(__file__).resolve().parent / "projects"])
def test_the_model_pickles_as_its_classes_called_with_their_fields(root: Path) -> None:
    """Each class of the model (and Location) pickles as a call with its fields' values, in one
    step each way (content/model.py): what comes back is the same, field for field, also in the
    fields equality leaves out (the places of events, statements and photos)."""
    import pickle

    from generator.content import model
    from generator.diagnostics import Location

    if root.name == "projects":  # the second project of the tests, beside the example
        root = next(path.parent for path in sorted(root.glob("*/mkdocs.yml")))
    project = load_project(root).project
    copy = pickle.loads(pickle.dumps(project, protocol=pickle.HIGHEST_PROTOCOL))
    assert repr(copy) == repr(project) and copy == project
    classes = [Location] + [
        c for c in vars(model).values() if isinstance(c, type) and dataclasses.is_dataclass(c) and c.__module__ == model.__name__
    ]
    for cls in classes:  # none is left to the slotted dataclass's field-by-field state
        assert cls.__reduce__ is not object.__reduce__, cls
