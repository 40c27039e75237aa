"""CSV formula injection: the export prefixes cells a spreadsheet would run as a formula with ',
the import takes exactly that prefix off again (export → import changes nothing), and a dry run
flags formula-like text with its line and column while keeping it as it is.

Drives the real command line (CliRunner) against a migrated SQLite file and PostgreSQL.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from subscriber_cli import Invoke, run_cli

from tryggnews.content.spreadsheet import FORMULA_STARTS, neutralise_cell, restore_cell
from tryggnews.content.vocabulary import load_vocabulary
from tryggnews.db.models import Subscriber
from tryggnews.subscribers.import_plan import parse_csv

REPO_ROOT = Path(__file__).resolve().parents[2]
VOCABULARY = load_vocabulary(REPO_ROOT / "audiences.toml")
HEADER = "email;name;language;audiences;topics\n"
TEST_SECRET = "cli-test-secret-key-long-enough-0123456789"
# (address, name) as an attacker could type them into the public sign-up form.
HOSTILE = [
    ("anna@example.org", "=cmd|' /C calc'!A0"),
    ("bo@example.org", "+SUM(1;2)"),
    ("cia@example.org", "-2+3+cmd|' /C calc'!A0"),
    ("dan@example.org", "@SUM(A1:A9)"),
    ("-2+3@example.org", "Eva"),
    # Excel's own way to type a formula as text; the import takes the quote off.
    ("fia@example.org", "'=citerad"),
    ("hans@example.org", "''=två citattecken"),
    ("gun@example.org", "Vanlig Gun"),
]


@pytest.fixture
def invoke(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.chdir(tmp_path)
    return functools.partial(run_cli, database_url=db_url, secret=TEST_SECRET)


def hostile_file(tmp_path: Path) -> Path:
    path = tmp_path / "lista.csv"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    for address, name in HOSTILE:
        writer.writerow([address, name, "sv", "", ""])
    path.write_text(HEADER + out.getvalue(), encoding="utf-8")
    return path


def stored(session_factory: sessionmaker[Session]) -> dict[str, str | None]:
    with session_factory() as session:
        return {s.email: s.name for s in session.scalars(select(Subscriber))}


def test_a_dry_run_flags_formula_like_cells_with_line_and_column(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("subscribers", "import", "--dry-run", str(hostile_file(tmp_path)))
    assert result.exit_code == 0
    assert "│ new          │     8 │" in result.stdout
    flagged = ((2, "name"), (3, "name"), (4, "name"), (5, "name"), (6, "email"), (7, "name"))
    for line, column in flagged:
        assert f"line {line}, {column} " in result.stdout, (line, column)
    assert "formula" in result.stdout
    # Plain text, and text that starts with a quote after the import took one off, is not.
    assert "line 8," not in result.stdout and "line 9," not in result.stdout


def test_the_export_neutralises_formulas_and_imports_again_unchanged(
    invoke: Invoke, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert invoke("subscribers", "import", str(hostile_file(tmp_path))).exit_code == 0
    before = stored(session_factory)
    # The import keeps the text as it is (but for the one quote Excel users type).
    assert before == {
        **dict(HOSTILE),
        "fia@example.org": "=citerad",
        "hans@example.org": "'=två citattecken",
    }

    exported = invoke("subscribers", "export").stdout
    rows = list(csv.reader(io.StringIO(exported), delimiter=";"))[1:]
    assert len(rows) == len(HOSTILE)
    for row in rows:
        for cell in row:
            assert cell[:1] not in FORMULA_STARTS, row
    names = {row[0]: row[1] for row in rows}
    assert names["anna@example.org"] == "'=cmd|' /C calc'!A0"
    assert names["'-2+3@example.org"] == "Eva"
    assert names["fia@example.org"] == "'=citerad"
    assert names["hans@example.org"] == "''=två citattecken"
    assert names["gun@example.org"] == "Vanlig Gun"

    out = tmp_path / "export.csv"
    invoke("subscribers", "export", "--out", str(out))
    plan = parse_csv(out, VOCABULARY)
    assert plan.problems == []
    assert {row.email: row.name for row in plan.rows} == before
    again = invoke("subscribers", "import", str(out))
    assert again.exit_code == 0
    assert "│ unchanged    │     8 │" in again.stdout
    assert stored(session_factory) == before


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=1", "''=1"),
        ("'plain", "'plain"),
        ("", ""),
        ("Åsa", "Åsa"),
    ],
)
def test_neutralise_and_restore(text: str, cell: str) -> None:
    assert neutralise_cell(text) == cell
    assert restore_cell(cell) == text


def test_restore_undoes_neutralise_for_every_short_text() -> None:
    # Every string of up to five characters over the characters that matter: 100,000 cases.
    alphabet = ["=", "+", "-", "@", "\t", "\r", "'", "a", " ", "Å"]
    for size in range(6):
        for chars in itertools.product(alphabet, repeat=size):
            text = "".join(chars)
            cell = neutralise_cell(text)
            assert cell[:1] not in FORMULA_STARTS, text
            assert restore_cell(cell) == text, text
