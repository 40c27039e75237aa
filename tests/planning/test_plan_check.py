"""The plan check finds every reason a year cannot keep the promise; the status counts it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tryggnews.planning import (
    Schedule,
    activities_for_issue,
    check_plan,
    load_schedule,
    next_planned_issue,
    plan_status,
)

WriteSchedule = Callable[[str], Path]  # the write_schedule fixture
BEFORE_THE_YEAR = date(2026, 11, 25)


@pytest.fixture
def four(write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str) -> Schedule:
    return load_schedule(write_schedule(newsletter_toml + four_issues_toml))


def test_four_issues_pass(four: Schedule) -> None:
    assert check_plan(four, 2027, today=BEFORE_THE_YEAR, sent_keys=set()) == []


def test_the_quota_watchdog_case_a_plan_of_three_issues_fails(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    three = four_issues_toml.rsplit("[[issue]]", 1)[0]
    path = write_schedule(newsletter_toml + three)
    schedule = load_schedule(path)
    problems = check_plan(schedule, 2027, today=BEFORE_THE_YEAR, sent_keys=set())
    assert problems == [
        f"{path}: 2027 has 3 issues planned or sent, the minimum is 4 — add [[issue]] entries"
    ]
    status = plan_status(schedule, 2027, today=BEFORE_THE_YEAR, sent_keys=set())
    assert not status.reachable


def test_an_issue_sent_outside_the_plan_counts_toward_the_minimum(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    three = four_issues_toml.rsplit("[[issue]]", 1)[0]
    schedule = load_schedule(write_schedule(newsletter_toml + three))
    assert check_plan(schedule, 2027, today=BEFORE_THE_YEAR, sent_keys={"2027-9"}) == []
    status = plan_status(schedule, 2027, today=BEFORE_THE_YEAR, sent_keys={"2027-9", "2026-4"})
    assert status.line == "2027: 1 sent, 3 planned, 0 at risk — minimum 4"


def test_a_past_send_date_fails_only_while_the_issue_is_unsent(four: Schedule) -> None:
    today = date(2027, 3, 1)
    problems = check_plan(four, 2027, today=today, sent_keys=set())
    assert len(problems) == 1
    assert problems[0].startswith(f"{four.path}:")
    assert "issue 2027-1 is not sent and its send date 2027-02-15 has passed" in problems[0]
    assert check_plan(four, 2027, today=today, sent_keys={"2027-1"}) == []
    # On the send day itself the issue can still go out.
    assert check_plan(four, 2027, today=date(2027, 2, 15), sent_keys=set()) == []


def test_a_deadline_after_the_send_date_and_two_issues_on_one_day(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    text = (
        newsletter_toml
        + four_issues_toml.replace("send_on = 2027-09-06", "send_on = 2027-05-24")
        + "deadline_days_before = -2\n"
    )
    path = write_schedule(text)
    schedule = load_schedule(path)
    lines = text.splitlines()
    fourth = [n for n, line in enumerate(lines, 1) if line == "[[issue]]"][3]
    assert check_plan(schedule, 2027, today=BEFORE_THE_YEAR, sent_keys=set()) == [
        f"{path}:{fourth}: issue 2027-4 has its section deadline 2027-05-26 after its send "
        "date 2027-05-24",
        f"{path}:{fourth}: issues 2027-3 and 2027-4 are both sent on 2027-05-24 — one issue a day",
    ]


def test_every_reason_is_listed_together(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    text = newsletter_toml + four_issues_toml.rsplit("[[issue]]", 1)[0]
    text = text.replace("send_on = 2027-05-24", "send_on = 2027-02-15")
    schedule = load_schedule(write_schedule(text))
    problems = check_plan(schedule, 2027, today=date(2027, 3, 1), sent_keys=set())
    assert len(problems) == 4  # the minimum, two past send dates, one shared day


def test_status_line_counts_sent_planned_and_at_risk(four: Schedule) -> None:
    # 1 April 2027: issue 1 went out; issue 2's deadline (28 March) passed unapproved.
    today = date(2027, 4, 1)
    status = plan_status(four, 2027, today=today, sent_keys={"2027-1"})
    assert status.line == "2027: 1 sent, 3 planned, 1 at risk — minimum 4"
    assert status.reachable
    approved = plan_status(four, 2027, today=today, sent_keys={"2027-1"}, approved_keys={"2027-2"})
    assert approved.at_risk == 0
    # On the deadline day itself the issue is not yet at risk.
    assert plan_status(four, 2027, today=date(2027, 3, 28), sent_keys={"2027-1"}).at_risk == 0


def test_next_planned_issue(four: Schedule) -> None:
    send_time = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)  # 08:00 in Stockholm, winter
    first = next_planned_issue(four, send_time)
    assert first is not None and first.key == "2027-1"
    later = next_planned_issue(four, send_time + timedelta(seconds=1))
    assert later is not None and later.key == "2027-2"
    skipped = next_planned_issue(four, send_time, sent_keys={"2027-1"})
    assert skipped is not None and skipped.key == "2027-2"
    assert next_planned_issue(four, datetime(2027, 9, 7, tzinfo=UTC)) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        next_planned_issue(four, datetime(2027, 1, 1))


def test_each_issue_lists_the_activities_until_the_next_one(four: Schedule) -> None:
    second = four.issue("2027-2")
    assert second is not None
    keys = [a.key for a in activities_for_issue(four, second)]
    assert keys == ["anti-langning-valborg", "valborg-lecture", "valborg"]
    last = four.issue("2027-4")
    assert last is not None
    # No later issue: a quarter ahead.
    assert [a.key for a in activities_for_issue(four, last)] == [
        "tryggvedagen",
        "halloween",
        "hostlov",
        "vecka-fri-fran-vald",
    ]
