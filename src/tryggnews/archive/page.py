"""What one archive page shows, as plain data: the public blocks grouped by focus area
as the newsletter groups them, each body rendered and sanitised by the newsletter's own
Markdown renderer, and the audiences of an audience-specific block named in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from tryggnews.archive.public import ArchivedIssue, archived, public_blocks
from tryggnews.content.views import block_view
from tryggnews.db.models import Issue
from tryggnews.render.markdown import markdown_to_text, render_markdown
from tryggnews.render.newsletter import group_blocks

DESCRIPTION_MAX = 200


@dataclass(frozen=True)
class PublicBlock:
    id: int
    title: str
    body_html: Markup
    organisation_name: str
    # "" for a block for everyone, else "Föräldrar – årskurs 7–9 och Senior".
    audience_label: str
    image_url: str | None
    image_alt: str
    cta_url: str | None
    cta_label: str | None


@dataclass(frozen=True)
class PublicGroup:
    key: str
    name: str
    blocks: tuple[PublicBlock, ...]


@dataclass(frozen=True)
class PublicIssue:
    entry: ArchivedIssue
    intro_html: Markup
    description: str
    groups: tuple[PublicGroup, ...]


def _audience_label(keys: tuple[str, ...], labels: Mapping[str, str]) -> str:
    names = [labels.get(key, key) for key in keys]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def _description(issue: Issue) -> str:
    text = issue.preheader.strip() or " ".join(markdown_to_text(issue.intro_md).split())
    text = text or issue.title
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"


def public_issue(issue: Issue, audience_labels: Mapping[str, str], site_url: str) -> PublicIssue:
    """The public page's content; images are shown only when served by the site itself
    (``site_url``), so the page loads nothing from a third party."""
    blocks = public_blocks(issue)
    own = site_url.rstrip("/") + "/"
    groups = []
    for group in group_blocks([block_view(b) for b in blocks]):
        shown = tuple(
            PublicBlock(
                id=b.id,
                title=b.title,
                body_html=Markup(render_markdown(b.body_md)),  # noqa: S704 (sanitised by nh3)
                organisation_name=b.organisation_name,
                audience_label=_audience_label(b.audiences, audience_labels),
                image_url=b.image_url if b.image_url and b.image_url.startswith(own) else None,
                image_alt=b.image_alt or "",
                cta_url=b.cta_url,
                cta_label=b.cta_label,
            )
            for b in group.blocks
        )
        groups.append(PublicGroup(key=group.key, name=group.name, blocks=shown))
    return PublicIssue(
        entry=archived(issue, blocks),
        intro_html=Markup(render_markdown(issue.intro_md)),  # noqa: S704 (sanitised by nh3)
        description=_description(issue),
        groups=tuple(groups),
    )
