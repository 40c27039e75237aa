"""Plain frozen views of content that the renderer and the sender take: no ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from tryggnews.db.models import Block, Issue


@dataclass(frozen=True)
class BlockView:
    """One section as the templates see it. ``body_md`` is rendered and sanitised by render/."""

    id: int
    title: str
    body_md: str
    organisation_key: str
    organisation_name: str
    focus_area_key: str
    focus_area_name: str
    focus_area_position: int
    audiences: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str | None = None
    cta_url: str | None = None
    cta_label: str | None = None


@dataclass(frozen=True)
class ActivityView:
    """An upcoming activity for the "Kommande aktiviteter" section."""

    start: date
    title: str
    end: date | None = None
    risk_weekend: bool = False
    description: str = ""
    # Set when the activity is on the public calendar: its one-event file is
    # ``/kalender/<event_id>.ics`` ("Lägg i kalendern").
    event_id: str = ""


@dataclass(frozen=True)
class IssueView:
    key: str
    year: int
    number: int
    title: str
    subject: str
    preheader: str
    intro_md: str
    send_date: date | None


@dataclass(frozen=True)
class VariantSpec:
    """One audience variant: the blocks it contains, and whether it lists activities."""

    key: str
    blocks: tuple[BlockView, ...]
    include_activities: bool = True
    # Human description of who gets this variant ("Föräldrar – årskurs 7–9, Senior").
    audience_label: str = ""


def block_view(block: Block) -> BlockView:
    """The renderer's view of a stored block."""
    return BlockView(
        id=block.id,
        title=block.title,
        body_md=block.body_md,
        organisation_key=block.organisation_key,
        organisation_name=block.organisation.name,
        focus_area_key=block.focus_area_key,
        focus_area_name=block.focus_area.name,
        focus_area_position=block.focus_area.position,
        audiences=tuple(block.audiences),
        image_url=block.image_url,
        image_alt=block.image_alt,
        cta_url=block.cta_url,
        cta_label=block.cta_label,
    )


def issue_view(issue: Issue) -> IssueView:
    send_date = None
    if issue.planned_send_at is not None:
        send_date = issue.planned_send_at.astimezone(ZoneInfo(issue.timezone)).date()
    return IssueView(
        key=issue.key,
        year=issue.year,
        number=issue.number,
        title=issue.title,
        subject=issue.subject,
        preheader=issue.preheader,
        intro_md=issue.intro_md,
        send_date=send_date,
    )
