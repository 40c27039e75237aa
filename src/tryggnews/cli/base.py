"""The root click group, the shared context object and error handling."""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.config import Settings, load_settings
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.errors import ConfigError, LintError, TryggnewsError
from tryggnews.operations.logs import configure_logging

F = TypeVar("F", bound=Callable[..., Any])

# Long-running commands log what they do at INFO; the others only warnings and errors.
SERVICES = frozenset({"serve", "worker", "scheduler"})


class AppContext:
    """Lazily built settings, vocabulary and database for one command; closed when it ends."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._vocabulary: Vocabulary | None = None
        self._engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def vocabulary(self) -> Vocabulary:
        """audiences.toml, read on first use: commands that never need it never fail on it."""
        if self._vocabulary is None:
            self._vocabulary = wiring.vocabulary(self.settings)
        return self._vocabulary

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = wiring.engine(self.settings.database_url)
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return wiring.session_factory(self.engine)

    def start_logging(self, *, service: bool) -> None:
        """Logs as TRYGGNEWS_LOG_FORMAT says (``operations.logs``), INFO for a service."""
        try:
            log_format = self.settings.log_format
        except ConfigError:
            log_format = "text"  # the command itself reports the bad setting
        configure_logging(log_format, level=logging.INFO if service else logging.WARNING)

    def close(self) -> None:
        # Pooled connections left open would outlive the command (and warn in tests).
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


pass_app = click.make_pass_decorator(AppContext, ensure=True)


def handle_errors(func: F) -> F:
    """Turn expected errors into one clear line on stderr and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LintError as exc:
            click.echo("Error: the issue fails the pre-send checks (lint):", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            sys.exit(2)
        except TryggnewsError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tryggnews")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """tryggnews – the newsletter pipeline for Trygg i Österåker."""
    app = ctx.ensure_object(AppContext)
    ctx.call_on_close(app.close)
    app.start_logging(service=ctx.invoked_subcommand in SERVICES)


def cli_actor() -> str:
    """Who the audit log names for a command: ``cli:<login name>`` (``cli`` without one)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
