"""The real `tryggnews` command line for the subscriber CLI tests (CliRunner, no subprocess).

Each call gets its settings from the environment only; the test chdirs to a folder without
a .env file first. The repository's audiences.toml is used unless ``audiences`` says which.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from tryggnews.cli import cli

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_AUDIENCES = REPO_ROOT / "audiences.toml"

Invoke = Callable[..., Result]


def run_cli(
    *args: str,
    database_url: str,
    secret: str,
    audiences: Path = SHIPPED_AUDIENCES,
    input: str | None = None,
) -> Result:
    result = CliRunner().invoke(
        cli,
        list(args),
        env={
            "TRYGGNEWS_DATABASE_URL": database_url,
            "TRYGGNEWS_SECRET_KEY": secret,
            "TRYGGNEWS_AUDIENCES": str(audiences),
        },
        input=input,
        catch_exceptions=False,
    )
    # Shown only when the test fails: what the person at the terminal would have seen.
    print(result.output)
    return result
