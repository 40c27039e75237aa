"""schedule.toml loads into frozen data; every invalid input is reported with file and line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tryggnews.errors import ScheduleError
from tryggnews.planning import RelativeDate, check_plan, load_schedule

REPO_SCHEDULE = Path(__file__).resolve().parents[2] / "schedule.toml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
WriteSchedule = Callable[[str], Path]  # the write_schedule fixture


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based number of the ``occurrence``-th line that starts with ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(needle)]
    return hits[occurrence - 1]


def load_error(write_schedule: WriteSchedule, text: str) -> tuple[Path, str]:
    path = write_schedule(text)
    with pytest.raises(ScheduleError) as caught:
        load_schedule(path)
    return path, str(caught.value)


ONE_ISSUE = """
[[issue]]
key = "2027-1"
title = "Nummer 1"
send_on = {send_on}
"""


def test_the_shipped_schedule_plans_five_issues_for_2027_and_passes_the_check() -> None:
    schedule = load_schedule(REPO_SCHEDULE)
    issues = schedule.issues_in(2027)
    assert [issue.key for issue in issues] == ["2027-1", "2027-2", "2027-3", "2027-4", "2027-5"]
    assert schedule.newsletter.min_issues_per_year == 4
    assert schedule.newsletter.timezone == "Europe/Stockholm"
    for issue in issues:
        assert issue.send_at.tzinfo == STOCKHOLM
        assert issue.send_at.time() == time(8, 0)
        assert issue.deadline < issue.send_on
    first, second, third, fourth, fifth = issues
    assert first.send_on.month == 2 and 10 <= first.send_on.day <= 20  # mid-February
    # Early April, relative to the Wednesday lecture (28 April 2027), at least a week before.
    assert second.send_rule == RelativeDate("valborg-lecture", 21)
    assert second.send_on == date(2027, 4, 7)
    assert date(2027, 4, 28) - second.send_on >= timedelta(days=7)
    assert third.send_on.month == 5 and third.send_on.day >= 20  # late May
    assert fourth.send_on.month == 9 and fourth.send_on.day <= 10  # early September
    assert fifth.send_on.month == 11 and fifth.send_on.day <= 10  # early November
    assert check_plan(schedule, 2027, today=date(2026, 11, 25), sent_keys=set()) == []
    # Placeholder addresses only.
    addresses = (
        schedule.newsletter.editors.everyone
        + schedule.newsletter.escalation.everyone
        + schedule.newsletter.administrators
        + (schedule.newsletter.sender_address,)
    )
    assert all(a.endswith(("@example.se", "@example.org")) for a in addresses)


def test_send_times_are_aware_local_times_across_dst(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    # 08:00 in February is 07:00 UTC, in April 06:00 UTC; a TOML local time works too.
    text = newsletter_toml + (
        '[[issue]]\nkey = "2027-1"\ntitle = "Ett"\nsend_on = 2027-02-15\n'
        '[[issue]]\nkey = "2027-2"\ntitle = "Två"\nsend_on = "2027-04-07"\n'
        "send_time = 09:30:00\n"
    )
    schedule = load_schedule(write_schedule(text))
    winter, summer = schedule.issues
    assert winter.send_at == datetime(2027, 2, 15, 8, 0, tzinfo=STOCKHOLM)
    assert winter.send_at.utcoffset() == timedelta(hours=1)
    assert summer.send_at == datetime(2027, 4, 7, 9, 30, tzinfo=STOCKHOLM)
    assert summer.send_at.utcoffset() == timedelta(hours=2)


def test_deadline_and_reminders_default_from_the_newsletter(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml
        + ONE_ISSUE.format(send_on="2027-02-15")
        + ("deadline_days_before = 7\nreminder_days_before_deadline = [1, 5]\n")
    )
    issue = load_schedule(write_schedule(text)).issues[0]
    assert issue.deadline == date(2027, 2, 8)
    assert issue.reminder_dates == (date(2027, 2, 3), date(2027, 2, 7))
    default = load_schedule(
        write_schedule(newsletter_toml + ONE_ISSUE.format(send_on="2027-02-15"))
    ).issues[0]
    assert default.deadline == date(2027, 2, 5)
    assert default.reminder_days_before_deadline == (7, 2)


def test_an_impossible_date_in_quotes_is_named_with_its_line(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml + ONE_ISSUE.format(send_on='"2027-02-30"')
    path, message = load_error(write_schedule, text)
    assert message == f'{path}:{line_of(text, "send_on")}: send_on "2027-02-30" is not a date'


def test_an_impossible_bare_date_is_a_syntax_error_named_like_the_quoted_one(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    # tomllib rejects 2027-02-30 while parsing; the message still names key and line.
    text = newsletter_toml + ONE_ISSUE.format(send_on="2027-02-30")
    path, message = load_error(write_schedule, text)
    assert message == f"{path}:{line_of(text, 'send_on')}: send_on 2027-02-30 is not a date"


def test_a_toml_syntax_error_keeps_tomllibs_position(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml + '\n[[issue]\nkey = "2027-1"\n'
    path, message = load_error(write_schedule, text)
    header = line_of(text, "[[issue]")
    # tomllib's own wording follows, unchanged.
    assert message.startswith(f"{path}:{header}: TOML syntax error at column 8: Expected ']]'")


def test_an_unknown_key_is_reported_not_ignored(
    write_schedule: WriteSchedule, newsletter_toml: str, four_issues_toml: str
) -> None:
    text = (
        newsletter_toml
        + four_issues_toml
        + ('\n[[issue]]\nkey = "2027-5"\ntitle = "Fem"\nsend_onn = 2027-11-08\n')
    )
    path, message = load_error(write_schedule, text)
    expected = (
        f'{path}:{line_of(text, "send_onn")}: unknown key "send_onn" in [[issue]]'
        ' — did you mean "send_on"?'
    )
    assert expected in message.splitlines()
    # The fifth [[issue]] header is where the missing send_on is reported.
    assert f"{path}:{line_of(text, '[[issue]]', 5)}: [[issue]] has no send_on" in message


def test_unknown_keys_in_every_table_are_reported(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml.replace(
            "[newsletter.escalation]", "[newsletter.escalation]\nrikspolis = []"
        )
        + "\n[newsleter]\nname = 'x'\n"
        + "\n[calendar.2027]\ntryggvedag = 2027-09-25\n"
    )
    path, message = load_error(write_schedule, text)
    lines = message.splitlines()
    assert (
        f'{path}:{line_of(text, "rikspolis")}: unknown key "rikspolis" in [newsletter.escalation]'
        in " ".join(lines)
    )
    assert any(
        line.startswith(f'{path}:{line_of(text, "[newsleter]")}: unknown key "newsleter"')
        and 'did you mean "newsletter"?' in line
        for line in lines
    )
    assert any(
        line.startswith(f'{path}:{line_of(text, "tryggvedag =")}: unknown key "tryggvedag"')
        and 'did you mean "tryggvedagen"?' in line
        for line in lines
    )


def test_a_relative_date_to_a_missing_event_is_reported(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml + ONE_ISSUE.format(
        send_on='{ event = "valborg-lectur", days_before = 21 }'
    )
    path, message = load_error(write_schedule, text)
    assert message.startswith(
        f'{path}:{line_of(text, "send_on")}: send_on refers to event "valborg-lectur", '
        "which is not in the 2027 calendar"
    )
    assert 'did you mean "valborg-lecture"?' in message


def test_wrong_types_name_the_key_and_value(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml.replace("min_issues_per_year = 4", 'min_issues_per_year = "four"')
        + ONE_ISSUE.format(send_on="15")
        + "deadline_days_before = 1.5\nreminder_days_before_deadline = 7\ntitle2 = true\n"
    )
    path, message = load_error(write_schedule, text)
    lines = message.splitlines()
    assert (
        f"{path}:{line_of(text, 'min_issues_per_year')}: "
        'min_issues_per_year must be a whole number, got "four"'
    ) in lines
    assert (
        f"{path}:{line_of(text, 'send_on')}: send_on must be a date like 2027-02-15, got 15"
    ) in lines
    assert (
        f"{path}:{line_of(text, 'deadline_days_before')}: "
        "deadline_days_before must be a whole number, got 1.5"
    ) in lines
    assert any(
        line.startswith(f"{path}:{line_of(text, 'reminder_days_before_deadline')}: ")
        for line in lines
    )


@pytest.mark.parametrize("value", ['"02:30"', '"02:00"', "02:59:00"])
def test_a_send_time_in_the_dst_hour_is_refused(
    write_schedule: WriteSchedule, newsletter_toml: str, value: str
) -> None:
    # The last Sunday of October repeats 02:00–03:00; March skips it.
    text = newsletter_toml + ONE_ISSUE.format(send_on="2027-02-15") + f"send_time = {value}\n"
    path, message = load_error(write_schedule, text)
    assert message.startswith(f"{path}:{line_of(text, 'send_time')}: send_time ")
    assert "between 02:00 and 03:00" in message


def test_a_default_send_time_in_the_dst_hour_is_refused(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml.replace('"08:00"', '"02:30"') + ONE_ISSUE.format(send_on="2027-02-15")
    path, message = load_error(write_schedule, text)
    assert message.startswith(f"{path}:{line_of(text, 'default_send_time')}: default_send_time")


def test_three_oclock_is_fine(write_schedule: WriteSchedule, newsletter_toml: str) -> None:
    text = newsletter_toml + ONE_ISSUE.format(send_on="2027-10-31") + 'send_time = "03:00"\n'
    issue = load_schedule(write_schedule(text)).issues[0]
    assert issue.send_at == datetime(2027, 10, 31, 3, 0, tzinfo=STOCKHOLM)


def test_every_problem_is_reported_at_once(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml.replace('"Europe/Stockholm"', '"Europe/Stockhom"')
        + ONE_ISSUE.format(send_on='"2027-02-30"')
        + '\n[[issue]]\nkey = "2027-1"\ntitle = "Dubbel"\nsend_on = 2027-03-01\n'
        + '\n[[issue]]\nkey = "27-3"\ntitle = "Fel nyckel"\nsend_on = 2027-03-02\n'
        + '\n[[issue]]\nkey = "2027-4"\ntitle = "Fel år"\nsend_on = 2028-01-10\n'
        + '\n[[issue]]\nkey = "2027-5"\ntitle = "Två regler"\n'
        + 'send_on = { event = "lucia", days_before = 3, days_after = 1 }\n'
    )
    path, message = load_error(write_schedule, text)
    lines = message.splitlines()
    twice, bad_key = line_of(text, 'key = "2027-1"', 2), line_of(text, 'key = "27-3"')
    two_rules = line_of(text, 'send_on = { event = "lucia"')
    assert (
        f'{path}:{line_of(text, "timezone")}: timezone "Europe/Stockhom" is not a known time zone'
        in lines
    )
    assert f'{path}:{line_of(text, "send_on")}: send_on "2027-02-30" is not a date' in lines
    assert any(
        line.startswith(f'{path}:{twice}: issue key "2027-1" is used twice') for line in lines
    )
    assert any(
        line.startswith(f'{path}:{bad_key}: issue key "27-3" must look like') for line in lines
    )
    outside = line_of(text, "send_on = 2028")
    assert f"{path}:{outside}: issue 2027-4 is sent on 2028-01-10, which is not in 2027" in lines
    assert any(
        line.startswith(f"{path}:{two_rules}: ")
        and "exactly one of days_before and days_after" in line
        for line in lines
    )
    assert len(lines) == 6


def test_addresses_and_required_contacts_are_checked(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml.replace('polis = ["polis@example.org"]', 'polis = ["polis.example.org"]')
    text = text.replace('kommun = ["chef@example.se"]\n', "")
    path, message = load_error(write_schedule, text)
    bad = line_of(text, 'polis = ["polis.')
    assert f'{path}:{bad}: polis: "polis.example.org" is not an email address' in message
    assert (
        f"{path}:{line_of(text, '[newsletter.escalation]')}: [newsletter.escalation] has no kommun"
        in message
    )


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ScheduleError, match=r"nowhere\.toml: file not found"):
        load_schedule(missing)


def test_calendar_overrides_move_relative_send_dates(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml
        + ONE_ISSUE.format(send_on='{ event = "valborg-lecture", days_before = 21 }')
        + "\n[calendar.2027]\nvalborg_lecture = 2027-04-21\nvecka_fri_fran_vald = 48\n"
    )
    schedule = load_schedule(write_schedule(text))
    assert schedule.issues[0].send_on == date(2027, 3, 31)
    assert schedule.calendar.overrides_for(2027).vecka_fri_fran_vald == 48


def test_bad_calendar_overrides_are_reported(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = newsletter_toml + (
        "\n[calendar.2027]\ntryggvedagen = 2026-09-26\nvecka_fri_fran_vald = 53\n"
        'sportlov = "nio"\n\n[calendar.extra]\nx = 1\n'
    )
    path, message = load_error(write_schedule, text)
    lines = message.splitlines()
    assert (
        f"{path}:{line_of(text, 'tryggvedagen')}: tryggvedagen 2026-09-26 is not in 2027" in lines
    )
    assert (
        f"{path}:{line_of(text, 'vecka_fri')}: vecka_fri_fran_vald: 2027 has no ISO week 53"
        in lines
    )
    assert any(
        line.startswith(f"{path}:{line_of(text, 'sportlov')}: sportlov must be") for line in lines
    )
    assert any(
        line.startswith(f'{path}:{line_of(text, "[calendar.extra]")}: unknown key "extra"')
        for line in lines
    )


def test_extra_events_can_anchor_a_send_date(
    write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    text = (
        newsletter_toml
        + ONE_ISSUE.format(send_on='{ event = "medborgardialog", days_before = 7 }')
        + '\n[[calendar.event]]\nkey = "medborgardialog"\ntitle = "Medborgardialog"\n'
        + "start = 2027-03-16\n"
        + '\n[[calendar.event]]\nkey = "lucia"\ntitle = "Lucia igen"\nstart = 2027-12-13\n'
    )
    path, message = load_error(write_schedule, text)
    # The clash with a built-in activity is the only problem; the anchor resolved fine.
    clash = line_of(text, 'key = "lucia"')
    assert message == f'{path}:{clash}: event key "lucia" is already a built-in activity'

    schedule = load_schedule(write_schedule(text.rsplit("\n[[calendar.event]]", 1)[0]))
    assert schedule.issues[0].send_on == date(2027, 3, 9)
    assert schedule.calendar.events[0].title == "Medborgardialog"
