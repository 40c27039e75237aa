"""Who writes and who signs: the two organisations of the medborgarlöfte, and block owners.

Two facts with two names, because they differ by one entry:
- ``SIGNING_ORGANISATIONS``: the police and the kommun. Each has editors, approves every
  issue version before it is sent, and gets the scheduler's reminders.
- ``BLOCK_OWNERS``: who a content block belongs to — the two above, or both together
  (``JOINT_OWNER``, the shared blocks). Nobody signs as "gemensam".

Both are fixed by the promise and seeded by the first migration, so they live in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SIGNING_ORGANISATIONS: Mapping[str, str] = MappingProxyType(
    {
        "polis": "Polisen",
        "kommun": "Österåkers kommun",
    }
)

JOINT_OWNER = "gemensam"

BLOCK_OWNERS: Mapping[str, str] = MappingProxyType(
    {
        **SIGNING_ORGANISATIONS,
        JOINT_OWNER: "Polisen och Österåkers kommun",
    }
)
