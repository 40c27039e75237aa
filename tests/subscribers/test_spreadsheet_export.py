"""Exports safe in a spreadsheet: property tests of the one neutraliser
(``content.spreadsheet``), and the Excel byte order mark on the command line
(``subscribers export --excel``), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import functools
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from subscriber_cli import Invoke, run_cli

from tryggnews.content.spreadsheet import FORMULA_STARTS, neutralise_cell, restore_cell
from tryggnews.subscribers.lifecycle import Actor, Choices, confirm, find_subscriber, sign_up
from tryggnews.subscribers.texts import current_text

SECRET = "cli-test-secret-key-long-enough-0123456789"
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
formula_like = st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS), cells)


@given(cells | formula_like)
def test_no_neutralised_cell_starts_like_a_formula(text: str) -> None:
    assert neutralise_cell(text)[:1] not in FORMULA_STARTS


@given(cells | formula_like | st.builds(lambda q, t: q + t, st.just("'"), formula_like))
def test_restore_undoes_neutralise(text: str) -> None:
    assert restore_cell(neutralise_cell(text)) == text


@given(cells.filter(lambda t: t[:1] not in FORMULA_STARTS and not t.startswith("'")))
def test_plain_text_is_left_alone(text: str) -> None:
    assert neutralise_cell(text) == text


@pytest.fixture
def invoke(engine: Engine, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.chdir(tmp_path)
    return functools.partial(run_cli, database_url=db_url, secret=SECRET)


@pytest.fixture
def hostile(session_factory: sessionmaker[Session]) -> None:
    by = Actor(channel="form", now=datetime.now(UTC), secret_key=SECRET)
    with session_factory.begin() as session:
        sign_up(
            session, "anna@example.org", Choices((), (), "sv"), text=current_text("consent"), by=by
        )
        subscriber = find_subscriber(session, "anna@example.org")
        assert subscriber is not None
        subscriber.name = '=HYPERLINK("http://example.org")'
        confirm(session, subscriber, by=by)


def test_excel_adds_a_bom_and_cells_are_neutralised(
    invoke: Invoke, hostile: None, tmp_path: Path
) -> None:
    plain = invoke("subscribers", "export")
    assert plain.exit_code == 0 and not plain.stdout.startswith("\ufeff")
    excel = invoke("subscribers", "export", "--excel")
    assert excel.stdout.startswith("\ufeffemail;name;")
    rows = list(csv.reader(io.StringIO(excel.stdout.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1][1] == '\'=HYPERLINK("http://example.org")'
    out = tmp_path / "lista.csv"
    assert invoke("subscribers", "export", "--excel", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfemail;")
    assert invoke("subscribers", "export", "--no-excel", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"email;")
