"""Typed, checked reading of parsed TOML tables, collecting every problem with its line.

A reader never stops at the first problem: it records it (file, line, message) and hands
back a placeholder so the caller can go on and find the next one. The loader raises once,
with all problems, before any placeholder can escape.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from email_validator import EmailNotValidError, validate_email

from tryggnews.errors import ConfigError, TryggnewsError
from tryggnews.tomlfile.lines import KeyPath, LineLocator

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")


class Problems:
    """The problems found in one file, each as ``file:line: message``, in line order."""

    def __init__(
        self, file: str, locator: LineLocator, error: type[TryggnewsError] = ConfigError
    ) -> None:
        self.file = file
        self.locator = locator
        self.error = error
        self._found: list[tuple[int, str]] = []

    def add(self, path: KeyPath, message: str) -> None:
        line = self.locator.line_of(path)
        where = f"{self.file}:{line}" if line is not None else self.file
        self._found.append((line or 0, f"{where}: {message}"))

    @property
    def messages(self) -> list[str]:
        return [message for _, message in sorted(self._found, key=lambda found: found[0])]

    def raise_if_any(self) -> None:
        if self._found:
            raise self.error("\n".join(self.messages))


def show(value: Any) -> str:
    """A value as it is written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


def suggestion(word: str, choices: Iterable[str]) -> str:
    """` — did you mean "x"?` for a likely typo, else an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f' — did you mean "{close[0]}"?' if close else ""


def parse_date(value: Any) -> date | None:
    """A TOML local date, or a string written as YYYY-MM-DD; None when it is neither."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


class Table:
    """Checked access to one table of the document; ``finish`` reports keys nobody read."""

    def __init__(
        self, data: Mapping[str, Any], path: KeyPath, problems: Problems, label: str
    ) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.label = label
        self._known: set[str] = set()

    def at(self, key: str) -> KeyPath:
        return (*self.path, key)

    def problem(self, key: str, message: str) -> None:
        self.problems.add(self.at(key), message)

    def has(self, key: str) -> bool:
        self._known.add(key)
        return key in self.data

    def _get(self, key: str, required: bool) -> Any:
        self._known.add(key)
        if key not in self.data:
            if required:
                self.problems.add(self.path, f"{self.label} has no {key} (it is required)")
            return None
        return self.data[key]

    def string(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default is None)
        if value is None:
            return default or ""
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"{key} must be a non-empty text in quotes, got {show(value)}")
            return default or ""
        return value.strip()

    def integer(self, key: str, default: int | None = None, minimum: int | None = None) -> int:
        value = self._get(key, default is None)
        if value is None:
            return default or 0
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"{key} must be a whole number, got {show(value)}")
            return default or 0
        if minimum is not None and value < minimum:
            self.problem(key, f"{key} must be at least {minimum}, got {value}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"{key} must be true or false, got {show(value)}")
            return default
        return value

    def date_value(self, key: str, required: bool = False) -> date | None:
        value = self._get(key, required)
        return None if value is None else self.check_date(key, value)

    def check_date(self, key: str, value: Any) -> date | None:
        parsed = parse_date(value)
        if parsed is not None:
            return parsed
        if isinstance(value, datetime):
            self.problem(key, f"{key} must be a date without a time, got {show(value)}")
        elif isinstance(value, str):
            hint = "" if _ISO_DATE.fullmatch(value) else " (write it as 2027-02-15)"
            self.problem(key, f"{key} {show(value)} is not a date{hint}")
        else:
            self.problem(key, f"{key} must be a date like 2027-02-15, got {show(value)}")
        return None

    def clock_time(self, key: str, default: time | None = None) -> time | None:
        """A time of day: "08:00" or a TOML local time; never in the DST hour 02:00–03:00."""
        value = self._get(key, default is None)
        if value is None:
            return default
        parsed: time | None = None
        if isinstance(value, time):
            parsed = value
        elif isinstance(value, str) and (match := _CLOCK.fullmatch(value)):
            hour, minute = int(match[1]), int(match[2])
            if hour < 24 and minute < 60:
                parsed = time(hour, minute)
        if parsed is None:
            self.problem(key, f'{key} must be a time of day like "08:00", got {show(value)}')
            return default
        if parsed.hour == 2:
            # The clocks change at 02:00–03:00 local time in Sweden: that hour does not
            # exist on the last Sunday of March and happens twice on the last Sunday of
            # October, so a send planned in it is skipped or doubled by a scheduler.
            self.problem(
                key,
                f"{key} {show(value)} is between 02:00 and 03:00, an hour that is skipped in "
                "March and repeated in October when the clocks change — choose another time",
            )
            return default
        return parsed

    def email(self, key: str, required: bool = True) -> str | None:
        """One email address, normalised."""
        value = self._get(key, required)
        if value is None:
            return None
        return self._address(key, value)

    def emails(self, key: str) -> tuple[str, ...]:
        """A required, non-empty list of email addresses, normalised."""
        value = self._get(key, True)
        if value is None:
            return ()
        if not isinstance(value, list) or not value:
            self.problem(key, f"{key} must be a list of email addresses, got {show(value)}")
            return ()
        found = [self._address(key, item) for item in value]
        return tuple(address for address in found if address is not None)

    def _address(self, key: str, value: Any) -> str | None:
        if not isinstance(value, str):
            self.problem(key, f"{key}: {show(value)} is not an email address")
            return None
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            self.problem(key, f"{key}: {show(value)} is not an email address ({exc})")
            return None

    def day_offsets(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        """A list of whole numbers of days, each at least 1, largest first."""
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and item >= 1 for item in value
        ):
            self.problem(
                key, f"{key} must be a list of whole numbers of days (1 or more), got {value!r}"
            )
            return default
        return tuple(sorted(set(value), reverse=True))

    def table(self, key: str, label: str, required: bool = False) -> Table | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.problem(key, f"{key} must be a table ({label}), got {show(value)}")
            return None
        return Table(value, self.at(key), self.problems, label)

    def tables(self, key: str, label: str) -> list[Table]:
        """An array of tables (``[[key]]``); an empty list when absent."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            self.problem(key, f"{key} must be written as {label} tables, got {show(value)}")
            return []
        return [
            Table(item, (*self.at(key), index), self.problems, label)
            for index, item in enumerate(value)
        ]

    def finish(self) -> None:
        """Report every key that no reader asked for: a typo must not be silently ignored."""
        for key in self.data:
            if key not in self._known:
                hint = suggestion(key, self._known) or (
                    f" (expected one of: {', '.join(sorted(self._known))})" if self._known else ""
                )
                self.problem(key, f'unknown key "{key}" in {self.label}{hint}')
