"""The police in every issue: the minimum number of blocks each organisation owns in an issue.

The promise says the police see to it that the newsletter carries their information, so an
issue must hold at least ``issue_min_blocks`` blocks per organisation before it passes the
pre-send check, can be approved or sent. A block owned by both (``gemensam``) counts for
each. Blocks are approved with the issue (``approvals.approve`` marks every block of the
approved version), so counting the blocks in the issue is counting the approved ones by the
time it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tryggnews.content.organisations import JOINT_OWNER, SIGNING_ORGANISATIONS
from tryggnews.errors import ConfigError

MinBlocks = tuple[tuple[str, int], ...]
SETTING = "TRYGGNEWS_ISSUE_MIN_BLOCKS"
# "Be polisens redaktör …": who to ask, by organisation.
_EDITOR_OF = {"polis": "polisens redaktör", "kommun": "kommunens redaktör"}


def check_minimums(pairs: Sequence[tuple[str, int]]) -> MinBlocks:
    """The parsed setting, with every organisation key checked against the signing ones."""
    for key, _count in pairs:
        if key not in SIGNING_ORGANISATIONS:
            hint = " (a joint block already counts for both)" if key == JOINT_OWNER else ""
            raise ConfigError(
                f"{SETTING}: {key!r} is not an organisation that signs issues; "
                f"use {' or '.join(SIGNING_ORGANISATIONS)}{hint}, e.g. polis=1"
            )
    return tuple(pairs)


def owner_block_problems(owners: Iterable[str], minimums: Sequence[tuple[str, int]]) -> list[str]:
    """Swedish problems, one per organisation short of its minimum; ``owners`` has one
    organisation key per block in the issue."""
    owned = list(owners)
    problems = []
    for key, needed in minimums:
        have = sum(1 for owner in owned if owner in (key, JOINT_OWNER))
        if have >= needed:
            continue
        name = SIGNING_ORGANISATIONS.get(key, key)
        who = _EDITOR_OF.get(key, f"redaktören för {name}")
        if needed == 1:
            problems.append(
                f"Numret saknar ett block från {name}. Be {who} skriva ett block, "
                "eller lägg till ett gemensamt block."
            )
        else:
            problems.append(
                f"Numret har {have} block från {name} men behöver minst {needed}. "
                f"Be {who} skriva {needed - have} till, eller lägg till gemensamma block."
            )
    return problems
