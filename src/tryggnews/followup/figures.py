"""Figures per sent issue: what happened to its messages, in total and per audience variant.

Every figure is a count of facts the database already keeps:

* the ledger rows (``deliveries``), one per recipient, by outcome (``outcome_of``);
* the counts kept in ``delivery_rollups`` once retention has deleted those rows
  (``followup.rollup``): figures are live rows + rolled-up counts, so they do not
  change when rows are rolled up;
* consent events (``complained``, ``unsubscribed``) whose ``details`` name the issue
  (``issue``: its key, ``variant``: the recipient's variant), recorded from migration
  0011 on; events already rolled up are those up to the issue's ``events_through`` mark.

There is no open or click tracking: nothing here says whether a message was read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from tryggnews.db.models import (
    Block,
    ConsentEvent,
    ConsentEventKind,
    Delivery,
    DeliveryRollup,
    DeliveryStatus,
    FocusArea,
    Issue,
    IssueVariant,
)

# Outcomes of a ledger row; they partition the recipients.
DELIVERED = "delivered"
BOUNCED_HARD = "bounced_hard"
BOUNCED_SOFT = "bounced_soft"
FAILED = "failed"
SKIPPED = "skipped"
OUTSTANDING = "outstanding"
ROW_OUTCOMES = (DELIVERED, BOUNCED_HARD, BOUNCED_SOFT, FAILED, SKIPPED, OUTSTANDING)
# Outcomes counted from consent events that name the issue.
COMPLAINTS = "complaints"
UNSUBSCRIPTIONS = "unsubscriptions"
EVENT_OUTCOMES = {
    ConsentEventKind.COMPLAINED: COMPLAINTS,
    ConsentEventKind.UNSUBSCRIBED: UNSUBSCRIPTIONS,
}
# A rollup row (variant "") whose count is the id of the last consent event rolled up.
EVENTS_THROUGH = "events_through"
# Events recorded before the issue and variant were written down name no variant.
UNKNOWN_VARIANT = ""

NO_TRACKING_SV = (
    "Vi mäter inte öppningar eller klick: nyhetsbrevet har ingen spårning, "
    "så siffrorna säger vad som levererades, inte vad som lästes."
)
VARIANT_UNKNOWN_SV = "Okänd variant (uppgiften sparades inte)"
# Each figure's name for editors and readers, in the order they are shown.
LABELS_SV = {
    "recipients": "Mottagare",
    "delivered": "Levererade",
    "bounced_hard": "Studsade, permanent (hård studs)",
    "bounced_soft": "Studsade, tillfälligt (mjuk studs)",
    "failed": "Misslyckades",
    "skipped": "Hoppades över (slutat efter urvalet)",
    "outstanding": "Ännu inte skickade",
    "complaints": "Anmälda som skräppost",
    "unsubscriptions": "Avslutade prenumerationen via numret",
}


def outcome_of(status: DeliveryStatus | str, soft_bounces: int) -> str:
    """The figure a ledger row counts under (the rollup classifies deleted rows with it)."""
    status = DeliveryStatus(status)
    if status == DeliveryStatus.SENT:
        return BOUNCED_SOFT if soft_bounces else DELIVERED
    return {
        DeliveryStatus.BOUNCED: BOUNCED_HARD,
        DeliveryStatus.FAILED: FAILED,
        DeliveryStatus.SKIPPED: SKIPPED,
    }.get(status, OUTSTANDING)


def _outcome_sql() -> ColumnElement[str]:
    """``outcome_of`` in SQL, so live rows are counted by the database."""
    return case(
        (
            and_(Delivery.status == DeliveryStatus.SENT, Delivery.soft_bounces > 0),
            BOUNCED_SOFT,
        ),
        (Delivery.status == DeliveryStatus.SENT, DELIVERED),
        (Delivery.status == DeliveryStatus.BOUNCED, BOUNCED_HARD),
        (Delivery.status == DeliveryStatus.FAILED, FAILED),
        (Delivery.status == DeliveryStatus.SKIPPED, SKIPPED),
        else_=OUTSTANDING,
    )


@dataclass
class Counts:
    """One set of figures (an issue, a variant, or a year's sum)."""

    recipients: int = 0
    delivered: int = 0
    bounced_hard: int = 0
    bounced_soft: int = 0
    failed: int = 0
    skipped: int = 0
    outstanding: int = 0
    complaints: int = 0
    unsubscriptions: int = 0

    def add(self, outcome: str, count: int) -> None:
        setattr(self, outcome, getattr(self, outcome) + count)
        if outcome in ROW_OUTCOMES:
            self.recipients += count

    def plus(self, other: Counts) -> Counts:
        return Counts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class VariantFigures:
    key: str
    description: str
    counts: Counts


@dataclass
class IssueFigures:
    """An issue's figures: the total and one entry per variant (in words)."""

    issue_id: int
    issue_key: str
    total: Counts = field(default_factory=Counts)
    variants: list[VariantFigures] = field(default_factory=list)


def raw_counts(session: Session, issue: Issue) -> dict[tuple[str, str], int]:
    """``(variant, outcome) -> count`` from live rows, rollups and consent events."""
    out: dict[tuple[str, str], int] = {}

    def put(variant: str, outcome: str, count: int) -> None:
        out[(variant, outcome)] = out.get((variant, outcome), 0) + int(count)

    outcome = _outcome_sql()
    live = session.execute(
        select(Delivery.variant, outcome, func.count())
        .where(Delivery.issue_id == issue.id)
        .group_by(Delivery.variant, outcome)
    )
    for variant, name, count in live:
        put(variant, name, count)
    events_through = 0
    for row in session.scalars(select(DeliveryRollup).where(DeliveryRollup.issue_id == issue.id)):
        if row.outcome == EVENTS_THROUGH:
            events_through = row.count
        else:
            put(row.variant, row.outcome, row.count)
    for variant, name, count in event_counts(session, issue, after_id=events_through):
        put(variant, name, count)
    return out


def event_counts(
    session: Session, issue: Issue, *, after_id: int = 0, through_id: int | None = None
) -> list[tuple[str, str, int]]:
    """Complaints and unsubscriptions naming ``issue`` (event ids in ``(after_id, through_id]``)."""
    variant = func.coalesce(ConsentEvent.details["variant"].as_string(), UNKNOWN_VARIANT)
    query = (
        select(ConsentEvent.kind, variant, func.count())
        .where(
            ConsentEvent.kind.in_(list(EVENT_OUTCOMES)),
            ConsentEvent.details["issue"].as_string() == issue.key,
            ConsentEvent.id > after_id,
        )
        .group_by(ConsentEvent.kind, variant)
    )
    if through_id is not None:
        query = query.where(ConsentEvent.id <= through_id)
    return [(v, EVENT_OUTCOMES[ConsentEventKind(k)], int(n)) for k, v, n in session.execute(query)]


def issue_figures(session: Session, issue: Issue) -> IssueFigures:
    """The issue's figures, per variant (described in words) and in total."""
    per_variant: dict[str, Counts] = {}
    for (variant, outcome), count in sorted(raw_counts(session, issue).items()):
        per_variant.setdefault(variant, Counts()).add(outcome, count)
    names = describe_variants(session, issue.id)
    figures = IssueFigures(issue_id=issue.id, issue_key=issue.key)
    for key in sorted(per_variant, key=lambda k: (k == UNKNOWN_VARIANT, names.get(k, ""), k)):
        counts = per_variant[key]
        figures.total = figures.total.plus(counts)
        description = names.get(key) or (VARIANT_UNKNOWN_SV if key == UNKNOWN_VARIANT else key)
        figures.variants.append(VariantFigures(key=key, description=description, counts=counts))
    return figures


def describe_variants(session: Session, issue_id: int) -> dict[str, str]:
    """Each recorded variant of the issue in words: its audiences, topics and whether
    it lists activities (the key is a hash of its blocks and means nothing to a reader)."""
    variants = list(session.scalars(select(IssueVariant).where(IssueVariant.issue_id == issue_id)))
    block_ids = {i for v in variants for i in v.block_ids}
    areas: dict[int, str] = {}
    if block_ids:
        rows = session.execute(
            select(Block.id, FocusArea.name)
            .join(FocusArea, FocusArea.key == Block.focus_area_key)
            .where(Block.id.in_(block_ids))
        )
        areas = {block_id: name for block_id, name in rows}
    return {v.key: _describe(v, areas) for v in variants}


def _describe(variant: IssueVariant, areas: Mapping[int, str]) -> str:
    topics = _unique(areas[i] for i in variant.block_ids if i in areas)
    blocks = len(variant.block_ids)
    text = f"{variant.audience_label or 'Alla'}: {blocks} block"
    if topics:
        text += f" ({', '.join(topics)})"
    if variant.include_activities:
        text += ", med aktiviteter"
    return text


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen
