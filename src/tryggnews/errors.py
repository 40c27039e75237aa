"""The one error family of tryggnews.

Every expected failure (bad input, bad configuration, a refused send) is a
``TryggnewsError`` whose message says what is wrong and where, so the CLI can
print it on one line and exit with code 2, and the web layer can map it to HTTP.
"""

from __future__ import annotations


class TryggnewsError(Exception):
    """Base class: an expected failure with a message meant for a person."""


class ConfigError(TryggnewsError):
    """A setting is missing or malformed; the message names the setting."""


class ValidationError(TryggnewsError):
    """Input data (a block, an issue, a CSV row) is invalid; the message names the field."""


class NotFoundError(TryggnewsError):
    """A referenced object (issue, block, subscriber) does not exist."""


class TemplateError(TryggnewsError):
    """A newsletter template cannot be loaded or rendered; names template and line."""


class LintError(TryggnewsError):
    """An issue fails the pre-send checks; carries every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class ScheduleError(TryggnewsError):
    """schedule.toml is invalid; the message names file and line."""


class TransportError(TryggnewsError):
    """A transport cannot deliver at all (misconfigured, refused); stops the send."""


class DatabaseUnavailableError(TryggnewsError):
    """The database went away and did not come back within a few tries; the
    message says what was being done and that running it again is safe."""


class TokenError(TryggnewsError):
    """A signed link token is tampered, meant for another purpose, expired or malformed.

    ``reason`` is one of "tampered", "wrong-purpose", "expired", "malformed", for logs
    and for the web layer to choose a page; the message says the same in English.
    """

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)
