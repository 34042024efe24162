"""How dates, times and states read in German, for the site and the email alike."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from generator.content.model import Event, EventStatus, Issue, PhaseStatus

LOCALE = "de_DE"
EVENT_STATUS_LABELS = {
    EventStatus.SCHEDULED: "",
    EventStatus.CANCELLED: "Abgesagt",
    EventStatus.POSTPONED: "Verschoben",
}
# What a postponed event's struck-out date is followed by, until the editors announce the new date
# (as a new event).
POSTPONED_NOTE = "neuer Termin folgt"
# What a screen reader says before a struck-out date (the strike itself is not read out): a
# postponed event's date was the date so far, a new one follows; a cancelled event's is simply off.
VOID_DATE_LABELS = {EventStatus.CANCELLED: "Abgesagter Termin: ", EventStatus.POSTPONED: "Bisheriger Termin: "}
PHASE_STATUS_LABELS = {
    PhaseStatus.DONE: "abgeschlossen",
    PhaseStatus.ACTIVE: "läuft",
    PhaseStatus.PLANNED: "geplant",
}


@lru_cache(maxsize=8192)  # thousands of events share a few hundred days; babel is slow per call
def long_date(day: date) -> str:
    """ "30. September 2022"."""
    return format_date(day, "d. MMMM y", locale=LOCALE)


@lru_cache(maxsize=8192)
def weekday_date(day: date) -> str:
    """ "Freitag, 30. September 2022"."""
    return format_date(day, "EEEE, d. MMMM y", locale=LOCALE)


def clock(moment: datetime) -> str:
    """ "15:00": the German 24-hour clock, as babel's ``HH:mm`` gives it, without its cost."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def event_when(event: Event) -> str:
    """ "Freitag, 30. September 2022, 15:00–19:00 Uhr", or a span of days."""
    start, end = event.start, event.end
    text = weekday_date(start.day)
    if start.moment is not None:
        text += f", {clock(start.moment)}"
        if end is not None and end.moment is not None:
            if end.day == start.day:
                return f"{text}–{clock(end.moment)} Uhr"
            return f"{text} Uhr bis {weekday_date(end.day)}, {clock(end.moment)} Uhr"
        return f"{text} Uhr"
    if event.end_date != start.day:
        return f"{text} bis {weekday_date(event.end_date)}"
    return text


def event_open(event: Event, today: date) -> bool:
    """Whether the public can still act on an event: add it to a calendar, join it online, sign
    up. Not for a cancelled or postponed one (its date is void), nor once its last day is over."""
    return event.status is EventStatus.SCHEDULED and event.end_date >= today


EMAIL_TIME = time(8, 0)  # an issue's email is dated its day at 08:00 (the Date header)


def message_date(issue: Issue, tz: ZoneInfo) -> datetime:
    """The email's own date and time: its Date header, and the moment it is read from."""
    return datetime.combine(issue.date, EMAIL_TIME, tz)


def event_open_at(event: Event, moment: datetime) -> bool:
    """:func:`event_open` at a moment (an email's date): an event whose given end time is before
    it is over, even on that day. Without an end time only the day counts, as for the site."""
    if event.status is not EventStatus.SCHEDULED:
        return False
    if event.end is not None and event.end.moment is not None:
        return event.end.moment > moment
    return event.end_date >= moment.date()


def event_date_void(event: Event) -> bool:
    """A cancelled or postponed event's date no longer holds: it is shown struck out."""
    return event.status is not EventStatus.SCHEDULED


def event_attendance(event: Event) -> str | None:
    """The place line of an online event: "Online", or "Vor Ort und online" for a hybrid one."""
    if not event.online:
        return None
    return "Vor Ort und online" if event.location or event.address else "Online"


_PHONE_START = re.compile(r"[+\d][\d\s()./-]*")  # the number at the start of a phone field
TEL_DIGITS = (5, 16)  # fewer is no number to dial; E.164 has at most 15, a trunk 0 adds one


def tel_href(phone: str) -> str | None:
    """The ``tel:`` link of a phone field written for people ("03843 000-0 (Mo–Fr 9–15 Uhr)"):
    only its leading number, as ``+`` and digits ("tel:038430000"); "+49 (0)381 1234" drops the
    trunk 0 that is not dialled from abroad. None where there is no number to dial: the text is
    then shown without a link."""
    match = _PHONE_START.match(phone.strip())
    if match is None:
        return None
    number = match.group()
    international = number.startswith("+")
    if international:
        number = number.replace("(0)", "", 1)
    digits = re.sub(r"\D", "", number)
    if not TEL_DIGITS[0] <= len(digits) <= TEL_DIGITS[1]:
        return None
    return f"tel:{'+' if international else ''}{digits}"
