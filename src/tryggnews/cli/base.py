"""The root click group, the shared context object and error handling."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from tryggnews.config import Settings, load_settings
from tryggnews.errors import LintError, TryggnewsError

F = TypeVar("F", bound=Callable[..., Any])


class AppContext:
    """Lazily built settings for one command; commands ask for what they need."""

    def __init__(self) -> None:
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings


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
def cli() -> None:
    """tryggnews – the newsletter pipeline for Trygg i Österåker."""
