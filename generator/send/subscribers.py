"""Importing and exporting subscribers as CSV: all rows valid, or nothing imported.

Exports are opened in spreadsheets, and a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is a formula there (OWASP "CSV injection"): such a cell is written with a
leading apostrophe, which spreadsheets show as text, and the import takes it off again.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from generator.addresses import AddressError, check_address
from generator.send.store import Store, email_key

COLUMNS = ("email", "name", "consent", "source")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    known: int  # already in the store (any status): left as they are
    duplicates: int  # repeated within the file


def defuse_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


SHOWN_LENGTH = 300  # characters of a value a message prints; the rest is cut (a 100,000-character "address")


def shown(value: str, limit: int = SHOWN_LENGTH) -> str:
    """A value as a message may print it: control characters written as escapes, at most
    ``limit`` characters of it (then "..." and how long it was)."""
    cut = value if len(value) <= limit else value[:limit]
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in cut)
    return text if cut is value else f"{text}... ({len(value)} characters)"


def undefuse_cell(value: str) -> str:
    """The value of a cell an export defused (the apostrophe taken off again)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def _consent(value: str) -> str | None:
    value = value.strip()
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(value).isoformat()
        except ValueError:
            continue
    try:
        return datetime.strptime(value, "%d.%m.%Y").date().isoformat()
    except ValueError:
        return None


def import_csv(store: Store, path: Path, shown_path: str) -> tuple[ImportReport | None, list[str]]:
    """Import ``path``; on any bad row return the problems and import nothing."""
    problems: list[str] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return None, [f"{shown_path}: cannot read the file as UTF-8 text: {err}"]
    sample = text[:4096]
    try:  # only the separator is guessed: a guessed quote character turns apostrophes into quotes
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header or "consent" not in header:
        found = ", ".join(header) or "nothing"
        return None, [f"{shown_path}:1: expected the columns email and consent (optional: name, source), found {found}"]
    reader.fieldnames = header
    unknown = [h for h in header if h not in COLUMNS]
    rows: list[tuple[str, str | None, str, str]] = []
    seen: set[str] = set()
    duplicates = 0
    for row in reader:
        line = reader.line_num
        raw = undefuse_cell((row.get("email") or "").strip())
        try:
            address = check_address(raw)
        except AddressError as err:
            problems.append(f"{shown_path}:{line}: email: not a valid address, found \"{shown(raw)}\" ({err})")
            continue
        consent = _consent(row.get("consent") or "")
        if consent is None:
            found = shown((row.get("consent") or "").strip())
            problems.append(
                f"{shown_path}:{line}: consent: expected the date of consent (YYYY-MM-DD), found \"{found}\""
            )
            continue
        if email_key(address) in seen:
            duplicates += 1
            continue
        seen.add(email_key(address))
        name = undefuse_cell((row.get("name") or "").strip()) or None
        if name and any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in name):
            problems.append(
                f"{shown_path}:{line}: name: must be one line without control characters, found \"{shown(name)}\""
            )
            continue
        source = undefuse_cell((row.get("source") or "").strip()) or f"import {path.name}:{line}"
        rows.append((address, name, consent, source))
    if unknown:
        problems.append(f"{shown_path}:1: unknown columns {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
    if problems:
        return None, problems
    added = known = 0
    with store.transaction() as db:
        for address, name, consent, source in rows:
            if store.add_active(db, address, name, consent, source):
                added += 1
            else:
                known += 1
    return ImportReport(added, known, duplicates), []


def export_csv(store: Store) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "name", "status", "created", "confirmed", "unsubscribed"])
    for s in store.subscribers():
        cells = [s.email, s.name or "", s.status.value, s.created_at, s.confirmed_at or "", s.unsubscribed_at or ""]
        writer.writerow([defuse_cell(cell) for cell in cells])
    return out.getvalue()
