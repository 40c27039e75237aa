"""The yearly report's data: one plain structure every format (HTML, JSON, CSV, PDF) shows.

``build_report`` reads the database (issues, blocks, the ledger and its rollups,
consent events, the commitments' history) and the plan (schedule.toml, promise.toml);
``as_json`` is the documented JSON (``docs/report.md``, schema ``tryggnews-report/1``).
``public`` drops what only editors may see (per-variant figures, notes' authors).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews.content.organisations import BLOCK_OWNERS
from tryggnews.db.models import FocusArea, Issue, IssueStatus
from tryggnews.errors import ValidationError
from tryggnews.followup.audience import UNKNOWN, AudienceYear, Snapshot, audience_year
from tryggnews.followup.figures import Counts, IssueFigures, issue_figures
from tryggnews.planning.calendar import activities_for_year
from tryggnews.planning.plan import upcoming_activities
from tryggnews.planning.promise import Promise, commitment_report
from tryggnews.planning.schedule import Schedule

SCHEMA = "tryggnews-report/1"
DEFAULT_MINIMUM = 4
STOCKHOLM = ZoneInfo("Europe/Stockholm")
_YEAR = re.compile(r"[0-9]{4}")  # ASCII digits only: "２０２７" is not a year here
FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_year(text: str) -> int:
    """A report year from user input; ``ValidationError`` in Swedish otherwise."""
    value = text.strip()
    if not _YEAR.fullmatch(value) or not FIRST_YEAR <= int(value) <= LAST_YEAR:
        raise ValidationError(
            f"år {text!r}: skriv ett årtal med fyra siffror mellan {FIRST_YEAR} och {LAST_YEAR},"
            " t.ex. 2027"
        )
    return int(value)


@dataclass
class IssueEntry:
    key: str
    number: int
    title: str
    status: str
    planned_on: date | None
    sent_on: date | None
    police_blocks: list[str]
    joint_blocks: list[str]
    blocks: int
    figures: IssueFigures | None


@dataclass
class ActivityEntry:
    key: str
    title: str
    start: date
    end: date
    issues: list[str]


@dataclass
class Report:
    year: int
    generated_at: datetime
    minimum: int
    planned: int
    issues: list[IssueEntry]
    per_focus_area: list[tuple[str, str, int]]
    per_organisation: list[tuple[str, str, int]]
    activities: list[ActivityEntry]
    # None: promise.toml is not configured (the section says so).
    commitments: list[dict[str, Any]] | None
    audience: AudienceYear
    audience_labels: Mapping[str, str]
    language_labels: Mapping[str, str]
    delivery: Counts = field(default_factory=Counts)

    @property
    def sent(self) -> list[IssueEntry]:
        return [i for i in self.issues if i.sent_on is not None]

    @property
    def empty(self) -> bool:
        return not self.issues and self.audience.end.total == 0 and self.audience.start.total == 0


def _local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(STOCKHOLM).date() if moment is not None else None


def build_report(
    session: Session,
    year: int,
    *,
    schedule: Schedule | None,
    promise: Promise | None,
    audience_labels: Mapping[str, str],
    language_labels: Mapping[str, str],
    now: datetime,
) -> Report:
    """Everything the report shows for ``year``, counted from the database."""
    issues = list(session.scalars(select(Issue).where(Issue.year == year).order_by(Issue.number)))
    planned = {p.key: p for p in schedule.issues_in(year)} if schedule else {}
    entries: list[IssueEntry] = []
    areas: Counter[str] = Counter()
    owners: Counter[str] = Counter()
    total = Counts()
    for issue in issues:
        sent = issue.status == IssueStatus.SENT
        blocks = [p.block for p in issue.placements]
        figures = issue_figures(session, issue) if sent else None
        if figures is not None:
            total = total.plus(figures.total)
            areas.update(b.focus_area_key for b in blocks)
            owners.update(b.organisation_key for b in blocks)
        plan = planned.get(issue.key)
        entries.append(
            IssueEntry(
                key=issue.key,
                number=issue.number,
                title=issue.title,
                status=issue.status.value,
                planned_on=plan.send_on if plan else _local_day(issue.planned_send_at),
                sent_on=_local_day(issue.sent_at) if sent else None,
                police_blocks=[b.title for b in blocks if b.organisation_key == "polis"],
                joint_blocks=[b.title for b in blocks if b.organisation_key == "gemensam"],
                blocks=len(blocks),
                figures=figures,
            )
        )
    known = {e.key for e in entries}
    for key, plan in planned.items():
        if key not in known:
            entries.append(
                IssueEntry(
                    key, plan.number, plan.title, "planerat", plan.send_on, None, [], [], 0, None
                )
            )
    entries.sort(key=lambda e: (e.number, e.key))
    names = {key: name for key, name in session.execute(select(FocusArea.key, FocusArea.name))}
    return Report(
        year=year,
        generated_at=now,
        minimum=schedule.newsletter.min_issues_per_year if schedule else DEFAULT_MINIMUM,
        planned=len(planned),
        issues=entries,
        per_focus_area=[(k, names.get(k, k), n) for k, n in sorted(areas.items())],
        per_organisation=[(k, BLOCK_OWNERS.get(k, k), n) for k, n in sorted(owners.items())],
        activities=_activities(schedule, year, [e for e in entries if e.sent_on]),
        commitments=_commitments(session, promise, year),
        audience=audience_year(session, year),
        audience_labels=audience_labels,
        language_labels=language_labels,
        delivery=total,
    )


def _activities(
    schedule: Schedule | None, year: int, sent: list[IssueEntry]
) -> list[ActivityEntry]:
    """The year's calendar activities and the sent issues whose "Kommande aktiviteter"
    (from its send date to the next planned issue) listed them."""
    if schedule is None:
        return []
    told: dict[str, list[str]] = {}
    for entry in sent:
        assert entry.sent_on is not None
        for activity in upcoming_activities(schedule, entry.sent_on):
            told.setdefault(activity.event_id, []).append(entry.key)
    return [
        ActivityEntry(a.key, a.title, a.start, a.last_day, told.get(a.event_id, []))
        for a in activities_for_year(year, schedule.calendar)
    ]


def _commitments(
    session: Session, promise: Promise | None, year: int
) -> list[dict[str, Any]] | None:
    if promise is None:
        return None
    as_of = datetime(year + 1, 1, 1, tzinfo=STOCKHOLM)
    return [
        {
            "focus_area": c.focus_area_label,
            "key": c.key,
            "text": c.text,
            "status": c.status.value,
            "status_word": c.status_word,
            "notes": [
                {
                    "noted_on": n.noted_on.isoformat(),
                    "text": n.text,
                    "organisation": n.organisation_name,
                }
                for n in c.notes
            ],
        }
        for c in commitment_report(session, promise, as_of=as_of)
    ]


def _snapshot_json(snapshot: Snapshot, labels: Mapping[str, str]) -> dict[str, Any]:
    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        order = {k: i for i, k in enumerate(labels)}
        return [
            {"key": k, "label": labels.get(k, "Okänd" if k == UNKNOWN else k), "count": n}
            for k, n in sorted(counter.items(), key=lambda kv: (order.get(kv[0], 999), kv[0]))
        ]

    return {"total": snapshot.total, "per_audience": rows(snapshot.per_audience)}


def as_json(report: Report, *, public: bool = False) -> dict[str, Any]:
    """The report as the JSON documented in docs/report.md."""
    audience = report.audience

    def snap(s: Snapshot) -> dict[str, Any]:
        out = _snapshot_json(s, report.audience_labels)
        out["per_language"] = _snapshot_json(
            Snapshot(per_audience=s.per_language), report.language_labels
        )["per_audience"]
        return out

    return {
        "schema": SCHEMA,
        "year": report.year,
        "generated_at": report.generated_at.isoformat(),
        "public": public,
        "issues": {
            "minimum": report.minimum,
            "planned": report.planned,
            "sent": len(report.sent),
            "list": [_issue_json(e, public) for e in report.issues],
        },
        "blocks": {
            "per_focus_area": [
                {"key": k, "label": n, "count": c} for k, n, c in report.per_focus_area
            ],
            "per_organisation": [
                {"key": k, "label": n, "count": c} for k, n, c in report.per_organisation
            ],
        },
        "activities": [
            {
                "key": a.key,
                "title": a.title,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "issues": a.issues,
            }
            for a in report.activities
        ],
        "commitments": report.commitments,
        "subscribers": {
            "start": snap(audience.start),
            "end": snap(audience.end),
            "per_month": [
                {
                    "month": m,
                    "signups": audience.signups[m],
                    "unsubscriptions": audience.unsubscriptions[m],
                }
                for m in audience.signups
            ],
        },
        "delivery": report.delivery.as_dict(),
    }


def _issue_json(entry: IssueEntry, public: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": entry.key,
        "number": entry.number,
        "title": entry.title,
        "status": entry.status,
        "planned_on": entry.planned_on.isoformat() if entry.planned_on else None,
        "sent_on": entry.sent_on.isoformat() if entry.sent_on else None,
        "blocks": entry.blocks,
        "police_blocks": entry.police_blocks,
        "joint_blocks": entry.joint_blocks,
        "figures": entry.figures.total.as_dict() if entry.figures else None,
    }
    if not public:
        out["variants"] = (
            [
                {"key": v.key, "description": v.description, "figures": v.counts.as_dict()}
                for v in entry.figures.variants
            ]
            if entry.figures
            else []
        )
    return out
