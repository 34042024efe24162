"""Newsletter issues: one Markdown file each in ``content/newsletter/``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from generator.content.bodyrefs import check_body
from generator.content.fields import Context, Fields, format_when, slugify, suggest
from generator.content.frontmatter import FrontMatter, read_text, split_front_matter
from generator.content.images import ImageChecker
from generator.content.model import Event, EventStatus, EventTime, Image, Issue, Person, Statement
from generator.content.people import PERSON_KEYS, read_person_fields, read_photo
from generator.content.yamlnodes import YNode, YScalar, check_despite_slip, describe, parse_yaml, quote
from generator.diagnostics import Diagnostics, Location
from generator.i18n import _
from generator.routes import CALENDAR_FILE, CALENDAR_ID

LONG_TITLE = 100  # characters: the subject is cut by every inbox long before (an editor's trial wrote 200)
ISSUE_KEYS = ("title", "number", "date", "summary", "draft", "cover", "photos", "events", "statements", "contacts")
EVENT_KEYS = (
    "id", "title", "start", "end", "location", "address", "region", "online", "status", "description", "registration",
)  # fmt: skip
STATEMENT_KEYS = ("person", "people", "name", "role", "organisation", "groups", "photo", "quote")
EVENT_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_QUOTATION_MARKS = frozenset("\"'„“”‚‘’«»‹›")


@dataclass(frozen=True, slots=True)
class ReadIssue:
    issue: Issue | None  # None where a required field is wrong
    events: list[Event | EventRef]  # checked across issues by the loader
    number_line: int
    unreadable: bool = False  # its front-matter could not be read at all (a YAML error, say)
    # where a required field is wrong: the issue as far as it was read, for the checks across
    # issues (its number, its links), so that all of its mistakes are reported in one run
    checked_only: Issue | None = None


@dataclass(frozen=True, slots=True)
class EventRef:
    """An entry that only names an event defined in another issue: ``- id: regionalkonferenz-nordost``."""

    id: str
    source: Location


class IssueReader:
    def __init__(
        self, ctx: Context, people: Mapping[str, Person], images: ImageChecker, *, people_read: bool = True
    ) -> None:
        self.ctx = ctx
        self.people = people
        self.people_read = people_read  # False: people.yml has errors, no person is called unknown
        self.images = images
        self.source = ""  # the issue being read, below content/: its texts' links are relative to it

    def _text_lines(self, fields: Fields, key: str) -> tuple[int, tuple[int, ...]]:
        """The file line a Markdown field's text starts on (written as a block, ``quote: |``, the
        line after its key, however many lines it has), and where its lines begin as written if
        that is elsewhere (a folded value: YScalar.line_starts)."""
        node = fields.get(key)
        if not isinstance(node, YScalar):
            return fields.line_of(key), ()
        # the field's text is the value stripped (Fields.text): its first line may be a later one
        skipped = node.text[: len(node.text) - len(node.text.lstrip())].count("\n")
        starts = node.line_starts()[skipped:]
        return fields.line_of(key) + (1 if node.block else 0) + (0 if starts else skipped), starts

    def _warn_if_joined(self, fields: Fields, key: str) -> None:
        """A Markdown field whose paragraphs or list lines the YAML folding joined (YScalar.joined_line)."""
        node = fields.get(key)
        if isinstance(node, YScalar) and (joined := node.joined_line()) is not None:
            fields.ctx.warning(joined, _(
                "%(field)s: written with > or over several lines without |, YAML joins the lines: a blank line "
                "is no new paragraph (nor the start of a list), a heading, a list's item or a table's row runs "
                "into the line before; write %(key)s: | and the text below it to keep them",
                field=fields.name(key), key=key,
            ))  # fmt: skip

    # -- people ---------------------------------------------------------------------
    def person_by_id(self, node: YNode, name: str) -> Person | None:
        if not isinstance(node, YScalar) or node.is_null or not node.text.strip():
            self.ctx.error(node.line, _(
                "%(name)s: expected a person id from content/people.yml, found %(found)s",
                name=name,
                found=describe(node),
            ))
            return None
        person_id = node.text.strip()
        person = self.people.get(person_id)
        if person is None and self.people_read:
            self.ctx.error(
                node.line,
                _(
                    "%(name)s: unknown person %(person_id)s, not in content/people.yml%(suggest)s",
                    name=name,
                    person_id=quote(person_id),
                    suggest=suggest(person_id, list(self.people)),
                ),
            )
        return person

    def contact(self, name: str, node: YNode) -> Person | None:
        if isinstance(node, YScalar):
            return self.person_by_id(node, name)
        fields = Fields(self.ctx, node, name, PERSON_KEYS)
        return read_person_fields(fields, None, self.images) if fields.ok else None

    # -- statements -----------------------------------------------------------------
    def statement(self, name: str, node: YNode) -> Statement | None:
        fields = Fields(self.ctx, node, name, STATEMENT_KEYS)
        if not fields.ok:
            return None
        given = [key for key in ("person", "people", "name") if fields.has(key)]
        people: list[Person] = []
        if not given:
            fields.ctx.error(
                fields.line, _(
                    "%(name)s: missing required field: person (an id from content/people.yml) or name",
                    name=name,
                )
            )
        elif len(given) > 1:
            fields.error(given[1], _(
                "give only one of person, people and name, found %(join)s",
                join=' and '.join(given),
            ))
        elif given[0] == "person":
            person_node = fields.get("person")
            assert person_node is not None
            found = self.person_by_id(person_node, fields.name("person"))
            people = [found] if found else []
        elif given[0] == "people":
            for item_name, item in fields.items("people"):
                if (found := self.person_by_id(item, item_name)) is not None:
                    people.append(found)
        else:
            name_text = fields.text("name", required=True)
            if name_text is not None:
                people = [
                    Person(
                        id=None, name=name_text, role=fields.text("role"), organisation=fields.text("organisation"),
                        groups=fields.text_list("groups"), source=Location(self.ctx.path, fields.line),
                    )
                ]  # fmt: skip
        if given and given[0] != "name":
            for key in ("role", "organisation", "groups"):
                if fields.has(key):
                    fields.error(key, _(
                        "not allowed together with %(value)s: it comes from content/people.yml",
                        value=given[0],
                    ))
        photo_node = fields.get("photo")
        photo = read_photo(self.ctx, photo_node, fields.name("photo"), self.images) if photo_node is not None else None
        quote_text = fields.text("quote", required=True, single_line=False)
        if not people or quote_text is None:
            return None
        self._warn_if_joined(fields, "quote")
        line, starts = self._text_lines(fields, "quote")
        if quote_text[0] in _QUOTATION_MARKS and quote_text[-1] in _QUOTATION_MARKS:
            # pasted with its quotation marks: the site and the email's text showed „“…”“
            fields.ctx.warning(line, _(
                "%(field)s: the site and the email put a quote in quotation marks themselves; remove the ones "
                "around it",
                field=fields.name("quote"),
            ))  # fmt: skip
        shown = check_body(
            self.ctx.in_text(line, starts), quote_text, line, self.images, self.source, field=fields.name("quote")
        )
        return Statement(
            tuple(people), quote_text, photo, source=Location(self.ctx.path, fields.line), quote_line=line,
            quote_starts=starts, quote_images=shown,
        )  # fmt: skip

    # -- events ---------------------------------------------------------------------
    def event(self, name: str, node: YNode) -> Event | EventRef | None:
        fields = Fields(self.ctx, node, name, EVENT_KEYS)
        if not fields.ok:
            return None
        given_id = fields.text("id")
        if given_id is not None and not EVENT_ID.fullmatch(given_id):
            fields.error(
                "id",
                _(
                    "expected lower-case letters, digits and hyphens (like regionalkonferenz-nordost), "
                    "found %(given_id)s",
                    given_id=quote(given_id),
                ),
            )
            given_id = None
        elif given_id == CALENDAR_ID:
            fields.error(
                "id",
                _(
                    "%(given_id)s is the name of the calendar of all events (%(file)s); choose another id",
                    given_id=quote(given_id), file=CALENDAR_FILE,
                ),
            )  # fmt: skip
            given_id = None
        present = [key for key in EVENT_KEYS if fields.has(key)]
        if given_id is not None and present == ["id"]:
            return EventRef(given_id, Location(self.ctx.path, fields.line))
        title = fields.text("title", required=True, plain=True)
        start = fields.when("start", required=True)
        # end is checked even when start is wrong: the editor gets both mistakes in one run (a bare
        # "19:00" is read on some day then, and the result is not used)
        end = fields.when("end", same_day_as=start or _SOME_DAY)
        end = end if start is not None else None
        if start is not None and end is not None and not _end_fits(fields, start, end):
            end = None
        location = fields.text("location")
        online = fields.url("online")
        if location is None and online is None and not fields.has("location") and not fields.has("online"):
            fields.ctx.error(
                fields.line, _(
                    "%(name)s.location: missing required field (or give online: with the web address)",
                    name=name,
                )
            )
        event_id = given_id or (f"{start.day.isoformat()}-{slugify(title)}" if start and title else None)
        status = fields.choice("status", EventStatus, EventStatus.SCHEDULED)
        description = fields.text("description", single_line=False)
        registration = fields.text("registration", plain=True)
        address = fields.text("address", single_line=False)
        region = fields.text("region")
        line = 0
        starts: tuple[int, ...] = ()
        shown: tuple[Image, ...] = ()
        if description is not None:
            self._warn_if_joined(fields, "description")
            line, starts = self._text_lines(fields, "description")
            shown = check_body(
                self.ctx.in_text(line, starts), description, line, self.images, self.source,
                field=fields.name("description"),
            )  # fmt: skip
        if title is None or start is None or event_id is None or (location is None and online is None):
            return None
        return Event(
            id=event_id, title=title, start=start, end=end, location=location, address=address, region=region,
            online=online, status=status, description=description, registration=registration,
            source=Location(self.ctx.path, fields.line), description_line=line, description_starts=starts,
            description_images=shown,
        )  # fmt: skip

    # -- the issue ------------------------------------------------------------------
    def issue(self, path: Path, slug: str) -> ReadIssue:
        text = read_text(path, self.ctx.path, self.ctx.diag)
        if text is None:
            return ReadIssue(None, [], 1, unreadable=True)
        front = split_front_matter(text, self.ctx.path, self.ctx.diag)
        if front is None:
            return ReadIssue(None, [], 1, unreadable=True)
        root = parse_yaml(front.yaml_text, self.ctx.diag, self.ctx.path, line_offset=front.yaml_line_offset)
        self.source = path.relative_to(self.images.content_dir).as_posix()
        if root is None:
            # the file's other problems are the editor's too: one YAML slip must not hide them
            checked = self._check_despite(front, path, slug)
            if checked is None:
                body_images = check_body(self.ctx, front.body, front.body_line, self.images, self.source)
                checked = Issue(
                    slug=slug, title="", number="", date=date.min, summary=None, draft=False, cover=None, photos=(),
                    events=(), statements=(), contacts=(), body=front.body, body_line=front.body_line,
                    body_images=body_images, path=path, source=Location(self.ctx.path, 1),
                )  # fmt: skip
            # its links are checked with the others' (the loader's); its events stay unknown, and
            # its number is not compared (a mended line's "?" would clash with another's)
            return ReadIssue(None, [], 1, unreadable=True, checked_only=replace(checked, number=""))
        return self._read(root, front, path, slug)

    def _check_despite(self, front: FrontMatter, path: Path, slug: str) -> Issue | None:
        """After a YAML error: the rest of the file checked as if its broken lines were mended.
        The issue as read so, or None where the lines could not be mended."""

        def read(root: YNode, found: Diagnostics) -> ReadIssue:
            reader = IssueReader(replace(self.ctx, diag=found), self.people, self.images, people_read=self.people_read)
            reader.source = self.source
            return reader._read(root, front, path, slug)

        done = check_despite_slip(front.yaml_text, front.yaml_line_offset, self.ctx.diag, self.ctx.path, read)
        return None if done is None else done.issue or done.checked_only

    def _read(self, root: YNode, front: FrontMatter, path: Path, slug: str) -> ReadIssue:
        fields = Fields(self.ctx, root, "", ISSUE_KEYS, line=1)
        if not fields.ok:
            return ReadIssue(None, [], 1, unreadable=True)
        title = fields.text("title", required=True, plain=True)
        if title is not None and len(title) > LONG_TITLE:
            fields.ctx.warning(
                fields.line_of("title"), _(
                    "title: %(count)d characters: an inbox shows only about the first 60 to 80 characters of "
                    "the email's subject (\"Newsletter\", the number and the title), and the page's heading runs "
                    "over many lines; shorten it to at most %(limit)d and put the rest into summary:",
                    count=len(title), limit=LONG_TITLE,
                )
            )  # fmt: skip
        number = fields.text("number", required=True)
        issue_date = fields.date("date", required=True)
        summary = fields.text("summary", plain=True)
        draft = fields.boolean("draft", False)
        cover_node = fields.get("cover")
        cover = read_photo(self.ctx, cover_node, "cover", self.images) if cover_node is not None else None
        photos = [read_photo(self.ctx, node, n, self.images) for n, node in fields.items("photos")]
        entries = [self.event(n, node) for n, node in fields.items("events")]
        statements = [self.statement(n, node) for n, node in fields.items("statements")]
        contacts = [self.contact(n, node) for n, node in fields.items("contacts")]
        events = [e for e in entries if e is not None]
        body_images = check_body(self.ctx, front.body, front.body_line, self.images, self.source)
        issue = Issue(
            slug=slug, title=title or "", number=number or "", date=issue_date or date.min, summary=summary,
            draft=draft, cover=cover,
            photos=tuple(p for p in photos if p is not None),
            events=(),  # filled by the loader, which resolves references across issues
            statements=tuple(s for s in statements if s is not None),
            contacts=tuple(c for c in contacts if c is not None),
            body=front.body, body_line=front.body_line, body_images=body_images, path=path,
            source=Location(self.ctx.path, 1),
        )  # fmt: skip
        if title is None or number is None or issue_date is None:
            return ReadIssue(None, events, fields.line_of("number"), checked_only=issue)
        return ReadIssue(issue, events, fields.line_of("number"))


_SOME_DAY = EventTime(date(2001, 1, 1))


def _end_fits(fields: Fields, start: EventTime, end: EventTime) -> bool:
    if not end.same_kind_as(start):
        kind = _('a date and time like start, or a time "HH:MM"') if start.timed else _("a date like start")
        fields.error("end", _(
            "expected %(kind)s, found %(format_when)s",
            kind=kind,
            format_when=quote(format_when(end.value)),
        ))
        return False
    if end < start:
        fields.error(
            "end", _(
                "must not be before start (%(value)s), found %(format_when)s",
                value=format_when(start.value),
                format_when=quote(format_when(end.value)),
            )
        )
        return False
    return True
