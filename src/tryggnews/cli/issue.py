"""`tryggnews issue …`: create, fill, preview, check and send issues."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.table import Table

from tryggnews import wiring
from tryggnews.cli.base import AppContext, cli, cli_actor, handle_errors, pass_app
from tryggnews.cli.block import read_text_file
from tryggnews.cli.figures import echo_figures
from tryggnews.cli.sending import print_summary, send_with_progress
from tryggnews.clock import SystemClock
from tryggnews.content.audit import record as record_audit
from tryggnews.content.issues import add_block, create_issue, get_block, get_issue, list_issues
from tryggnews.content.text import require_plain_text
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.models import IssueStatus
from tryggnews.delivery.claims import claim_holders
from tryggnews.delivery.ledger import ledger_counts
from tryggnews.errors import LintError, ValidationError
from tryggnews.planning.schedule import PlannedIssue
from tryggnews.render.slug import slug

KEY_PATTERN = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_issue_key(key: str) -> tuple[int, int]:
    match = KEY_PATTERN.match(key.strip())
    if not match:
        raise ValidationError(f"key {key!r}: write YEAR-NUMBER, e.g. 2027-1")
    return int(match.group(1)), int(match.group(2))


def parse_send_at(value: str, timezone: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"--send-at {value!r}: skriv datum och tid, t.ex. 2027-02-15T08:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


@cli.group()
def issue() -> None:
    """Newsletter issues: create, add blocks, preview, check, send."""


@issue.command("create")
@click.option("--from-plan", "plan_key", help="Create the issue planned in schedule.toml (key).")
@click.option("--key", help="Issue key YEAR-NUMBER, e.g. 2027-1 (when not from the plan).")
@click.option("--title", help="Title shown as the heading.")
@click.option("--subject", help="Subject line (default: the title).")
@click.option("--preheader", default="", help="Preview text shown after the subject.")
@click.option(
    "--intro-file", type=click.Path(path_type=Path, dir_okay=False), help="Markdown intro."
)
@click.option("--send-at", help="Planned send time, e.g. 2027-02-15T08:00 (Europe/Stockholm).")
@pass_app
@handle_errors
def issue_create(
    app: AppContext,
    plan_key: str | None,
    key: str | None,
    title: str | None,
    subject: str | None,
    preheader: str,
    intro_file: Path | None,
    send_at: str | None,
) -> None:
    """Create an issue, from the plan or from options."""
    settings = app.settings
    intro = read_text_file(intro_file, "the intro") if intro_file else ""
    require_plain_text(
        (
            ("--title", (title or "").strip()),
            ("--subject", (subject or "").strip()),
            ("--preheader", preheader.strip()),
            ("the intro", intro),
        ),
        multiline=("the intro",),
    )
    planned: PlannedIssue | None = None
    if plan_key:
        schedule = wiring.schedule(settings)
        planned = schedule.issue(plan_key) if schedule else None
        if planned is None:
            raise ValidationError(f"{settings.schedule}: no planned issue with key {plan_key!r}")
        key = planned.key
    if not key:
        raise ValidationError("give --from-plan KEY, or --key and --title")
    year, number = parse_issue_key(key)
    with app.session_factory.begin() as session:
        created = create_issue(
            session,
            key=key,
            year=year,
            number=number,
            title=title or (planned.title if planned else ""),
            subject=subject,
            preheader=preheader,
            intro_md=intro,
            planned_send_at=planned.send_at
            if planned
            else (parse_send_at(send_at, "Europe/Stockholm") if send_at else None),
        )
        click.echo(f"Issue {created.key} (id {created.id}) created: {created.title}")


@issue.command("add-block")
@click.argument("issue_ref", metavar="ISSUE")
@click.argument("block_id", metavar="BLOCK", type=int)
@pass_app
@handle_errors
def issue_add_block(app: AppContext, issue_ref: str, block_id: int) -> None:
    """Append block BLOCK (id) to ISSUE (id or key)."""
    with app.session_factory.begin() as session:
        target = get_issue(session, issue_ref)
        placement = add_block(session, target, get_block(session, block_id))
        click.echo(f"Block {block_id} added to issue {target.key} at position {placement.position}")


@issue.command("list")
@click.option("--year", type=int, help="Only this year.")
@pass_app
@handle_errors
def issue_list(app: AppContext, year: int | None) -> None:
    """List issues with their planned time, blocks and state."""
    with app.session_factory() as session:
        issues = list_issues(session, year=year)
        table = Table("id", "key", "title", "planned", "blocks", "status")
        for item in issues:
            planned = (
                item.planned_send_at.astimezone(ZoneInfo(item.timezone)).strftime("%Y-%m-%d %H:%M")
                if item.planned_send_at
                else "–"
            )
            table.add_row(
                str(item.id),
                item.key,
                item.title,
                planned,
                str(len(item.placements)),
                item.status.value,
            )
    Console().print(
        table if issues else "No issues yet (create one with `tryggnews issue create`)."
    )


@issue.command("preview")
@click.argument("issue_ref", metavar="ISSUE")
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="Audience key (audiences.toml) of the reader to preview for, repeatable "
    "(default: every audience).",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    help="Topic key (audiences.toml), repeatable (default: all).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="HTML file to write (default: var/preview/ISSUE.html, or ISSUE-<audience words>.html "
    "with --audience/--topic); the text part goes beside it.",
)
@pass_app
@handle_errors
def issue_preview(
    app: AppContext,
    issue_ref: str,
    audiences: tuple[str, ...],
    topics: tuple[str, ...],
    out: Path | None,
) -> None:
    """Render ISSUE as a reader would get it and write the HTML; prints the path."""
    vocabulary = app.vocabulary
    chosen = vocabulary.audience_keys(audiences) or list(vocabulary.audiences)
    chosen_topics = vocabulary.topic_keys(topics)
    publisher = wiring.publisher(app.settings, vocabulary)
    with app.session_factory() as session:
        target = get_issue(session, issue_ref)
        variant = publisher.preview(target, audiences=chosen, topics=chosen_topics)
        out = out or Path("var/preview") / preview_name(target.key, vocabulary, audiences, topics)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(variant.html, encoding="utf-8")
    out.with_suffix(".txt").write_text(variant.text, encoding="utf-8")
    click.echo(str(out))


def preview_name(
    key: str, vocabulary: Vocabulary, audiences: tuple[str, ...], topics: tuple[str, ...]
) -> str:
    """``2027-2.html`` for every reader, else named after the chosen readers' words:
    ``2027-2-foraldrar-arskurs-7-9.html`` (never after a variant's internal key)."""
    if not audiences and not topics:
        return f"{key}.html"
    words = [vocabulary.audiences[a] for a in vocabulary.audience_keys(audiences)]
    words += [vocabulary.topics[t] for t in vocabulary.topic_keys(topics)]
    return f"{key}-{slug(' '.join(words))}.html"


@issue.command("check")
@click.argument("issue_ref", metavar="ISSUE")
@pass_app
@handle_errors
def issue_check(app: AppContext, issue_ref: str) -> None:
    """Render every variant the subscribers need and run the pre-send checks."""
    publisher = wiring.publisher(app.settings)
    with app.session_factory() as session:
        target = get_issue(session, issue_ref)
        rendered, problems = publisher.check(session, target, SystemClock().now())
    if problems:
        raise LintError(problems)
    sizes = ", ".join(f"{len(v.html.encode()) // 1024} KB" for v in rendered.variants.values())
    click.echo(f"Issue {target.key}: {len(rendered.variants)} variants pass the checks ({sizes}).")


# Both organisations approved the current version (or the send already began).
SENDABLE = (
    IssueStatus.APPROVED,
    IssueStatus.SCHEDULED,
    IssueStatus.SENDING,
    IssueStatus.PAUSED,
    IssueStatus.SENT,
)


@issue.command("send")
@click.argument("issue_ref", metavar="ISSUE")
@click.option(
    "--without-approval",
    is_flag=True,
    help="Send although the police and the kommun have not both approved (logged).",
)
@pass_app
@handle_errors
def issue_send(app: AppContext, issue_ref: str, without_approval: bool) -> None:
    """Deliver ISSUE to every active subscriber not yet served (safe to re-run).

    Only an issue both organisations approved is sent, unless --without-approval.
    """
    with app.session_factory.begin() as session:
        target = get_issue(session, issue_ref)
        if target.status not in SENDABLE:
            if not without_approval:
                raise ValidationError(
                    f"issue {target.key} is not approved by both the police and the kommun: "
                    "approve it in the workspace, or send with --without-approval"
                )
            record_audit(
                session,
                actor=cli_actor(),
                action="issue.send_without_approval",
                object_type="issue",
                object_id=target.key,
                details={"version": target.version},
                at=SystemClock().now(),
            )
    summary = send_with_progress(app, issue_ref, require_approval=not without_approval)
    print_summary(summary)


@issue.command("status")
@click.argument("issue_ref", metavar="ISSUE")
@pass_app
@handle_errors
def issue_status(app: AppContext, issue_ref: str) -> None:
    """Show the delivery ledger of ISSUE: how many rows are in each state."""
    with app.session_factory() as session:
        target = get_issue(session, issue_ref)
        counts = ledger_counts(session, target.id)
        click.echo(f"Issue {target.key}: {target.status.value}")
        for state, count in sorted(counts.items(), key=lambda item: item[0].value):
            click.echo(f"  {state.value:<9} {count}")
        click.echo(f"  {'total':<9} {sum(counts.values())}")
        now = SystemClock().now()
        for holder in claim_holders(session, target.id):
            lease = (
                "lease ran out: the worker is gone, its rows are free to take"
                if holder.until is None or holder.until < now
                else f"lease until {holder.until:%Y-%m-%d %H:%M:%S} UTC"
            )
            click.echo(f"  claimed by {holder.worker_id}: {holder.rows} rows, {lease}")
        echo_figures(session, target)
