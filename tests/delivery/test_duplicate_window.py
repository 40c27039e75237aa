"""A worker killed with kill -9 three times during a send duplicates only what was on the wire.

Real `tryggnews worker` processes send 2,000 messages over 4 SMTP connections to a
real aiosmtpd server on loopback, with the default batch of 500. Each is killed
with SIGKILL at a random moment and a new one started; in the end everybody has
at least one message and the messages received twice are at most 3 % of the list,
because accepted answers are committed in small groups while a batch is on the
wire (``delivery.recorder``), not when the whole batch is back.
"""

from __future__ import annotations

import random
import signal
from collections import Counter
from pathlib import Path

import pytest
from sending_setup import ISSUE_KEY, address, cli_env, prepare_issue, smtp_env
from smtp_servers import ScriptedHandler, smtp_server
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_worker_process import issue_status, start_worker, wait_for

from tryggnews.config import Settings
from tryggnews.db.models import DeliveryStatus, Issue, IssueStatus
from tryggnews.delivery.ledger import ledger_counts

TOTAL = 2000
KILLS = 3

# The 3 % bound is what the recorder keeps on a machine that gives it a core: with other
# tests' processes competing for the CPU it lags and the bound is not what is measured.
# `make test` runs "serial" tests on their own after the parallel part.
pytestmark = pytest.mark.serial


def test_three_kills_duplicate_at_most_three_percent(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    # Kill points: random counts of messages received, spread over the send.
    thresholds = sorted(rng.sample(range(150, TOTAL - 150), KILLS))
    prepare_issue(settings, session_factory, TOTAL)
    handler = ScriptedHandler()
    with smtp_server(handler) as server:
        env = cli_env(
            settings,
            **smtp_env(server.port, send_rate="600", send_lease_seconds="2", send_connections="4"),
        )
        killed_at = []
        for number, threshold in enumerate(thresholds):
            worker = start_worker(env, tmp_path, tmp_path / f"w{number}.log", "--poll", "0.2")
            try:
                wait_for(lambda t=threshold: len(handler.received) >= t, 40, "a kill point")
            finally:
                worker.send_signal(signal.SIGKILL)
                worker.wait()
            killed_at.append(len(handler.received))
        assert killed_at[-1] < TOTAL, f"the send finished before the last kill (seed {seed})"

        last = start_worker(env, tmp_path, tmp_path / "last.log", "--poll", "0.2")
        try:
            wait_for(
                lambda: issue_status(session_factory) == IssueStatus.SENT,
                40,
                "the last worker to finish the issue",
            )
        finally:
            last.send_signal(signal.SIGTERM)
            code = last.wait(timeout=20)
        assert code == 0, (tmp_path / "last.log").read_text()

    counts = handler.counts()
    assert set(counts) == {address(n) for n in range(TOTAL)}, f"somebody lost (seed {seed})"
    duplicates = sum(n - 1 for n in counts.values())
    per_kill = duplicates_per_worker(handler, killed_at)
    print(f"kills at {killed_at}: {duplicates} duplicates {per_kill} of {TOTAL} (seed {seed})")
    assert duplicates <= TOTAL * 3 // 100, (
        f"{duplicates} duplicates (first sent by each worker: {per_kill}) after kills at "
        f"{killed_at} (seed {seed})"
    )
    with session_factory() as session:
        issue_id = session.scalar(select(Issue.id).where(Issue.key == ISSUE_KEY))
        assert issue_id is not None
        assert ledger_counts(session, issue_id)[DeliveryStatus.SENT] == TOTAL


def duplicates_per_worker(handler: ScriptedHandler, killed_at: list[int]) -> dict[str, int]:
    """Messages sent again, by which worker sent them first and which again ("0>1")."""
    first: dict[str, int] = {}
    again: Counter[str] = Counter()

    def worker(index: int) -> int:
        return sum(1 for k in killed_at if k <= index)

    for index, received in enumerate(handler.received):
        if received.recipient in first:
            again[f"{worker(first[received.recipient])}>{worker(index)}"] += 1
        else:
            first[received.recipient] = index
    return dict(again)
