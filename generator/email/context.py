"""The email's view of one issue: every value the templates show, every URL absolute.

Built from the frozen model; nothing here renders HTML except the Markdown snippets,
which go through the email target of the one Markdown conversion (bodyhtml.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from markupsafe import Markup

from generator.content.images import ImageChecker
from generator.content.model import Image, Issue, Person, Photo, ProcessContact, Project
from generator.email.bodyhtml import EmailLinks, email_html
from generator.formatting import (
    EVENT_STATUS_LABELS,
    POSTPONED_NOTE,
    event_attendance,
    event_date_void,
    event_open_at,
    event_when,
    long_date,
    message_date,
)  # fmt: skip
from generator.images import ImagePipeline
from generator.plaintext import html_to_text
from generator.routes import Routes
from generator.texts import Texts, issue_source

# Filled per recipient at send time (never a re-render): see generator/email/mime.py.
UNSUBSCRIBE_PLACEHOLDER = "%%unsubscribe_url%%"
PLACEHOLDERS = (UNSUBSCRIBE_PLACEHOLDER,)
# Hides the rest of the body text from the inbox preview after the preheader.
PARTNER_LOGO_WIDTH = 160  # three side by side in 600 px, one under the other on a phone
PREHEADER_PADDING = Markup("&#847;&zwnj;&nbsp;" * 60)


@dataclass(frozen=True, slots=True)
class EmailImage:
    src: str  # absolute URL of a rendition at twice the shown width
    width: int  # shown width: the numeric width attribute
    height: int
    alt: str
    caption: str | None = None
    credit: str | None = None


@dataclass(frozen=True, slots=True)
class EmailEvent:
    title: str
    when: str
    status: str
    status_label: str
    where: str | None
    region: str | None
    online: str | None
    registration: str | None
    registration_url: str | None
    description_html: Markup | None
    description_text: str | None
    ics_url: str
    open: bool  # calendar, join and registration links are offered: scheduled, not over at the email's date
    date_void: bool  # cancelled or postponed: the date is shown struck out
    note: str  # after the struck date: "neuer Termin folgt" for a postponed event
    attendance: str | None  # "Online", "Vor Ort und online"


@dataclass(frozen=True, slots=True)
class EmailPerson:
    name: str
    role: str | None
    organisation: str | None
    groups: tuple[str, ...]
    address_lines: tuple[str, ...]
    phone: str | None
    email: str | None
    website: str | None


@dataclass(frozen=True, slots=True)
class EmailStatement:
    people: tuple[EmailPerson, ...]
    quote_html: Markup
    quote_text: str
    photo: EmailImage | None


@dataclass(frozen=True, slots=True)
class EmailPartner:
    label: str
    name: str
    url: str | None
    logo: EmailImage | None


@dataclass(frozen=True, slots=True)
class EmailView:
    subject: str
    preheader: str
    preheader_padding: Markup
    css: Markup
    newsletter_name: str
    organisation: str | None
    claim: str | None  # the publisher's, beside its name at the top
    slogan: str | None  # the campaign's, under the newsletter's name
    contact: ProcessContact | None  # the process's general contact, in every issue
    forward_note: str | None
    logo: EmailImage | None
    number: str
    date_text: str
    title: str
    summary: str | None
    cover: EmailImage | None
    body_html: Markup
    body_text: str
    events: tuple[EmailEvent, ...]
    statements: tuple[EmailStatement, ...]
    photos: tuple[EmailImage, ...]
    contacts: tuple[EmailPerson, ...]
    partners: tuple[EmailPartner, ...]
    web_url: str
    events_url: str
    calendar_url: str
    impressum_url: str | None
    privacy_url: str | None
    unsubscribe_url: Markup


def subject_for(issue: Issue) -> str:
    return f"Newsletter {issue.number}: {issue.title}"


class ViewBuilder:
    def __init__(self, project: Project, routes: Routes, texts: Texts, images: ImagePipeline, css: str) -> None:
        self.project = project
        self.routes = routes
        self.texts = texts
        self.images = images
        self.checker = ImageChecker(project.content_dir)
        self.css = Markup(css)

    def url(self, path: str) -> str:
        return self.routes.absolute(path)

    def image(
        self, image: Image, shown: int, alt: str, caption: str | None = None, credit: str | None = None
    ) -> EmailImage:
        shown = min(shown, image.width)
        rendition = self.images.rendition(image, shown * 2)  # sharp on high-density screens
        height = max(1, round(image.height * shown / image.width))
        return EmailImage(self.url(rendition.url), shown, height, alt, caption, credit)

    def photo(self, photo: Photo, shown: int = 600) -> EmailImage:
        return self.image(photo.image, shown, photo.alt, photo.caption, photo.credit)

    def person(self, person: Person) -> EmailPerson:
        return EmailPerson(
            name=person.name, role=person.role, organisation=person.organisation, groups=person.groups,
            address_lines=tuple(line.strip() for line in (person.address or "").split("\n") if line.strip()),
            phone=person.phone, email=person.email, website=person.website,
        )  # fmt: skip

    def build(self, issue: Issue) -> EmailView:
        project, settings = self.project, self.project.settings
        source = issue_source(issue)
        links = EmailLinks(self.routes, self.url(self.routes.issue(issue.slug)), self.images, self.checker)

        def converted(text: str) -> str:
            return email_html(self.texts.html(text, source), links)

        body_html = converted(issue.body)
        events = []
        for event in issue.events:
            description = converted(event.description) if event.description else None
            registration_url = (
                event.registration if event.registration and event.registration.startswith("http") else None
            )
            where = ", ".join(p for p in (event.location, (event.address or "").replace("\n", ", ")) if p) or None
            events.append(
                EmailEvent(
                    title=event.title,
                    when=event_when(event),
                    status=event.status.value,
                    status_label=EVENT_STATUS_LABELS[event.status],
                    where=where,
                    region=event.region,
                    online=event.online,
                    registration=event.registration,
                    registration_url=registration_url,
                    description_html=Markup(description) if description else None,
                    description_text=html_to_text(description) if description else None,
                    ics_url=self.url(self.routes.event_calendar(event.id)),
                    # an email is read from its own date on (08:00 of its issue's day): what was over
                    # by then offers nothing, an event of that morning included
                    open=event_open_at(event, message_date(issue, ZoneInfo(settings.timezone))),
                    date_void=event_date_void(event),
                    note=POSTPONED_NOTE if event.status.value == "postponed" else "",
                    attendance=event_attendance(event),
                )  # fmt: skip
            )
        statements = []
        for statement in issue.statements:
            quote = converted(statement.quote)
            shown = statement.shown_photo
            statements.append(
                EmailStatement(
                    people=tuple(self.person(p) for p in statement.people),
                    quote_html=Markup(quote),
                    quote_text=html_to_text(quote),
                    photo=self.photo(shown, 80) if shown else None,
                )
            )
        legal = {page.path: self.url(self.routes.page(page.path)) for page in project.legal_pages}
        return EmailView(
            subject=subject_for(issue),
            preheader=issue.summary or issue.title,
            preheader_padding=PREHEADER_PADDING,
            css=self.css,
            newsletter_name=settings.newsletter_name,
            organisation=settings.organisation,
            claim=settings.claim,
            slogan=settings.slogan,
            contact=settings.contact,
            forward_note=settings.forward_note,
            logo=self.image(settings.logo, 160, settings.logo_alt or "") if settings.logo else None,
            number=issue.number,
            date_text=long_date(issue.date),
            title=issue.title,
            summary=issue.summary,
            cover=self.photo(issue.cover) if issue.cover else None,
            body_html=Markup(body_html),
            body_text=html_to_text(body_html),
            events=tuple(events),
            statements=tuple(statements),
            photos=tuple(self.photo(p) for p in issue.photos),
            contacts=tuple(self.person(p) for p in issue.contacts),
            partners=tuple(
                EmailPartner(p.label, p.name, p.url, self.image(p.logo, PARTNER_LOGO_WIDTH, p.name) if p.logo else None)
                for p in settings.partners
            ),
            web_url=self.url(self.routes.issue(issue.slug)),
            events_url=self.url(self.routes.events),
            calendar_url=self.url(self.routes.calendar),
            impressum_url=legal.get("impressum.md"),
            privacy_url=legal.get("datenschutz.md"),
            unsubscribe_url=Markup(UNSUBSCRIBE_PLACEHOLDER),  # Markup: ours, passed through as it is
        )
