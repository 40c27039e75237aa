"""`tryggnews demo`: the whole pipeline on sample data, safe to run again."""

from __future__ import annotations

import functools
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.cli.sending import print_summary, send_with_progress
from tryggnews.clock import SystemClock
from tryggnews.content.issues import add_block, create_issue, issue_blocks
from tryggnews.db.migrate import upgrade
from tryggnews.db.models import Block, Issue, Suppression
from tryggnews.errors import ConfigError, ValidationError
from tryggnews.planning import next_planned_issue
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.sample.loader import SampleIssueText, load_sample_blocks, read_sample
from tryggnews.subscribers.import_plan import parse_csv
from tryggnews.subscribers.importer import apply_import
from tryggnews.subscribers.suppression import address_hash

DEMO_AUTHOR = "demo"


@cli.command()
@click.option(
    "--subscribers",
    "subscribers_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("subscribers/sample.csv"),
    show_default=True,
    help="CSV of sample subscribers to import.",
)
@click.option(
    "--preview-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("var/preview"),
    show_default=True,
    help="Where the HTML previews of the issue are written.",
)
@pass_app
@handle_errors
def demo(app: AppContext, subscribers_file: Path, preview_dir: Path) -> None:
    """Load sample content and subscribers, build the next planned issue and deliver it.

    With the default settings everything stays on this machine: a SQLite file and
    a Maildir outbox. Running it again delivers nothing twice.
    """
    settings = app.settings
    settings.require_secret_key()
    schedule = wiring.schedule(settings)
    if schedule is None:
        raise ConfigError(f"{settings.schedule} not found: the demo builds the next planned issue")
    clock = SystemClock()
    planned = next_planned_issue(schedule, clock.now())
    if planned is None:
        raise ValidationError(f"{settings.schedule}: no issue is planned after today")
    upgrade(app.engine)
    session_factory = app.session_factory
    with session_factory.begin() as session:
        blocks = load_sample_blocks(session, author=DEMO_AUTHOR, vocabulary=app.vocabulary)
        secret_key = settings.require_secret_key()
        suppressed = set(session.scalars(select(Suppression.email_hash)))
        imported = apply_import(
            session,
            parse_csv(subscribers_file, app.vocabulary),
            basis="public-task",
            source="demo",
            now=clock.now(),
            skip_invalid=False,
            is_suppressed=lambda key: address_hash(secret_key, key) in suppressed,
            email_hash=functools.partial(address_hash, secret_key),
        )
        if imported.refused:
            raise ValidationError(f"{subscribers_file}: the sample has invalid rows")
        issue = _demo_issue(session, planned, blocks, read_sample(app.vocabulary).issue)
        issue_key = issue.key

    publisher = wiring.publisher(settings, app.vocabulary)
    preview_dir.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        issue = session.get_one(Issue, issue.id)
        rendered, _problems = publisher.check(session, issue, clock.now())
        for key, variant in rendered.variants.items():
            (preview_dir / f"{issue_key}-{key}.html").write_text(variant.html, encoding="utf-8")
        everyone = publisher.preview(issue, audiences=list(app.vocabulary.audiences))
    preview = preview_dir / f"{issue_key}.html"
    preview.write_text(everyone.html, encoding="utf-8")
    preview.with_suffix(".txt").write_text(everyone.text, encoding="utf-8")

    # The demo has no editors to approve its issue; a real send needs both approvals.
    summary = send_with_progress(app, issue_key, require_approval=False)
    print_summary(summary)
    table = Table(show_header=False, title="Demo")
    table.add_row("Issue", f"{issue_key} – {issue.title}")
    table.add_row("Planned send", planned.send_at.strftime("%Y-%m-%d %H:%M %Z"))
    table.add_row("Blocks", str(len(blocks)))
    table.add_row("Subscribers imported", _totals(imported.totals.as_dict()))
    table.add_row("Audience variants", str(len(rendered.variants)))
    table.add_row("Messages written now", str(summary.accepted_now))
    table.add_row("Delivered in total", str(summary.sent))
    table.add_row("Outbox (Maildir)", str(settings.outbox_dir / "new"))
    table.add_row("HTML preview", str(preview))
    Console().print(table)


def _totals(totals: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in totals.items() if count) or "none"


def _demo_issue(
    session: Session, planned: PlannedIssue, blocks: list[Block], text: SampleIssueText
) -> Issue:
    """The planned issue, created and filled with the sample blocks on the first run."""
    issue = session.query(Issue).filter_by(key=planned.key).one_or_none()
    if issue is None:
        issue = create_issue(
            session,
            key=planned.key,
            year=planned.year,
            number=planned.number,
            title=planned.title,
            subject=f"Trygg i Österåker: {planned.title}",
            preheader=text.preheader,
            intro_md=text.intro_md,
            planned_send_at=planned.send_at,
        )
    if not issue_blocks(issue):
        for block in blocks:
            add_block(session, issue, block)
    return issue
