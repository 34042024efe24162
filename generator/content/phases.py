"""Process phases or formats: one Markdown file each in ``content/prozess/``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.content.bodyrefs import check_body
from generator.content.fields import Context, Fields, format_when
from generator.content.frontmatter import FrontMatter, MkDocsPage, mkdocs_page, read_text, split_front_matter
from generator.content.images import ImageChecker
from generator.content.model import Phase, PhaseStatus
from generator.content.yamlnodes import YNode, check_despite_slip, parse_yaml, quote
from generator.diagnostics import Location
from generator.i18n import _

PHASE_KEYS = ("title", "order", "status", "start", "end", "summary")


def read_phase(ctx: Context, path: Path, slug: str, images: ImageChecker) -> Phase | None:
    text = read_text(path, ctx.path, ctx.diag)
    if text is None:
        return None
    front = split_front_matter(text, ctx.path, ctx.diag)
    if front is None:
        return None
    converted = mkdocs_page(text)  # what MkDocs converts: its reading of the front matter may differ
    root = parse_yaml(front.yaml_text, ctx.diag, ctx.path, line_offset=front.yaml_line_offset)
    if root is None:
        check_despite_slip(
            front.yaml_text, front.yaml_line_offset, ctx.diag, ctx.path,
            lambda node, found: _read_phase(replace(ctx, diag=found), node, front, path, slug, images, converted),
        )  # fmt: skip
        return None
    return _read_phase(ctx, root, front, path, slug, images, converted)


def _read_phase(
    ctx: Context, root: YNode, front: FrontMatter, path: Path, slug: str, images: ImageChecker,
    converted: MkDocsPage,
) -> Phase | None:
    """``converted``: the page as MkDocs reads it (its body is what the checks read, and the phase's)."""
    fields = Fields(ctx, root, "", PHASE_KEYS, line=1)
    if not fields.ok:
        return None
    title = fields.text("title", required=True, plain=True)
    order = fields.integer("order")
    status_given = fields.has("status")
    status = fields.choice("status", PhaseStatus, PhaseStatus.PLANNED)
    if not status_given:
        fields.missing("status", _(" (done, active or planned)"))
    start = fields.date("start")
    end = fields.date("end")
    if start is not None and end is not None and end < start:
        fields.error("end", _(
            "must not be before start (%(start)s), found %(format_when)s",
            start=format_when(start),
            format_when=quote(format_when(end)),
        ))
    summary = fields.text("summary", plain=True)
    check_body(ctx, converted.body, converted.body_line, images, path.relative_to(images.content_dir).as_posix())
    if title is None or not status_given:
        return None
    return Phase(
        slug=slug, title=title, order=order if order is not None else 1_000_000, status=status, start=start, end=end,
        summary=summary, body=converted.body, path=path, source=Location(ctx.path, 1), body_line=converted.body_line,
    )  # fmt: skip
