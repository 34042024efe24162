"""iCalendar (RFC 5545) feeds of the public events.

A subscribed calendar must recognise an event it has seen before and notice when it has
changed: the UID is the event id at the site's host (stable across builds), and SEQUENCE
grows and DTSTAMP moves whenever what the calendar shows of an event changes. Both are
carried over from the previously built calendar, where each event keeps a fingerprint of
its data, so an unchanged site rebuilds byte for byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from icalendar import Calendar, Event as VEvent
from icalendar.prop import vText

from generator.content.model import Event, EventStatus

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


def uid_for(event: Event, site_url: str | None) -> str:
    host = urlsplit(site_url).hostname if site_url else None
    return f"{event.id}@{host or 'rundbrief.invalid'}"


def read_previous(data: bytes) -> dict[str, Seen]:
    """UID -> what was published, from a calendar built before (unreadable: nothing)."""
    try:
        calendar = Calendar.from_ical(data)
    except ValueError:
        return {}
    seen: dict[str, Seen] = {}
    for component in calendar.walk("VEVENT"):
        try:
            stamp = component.decoded("DTSTAMP")
            seen[str(component["UID"])] = Seen(
                str(component.get(FINGERPRINT, "")), int(component.get("SEQUENCE", 0)), stamp
            )
        except (KeyError, ValueError, TypeError):
            continue
    return seen


def _description(item: CalendarEvent) -> str:
    parts = []
    if item.event.description:
        parts.append(item.event.description.strip())
    if item.event.registration:
        parts.append(f"Anmeldung: {item.event.registration}")
    if item.event.online:
        parts.append(f"Online: {item.event.online}")
    parts.append(f"Mehr: {item.url}")
    parts.extend(f"Newsletter: {url}" for url in item.issue_urls)
    return "\n\n".join(parts)


def _location(event: Event) -> str | None:
    parts = [p for p in (event.location, (event.address or "").replace("\n", ", ")) if p]
    return ", ".join(parts) or None


def _vevent(item: CalendarEvent, site_url: str | None, previous: dict[str, Seen], now: datetime) -> VEvent:
    event = item.event
    vevent = VEvent()
    uid = uid_for(event, site_url)
    vevent.add("UID", uid)
    vevent.add("SUMMARY", _PREFIX[event.status] + event.title)
    if isinstance(event.start, datetime):
        vevent.add("DTSTART", event.start)
        if isinstance(event.end, datetime):
            vevent.add("DTEND", event.end)
    else:
        vevent.add("DTSTART", event.start)
        vevent.add("DTEND", event.end_date + timedelta(days=1))  # whole days: the end is exclusive
    if (location := _location(event)) is not None:
        vevent.add("LOCATION", location)
    vevent.add("DESCRIPTION", _description(item))
    vevent.add("URL", item.url)
    vevent.add("STATUS", _STATUS[event.status])
    vevent.add("TRANSP", "TRANSPARENT" if event.status is EventStatus.CANCELLED else "OPAQUE")
    content = vevent.to_ical()
    fingerprint = hashlib.sha256(content).hexdigest()[:16]
    before = previous.get(uid)
    if before is None:
        sequence, stamp = 0, now
    elif before.fingerprint == fingerprint:
        sequence, stamp = before.sequence, before.stamp
    else:
        sequence, stamp = before.sequence + 1, now
    vevent.add("SEQUENCE", sequence)
    vevent.add("DTSTAMP", stamp.astimezone(timezone.utc))
    vevent.add(FINGERPRINT, vText(fingerprint))
    return vevent


def build_calendar(
    items: list[CalendarEvent],
    *,
    name: str,
    site_url: str | None,
    tz_name: str,
    previous: dict[str, Seen],
    now: datetime,
) -> bytes:
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", name)
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", tz_name)
    calendar.add("REFRESH-INTERVAL", timedelta(hours=12), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", timedelta(hours=12))
    for item in items:
        calendar.add_component(_vevent(item, site_url, previous, now))
    if any(isinstance(item.event.start, datetime) for item in items):
        days = [item.event.start_date for item in items]
        calendar.add_missing_timezones(first_date=min(days) - timedelta(days=366), last_date=max(days) + timedelta(days=366))
    return bytes(calendar.to_ical())

