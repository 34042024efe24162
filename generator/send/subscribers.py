"""Importing and exporting subscribers as CSV: all rows valid, or nothing imported."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from generator.send.store import Store, email_key

COLUMNS = ("email", "name", "consent", "source")


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    known: int  # already in the store (any status): left as they are
    duplicates: int  # repeated within the file


def normalise_address(value: str) -> str:
    """The address as given, checked for syntax only (no DNS: imports must work offline)."""
    result = validate_email(value.strip(), check_deliverability=False)
    return str(result.normalized)


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


def import_csv(store: Store, path: Path, shown: str) -> tuple[ImportReport | None, list[str]]:
    """Import ``path``; on any bad row return the problems and import nothing."""
    problems: list[str] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return None, [f"{shown}: cannot read the file as UTF-8 text: {err}"]
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header or "consent" not in header:
        return None, [f"{shown}:1: expected the columns email and consent (optional: name, source), found {', '.join(header) or 'nothing'}"]
    reader.fieldnames = header
    unknown = [h for h in header if h not in COLUMNS]
    rows: list[tuple[str, str | None, str, str]] = []
    seen: set[str] = set()
    duplicates = 0
    for row in reader:
        line = reader.line_num
        raw = (row.get("email") or "").strip()
        try:
            address = normalise_address(raw)
        except EmailNotValidError as err:
            problems.append(f"{shown}:{line}: email: not a valid address, found \"{raw}\" ({err})")
            continue
        consent = _consent(row.get("consent") or "")
        if consent is None:
            problems.append(f"{shown}:{line}: consent: expected the date of consent (YYYY-MM-DD), found \"{(row.get('consent') or '').strip()}\"")
            continue
        if email_key(address) in seen:
            duplicates += 1
            continue
        seen.add(email_key(address))
        name = (row.get("name") or "").strip() or None
        source = (row.get("source") or "").strip() or f"import {path.name}:{line}"
        rows.append((address, name, consent, source))
    if unknown:
        problems.append(f"{shown}:1: unknown columns {', '.join(unknown)}; expected {', '.join(COLUMNS)}")
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
        writer.writerow([s.email, s.name or "", s.status.value, s.created_at, s.confirmed_at or "", s.unsubscribed_at or ""])
    return out.getvalue()
