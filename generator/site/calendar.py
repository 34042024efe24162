"""iCalendar (RFC 5545) feeds of the public events.

A subscribed calendar must recognise an event it has seen before and notice when it has
changed: the UID is the event id at the site's host (stable across builds), and SEQUENCE
grows and DTSTAMP moves whenever what the calendar shows of an event changes. Both are
carried over from the previously built calendar, where each event keeps a fingerprint of
its data, so an unchanged site rebuilds byte for byte.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent
from icalendar.prop import vText

from generator.content.model import Event, EventStatus, EventTime

PRODID = "-//rundbrief//Beteiligungsprozess//DE"
FINGERPRINT = "X-RUNDBRIEF-FINGERPRINT"
_STATUS = {EventStatus.SCHEDULED: "CONFIRMED", EventStatus.CANCELLED: "CANCELLED", EventStatus.POSTPONED: "TENTATIVE"}
_PREFIX = {EventStatus.SCHEDULED: "", EventStatus.CANCELLED: "Abgesagt: ", EventStatus.POSTPONED: "Verschoben: "}


@dataclass(frozen=True, slots=True)
class Seen:
    """What the previous build published of an event."""

    fingerprint: str
    sequence: int
    stamp: datetime


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    event: Event
    url: str  # the event on the Termine page
    issue_urls: tuple[str, ...]  # the issues that mention it
    open: bool  # scheduled and not over: only then its join and registration links are shown
    # its description as plain text (generator/plaintext.py, from the conversion's HTML): a
    # calendar shows text, and Markdown's marks or a link relative to the issue mean nothing there
    description: str | None = None


def uid_for(event: Event, site_url: str | None) -> str:
    host = urlsplit(site_url).hostname if site_url else None
    return f"{event.id}@{host or 'rundbrief.invalid'}"


def _unfolded(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "").replace("\n ", "").splitlines()


_STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")


def _utc_stamp(text: str) -> datetime:
    """``20260105T103000Z`` as a UTC datetime; ValueError otherwise (strptime, four thousand times
    over, was a second of every build)."""
    match = _STAMP.fullmatch(text)
    if match is None:
        raise ValueError(f"not a UTC date-time: {text!r}")
    year, month, day, hour, minute, second = map(int, match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def read_previous(data: bytes) -> dict[str, Seen]:
    """UID -> what was published, from a calendar built before (what cannot be read: nothing).

    Only four properties of our own files are needed, so a line scan does; parsing
    thousands of events with a full iCalendar parser would cost seconds per build.
    """
    seen: dict[str, Seen] = {}
    current: dict[str, str] = {}
    for line in _unfolded(data):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            try:
                stamp = _utc_stamp(current["DTSTAMP"])
                seen[current["UID"]] = Seen(current.get(FINGERPRINT, ""), int(current.get("SEQUENCE", "0")), stamp)
            except (KeyError, ValueError):
                pass
        else:
            name, _, value = line.partition(":")
            current[name.split(";", 1)[0].upper()] = value
    return seen


def _description(item: CalendarEvent) -> str:
    parts = []
    if item.description:
        parts.append(item.description.strip())
    if item.open and item.event.registration:  # as on the site: no sign-up or join link for a
        parts.append(f"Anmeldung: {item.event.registration}")  # cancelled, postponed or past event
    if item.open and item.event.online:
        parts.append(f"Online: {item.event.online}")
    parts.append(f"Mehr: {item.url}")
    parts.extend(f"Newsletter: {url}" for url in item.issue_urls)
    return "\n\n".join(parts)


def _location(event: Event) -> str | None:
    parts = [p for p in (event.location, (event.address or "").replace("\n", ", ")) if p]
    return ", ".join(parts) or None


def _fold(line: str) -> bytes:
    """RFC 5545 3.1: lines of at most 75 octets, continued with a space, never inside a character."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a UTF-8 continuation byte
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines begin with the folding space
    return b"\r\n ".join(parts) + b"\r\n"


def _text(value: str) -> str:
    return bytes(vText(value).to_ical()).decode("utf-8")


def _when(name: str, value: EventTime) -> str:
    moment = value.moment
    if moment is None:
        return f"{name};VALUE=DATE:{value.day.strftime('%Y%m%d')}"
    tz = getattr(moment.tzinfo, "key", None)
    return (
        f"{name};TZID={tz}:{moment.strftime('%Y%m%dT%H%M%S')}"
        if tz
        else f"{name}:{moment.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
    )


def _vevent(item: CalendarEvent, site_url: str | None, previous: dict[str, Seen], now: datetime) -> bytes:
    event = item.event
    uid = uid_for(event, site_url)
    lines = [
        f"UID:{_text(uid)}",
        f"SUMMARY:{_text(_PREFIX[event.status] + event.title)}",
        _when("DTSTART", event.start),
    ]
    if event.start.timed:
        if event.end is not None:
            lines.append(_when("DTEND", event.end))
    else:
        lines.append(_when("DTEND", EventTime(event.end_date + timedelta(days=1))))  # whole days: the end is exclusive
    if (location := _location(event)) is not None:
        lines.append(f"LOCATION:{_text(location)}")
    lines += [
        f"DESCRIPTION:{_text(_description(item))}",
        f"URL:{item.url}",
        f"STATUS:{_STATUS[event.status]}",
        f"TRANSP:{'TRANSPARENT' if event.status is EventStatus.CANCELLED else 'OPAQUE'}",
    ]
    content = b"".join(_fold(line) for line in lines)
    fingerprint = hashlib.sha256(content).hexdigest()[:16]
    before = previous.get(uid)
    if before is None:
        sequence, stamp = 0, now
    elif before.fingerprint == fingerprint:
        sequence, stamp = before.sequence, before.stamp
    else:
        sequence, stamp = before.sequence + 1, now
    tail = [
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp.astimezone(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}",
        f"{FINGERPRINT}:{fingerprint}",
    ]
    return b"BEGIN:VEVENT\r\n" + content + b"".join(_fold(line) for line in tail) + b"END:VEVENT\r\n"


def _header(name: str, tz_name: str) -> bytes:
    lines = [
        f"PRODID:{PRODID}", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"NAME:{_text(name)}",
        f"X-WR-CALNAME:{_text(name)}", f"X-WR-TIMEZONE:{tz_name}", "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ]  # fmt: skip
    return b"BEGIN:VCALENDAR\r\n" + b"".join(_fold(line) for line in lines)


class CalendarWriter:
    """Each event and the time zone are serialised once; the full calendar and the one-event
    files are assembled from those pieces (RFC 5545 components are independent blocks)."""

    def __init__(
        self,
        items: list[CalendarEvent],
        *,
        site_url: str | None,
        tz_name: str,
        previous: dict[str, Seen],
        now: datetime,
    ) -> None:
        self.tz_name = tz_name
        self.events = [(item, _vevent(item, site_url, previous, now)) for item in items]
        self.timezone = b""
        timed = [item.event.start.day for item in items if item.event.start.timed]
        if timed:
            zone = Calendar()
            probe = VEvent()
            probe.add("DTSTART", datetime.combine(min(timed), datetime.min.time(), ZoneInfo(tz_name)))
            zone.add_component(probe)
            zone.add_missing_timezones(
                first_date=min(timed) - timedelta(days=366), last_date=max(timed) + timedelta(days=366)
            )
            self.timezone = b"".join(bytes(tz.to_ical()) for tz in zone.walk("VTIMEZONE"))

    def calendar(self, name: str, events: list[bytes] | None = None) -> bytes:
        chosen = [ical for _, ical in self.events] if events is None else events
        timed = self.timezone if any(b";TZID=" in ical for ical in chosen) else b""
        return _header(name, self.tz_name) + timed + b"".join(chosen) + b"END:VCALENDAR\r\n"

    def single(self) -> list[tuple[CalendarEvent, bytes]]:
        return [(item, self.calendar(item.event.title, [ical])) for item, ical in self.events]


def write_calendars(
    site: Path,
    items: list[CalendarEvent],
    files: list[str],
    *,
    calendar_file: str,
    title: str,
    site_url: str | None,
    tz_name: str,
    previous: dict[str, Seen],
    now: datetime,
) -> None:
    """The subscribable calendar of all ``items`` into ``site/calendar_file``, and each item's
    own calendar into ``site/files[i]``. Runs in a process of its own beside the page build:
    thousands of events are seconds of pure Python that would hold the interpreter lock."""
    writer = CalendarWriter(items, site_url=site_url, tz_name=tz_name, previous=previous, now=now)
    target = site / calendar_file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(writer.calendar(title))
    for (_, data), path in zip(writer.single(), files, strict=True):
        (site / path).write_bytes(data)


def write_calendars_from(job: Path) -> None:
    """:func:`write_calendars` with the arguments pickled in the file ``job`` (by the build, to
    the file it owns): thousands of events as a pickled argument would stay in the build's memory
    for as long as the worker runs (multiprocessing's feeder thread holds the last item it sent)."""
    with job.open("rb") as file:
        args, kwargs = pickle.load(file)
    write_calendars(*args, **kwargs)
