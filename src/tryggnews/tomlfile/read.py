"""Load a TOML file people edit by hand; every failure is one message naming the file."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from tryggnews.errors import TryggnewsError
from tryggnews.tomlfile.fields import parse_date

_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)")


def read_toml(
    path: Path, *, error: type[TryggnewsError], missing: str
) -> tuple[str, dict[str, Any]]:
    """The source text and the parsed document of ``path``.

    Raises ``error`` for a missing, unreadable, non-UTF-8 or syntactically broken
    file; ``missing`` is what to do when the file does not exist.
    """
    name = str(path)
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{name}: file not found — {missing}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{name}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise error(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        return source, tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise error(syntax_error_message(name, source, exc)) from None


def syntax_error_message(name: str, source: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message, led by ``file:line`` so it reads like every other problem."""
    match = _POSITION.fullmatch(str(exc))
    if match is None:
        return f"{name}: TOML syntax error: {exc}"
    line, column = int(match["line"]), int(match["column"])
    text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
    # A bare impossible date (send_on = 2027-02-30) is a syntax error to tomllib; name the
    # key and the value so the message reads like the one for a quoted date.
    bad_date = re.match(r"\s*([A-Za-z0-9_-]+)\s*=\s*(\d{4}-\d{2}-\d{2})\b", text)
    if bad_date and parse_date(bad_date[2]) is None:
        return f"{name}:{line}: {bad_date[1]} {bad_date[2]} is not a date"
    return f"{name}:{line}: TOML syntax error at column {column}: {match['message']}"
