"""``rundbrief new``: the next issue file, with a commented front-matter template."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from generator.content.fields import bad_characters, slugify
from generator.content.model import Issue
from generator.i18n import _

_NUMBER_YEAR = re.compile(r"(\d+)([./-])(\d{4})")  # "02.2022"
_YEAR_NUMBER = re.compile(r"(\d{4})([./-])(\d+)")  # "2022-02"
_PLAIN = re.compile(r"\d+")  # "17"


class NewIssueError(Exception):
    pass


def next_number(issues: tuple[Issue, ...], today: date) -> str:
    """The number after the latest issue's, in the same style; the count restarts each year."""
    if not issues:
        return f"01.{today.year}"
    used = {issue.number for issue in issues}
    latest = max(issues, key=lambda i: (i.date, i.number)).number
    candidate = _increment(latest, today)
    while candidate in used:  # numbering was not in date order; skip what exists
        candidate = _increment(candidate, today)
    return candidate


def _increment(number: str, today: date) -> str:
    if m := _NUMBER_YEAR.fullmatch(number):
        count, sep, year = m.groups()
        n = int(count) + 1 if int(year) >= today.year else 1
        return f"{n:0{len(count)}d}{sep}{max(int(year), today.year)}"
    if m := _YEAR_NUMBER.fullmatch(number):
        year, sep, count = m.groups()
        n = int(count) + 1 if int(year) >= today.year else 1
        return f"{max(int(year), today.year)}{sep}{n:0{len(count)}d}"
    if _PLAIN.fullmatch(number):
        return f"{int(number) + 1:0{len(number)}d}"
    raise NewIssueError(_(
        'cannot tell the next number after "%(number)s"; give it with --number',
        number=number,
    ))


def file_name(number: str, title: str) -> str:
    if m := _NUMBER_YEAR.fullmatch(number):
        return f"{m[3]}-{m[1]}.md"
    if m := _YEAR_NUMBER.fullmatch(number):
        return f"{m[1]}-{m[3]}.md"
    return f"{slugify(number)}.md" if _PLAIN.fullmatch(number) else f"{slugify(title)}.md"


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML string


EXAMPLE_PERSON = "erika-muster"  # the person in generator/skeleton/content/people.yml


def template(title: str, number: str, day: date, person: str = EXAMPLE_PERSON) -> str:
    """The new issue's text; ``person``: a person id of the project, for the commented examples
    (uncommented, every example passes ``rundbrief check`` once its photo is in place)."""
    q = _yaml_string
    return f"""---
# Neue Ausgabe. Felder ausfüllen; mit "rundbrief check" prüfen.
# Erst wenn "draft: false" gesetzt ist, erscheint die Ausgabe auf der Website und als E-Mail.
title: {q(title)}
number: {q(number)}        # Ausgabe-Nummer, einmalig ("Ausgabe {number}")
date: {day.isoformat()}          # Erscheinungsdatum
summary:                  # ein Satz: Vorschau im Archiv und in der E-Mail
draft: true

# Titelfoto (optional). Jedes Foto braucht alt (was zu sehen ist) und credit (wer die Rechte hat).
# cover:
#   src: media/foto.jpg
#   alt: Gruppenfoto der Teilnehmenden im Saal
#   caption: Bildunterschrift
#   credit: Name der Fotografin

# Termine (optional). start: Datum oder "JJJJ-MM-TT HH:MM"; end: Uhrzeit oder Datum mit Uhrzeit.
# events:
#   - title: Regionalkonferenz Nordost
#     start: {day.isoformat()} 15:00
#     end: "19:00"
#     location: Heidetreff Gelbensande
#     address: Am Heidetreff 1, 18182 Gelbensande
#     region: nordöstlicher Landkreis
#   # Ein Termin aus einer früheren Ausgabe: nur seine id, etwa "- id: regionalkonferenz-nordost"

# Stimmen (optional): person ist eine id aus content/people.yml, oder name/role direkt.
# statements:
#   - person: {person}
#     quote: Wir sind dabei, weil ...

# Kontakte (optional): ids aus content/people.yml
# contacts: [{person}]
---

Hier beginnt der Text der Ausgabe. Überschriften mit ##, Listen mit -, Links mit [Text](https://...).
"""


def create_issue(
    issues_dir: Path,
    issues: tuple[Issue, ...],
    title: str,
    *,
    number: str | None,
    day: date,
    person: str | None = None,
) -> Path:
    """Write the new issue file and return its path; never overwrites. ``person``: a person id of
    the project for the commented examples (default: the skeleton's)."""
    title = title.strip()
    if not title or bad_characters(title, single_line=True):
        raise NewIssueError(_("the title must be one line of text"))
    number = (number or next_number(issues, day)).strip()
    if not number or bad_characters(number, single_line=True):
        raise NewIssueError(_("the number must be one line of text"))
    if number in {i.number for i in issues}:
        raise NewIssueError(_(
            'number "%(number)s" is already used; give another with --number',
            number=number,
        ))
    path = issues_dir / file_name(number, title)
    issues_dir.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(template(title, number, day, person or EXAMPLE_PERSON))
    except FileExistsError:
        raise NewIssueError(_("%(path)s exists already; it was not changed", path=path)) from None
    return path
