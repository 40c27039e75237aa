"""Structured logs: one JSON object a line with time, level, logger, message and the
call's extra fields; text for people; a real worker process logging its batches."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime

import pytest
from sending_setup import ISSUE_KEY, cli_env, prepare_issue
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.config import Settings
from tryggnews.operations.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_extra_fields(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json", level=logging.INFO)
    configure_logging("json", level=logging.INFO)  # again: still one handler
    log = logging.getLogger("tryggnews.delivery.sender")
    log.info(
        "issue %s batch %d",
        "2027-1",
        3,
        extra={"issue": "2027-1", "batch": 3, "counts": {"accepted": 5}},
    )
    log.debug("not at INFO")
    logging.getLogger("apscheduler.scheduler").info("APScheduler's own chatter")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1, lines
    record = json.loads(lines[0])
    assert record["level"] == "INFO" and record["logger"] == "tryggnews.delivery.sender"
    assert record["message"] == "issue 2027-1 batch 3"
    assert (record["issue"], record["batch"], record["counts"]) == ("2027-1", 3, {"accepted": 5})
    assert datetime.fromisoformat(record["time"]).utcoffset() is not None


def test_text_for_people_and_an_unknown_format_refused(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text")
    logging.getLogger("tryggnews.x").info("quiet at the default level")
    logging.getLogger("tryggnews.x").warning("Påsklov: %d", 2)
    err = capsys.readouterr().err
    assert "quiet" not in err
    assert err.rstrip().endswith("WARNING tryggnews.x: Påsklov: 2")
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        configure_logging("xml")


def test_a_worker_logs_each_batch_as_json(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: object
) -> None:
    prepare_issue(settings, session_factory, 5)
    env = cli_env(settings, log_format="json", send_batch_size="2")
    done = subprocess.run(
        [sys.executable, "-m", "tryggnews", "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    batches = [r for r in records if r["logger"] == "tryggnews.delivery.sender"]
    assert [r["batch"] for r in batches] == [1, 2, 3]
    assert all(r["issue"] == ISSUE_KEY and r["transport"] == "outbox" for r in batches)
    assert [r["counts"] for r in batches] == [{"accepted": 2}, {"accepted": 2}, {"accepted": 1}]
    assert all(r["level"] == "INFO" and r["seconds"] >= 0 for r in batches)
    assert "@example.org" not in done.stderr
