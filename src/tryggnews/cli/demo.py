"""`tryggnews demo`: the whole pipeline on sample data, safe to run again."""

from __future__ import annotations

import functools
from datetime import datetime
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
from tryggnews.content.approvals import approve, standing_approvals
from tryggnews.content.issues import add_block, create_issue, issue_blocks
from tryggnews.content.organisations import SIGNING_ORGANISATIONS
from tryggnews.content.views import VariantSpec
from tryggnews.db.migrate import upgrade
from tryggnews.db.models import Block, Issue, IssueStatus, Suppression
from tryggnews.editors.accounts import create_user, find_user
from tryggnews.editors.media import store_shipped_image
from tryggnews.errors import ConfigError, ValidationError
from tryggnews.planning import next_planned_issue
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.render.slug import slug, unique_names
from tryggnews.sample.loader import SampleIssueText, load_sample_blocks, read_sample
from tryggnews.sample.translations import load_sample_translations
from tryggnews.subscribers.import_plan import parse_csv
from tryggnews.subscribers.importer import apply_import
from tryggnews.subscribers.suppression import address_hash

DEMO_AUTHOR = "demo"
# The demo's editors, one per signing organisation (fake addresses, like the sample list).
DEMO_EDITORS = {"polis": "demo-polis@example.org", "kommun": "demo-kommun@example.org"}
# Issue states an approval may still be given in (a sent issue needs none).
APPROVABLE = (IssueStatus.DRAFT, IssueStatus.HELD, IssueStatus.FAILED)


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
    media_url = f"{settings.base_url.rstrip('/')}/media/"
    with session_factory.begin() as session:
        blocks = load_sample_blocks(
            session,
            author=DEMO_AUTHOR,
            vocabulary=app.vocabulary,
            # The sample picture is served by this app, like an editor's upload.
            store_image=lambda data: media_url + store_shipped_image(settings.media_dir, data),
        )
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
        if issue.status in APPROVABLE:
            # English, Arabic and Somali for the issue and two blocks, before approval.
            load_sample_translations(
                session,
                issue,
                blocks,
                vocabulary=app.vocabulary,
                author=DEMO_AUTHOR,
                now=clock.now(),
            )
        approvers = _approve_as_both_organisations(session, issue, clock.now())

    publisher = wiring.publisher(settings, app.vocabulary)
    preview_dir.mkdir(parents=True, exist_ok=True)
    with session_factory() as session:
        issue = session.get_one(Issue, issue.id)
        rendered, _problems = publisher.check(session, issue, clock.now())
        # Named after the readers each variant is for, not after its internal key.
        specs = [rendered.specs[key] for key in rendered.variants]
        names = unique_names([slug(variant_words(spec)) for spec in specs])
        for spec, name in zip(specs, names, strict=True):
            html = rendered.variants[spec.key].html
            (preview_dir / f"{issue_key}-{name}.html").write_text(html, encoding="utf-8")
        # The whole issue in each reader language (`make screenshots` shows the Arabic).
        for language in app.vocabulary.languages:
            if language != "sv":
                shown = publisher.preview(
                    issue, audiences=list(app.vocabulary.audiences), language=language
                )
                (preview_dir / f"{issue_key}.{language}.html").write_text(
                    shown.html, encoding="utf-8"
                )
        everyone = publisher.preview(issue, audiences=list(app.vocabulary.audiences))
    preview = preview_dir / f"{issue_key}.html"
    preview.write_text(everyone.html, encoding="utf-8")
    preview.with_suffix(".txt").write_text(everyone.text, encoding="utf-8")

    # Sent like a real issue: only because both organisations approved it above.
    summary = send_with_progress(app, issue_key, require_approval=True)
    print_summary(summary)
    table = Table(show_header=False, title="Demo")
    table.add_row("Issue", f"{issue_key} – {issue.title}")
    table.add_row("Planned send", planned.send_at.strftime("%Y-%m-%d %H:%M %Z"))
    table.add_row("Blocks", str(len(blocks)))
    table.add_row("Approved by", ", ".join(approvers))
    table.add_row("Subscribers imported", _totals(imported.totals.as_dict()))
    table.add_row("Audience variants", str(len(rendered.variants)))
    table.add_row("Messages written now", str(summary.accepted_now))
    table.add_row("Delivered in total", str(summary.sent))
    table.add_row("Outbox (Maildir)", str(settings.outbox_dir / "new"))
    table.add_row("HTML preview", str(preview))
    Console().print(table)


def variant_words(spec: VariantSpec) -> str:
    """Who a variant is for, in words: its audiences, and its topics when chosen."""
    words = spec.audience_label or "alla"
    words = f"{words} {spec.topic_label}" if spec.topic_label else words
    return words if spec.language == "sv" else f"{words} {spec.language}"


def _approve_as_both_organisations(session: Session, issue: Issue, now: datetime) -> list[str]:
    """One demo editor per signing organisation approves the issue's current version.

    What the README promises of every send holds in the demo too: nothing goes out
    without both organisations' approval. The accounts have no password (nobody can
    log in with them); a second run finds them, and finds the issue approved or sent.
    """
    approvers = []
    for organisation, name in SIGNING_ORGANISATIONS.items():
        address = DEMO_EDITORS[organisation]
        user = find_user(session, address) or create_user(
            session,
            email=address,
            organisation=organisation,
            role="editor",
            name=f"Demoredaktör, {name}",
            actor=DEMO_AUTHOR,
            now=now,
        )
        approvers.append(f"{name} ({address})")
        if issue.status in APPROVABLE and organisation not in standing_approvals(session, issue):
            approve(
                session,
                issue,
                user,
                organisation=organisation,
                expected_version=issue.version,
                now=now,
            )
    return approvers


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
