"""The project as the preview shows it: every issue, drafts included, still marked as drafts.

A preview build publishes drafts so that editors see them before anyone else does; the
templates mark an issue whose ``draft`` is true with "Entwurf". Only ``rundbrief serve``
makes a :class:`PreviewProject`: a normal build's ``Project.published`` leaves drafts out,
so the label can never reach the public site.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from generator.content.model import Issue, Project


@dataclass(frozen=True, slots=True)
class PreviewProject(Project):
    @property
    def published(self) -> tuple[Issue, ...]:
        """Every issue, drafts included: the preview shows what will be published."""
        return self.issues


def preview_project(project: Project) -> PreviewProject:
    return PreviewProject(**{f.name: getattr(project, f.name) for f in fields(project)})
