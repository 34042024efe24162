"""How dates, times and states read in German, for the site and the email alike."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_time

from generator.content.model import Event, EventStatus, PhaseStatus

LOCALE = "de_DE"
EVENT_STATUS_LABELS = {
    EventStatus.SCHEDULED: "",
    EventStatus.CANCELLED: "Abgesagt",
    EventStatus.POSTPONED: "Verschoben",
}
PHASE_STATUS_LABELS = {
    PhaseStatus.DONE: "abgeschlossen",
    PhaseStatus.ACTIVE: "läuft",
    PhaseStatus.PLANNED: "geplant",
}


def long_date(day: date) -> str:
    """"30. September 2022"."""
    return format_date(day, "d. MMMM y", locale=LOCALE)


def weekday_date(day: date) -> str:
    """"Freitag, 30. September 2022"."""
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def clock(moment: datetime) -> str:
    return format_time(moment, "HH:mm", locale=LOCALE)


def event_when(event: Event) -> str:
    """"Freitag, 30. September 2022, 15:00–19:00 Uhr", or a span of days."""
    start, end = event.start, event.end
    text = weekday_date(event.start_date)
    if isinstance(start, datetime):
        text += f", {clock(start)}"
        if isinstance(end, datetime):
            if end.date() == start.date():
                return f"{text}–{clock(end)} Uhr"
            return f"{text} Uhr bis {weekday_date(end.date())}, {clock(end)} Uhr"
        return f"{text} Uhr"
    if end is not None and event.end_date != event.start_date:
        return f"{text} bis {weekday_date(event.end_date)}"
    return text
