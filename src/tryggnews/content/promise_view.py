"""The promise's statuses in Swedish, and the "Så går det med löftet" block as plain data.

The statuses are stored as ASCII keys (``db.models.PromiseStatus``); readers and editors
only ever see the words here. ``PromiseSummaryView`` is what an issue's templates get
(``IssueView.promise``): counts per status and what changed since the previous issue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from tryggnews.db.models import PromiseStatus

# In the order a commitment usually moves through them.
STATUS_WORDS: Mapping[PromiseStatus, str] = MappingProxyType(
    {
        PromiseStatus.PLANNED: "planerat",
        PromiseStatus.ONGOING: "pågår",
        PromiseStatus.DONE: "genomfört",
        PromiseStatus.CANCELLED: "inställt",
    }
)
# The words after a count above one ("3 genomförda").
PLURAL_WORDS: Mapping[PromiseStatus, str] = MappingProxyType(
    {
        PromiseStatus.PLANNED: "planerade",
        PromiseStatus.ONGOING: "pågår",
        PromiseStatus.DONE: "genomförda",
        PromiseStatus.CANCELLED: "inställda",
    }
)
DEFAULT_STATUS = PromiseStatus.PLANNED
BLOCK_TITLE = "Så går det med löftet"
# Changes listed in the block; the rest are counted ("och 3 till"), to keep it short.
MAX_CHANGES = 8


def status_word(status: PromiseStatus) -> str:
    return STATUS_WORDS[status]


def parse_status(value: str) -> PromiseStatus | None:
    """A status from its key or its Swedish word ("pågår", "pagar"); None when neither."""
    value = value.strip().lower()
    for status, word in STATUS_WORDS.items():
        if value in (status.value, word):
            return status
    return None


@dataclass(frozen=True)
class StatusCount:
    """How many commitments have one status, for the block's summary line."""

    status: str  # the ASCII key
    word: str  # the Swedish word
    count: int


@dataclass(frozen=True)
class PromiseChange:
    """A commitment whose status changed since the previous issue."""

    focus_area_label: str
    text: str
    word: str  # its status now, in Swedish


@dataclass(frozen=True)
class PromiseSummaryView:
    """The automatic block; ``problem`` is set (and nothing shown) when promise.toml is broken."""

    title: str = ""
    total: int = 0
    counts: tuple[StatusCount, ...] = ()
    changes: tuple[PromiseChange, ...] = ()
    # The previous issue's send date: changes are counted from then. None: no earlier issue.
    since: date | None = None
    problem: str = ""

    @property
    def summary_line(self) -> str:
        """``Löftets 17 åtaganden just nu: 3 genomförda, 5 pågår och 9 planerade.``"""
        parts = [
            f"{c.count} {PLURAL_WORDS[PromiseStatus(c.status)] if c.count > 1 else c.word}"
            for c in self.counts
            if c.count
        ]
        listed = ", ".join(parts[:-1]) + " och " + parts[-1] if len(parts) > 1 else "".join(parts)
        noun = "åtagande" if self.total == 1 else "åtaganden"
        return f"Löftets {self.total} {noun} just nu: {listed}."

    @property
    def shown_changes(self) -> tuple[PromiseChange, ...]:
        return self.changes[:MAX_CHANGES]

    @property
    def more_changes(self) -> int:
        return max(0, len(self.changes) - MAX_CHANGES)
