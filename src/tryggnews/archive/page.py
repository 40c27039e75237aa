"""What one archive page shows, as plain data: the public blocks grouped by focus area
as the newsletter groups them, each body rendered and sanitised by the newsletter's own
Markdown renderer, and the audiences of an audience-specific block named in words.

In the reader's language as the message was: the issue's and each block's translation
where there is one; a block without one in Swedish, marked (its ``language`` is "sv"),
or left out when its policy says so. The focus areas' names and the fixed words come
through ``translate`` (the newsletter's own catalogue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from markupsafe import Markup

from tryggnews.archive.public import ArchivedIssue, archived, public_blocks
from tryggnews.content.views import IssueView, block_view, issue_view
from tryggnews.db.models import Issue
from tryggnews.render.markdown import markdown_to_text, render_markdown
from tryggnews.render.newsletter import group_blocks

DESCRIPTION_MAX = 200
# The newsletter's own words above a block shown in Swedish (its catalogue translates them).
FALLBACK_NOTE = "Det här avsnittet finns bara på svenska."


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
    # The language of its texts: the page's, or "sv" for a block shown in Swedish.
    language: str = "sv"
    # Said above a block standing in for a missing translation, in the reader's language.
    note: str = ""


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
    # The issue's title in the reader's language (its translation, else Swedish), the
    # language asked for, and the language of the title and introduction.
    title: str = ""
    language: str = "sv"
    text_language: str = "sv"


def _audience_label(keys: tuple[str, ...], labels: Mapping[str, str], language: str) -> str:
    names = [labels.get(key, key) for key in keys]
    if len(names) <= 1:
        return "".join(names)
    if language != "sv":  # "och" is Swedish; a list reads the same in any language
        return ", ".join(names)
    return ", ".join(names[:-1]) + " och " + names[-1]


def _description(issue: IssueView) -> str:
    text = issue.preheader.strip() or " ".join(markdown_to_text(issue.intro_md).split())
    text = text or issue.title
    if len(text) <= DESCRIPTION_MAX:
        return text
    return text[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"


def public_issue(
    issue: Issue,
    audience_labels: Mapping[str, str],
    site_url: str,
    *,
    language: str = "sv",
    translate: Callable[[str], str] = lambda text: text,
) -> PublicIssue:
    """The public page's content in ``language``, ``audience_labels`` in it too; images
    are shown only when served by the site itself (``site_url``), so the page loads
    nothing from a third party."""
    blocks = public_blocks(issue)
    view = issue_view(issue).in_language(language)
    own = site_url.rstrip("/") + "/"
    shown_blocks = [v for b in blocks if (v := block_view(b).in_language(language)) is not None]
    groups = []
    for group in group_blocks(shown_blocks):
        shown = tuple(
            PublicBlock(
                id=b.id,
                title=b.title,
                body_html=Markup(render_markdown(b.body_md)),  # noqa: S704 (sanitised by nh3)
                organisation_name=b.organisation_name,
                audience_label=_audience_label(b.audiences, audience_labels, language),
                image_url=b.image_url if b.image_url and b.image_url.startswith(own) else None,
                image_alt=b.image_alt or "",
                cta_url=b.cta_url,
                cta_label=b.cta_label,
                language=b.language,
                note=translate(FALLBACK_NOTE) if b.fallback else "",
            )
            for b in group.blocks
        )
        groups.append(PublicGroup(key=group.key, name=translate(group.name), blocks=shown))
    return PublicIssue(
        entry=archived(issue, blocks),
        intro_html=Markup(render_markdown(view.intro_md)),  # noqa: S704 (sanitised by nh3)
        description=_description(view),
        groups=tuple(groups),
        title=view.title,
        language=language,
        text_language=view.language,
    )
