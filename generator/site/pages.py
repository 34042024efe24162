"""Pages the site builds from the model: the issue archive and each issue page's view."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from generator.content.model import Issue, Project
from generator.formatting import long_date


@dataclass(frozen=True, slots=True)
class IssueView:
    """What the issue template reads: the issue and its neighbours in the archive."""

    issue: Issue
    date_text: str
    previous: Issue | None
    next: Issue | None


def issue_view(project: Project, issue: Issue) -> IssueView:
    published = project.published
    index = published.index(issue)
    return IssueView(
        issue=issue,
        date_text=long_date(issue.date),
        previous=published[index - 1] if index > 0 else None,
        next=published[index + 1] if index + 1 < len(published) else None,
    )


def archive_markdown(project: Project) -> str:
    """The newsletter archive: published issues, newest first, grouped by year."""
    lines = ["---", "title: Newsletter-Archiv", "---", "", "# Newsletter-Archiv", ""]
    newest_first = sorted(project.published, key=lambda i: (i.date, i.number), reverse=True)
    if not newest_first:
        lines.append("Es ist noch keine Ausgabe erschienen.")
    for year, issues in groupby(newest_first, key=lambda i: i.date.year):
        lines += [f"## {year}", ""]
        for issue in issues:
            lines.append(f"- [Ausgabe {_escape(issue.number)}: {_escape(issue.title)}]({issue.slug}.md) – {long_date(issue.date)}")
            if issue.summary:
                lines.append(f"  {_escape(issue.summary)}")
        lines.append("")
    return "\n".join(lines)


def _escape(text: str) -> str:
    """Markdown-inert text for a generated line (titles may contain [ ] * _ < &)."""
    out = []
    for ch in text:
        if ch in "\\`*_{}[]()#+!":
            out.append("\\" + ch)
        elif ch in "&<>":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[ch])
        else:
            out.append(ch)
    return "".join(out)
