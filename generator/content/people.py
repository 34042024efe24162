"""Photos and people: ``content/people.yml`` and the photo fields every object shares."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

from generator.content.fields import Context, Fields, slugify
from generator.content.frontmatter import read_text
from generator.content.images import ImageChecker, ImageProblem, suffix_mismatch
from generator.content.model import Image, Person, Photo
from generator.content.yamlnodes import YMap, YNode, check_despite_slip, parse_yaml, quote
from generator.diagnostics import Location
from generator.i18n import _

PHOTO_KEYS = ("src", "alt", "caption", "credit")
PERSON_KEYS = ("name", "role", "organisation", "groups", "photo", "email", "phone", "address", "website")
_FILE_NAME = re.compile(r"[\w\-. ()]*\.(jpe?g|png|gif|webp|svg|tiff?|bmp|hei[cf]|avif)", re.IGNORECASE)
_CAMERA_NAME = re.compile(r"(IMG|DSC|DSCN|DCIM|PXL|P)[_\-]?\d{3,}.*", re.IGNORECASE)


def read_image(fields: Fields, key: str, images: ImageChecker) -> Image | None:
    """The image file named by a path field, checked; problems reported on the field."""
    src = fields.text(key, required=True)
    if src is None:
        return None
    try:
        image = images.check(src)
    except ImageProblem as problem:
        fields.error(key, str(problem))
        return None
    if (note := suffix_mismatch(image)) is not None:
        fields.ctx.warning(fields.line_of(key), f"{fields.name(key)}: {note}")
    return image


def read_photo(ctx: Context, node: YNode, prefix: str, images: ImageChecker) -> Photo | None:
    fields = Fields(ctx, node, prefix, PHOTO_KEYS)
    if not fields.ok:
        return None
    image = read_image(fields, "src", images)
    alt = fields.text("alt", required=True)
    credit = fields.text("credit", required=True, plain=True, hint=_(' (the rights holder, shown as "Foto: ...")'))
    caption = fields.text("caption", single_line=False, plain=True)
    if alt is not None and (problem := alt_text_problem(alt, fields.text("src"))) is not None:
        fields.error("alt", _("%(problem)s, found %(alt)s", problem=problem, alt=quote(alt)))
        alt = None
    if image is None or alt is None or credit is None:
        return None
    return Photo(image=image, alt=alt, credit=credit, caption=caption, source=Location(ctx.path, fields.line))


def alt_text_problem(alt: str, src: str | None) -> str | None:
    """Why ``alt`` does not describe an image (a file name, a number), or None."""
    if _looks_like_file_name(alt, src):
        return _("must describe what the image shows, not be a file name")
    if not any(ch.isalpha() for ch in alt):
        return _("must describe what the image shows in words, not be a number or a sign")
    return None


def _looks_like_file_name(alt: str, src: str | None) -> bool:
    if src and alt.strip().lower() in (src.lower(), PurePosixPath(src).name.lower(), PurePosixPath(src).stem.lower()):
        return True
    return bool(_FILE_NAME.fullmatch(alt.strip()) or _CAMERA_NAME.fullmatch(alt.strip()))


def read_person_fields(fields: Fields, person_id: str | None, images: ImageChecker) -> Person:
    """A person from ``fields`` holding PERSON_KEYS (people.yml entry or inline in an issue).

    Returned even when a field is wrong (the problem is reported), so that references to
    the person do not cause a second, misleading "unknown person" error.
    """
    name = fields.text("name", required=True)
    photo_node = fields.get("photo")
    photo = read_photo(fields.ctx, photo_node, fields.name("photo"), images) if photo_node is not None else None
    person = Person(
        id=person_id,
        name=name or "",
        role=fields.text("role"),
        organisation=fields.text("organisation"),
        groups=fields.text_list("groups"),
        photo=photo,
        email=fields.email("email"),
        phone=fields.text("phone"),
        address=fields.text("address", single_line=False),
        website=fields.url("website"),
        source=Location(fields.ctx.path, fields.line),
    )
    return person


def load_people(path: Path, shown: str, ctx: Context, images: ImageChecker) -> dict[str, Person] | None:
    """``content/people.yml``: a mapping from person id to the person's fields; None where the
    file is there but could not be read (its error is reported: the issues' references to people
    cannot be checked then, and are not called unknown)."""
    if not path.exists():
        return {}
    text = read_text(path, shown, ctx.diag)
    if text is None:
        return None
    root = parse_yaml(text, ctx.diag, shown)
    if root is None:
        # its other problems are reported too, and the people as read so: the issues' references
        # to them are checked (the build fails on the YAML error all the same)
        people = check_despite_slip(
            text, 0, ctx.diag, shown, lambda node, found: _read_people(node, replace(ctx, diag=found), images)
        )
        # unless a person's own line was broken: then their id is unknown, and no reference is called so
        written = {m.group(1).strip() for m in _TOP_KEY.finditer(text)}
        return people if people is not None and written <= people.keys() else None
    return _read_people(root, ctx, images)


_TOP_KEY = re.compile(r"^([^\s#:'\"-][^:#]*):", re.MULTILINE)  # a person's id, as it starts a line


def _read_people(root: YNode, ctx: Context, images: ImageChecker) -> dict[str, Person]:
    if not isinstance(root, YMap):
        ctx.error(
            root.line, _(
                "expected a mapping from person ids to their fields (anna-muster: ...), found a list "
                "or text",
            )
        )
        return {}
    people: dict[str, Person] = {}
    for person_id, (line, node) in root.entries.items():
        if not _PERSON_ID.fullmatch(person_id):
            # "Stephan Meyer:" works, but issues must then write the name with its space and capitals,
            # and a misspelt reference is suggested that way; the guide's ids are like anna-muster
            ctx.warning(line, _(
                "person id %(id)s: write ids in small letters, digits and hyphens, such as %(example)s, "
                "and use that id in the issues",
                id=quote(person_id), example=quote(slugify(person_id) or "anna-muster"),
            ))  # fmt: skip
        people[person_id] = read_person_fields(Fields(ctx, node, person_id, PERSON_KEYS), person_id, images)
    return people


_PERSON_ID = re.compile(r"[a-z0-9][a-z0-9-]*")  # as an event's id
