"""The `tryggnews` command line: `tryggnews <noun> <verb>`.

Expected bad input (a TryggnewsError) prints one line and exits with code 2;
only a bug shows a traceback.
"""

from __future__ import annotations

from tryggnews.cli.base import cli

# Command modules register themselves on `cli` when imported (one line each, below).
# --- command registrations ---
from tryggnews.cli import admin, block, demo, issue, serve  # noqa: F401  # isort: skip
from tryggnews.cli import plan  # noqa: F401  # isort: skip
from tryggnews.cli import scheduler  # noqa: F401  # isort: skip
from tryggnews.cli import subscribers  # noqa: F401  # isort: skip
from tryggnews.cli import subscriber_privacy  # noqa: F401  # isort: skip
from tryggnews.cli import delivery  # noqa: F401  # isort: skip
from tryggnews.cli import users  # noqa: F401  # isort: skip
from tryggnews.cli import bounces  # noqa: F401  # isort: skip
from tryggnews.cli import archive  # noqa: F401  # isort: skip
from tryggnews.cli import backup  # noqa: F401  # isort: skip
from tryggnews.cli import retention  # noqa: F401  # isort: skip
from tryggnews.cli import doctor  # noqa: F401  # isort: skip
from tryggnews.cli import report  # noqa: F401  # isort: skip
from tryggnews.cli import promise  # noqa: F401  # isort: skip
from tryggnews.cli import translations  # noqa: F401  # isort: skip
# --- end of command registrations ---


def main() -> None:
    cli(prog_name="tryggnews")


__all__ = ["cli", "main"]
