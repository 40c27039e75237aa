"""A backup taken while a real `tryggnews issue send` process writes the ledger, restored
into a new file: it opens at head, is intact, and its ledger adds up to one instant of
the send (every recipient has exactly one row; sent rows carry their time and id)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sending_setup import ISSUE_KEY, cli_env, prepare_issue
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.db.engine import make_engine
from tryggnews.db.migrate import current_revision, head_revision
from tryggnews.db.models import Delivery, DeliveryStatus, Issue, IssueStatus

TOTAL = 3000


def sent(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return (
            session.scalar(select(func.count()).where(Delivery.status == DeliveryStatus.SENT)) or 0
        )


def tryggnews(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tryggnews", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_backup_taken_mid_send_restores_whole_and_consistent(
    settings: Settings, engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("on PostgreSQL backups are pg_dump's (see test_backup_restore)")
    prepare_issue(settings, session_factory, TOTAL)
    env = cli_env(settings, send_rate="400", send_batch_size="50")
    log = tmp_path / "send.log"
    with log.open("wb") as out:
        sender = subprocess.Popen(
            [sys.executable, "-m", "tryggnews", "issue", "send", ISSUE_KEY, "--without-approval"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while sent(session_factory) < 400:
            assert sender.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the send did not get going"
            time.sleep(0.05)
        before = sent(session_factory)
        backup = tryggnews("backup", str(tmp_path / "mid-send.db"), env=env, cwd=tmp_path)
        after = sent(session_factory)
        assert backup.returncode == 0, backup.stderr
        assert sender.poll() is None and after < TOTAL, "the send ended before the backup did"
        assert sender.wait(timeout=60) == 0, log.read_text()
    finally:
        if sender.poll() is None:
            sender.kill()
    assert re.search(r"Backup written: .*mid-send\.db \(\d+ bytes", backup.stdout), backup.stdout
    assert (tmp_path / "mid-send.db").stat().st_mode & 0o777 == 0o600

    restored = tmp_path / "restored" / "tryggnews.db"
    restore_env = {**env, "TRYGGNEWS_DATABASE_URL": f"sqlite:///{restored}"}
    result = tryggnews("restore", str(tmp_path / "mid-send.db"), env=restore_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "at migration" in result.stdout

    with sqlite3.connect(restored) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    restored_engine = make_engine(f"sqlite:///{restored}")
    try:
        assert current_revision(restored_engine) == head_revision(restored_engine)
        with restored_engine.connect() as conn:
            status = conn.scalar(select(Issue.status).where(Issue.key == ISSUE_KEY))
            rows = dict(
                conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
            )
            people = conn.scalar(select(func.count(func.distinct(Delivery.subscriber_id))))
            sent_without_proof = conn.scalar(
                select(func.count()).where(
                    Delivery.status == DeliveryStatus.SENT,
                    (Delivery.sent_at.is_(None)) | (Delivery.message_id.is_(None)),
                )
            )
    finally:
        restored_engine.dispose()
    assert status == IssueStatus.SENDING  # the instant of the backup, not the end
    assert sum(rows.values()) == TOTAL and people == TOTAL
    assert before <= rows[DeliveryStatus.SENT] <= after
    assert sent_without_proof == 0
    with session_factory() as session:  # the live send went on and finished
        assert sent(session_factory) == TOTAL
        assert session.scalar(select(Issue.status)) == IssueStatus.SENT
