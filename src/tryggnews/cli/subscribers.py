"""`tryggnews subscribers …`: subscriber lists in and out, counts, the vocabulary.

Values from a file are printed with click.echo, never through rich, so text such
as "[bold]" in someone's name is shown as it is and not read as markup.
"""

from __future__ import annotations

import functools
import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.cli.progress import progress_bar
from tryggnews.cli.subscriber_storage import open_database, write_private
from tryggnews.clock import SystemClock
from tryggnews.content.text import require_plain_text
from tryggnews.content.vocabulary_usage import key_usage
from tryggnews.db.models import Subscriber, SubscriberStatus, Suppression
from tryggnews.subscribers.export import EXPORT_FORMATS, ExportFormat, export_subscribers
from tryggnews.subscribers.import_plan import parse_csv
from tryggnews.subscribers.importer import BASES, MAX_SOURCE_CHARS, ImportResult, apply_import
from tryggnews.subscribers.suppression import address_hash

STATUS_CHOICE = click.Choice([status.value for status in SubscriberStatus])


@cli.group()
def subscribers() -> None:
    """Subscriber lists and people: import, export, count; one person's consent history,
    their data export and erasure; the purge of unconfirmed sign-ups; the check of
    audiences.toml against the keys people hold."""


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check the file and show what would change, without writing anything.",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows even when some rows are invalid; those are listed and left out.",
)
@click.option(
    "--basis",
    type=click.Choice(BASES),
    default="public-task",
    show_default=True,
    help="Legal basis for these addresses: the kommun's public task, or consent given elsewhere.",
)
@click.option(
    "--source",
    metavar="NAME",
    help="Where the list comes from, stored with each new subscriber "
    "(at most 100 characters). Default: import:<file name>.",
)
@pass_app
@handle_errors
def import_command(
    app: AppContext,
    file: Path,
    dry_run: bool,
    skip_invalid: bool,
    basis: str,
    source: str | None,
) -> None:
    """Import subscribers from a CSV FILE.

    The format is described in subscribers/README.md. The whole file is checked
    first: when any row is invalid nothing is written and the exit code is 2,
    unless --skip-invalid is given. Importing the same file again changes nothing;
    unsubscribed people are never subscribed again.
    """
    secret_key = app.settings.require_secret_key()
    plan = parse_csv(file, app.vocabulary)
    source = source if source is not None else f"import:{file.name}"[:MAX_SOURCE_CHARS]
    require_plain_text([("--source", source)])
    with (
        open_database(app) as session_factory,
        session_factory.begin() as session,
        progress_bar(f"Importing {file.name}") as bar,
    ):
        # The whole list is read once (it holds only hashes): one query instead of
        # one per row, which a 50,000-row import would notice.
        suppressed = set(session.scalars(select(Suppression.email_hash)))
        bar.start(len(plan.rows))
        result = apply_import(
            session,
            plan,
            basis=basis,
            source=source,
            now=SystemClock().now(),
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            is_suppressed=lambda key: address_hash(secret_key, key) in suppressed,
            email_hash=functools.partial(address_hash, secret_key),
            progress=bar.advance,
        )
    _print_import_report(file, result)
    if result.refused:
        click.echo(
            f"Nothing was imported: {result.totals.invalid} row(s) are invalid. "
            "Fix them, or run again with --skip-invalid to import the valid rows.",
            err=True,
        )
        sys.exit(2)


def _print_import_report(file: Path, result: ImportResult) -> None:
    if result.problems:
        click.echo(f"Invalid rows in {file}:")
        for problem in result.problems:
            click.echo(f"  {problem}")
    if result.warnings:
        click.echo("Warnings (imported as they are):")
        for warning in result.warnings:
            click.echo(f"  {warning}")
    if result.skipped:
        click.echo("Skipped:")
        for note in result.skipped:
            click.echo(f"  {note}")
    table = Table(title=f"Import of {file.name}", title_justify="left")
    table.add_column("rows")
    table.add_column("count", justify="right")
    for label, count in result.totals.as_dict().items():
        table.add_row(label, str(count))
    Console(highlight=False).print(table)
    if result.dry_run:
        click.echo("Dry run: nothing was written.")
    elif result.written:
        click.echo("Import done.")


@subscribers.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="csv",
    show_default=True,
    help="csv: the import format (re-importable); json: a list of objects with status.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write to FILE (readable only by you) instead of standard output.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=STATUS_CHOICE,
    help="Only subscribers with this status; repeat for several. "
    "Default: active and paused for csv, everyone for json.",
)
@click.option(
    "--excel/--no-excel",
    default=None,
    help="Start the CSV with a UTF-8 byte order mark, so Excel shows å, ä and ö right. "
    "Default: on with --out, off on standard output. Cells that a spreadsheet would run "
    "as formulas are always neutralised.",
)
@pass_app
@handle_errors
def export_command(
    app: AppContext,
    fmt: ExportFormat,
    out: Path | None,
    statuses: tuple[str, ...],
    excel: bool | None,
) -> None:
    """Export subscribers as CSV or JSON, ordered by address."""
    wanted = [SubscriberStatus(status) for status in statuses] or None
    if excel is None:
        excel = out is not None  # a file is most likely opened in Excel; a pipe is not
    with open_database(app) as session_factory, session_factory() as session:
        if out is None:
            count = export_subscribers(session, fmt, sys.stdout, statuses=wanted, excel=excel)
        else:
            count = _export_to_file(session, fmt, out, wanted, excel)
    where = "" if out is None else f" to {out}"
    click.echo(f"Exported {count} subscriber(s){where}.", err=True)


def _export_to_file(
    session: Session,
    fmt: ExportFormat,
    out: Path,
    statuses: list[SubscriberStatus] | None,
    excel: bool,
) -> int:
    return write_private(
        out,
        "utf-8",
        lambda handle: export_subscribers(session, fmt, handle, statuses=statuses, excel=excel),
    )


@subscribers.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=STATUS_CHOICE,
    help="Count only subscribers with this status; repeat for several. Default: everyone.",
)
@pass_app
@handle_errors
def list_command(app: AppContext, statuses: tuple[str, ...]) -> None:
    """Count subscribers per status and per audience."""
    wanted = [SubscriberStatus(status) for status in statuses]
    with open_database(app) as session_factory, session_factory() as session:
        by_status, total = _count(session, wanted)
        usage = key_usage(session, wanted)
    console = Console(highlight=False)
    status_table = Table(title=f"Subscribers: {total}", title_justify="left")
    status_table.add_column("status")
    status_table.add_column("count", justify="right")
    for status in wanted or list(SubscriberStatus):
        status_table.add_row(status.value, str(by_status.get(status, 0)))
    console.print(status_table)
    audience_table = Table(title="Per audience (one person may have several)", title_justify="left")
    audience_table.add_column("audience")
    audience_table.add_column("label")
    audience_table.add_column("count", justify="right")
    declared = app.vocabulary.audiences
    for key, label in declared.items():
        audience_table.add_row(key, label, str(usage.audiences.get(key, 0)))
    for key in sorted(set(usage.audiences) - set(declared)):
        audience_table.add_row(key, f"(not in {app.vocabulary.source})", str(usage.audiences[key]))
    audience_table.add_row("(none)", "only blocks for everyone", str(usage.without_audience))
    console.print(audience_table)


def _count(
    session: Session, statuses: list[SubscriberStatus]
) -> tuple[Counter[SubscriberStatus], int]:
    status_query = select(Subscriber.status, func.count()).group_by(Subscriber.status)
    if statuses:
        status_query = status_query.where(Subscriber.status.in_(statuses))
    by_status: Counter[SubscriberStatus] = Counter(
        {status: count for status, count in session.execute(status_query)}
    )
    return by_status, sum(by_status.values())


@subscribers.command("vocabulary")
@pass_app
@handle_errors
def vocabulary_command(app: AppContext) -> None:
    """Check audiences.toml (TRYGGNEWS_AUDIENCES) and show how many use each key.

    Exits 2 when the file has a mistake (each named by line), and 1 when the
    database holds keys the file no longer declares: put them back in the file,
    or move those people and blocks to other keys first.
    """
    vocabulary = app.vocabulary
    with open_database(app) as session_factory, session_factory() as session:
        usage = key_usage(session)
    console = Console(highlight=False)
    console.print(f"{vocabulary.source}: OK, {usage.subscribers} subscriber(s) in the database")
    sections = (
        ("Audiences", vocabulary.audiences, usage.audiences, usage.block_audiences),
        ("Topics", vocabulary.topics, usage.topics, None),
        ("Languages", vocabulary.languages, usage.languages, None),
    )
    for title, declared, counts, blocks in sections:
        table = Table(title=title, title_justify="left")
        table.add_column("key")
        table.add_column("label")
        table.add_column("subscribers", justify="right")
        if blocks is not None:
            table.add_column("blocks", justify="right")
        for key, label in declared.items():
            row = [key, label, str(counts.get(key, 0))]
            table.add_row(*row, *([str(blocks.get(key, 0))] if blocks is not None else []))
        console.print(table)
    undeclared = usage.undeclared(vocabulary)
    if undeclared:
        click.echo(f"The database holds keys that {vocabulary.source} does not declare:", err=True)
        for line in undeclared:
            click.echo(f"  {line}", err=True)
        click.echo(
            "Put them back in the file, or move those subscribers and blocks to other keys; "
            "until then nobody can aim a block at them.",
            err=True,
        )
        sys.exit(1)
