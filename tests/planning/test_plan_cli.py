"""`tryggnews calendar` and `tryggnews plan check|status`: output, exit codes and help text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.cli import cli
from tryggnews.db.models import Issue, IssueStatus

REPO_SCHEDULE = Path(__file__).resolve().parents[2] / "schedule.toml"
WriteSchedule = Callable[[str], Path]  # the write_schedule fixture

CALENDAR_2027 = """\
2027-02-22  Internationella brottsofferdagen
2027-03-01–2027-03-05  Sportlov
2027-04-16–2027-04-29  Anti-langningskampanj inför valborg
2027-04-28  Öppen föreläsning – onsdagen innan valborg
2027-04-30–2027-05-02  Valborgsmässoafton (riskhelg)
2027-05-28–2027-06-10  Anti-langningskampanj inför skolavslutningen
2027-06-11  Skolavslutning (riskhelg)
2027-06-25  Midsommarafton (riskhelg)
2027-09-25  Tryggvedagen
2027-10-31  Halloween (riskhelg)
2027-11-01–2027-11-05  Höstlov
2027-11-22–2027-11-28  En vecka fri från våld
2027-12-13  Lucia (riskhelg)
2027-12-31  Nyårsafton (riskhelg)
"""


@pytest.fixture
def missing_db(tmp_path: Path) -> Path:
    return tmp_path / "var" / "never.db"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing_db: Path) -> Callable[..., Result]:
    """Invoke the CLI from an empty folder (no .env) with a database that does not exist."""
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, **env: str) -> Result:
        environment = {
            "TRYGGNEWS_DATABASE_URL": f"sqlite:///{missing_db}",
            "TRYGGNEWS_SCHEDULE": str(REPO_SCHEDULE),
            **env,
        }
        result = CliRunner().invoke(cli, list(args), env=environment)
        print(result.output)  # shown when a test fails
        return result

    return invoke


def test_calendar_prints_one_activity_per_line(run: Callable[..., Result]) -> None:
    result = run("calendar", "2027")
    assert result.exit_code == 0
    assert result.stdout == CALENDAR_2027


def test_calendar_writes_an_ics_file(run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "out" / "plan-2027.ics"
    result = run("calendar", "2027", "--schedule", str(REPO_SCHEDULE), "--ics", str(target))
    assert result.exit_code == 0
    assert result.stdout == CALENDAR_2027
    assert f"Wrote {target}" in result.stderr
    events = Calendar.from_ical(target.read_bytes()).walk("VEVENT")
    assert len(events) == 14 + 2 * 5
    assert [p.name for p in target.parent.iterdir()] == ["plan-2027.ics"]  # no temporary left


def test_a_broken_schedule_exits_2_with_file_and_line(
    run: Callable[..., Result], write_schedule: WriteSchedule, newsletter_toml: str
) -> None:
    issue = '\n[[issue]]\nkey = "2027-1"\ntitle = "Ett"\nsend_onn = 2027-02-15\n'
    path = write_schedule(newsletter_toml + issue)
    result = run("calendar", "2027", "--schedule", str(path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: {path}:17: [[issue]] has no send_on (it is required)",
        f'{path}:20: unknown key "send_onn" in [[issue]] — did you mean "send_on"?',
    ]
    assert "Traceback" not in result.output


def test_plan_check_prints_the_status_when_all_is_well(
    run: Callable[..., Result], missing_db: Path
) -> None:
    result = run("plan", "check", "--year", "2027", "--today", "2026-11-25")
    assert result.exit_code == 0
    assert result.stdout == "2027: 0 sent, 5 planned, 0 at risk — minimum 4\n"
    assert not missing_db.exists()  # looking must not create the database


def test_plan_check_exits_2_listing_every_reason(
    run: Callable[..., Result],
    write_schedule: WriteSchedule,
    newsletter_toml: str,
    four_issues_toml: str,
) -> None:
    three = four_issues_toml.rsplit("[[issue]]", 1)[0]
    path = write_schedule(newsletter_toml + three)
    result = run(
        "plan", "check", "--schedule", str(path), "--year", "2027", "--today", "2027-03-01"
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: the plan for 2027 fails the check:"
    assert lines[1] == (
        f"  - {path}: 2027 has 3 issues planned or sent, the minimum is 4 — add [[issue]] entries"
    )
    assert "issue 2027-1 is not sent and its send date 2027-02-15 has passed" in lines[2]
    assert len(lines) == 3


def test_plan_status_without_a_database(run: Callable[..., Result]) -> None:
    result = run("plan", "status", "--year", "2027", "--today", "2026-11-25")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Database: not created yet."
    assert lines[2] == (
        "2027-2  2027-04-07 08:00  deadline 2027-03-24  not created  "
        "Inför valborg: prata med ditt barn"
    )
    assert lines[-1] == "2027: 0 sent, 5 planned, 0 at risk — minimum 4"


def test_plan_status_and_check_read_states_from_the_database(
    run: Callable[..., Result], db_url: str, session_factory: sessionmaker[Session]
) -> None:
    with session_factory.begin() as session:
        for number, status in ((1, IssueStatus.SENT), (2, IssueStatus.DRAFT)):
            session.add(
                Issue(
                    key=f"2027-{number}",
                    year=2027,
                    number=number,
                    title=f"Nummer {number}",
                    subject=f"Nummer {number}",
                    status=status,
                )
            )
    env = {"TRYGGNEWS_DATABASE_URL": db_url}
    # 1 April 2027: issue 1 went out; issue 2 is a draft past its deadline (24 March).
    result = run("plan", "status", "--year", "2027", "--today", "2027-04-01", **env)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "2027-1  2027-02-15 08:00  deadline 2027-02-05  sent  "
        "Stöd efter brott och ett tryggt sportlov",
        "2027-2  2027-04-07 08:00  deadline 2027-03-24  draft, at risk  "
        "Inför valborg: prata med ditt barn",
        "2027-3  2027-05-24 08:00  deadline 2027-05-14  not created  "
        "En trygg skolavslutning och sommar",
        "2027-4  2027-09-06 08:00  deadline 2027-08-27  not created  Välkommen till Tryggvedagen",
        "2027-5  2027-11-08 08:00  deadline 2027-10-29  not created  Tillsammans mot våld",
        "2027: 1 sent, 4 planned, 1 at risk — minimum 4",
    ]
    # The sent issue's past date is no problem for the check.
    result = run("plan", "check", "--year", "2027", "--today", "2027-03-01", **env)
    assert result.exit_code == 0
    assert result.stdout == "2027: 1 sent, 4 planned, 0 at risk — minimum 4\n"


def test_every_command_and_option_has_help(run: Callable[..., Result]) -> None:
    commands: list[tuple[list[str], click.Command]] = [
        (["calendar"], cli.commands["calendar"]),
        (["plan"], cli.commands["plan"]),
    ]
    group = cli.commands["plan"]
    assert isinstance(group, click.Group)
    commands += [(["plan", name], command) for name, command in group.commands.items()]
    assert {name for name in group.commands} == {"check", "status"}
    for path, command in commands:
        assert command.help, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.stdout
