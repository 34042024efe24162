"""The editors' language: German by default, English on request, one catalog kept up to date.

Run as editors run it: ``rundbrief check`` in a subprocess, on a project with mistakes, with
the environment of a German desktop (no language set), with ``--lang`` and with ``LANG``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from generator.content import load_project
from generator.i18n import LOCALE_DIR, choose, language, set_language
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import messages as catalog_script  # noqa: E402  (scripts/ is no package)

LANGUAGE_VARIABLES = ("RUNDBRIEF_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")

ISSUE_WITH_MISTAKES = """\
---
title: Zweite Ausgabe
number: "02.2026"
date: 25.13.2026
sumary: Was los war
cover:
  src: media/Foto.jpg
  alt: Ein Foto vom Auftakt
  credit: Landkreis
events:
  - title: Werkstatt
    start: 31.04.2026 10:00
    location: Schwaan
  - title: Abendrunde
    start: 2026-06-02 18:00
    end: "25:00"
    location: Schwaan
  - title: Frühstück
    start: 2026-06-03 10:61
    location: Schwaan
    ort: Rathaus
statements:
  - name: Erika Muster
    quote: Gut so.
    rolle: Anwohnerin
---

Text.
"""

ISSUE_WITH_A_TAB = """\
---
title: Dritte Ausgabe
number: "03.2026"
date: 2026-07-01
cover:
\tsrc: media/foto.jpg
  alt: Ein Foto
---

![Ein Bild](../media/fotoo.jpg)
"""

ISSUE_MISINDENTED = """\
---
title: Vierte Ausgabe
number: "04.2026"
date: 2026-08-01
events:
  - title: Treffen
    start: 2026-08-10 10:00
   location: Schwaan
---

Text.
"""

ISSUE_NO_LEAP_YEAR = """\
---
title: Fünfte Ausgabe
number: "01.2027"
date: 29.02.2027
---

Text.
"""


@pytest.fixture
def mistakes(project: Path, write: Callable[[str, str], Path]) -> Path:
    write("newsletter/2026-02.md", ISSUE_WITH_MISTAKES)
    write("newsletter/2026-03.md", ISSUE_WITH_A_TAB)
    write("newsletter/2026-04.md", ISSUE_MISINDENTED)
    write("newsletter/2027-01.md", ISSUE_NO_LEAP_YEAR)
    people = project / "content" / "people.yml"
    people.write_text(people.read_text(encoding="utf-8") + "  rolle: Sozialplanerin\n", encoding="utf-8")
    return project


def check(project: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """``rundbrief [args] check --project`` as an editor's shell runs it: no language variable
    but those given."""
    env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES} | environment
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, "check", "--project", str(project)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


GERMAN = [
    'content/newsletter/2026-02.md:4: Fehler: date: "25.13.2026": Monat 13 gibt es nicht',
    'content/newsletter/2026-02.md:5: Warnung: sumary: unbekanntes Feld, wird nicht beachtet (meinten Sie "summary"?)',
    "content/newsletter/2026-02.md:7: Fehler: cover.src: Datei nicht gefunden: content/media/Foto.jpg "
    '(meinten Sie "media/foto.jpg"?)',
    'content/newsletter/2026-02.md:12: Fehler: events[1].start: "31.04.2026 10:00": den 31. April gibt es nicht '
    "(der April hat 30 Tage)",
    'content/newsletter/2026-02.md:16: Fehler: events[2].end: "25:00": die Stunde 25 gibt es nicht '
    "(ein Tag hat die Stunden 0 bis 23, Mitternacht ist 00:00)",
    'content/newsletter/2026-02.md:19: Fehler: events[3].start: "2026-06-03 10:61": die Minute 61 gibt es nicht '
    "(eine Stunde hat die Minuten 0 bis 59)",
    'content/newsletter/2026-02.md:21: Warnung: events[3].ort: unbekanntes Feld, wird nicht beachtet (meinten Sie "location"?)',
    'content/newsletter/2026-02.md:25: Warnung: statements[1].rolle: unbekanntes Feld, wird nicht beachtet '
    '(meinten Sie "role"?)',
    "content/newsletter/2026-03.md:6: Fehler: YAML: Zeile 6 ist mit einem Tabulator eingerückt; YAML erlaubt nur "
    "Leerzeichen: ersetzen Sie den Tabulator durch Leerzeichen",
    # the file read as if the tab were spaces: its cover has no credit
    'content/newsletter/2026-03.md:6: Fehler: cover.credit: Pflichtfeld fehlt (wer die Rechte hat, gezeigt als "Foto: ...")',
    "content/newsletter/2026-03.md:10: Fehler: body: Bild ../media/fotoo.jpg: Datei nicht gefunden: "
    'content/media/fotoo.jpg (meinten Sie "../media/foto.jpg"?)',  # as the body names images
    "content/newsletter/2026-04.md:8: Fehler: YAML: Zeile 8 ist anders eingerückt als die Zeilen davor: sie beginnt "
    "nach 3 Leerzeichen, die Zeilen davor nach 0, 2, 4; Felder, die zusammengehören, beginnen in derselben Spalte",
    'content/newsletter/2027-01.md:4: Fehler: date: "29.02.2027": 2027 ist kein Schaltjahr '
    "(der Februar 2027 hat 28 Tage)",
    'content/people.yml:8: Warnung: max-beispiel.rolle: unbekanntes Feld, wird nicht beachtet (meinten Sie "role"?)',
]


def test_check_speaks_german_by_default_and_reports_every_file(mistakes: Path) -> None:
    """A YAML slip in one file hides neither the other files' problems nor its own body's."""
    done = check(mistakes)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [*GERMAN, "rundbrief: Prüfung fehlgeschlagen: 10 Fehler, 4 Warnungen"]


def test_check_speaks_english_with_lang_en_or_an_english_environment(mistakes: Path) -> None:
    for args, environment in (
        (("--lang", "en"), {}),
        ((), {"LANG": "en_US.UTF-8"}),
        ((), {"LC_ALL": "en_GB.UTF-8", "LANG": "de_DE.UTF-8"}),  # LC_ALL overrides LANG
        ((), {"RUNDBRIEF_LANG": "en", "LANG": "de_DE.UTF-8"}),
        (("--lang=en",), {"LANG": "de_DE.UTF-8"}),
    ):
        done = check(mistakes, *args, **environment)
        lines = done.stderr.splitlines()
        assert lines[0] == 'content/newsletter/2026-02.md:4: error: date: "25.13.2026": there is no month 13', args
        assert 'content/newsletter/2026-02.md:5: warning: sumary: unknown field, ignored (did you mean "summary"?)' in lines
        assert (
            'content/newsletter/2026-02.md:12: error: events[1].start: "31.04.2026 10:00": there is no 31 April '
            "(April has 30 days)"
        ) in lines
        assert (
            "content/newsletter/2026-03.md:6: error: YAML: line 6 is indented with a tab; YAML allows only spaces: "
            "replace the tab with spaces"
        ) in lines
        assert lines[-1] == "rundbrief: check failed: 10 errors, 4 warnings"
    # --lang de wins over an English environment
    assert check(mistakes, "--lang", "de", LANG="en_US.UTF-8").stderr.splitlines()[0] == GERMAN[0]


def test_strict_makes_a_misspelt_field_an_error(mistakes: Path) -> None:
    lines = check(mistakes, "--lang", "en").stderr.splitlines()
    strict = subprocess.run(
        [sys.executable, "-m", "generator", "--lang", "de", "check", "--strict", "--project", str(mistakes)],
        capture_output=True, text=True, timeout=120, check=False,
    ).stderr.splitlines()  # fmt: skip
    assert any(": warning: sumary: unknown field" in line for line in lines)
    assert (
        'content/newsletter/2026-02.md:5: Fehler: sumary: unbekanntes Feld, wird nicht beachtet (meinten Sie "summary"?)'
        in strict
    )
    assert strict[-1] == "rundbrief: Prüfung fehlgeschlagen: 14 Fehler, 0 Warnungen"


def test_a_misspelt_field_alone_passes_check_but_not_check_strict(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("newsletter_name:", "newsleter_name:"), encoding="utf-8")
    loose = check(project, "--lang", "en")
    assert loose.returncode == 0, loose.stderr
    assert 'warning: plugins.rundbrief.newsleter_name: unknown field, ignored (did you mean "newsletter_name"?)' in (
        loose.stderr
    )
    strict = subprocess.run(
        [sys.executable, "-m", "generator", "--lang", "en", "check", "--strict", "--project", str(project)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert strict.returncode == 1
    assert 'mkdocs.yml:12: error: plugins.rundbrief.newsleter_name: unknown field' in strict.stderr


def test_help_follows_the_language(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}

    def help_of(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args], capture_output=True, text=True, env=env, timeout=60, check=True
        ).stdout

    german = help_of("check", "--help")
    assert "Warnungen als Fehler behandeln." in german and "Der Projektordner mit mkdocs.yml" in german
    assert "Alle Inhalte, Einstellungen und gebauten E-Mails prüfen" in german
    english = help_of("--lang", "en", "check", "--help")
    assert "Treat warnings as errors." in english and "Warnungen" not in english
    top = help_of("--help")
    assert "Die Sprache der Meldungen und der Hilfe" in top and "Live-Vorschau der Website" in top


def test_the_language_is_chosen_in_order() -> None:
    assert choose(None, {}) == "de"
    assert choose(None, {"LANG": "C.UTF-8"}) == "de"
    assert choose(None, {"LANG": "en_US.UTF-8"}) == "en"
    assert choose(None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_DE.UTF-8"}) == "de"
    assert choose(None, {"LC_ALL": "en", "LC_MESSAGES": "de_DE.UTF-8"}) == "en"
    assert choose(None, {"RUNDBRIEF_LANG": "de", "LC_ALL": "en_US"}) == "de"
    assert choose("en", {"RUNDBRIEF_LANG": "de"}) == "en"
    assert choose("", {"LANG": "en_US"}) == "en"  # an empty value counts as unset


def test_messages_made_in_the_load_follow_set_language(mistakes: Path, german: None) -> None:
    assert language() == "de"
    shown = [str(p) for p in load_project(mistakes).diagnostics.sorted()]
    assert shown == GERMAN


def test_email_workers_are_started_in_the_builds_language(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Workers come from a forkserver, which inherits no module state: the language travels
    with their start arguments, and their initializer sets it."""
    from generator.email import build

    started: list[tuple[object, ...]] = []

    class Pool:
        def __init__(self, *, initargs: tuple[object, ...], **options: object) -> None:
            started.append(initargs)

        def __enter__(self) -> Pool:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def map(self, *args: object, **options: object) -> list[object]:
            return []

    monkeypatch.setattr(build, "ProcessPoolExecutor", Pool)
    monkeypatch.setattr(build, "PARALLEL_FROM", 1)
    monkeypatch.setattr(build.os, "cpu_count", lambda: 4)
    jobs = [build._Job("a", tmp_path / "a", "k"), build._Job("b", tmp_path / "b", "k")]
    set_language("de")
    try:
        build.render_emails(None, jobs, inliner="css-inline", cache=tmp_path, background=False, texts=None, shared=b"")  # type: ignore[arg-type]
    finally:
        set_language(None)
    assert started and started[0][-1] == "de"
    monkeypatch.setattr(build, "_Worker", lambda *args: None)
    inputs = tmp_path / "inputs.pickle"
    inputs.write_bytes(__import__("pickle").dumps((None, None)))
    build._start_worker(inputs, "css-inline", tmp_path, 0, b"", "de")  # type: ignore[arg-type]
    try:
        assert language() == "de"
    finally:
        set_language(None)


# -- the catalog ---------------------------------------------------------------------------


def test_the_catalog_holds_every_msgid_of_the_code() -> None:
    """Fails when a message was added or changed in the code without ``make messages``."""
    extracted = {message.id for message in catalog_script.extract() if message.id}
    with catalog_script.POT.open("rb") as file:
        template = {message.id for message in read_po(file) if message.id}
    assert extracted - template == set(), "new messages: run make messages"
    assert template - extracted == set(), "messages no longer in the code: run make messages"


def test_every_msgid_has_a_german_translation_and_the_mo_is_current() -> None:
    with catalog_script.POT.open("rb") as file:
        template = {message.id for message in read_po(file) if message.id}
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "rundbrief.po").open("rb") as file:
        german = read_po(file, locale="de")
    entries = {message.id: message for message in german if message.id}
    assert set(entries) == template, "run make messages"
    untranslated = [m.id for m in entries.values() if m.fuzzy or not all(_key(m.string) if m.pluralizable else [m.string])]
    assert untranslated == [], "translate these in generator/locale/de/LC_MESSAGES/rundbrief.po"
    problems = [(message.id, errors) for message, errors in german.check()]
    assert problems == [], "placeholders of a translation differ from its msgid"
    with (LOCALE_DIR / "de" / "LC_MESSAGES" / "rundbrief.mo").open("rb") as file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id}
    assert compiled == {_key(m.id): _key(m.string) for m in entries.values()}, "the .mo is stale: run make messages"


def _key(text: str | tuple[str, ...] | list[str] | None) -> str | tuple[str, ...] | None:
    """Plural forms as a tuple, whichever reader gave them (the .mo reader gives lists)."""
    return text if text is None or isinstance(text, str) else tuple(text)


def test_the_preview_shows_a_misspelt_field_as_an_error_in_german(project: Path, tmp_path: Path, german: None) -> None:
    """The preview finds the misspelt field by its sort, not by its (English) words: in German
    it is an error on the pages too, and the error page speaks German."""
    from generator.preview.build import rebuild
    from generator.preview.pages import error_page

    issue = project / "content" / "newsletter" / "2026-01.md"
    issue.write_text(issue.read_text(encoding="utf-8").replace("title: Erste", "titel: Erste\ntitle: Erste"), encoding="utf-8")
    done = rebuild(project, tmp_path / "preview", None)
    assert [str(p) for p in done.errors] == [
        'content/newsletter/2026-01.md:2: Fehler: titel: unbekanntes Feld, wird nicht beachtet (meinten Sie "title"?)'
    ]
    page = error_page(1, done.errors)
    assert "Der Inhalt hat Fehler" in page and "<code>Datei:Zeile: Fehler: Meldung</code>" in page


def test_an_event_of_an_unreadable_issue_is_not_called_unknown(project: Path, write: Callable[[str, str], Path]) -> None:
    """An issue with a YAML error defines no events: a reference to one of them points to that
    file's error instead of saying the event does not exist."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: Zwei\nnumber: "02"\ndate: 2026-06-01\nevents:\n  - id: werkstatt\n\t title: Werkstatt\n---\n',
    )
    write("newsletter/2026-03.md", '---\ntitle: Drei\nnumber: "03"\ndate: 2026-07-01\nevents:\n  - id: werkstatt\n---\n')
    shown = [str(p) for p in load_project(project).diagnostics.sorted()]
    assert shown == [
        # the file's other problems, as if the tab were spaces: an event with a title needs its start
        "content/newsletter/2026-02.md:6: error: events[1].start: missing required field",
        "content/newsletter/2026-02.md:6: error: events[1].location: missing required field (or give online: with "
        "the web address)",
        "content/newsletter/2026-02.md:7: error: YAML: line 7 is indented with a tab; YAML allows only spaces: "
        "replace the tab with spaces",
        'content/newsletter/2026-03.md:6: error: events: unknown event id "werkstatt"; it may be defined in '
        "content/newsletter/2026-02.md, which could not be read (see the error there)",
    ]


def test_a_yaml_slip_hides_none_of_the_files_other_problems(project: Path, write: Callable[[str, str], Path]) -> None:
    """A tab, a mis-indented line or a broken quote is explained, each one, and the file's
    other fields are still checked, in issues, phases and people.yml; nothing is reported for
    a line the check had to mend."""
    write(
        "newsletter/2026-02.md",
        "---\ntitle: Zwei\nnumber: \"02\"\ndate: 25.13.2026\ncover:\n  src: media/fehlt.jpg\n"
        "\talt: Ein Bild\nsumary: Tippfehler\nphotos:\n  - src: media/fehlt.jpg\n      alt: eingerückt\n---\n"
        "Ein Bild ohne Text: ![](../media/fehlt.jpg)\n",
    )  # fmt: skip
    write("prozess/phase.md", '---\ntitle: "Phase "Eins""\nstatus: aktiv\n---\n')
    people = project / "content" / "people.yml"
    people.write_text("anna:\n  name: Anna\n\trole: Planerin\n  email: anna(at)example.org\n", encoding="utf-8")
    shown = [str(p) for p in load_project(project).diagnostics.sorted()]
    issue, phase = "content/newsletter/2026-02.md", "content/prozess/phase.md"
    expected = [
        f'{issue}:4: error: date: "25.13.2026": there is no month 13',
        f"{issue}:6: error: cover.src: file not found",
        f"{issue}:6: error: cover.credit: missing required field",
        f"{issue}:7: error: YAML: line 7 is indented with a tab; YAML allows only spaces: replace the tab with spaces",
        f'{issue}:8: warning: sumary: unknown field, ignored (did you mean "summary"?)',
        f"{issue}:10: error: photos[1].src: file not found",
        f"{issue}:10: error: photos[1].credit: missing required field",
        f"{issue}:11: error: YAML: line 11 is indented differently from the lines before it: it begins after 6 "
        "spaces, the lines before after 0, 2, 4; fields that belong together begin in the same column",
        f"{issue}:13: error: body: image without alt text",
        f"{issue}:13: error: body: image ../media/fehlt.jpg: file not found",
        "content/people.yml:3: error: YAML: line 3 is indented with a tab; YAML allows only spaces: replace the tab "
        "with spaces",
        'content/people.yml:4: error: anna.email: expected an email address, found "anna(at)example.org"',
        f"{phase}:2: error: YAML: line 2: the value begins with a quotation mark and holds another one, or does not "
        "close it; inside \"...\" write „...“ or '...', or put the whole value in single quotes",
        f'{phase}:3: error: status: expected one of done, active, planned, found "aktiv" (did you mean "active"?)',
    ]
    assert len(shown) == len(expected), "\n".join(shown)
    for line, start in zip(shown, expected, strict=True):
        assert line.startswith(start), (line, start)


# Several slips in one front-matter, and a real problem after them (found by an editor's test):
# each slip explained at its own line, the real problem reported, nothing else.
SLIPS = {
    "colon after colon and tab": (
        'title: Workshop: Teil 1\nnumber: "05.2026"\nsummary: Hinweis: Anmeldung\n\tdate: 31.04.2026\n',
        [(2, 'YAML: line 2: a value containing ": " must be put in quotes'),
         (4, 'YAML: line 4: a value containing ": " must be put in quotes'),
         (5, "YAML: line 5 is indented with a tab"),
         (5, 'date: "31.04.2026": there is no 31 April')],  # its value is the editor's, only moved
    ),
    "a quoted value indented wrongly": (
        'title: Workshop startet\n number: "05.2026"\ndate: 31.04.2026\n',
        [(3, "YAML: line 3 is indented differently"), (4, 'date: "31.04.2026": there is no 31 April')],
    ),
    "an open bracket before a bad date": (
        'title: Workshop\nnumber: "05.2026"\ncontacts: [anna, ben\ndate: 31.04.2026\n',
        [(4, 'YAML: line 4: the "[" is not closed on its line; end the list there with "]"'),
         (5, 'date: "31.04.2026": there is no 31 April')],
    ),
    "a quote never closed": (
        'title: Workshop\nnumber: "05.2026"\ndate: 31.04.2026\nevents:\n  - title: "Treffen\n'
        "    start: 2026-12-10 10:00\n    location: Rathaus\n",
        [(4, 'date: "31.04.2026": there is no 31 April'),
         (6, "YAML: line 6: the value begins with a quotation mark and holds another one, or does not close it")],
    ),
    "a colon in a key's value, its list below": (
        'title: T\nnumber: "1"\ndate: 2026-01-06\nstatements: Stimmen: alle\n  - name: Erika\n    quote: Hi\n',
        [(5, 'YAML: line 5: a value containing ": " must be put in quotes')],
    ),
    "a slip and a broken link in the body": (
        'title: T\nnumber: "1"\n\tdate: 2026-01-06\n',
        [(4, "YAML: line 4 is indented with a tab"), (6, "body: link nope.md: there is no page")],
    ),
    "a quote left open, a quote later": (
        'title: "Neue Ausgabe\nnumber: "09"\ndate: 31.04.2026\nevents:\n  - title: Treffen\n'
        '    start: 2026-06-13 16:00\n    end: "19:00"\n    location: Saal\n',
        [(2, "YAML: line 2: the value begins with a quotation mark"), (4, 'date: "31.04.2026": there is no 31 April')],
    ),
    "apostrophes": (
        "title: T\nnumber: '09'\nsummary: 'Ein 'Satz' zur Ausgabe'\ndate: 31.04.2026\n",
        [(4, "YAML: line 4: the value begins with an apostrophe"), (5, 'date: "31.04.2026": there is no 31 April')],
    ),
    "a list item indented wrongly": (
        'title: T\nnumber: "09"\ndate: 2026-04-30\nevents:\n  - title: Treffen\n    start: 2026-06-13 16:00\n'
        "    location: Saal\n - title: Konferenz\n    start: 2026-09-31 15:00\n    location: Heidetreff\n",
        [(9, "YAML: line 9 is indented differently"), (10, 'events[2].start: "2026-09-31 15:00": there is no 31 September')],
    ),
    "a brace left open in a list item": (
        'title: T\nnumber: "09"\ndate: 31.04.2026\nstatements:\n  - {name: Erika, quote: Hallo\n',
        [(4, 'date: "31.04.2026": there is no 31 April'), (6, 'YAML: line 6: the "{" is not closed on its line')],
    ),
    "a misspelt field on a tab-indented line": (
        'title: T\nnumber: "09"\ndate: 2026-04-30\nevents:\n  - title: Treffen\n    start: 2026-06-13 16:00\n'
        "\tlocaton: Saal\n",
        [(6, "events[1].location: missing required field"), (8, "YAML: line 8 is indented with a tab"),
         (8, 'events[1].locaton: unknown field, ignored (did you mean "location"?)')],
    ),
    "the same wrong indentation twice": (
        'title: T\nnumber: "09"\ndate: 2026-04-30\nevents:\n  - title: Treffen\n     start: 2026-06-13 16:00\n'
        "    location: Saal\nstatements:\n  - name: Erika\n     quote: Ja.\n",
        [(7, "YAML: line 7 is indented differently"), (11, "YAML: line 11 is indented differently")],
    ),
    "the first field under a key too deep": (
        'title: T\nnumber: "09"\ndate: 31.04.2026\ncover:\n   src: media/fehlt.jpg\n  alt: Bild\n  credit: Vera\n',
        [(4, 'date: "31.04.2026": there is no 31 April'),
         (6, "YAML: line 6 begins after 3 spaces, the field below it after 2"),
         (6, "cover.src: file not found")],
    ),
    "a line without a colon": (
        'title: T\nAusgabe neun\nnumber: "09"\n',
        [(3, 'YAML: line 3 has no colon; write a field as "name: value"')],
    ),
    "a line separator in quotes, lines after it": (
        'title: T\nnumber: "09"\nsummary: "eins\u2028zwei"\ndate: 31.04.2026\n\tdraft: false\n',
        [(4, "summary: must be a single line"), (5, 'date: "31.04.2026": there is no 31 April'),
         (6, "YAML: line 6 is indented with a tab")],
    ),
    "a line separator in a plain value": (
        'title: T\nnumber: "09"\nsummary: eins\u2028zwei\ndate: 31.04.2026\n',
        [(4, "YAML: line 4 holds an invisible line separator (U+2028"), (5, 'date: "31.04.2026": there is no 31 April')],
    ),
    "the first field indented": (
        ' title: Workshop\nnumber: "05.2026"\ndate: 31.04.2026\n',
        [(2, "YAML: line 2 begins after 1 space; the first fields begin at the start of the line"),
         (4, 'date: "31.04.2026": there is no 31 April')],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(SLIPS))
def test_each_slip_is_explained_and_the_rest_still_checked(
    name: str, project: Path, write: Callable[[str, str], Path]
) -> None:
    front, expected = SLIPS[name]
    body = "Hier [x](nope.md).\n" if "broken link" in name else "Text.\n"
    write("newsletter/2026-02.md", f"---\n{front}---\n{body}")
    problems = [p for p in load_project(project).diagnostics.sorted() if p.location.path.endswith("2026-02.md")]
    assert len(problems) == len(expected), "\n".join(map(str, problems))
    for problem, (line, start) in zip(problems, expected, strict=True):
        assert (problem.location.line, problem.message[: len(start)]) == (line, start), str(problem)


def test_a_slip_in_people_yml_still_checks_the_issues_references(
    project: Path, write: Callable[[str, str], Path]
) -> None:
    """The people as read despite the slip: an issue naming someone who is not there is told so."""
    people = project / "content" / "people.yml"
    people.write_text("anna:\n  name: Anna\n\trole: Planerin\n", encoding="utf-8")
    write("newsletter/2026-02.md", '---\ntitle: T\nnumber: "02"\ndate: 2026-06-01\ncontacts: [anna, tom-fehlt]\n---\n')
    shown = [str(p) for p in load_project(project).diagnostics.errors]
    assert shown[0].startswith("content/people.yml:3: error: YAML: line 3 is indented with a tab")
    assert any('contacts[2]: unknown person "tom-fehlt"' in line for line in shown), shown
    assert not any('"anna"' in line for line in shown), shown
    # a broken line of a person's own id: that person is not called unknown
    people.write_text("anna: name: Anna\nben:\n  name: Ben\n\trole: x\n", encoding="utf-8")
    shown = [str(p) for p in load_project(project).diagnostics.errors]
    assert not any('unknown person "anna"' in line for line in shown), shown


def test_a_file_of_the_editors_where_the_build_makes_one_is_an_error(project: Path) -> None:
    """content/termine/kalender.ics would be replaced by the calendar the build makes, silently."""
    own = project / "content" / "termine" / "kalender.ics"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n", encoding="utf-8")
    shown = [str(p) for p in load_project(project).diagnostics.errors]
    assert shown == [
        "content/termine/kalender.ics: error: the build makes this file itself (the calendar or the feed): rename "
        "or remove yours"
    ]


def test_the_calendar_of_all_events_is_no_event_id(project: Path, write: Callable[[str, str], Path]) -> None:
    """termine/kalender.ics is the calendar of all events; an event with that id would replace it."""
    write(
        "newsletter/2026-02.md",
        '---\ntitle: T\nnumber: "02"\ndate: 2026-06-01\nevents:\n  - id: kalender\n    title: Treffen\n'
        "    start: 2026-12-08 10:00\n    location: Rathaus\n---\n",
    )  # fmt: skip
    shown = [str(p) for p in load_project(project).diagnostics.errors]
    assert shown == [
        'content/newsletter/2026-02.md:6: error: events[1].id: "kalender" is the name of the calendar of all events '
        "(termine/kalender.ics); choose another id"
    ]


def test_an_open_bracket_in_people_yml_puts_no_error_on_another_person(project: Path) -> None:
    people = project / "content" / "people.yml"
    people.write_text(
        "anna:\n  name: Anna\n  groups: [Projektteam, Kreativ-Gruppe\n  role: Planerin\n"
        'helga:\n  name: Helga\n  email: helga(at)example.org\n',
        encoding="utf-8",
    )  # fmt: skip
    shown = [str(p) for p in load_project(project).diagnostics.sorted() if "people.yml" in p.location.path]
    assert shown == [
        'content/people.yml:3: error: YAML: line 3: the "[" is not closed on its line; end the list there with "]"',
        'content/people.yml:7: error: helga.email: expected an email address, found "helga(at)example.org"',
    ]


def test_every_message_fills_exactly_its_placeholders() -> None:
    """``_("... %(field)s ...", field=...)``: a placeholder without its value would print as
    written, a value without its placeholder would be lost from every translation."""
    import ast
    import re

    wrong = []
    for path in sorted((REPO / "generator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext")):
                continue
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            wanted = {name for text in texts for name in re.findall(r"%\((\w+)\)", text)}
            given = {keyword.arg for keyword in node.keywords} | ({"n"} if node.func.id == "ngettext" else set())
            if wanted - given or given - wanted - {"n"}:
                wrong.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert wrong == []
