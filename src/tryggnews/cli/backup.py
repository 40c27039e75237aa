"""`tryggnews backup FILE` and `tryggnews restore FILE`: a copy of the database and back.

SQLite is copied here (see ``db.backup``); PostgreSQL is backed up with its own tools,
so on PostgreSQL both commands print the pg_dump / pg_restore lines to run and exit 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from tryggnews.cli.base import AppContext, cli, handle_errors, pass_app
from tryggnews.db.backup import backup_sqlite, postgres_commands, restore_sqlite, sqlite_file


class _Percent:
    """Prints "copied 40 %" on stderr each time another tenth is done (large files only)."""

    def __init__(self, verb: str) -> None:
        self.verb = verb
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        if tenth > self.shown and done < total:
            self.shown = tenth
            click.echo(f"{self.verb} {tenth * 10} % of {total} pages", err=True)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists (atomically).")
@pass_app
@handle_errors
def backup(app: AppContext, file: Path, overwrite: bool) -> None:
    """Copy the database into FILE, consistent even while a send is writing.

    SQLite: an online copy of one instant, written to a temporary file, checked and
    renamed into place (mode 0600: it holds the whole subscriber list). PostgreSQL:
    prints the pg_dump command to run.
    """
    url = app.settings.database_url
    database = sqlite_file(url)
    if database is None:
        dump, restore = postgres_commands(url, file)
        _explain_postgres(
            "back up",
            [dump],
            f"Restore it later into an empty database with:\n  {restore}\n  tryggnews db upgrade",
        )
    result = backup_sqlite(database, file, overwrite=overwrite, progress=_Percent("copied"))
    click.echo(
        f"Backup written: {result.path} ({result.size} bytes, {result.pages} pages, "
        f"migration {result.revision}, {result.seconds:.1f} s)"
    )


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
@handle_errors
def restore(app: AppContext, file: Path) -> None:
    """Restore the backup FILE into the configured database, which must be empty.

    The file is checked first (a SQLite database made by tryggnews, intact, at a
    migration this version knows); an older backup is migrated to the newest schema
    on the copy. The target is replaced in one rename at the end, or not at all.
    """
    url = app.settings.database_url
    target = sqlite_file(url)
    if target is None:
        _, restore_line = postgres_commands(url, file)
        _explain_postgres(
            "restore",
            [restore_line, "tryggnews db upgrade"],
            "The database must be empty (e.g. made with createdb); FILE is a pg_dump "
            "file in the custom format.",
        )
    result = restore_sqlite(file, target, progress=_Percent("restored"))
    click.echo(f"Restored {file} into {result.path} at migration {result.revision}.")
    if result.upgraded:
        click.echo(f"The backup was at migration {result.from_revision}; the copy was migrated.")
    click.echo(
        "Erasures and unsubscriptions made after the backup was taken are not in it: "
        "re-apply them (the consent log of the live system has them)."
    )


def _explain_postgres(verb: str, commands: list[str], after: str) -> NoReturn:
    click.echo(
        f"Error: the database is PostgreSQL: use PostgreSQL's own tools to {verb} it.\n"
        "Run (the password is not shown: give it in PGPASSWORD or ~/.pgpass):",
        err=True,
    )
    for command in commands:
        click.echo(f"  {command}", err=True)
    click.echo(after, err=True)
    sys.exit(2)
