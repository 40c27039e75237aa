"""Control characters are refused at every input with the field named: the one validator is
exact (property tests), the CLI says so in one English line and exits 2, the CSV import names
line and column, and the pre-send check finds rows stored before the checks existed."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from tryggnews import wiring
from tryggnews.cli import cli
from tryggnews.clock import SystemClock
from tryggnews.config import Settings
from tryggnews.content.text import refused_character, text_problem, text_problem_english
from tryggnews.content.vocabulary import Vocabulary
from tryggnews.db.migrate import upgrade
from tryggnews.db.models import Block, Issue, IssueBlock, User
from tryggnews.subscribers.import_plan import parse_csv

REFUSED = {chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}
MULTILINE_ALLOWED = {"\t", "\n", "\r"}
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=200, deadline=None, database=None)
@given(ANY_TEXT)
def test_a_single_line_text_is_refused_exactly_when_it_holds_a_control_character(
    value: str,
) -> None:
    found = refused_character(value)
    if any(char in REFUSED for char in value):
        assert found is not None and found[1] in REFUSED
        assert value[found[0] - 1] == found[1]
        assert all(char not in REFUSED for char in value[: found[0] - 1])
        assert (text_problem("ämnesrad", value) or "").startswith("ämnesrad: innehåller ")
        assert (text_problem_english("--subject", value) or "").startswith("--subject contains ")
    else:
        assert found is None
        assert text_problem("ämnesrad", value) is None


@settings(max_examples=200, deadline=None, database=None)
@given(ANY_TEXT)
def test_a_multi_line_text_keeps_tabs_and_line_breaks_and_nothing_else(value: str) -> None:
    found = refused_character(value, multiline=True)
    if any(char in REFUSED - MULTILINE_ALLOWED for char in value):
        assert found is not None and found[1] in REFUSED - MULTILINE_ALLOWED
    else:
        assert found is None


@pytest.mark.parametrize("char", sorted(REFUSED))
def test_every_control_character_is_named(char: str) -> None:
    problem = text_problem("rubrik", f"a{char}b")
    assert problem is not None and f"(U+{ord(char):04X}" in problem and "vid tecken 2" in problem


@pytest.fixture
def run(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.chdir(tmp_path)
    for name in list(settings.__dict__):
        monkeypatch.delenv(f"TRYGGNEWS_{name.upper()}", raising=False)
    monkeypatch.setenv("TRYGGNEWS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TRYGGNEWS_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("TRYGGNEWS_TEMPLATES_DIR", str(settings.templates_dir))
    monkeypatch.setenv("TRYGGNEWS_AUDIENCES", str(settings.audiences))
    monkeypatch.setenv("TRYGGNEWS_OUTBOX_DIR", str(settings.outbox_dir))

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)

    return invoke


def _one_line_error(result: Result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0], lines


def test_the_cli_refuses_control_characters_in_issues_blocks_and_users(
    run: object, engine: Engine, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    invoke = run  # type: ignore[assignment]
    created = invoke(  # type: ignore[operator]
        "issue", "create", "--key", "2027-1", "--title", "Nummer 1",
        "--subject", "Sportlov\nBcc: alla@example.org",
    )  # fmt: skip
    _one_line_error(created, "--subject contains a line break (U+000A) at character 9")
    body = tmp_path / "body.md"
    body.write_text("Rad ett\n\n\tRad två\n", encoding="utf-8")
    added = invoke(  # type: ignore[operator]
        "block", "add", "--title", "Langning", "--org", "polis", "--area", "andts",
        "--body-file", str(body), "--cta-url", "https://polisen.se", "--cta-label", "Tips\x1b",
    )  # fmt: skip
    _one_line_error(added, "--cta-label contains a control character (U+001B")
    user = invoke(  # type: ignore[operator]
        "users", "add", "ny@kommun.example.se", "--org", "kommun", "--name", "Ny\rPerson",
        "--send-link",
    )  # fmt: skip
    _one_line_error(user, "--name contains a line break (U+000D")
    with session_factory() as session:
        for table in (Issue, Block, User):
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_the_import_names_line_and_column_and_refuses_a_bad_source(
    run: object, engine: Engine, tmp_path: Path, vocabulary: Vocabulary
) -> None:
    csv = tmp_path / "lista.csv"
    csv.write_text(
        "email;name\nanna@example.org;Anna\u2028Bcc\nerik@example.org;Erik\n", encoding="utf-8"
    )
    plan = parse_csv(csv, vocabulary)
    (problem,) = plan.problems
    assert (problem.line, problem.column) == (2, "name")
    assert "U+2028" in problem.reason and "at character 5" in problem.reason
    clean = tmp_path / "ren.csv"
    clean.write_text("email;name\nerik@example.org;Erik\n", encoding="utf-8")
    imported = run("subscribers", "import", str(clean), "--source", "lista\n2027")  # type: ignore[operator]
    _one_line_error(imported, "--source contains a line break (U+000A) at character 6")


def test_the_failed_state_migration_keeps_every_row_that_points_at_an_issue(db_url: str) -> None:
    engine = wiring.engine(db_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO issues (key, year, number, title, subject, preheader, intro_md,"
                    " timezone, status, version, created_at, updated_at) VALUES ('2027-1', 2027,"
                    " 1, 't', 's', '', '', 'Europe/Stockholm', 'held', 1, :now, :now)"
                ),
                {"now": SystemClock().now()},
            )
            conn.execute(
                text(
                    "INSERT INTO blocks (title, body_md, organisation_key, focus_area_key,"
                    " audiences, status, evergreen, version, author, created_at, updated_at)"
                    " VALUES ('b', 'x', 'polis', 'andts', '[]', 'draft', false, 1, 'a', :now, :now)"
                ),
                {"now": SystemClock().now()},
            )
            conn.execute(text("INSERT INTO issue_blocks VALUES (1, 1, 1)"))
        upgrade(engine)
        with engine.begin() as conn:
            assert conn.scalar(select(func.count()).select_from(IssueBlock.__table__)) == 1
            assert conn.scalar(text("SELECT status FROM issues")) == "held"
            conn.execute(text("UPDATE issues SET status = 'failed', failure_reason = 'x'"))
            with pytest.raises(Exception, match=r"(?i)check"), conn.begin_nested():
                conn.execute(text("UPDATE issues SET status = 'nonsense'"))
    finally:
        engine.dispose()


def test_printable_ascii_is_never_refused() -> None:
    assert refused_character(string.printable.strip(string.whitespace) + " ") is None
