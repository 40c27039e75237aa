"""Importing a list in the browser (Flask client, SQLite and PostgreSQL): the dry-run report
names line and field, nothing is imported before the legal basis is chosen and the import
confirmed, the import is all-or-nothing and audited, and the uploaded file is deleted on
import, on cancel, when it cannot be imported, and when left behind for over an hour."""

from __future__ import annotations

import html
import io
import os
import time
from pathlib import Path

import pytest
from editor_helpers import ADMIN, KOMMUN, login
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import AuditEvent, ConsentEvent, Subscriber

BASE = "/redaktion/prenumeranter/import"
GOOD = "email;name;audiences\nanna@example.org;Anna;parents-4-6\nbo@example.org;Bo;senior\n"
BAD = "email;name;audiences\nanna@example.org;Anna;parents-4-6\ninte-en-adress;Bo;senior\n"


@pytest.fixture
def import_dir(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "imports"
    app.config["TRYGGNEWS_IMPORT_DIR"] = str(folder)
    return folder


def upload(client: FlaskClient, token: str, text: str, name: str = "lista.csv") -> str:
    response = client.post(
        f"{BASE}/",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def count(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Subscriber)) or 0


def test_a_bad_row_is_named_by_line_and_field_and_nothing_is_kept(
    app: Flask, people: dict[str, int], import_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    report = client.get(upload(client, token, BAD))
    assert report.status_code == 400
    assert "1 rad är felaktig – inget importeras" in report.text
    assert '<td class="number">3</td><td>E-postadress (email)</td>' in report.text
    assert "Importera 1 rader" not in report.text  # no confirm button
    assert list(import_dir.glob("*.csv")) == []
    assert count(session_factory) == 0


def test_a_whole_file_problem_names_the_file_not_the_temp_path(
    app: Flask, people: dict[str, int], import_dir: Path
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    page = client.get(upload(client, token, "epost;namn\nx;y\n", name="fel.csv"))
    assert page.status_code == 400 and "fel.csv: rad 1 (rubrikraden): okänd kolumn" in page.text
    assert str(import_dir) not in page.text
    assert list(import_dir.iterdir()) == []


def test_the_report_gives_each_reason_in_swedish(
    app: Flask, people: dict[str, int], import_dir: Path
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    rows = (
        "email;name;language;audiences\n"
        "anna@example.org;Anna;sv;parents-4-6\n"
        "ANNA@example.org;Anna igen;sv;parents-4-6\n"
        ";Ingen adress;sv;senior\n"
        "bo@example.org;Bo;fi;senior\n"
        "cy@example.org;Cy;sv;pensionar\n"
        "di@example.org;=1+1;sv;senior\n"
    )
    report = client.get(upload(client, token, rows)).text
    for reason in (
        "samma adress som rad 2 (stora och små bokstäver räknas som samma)",
        "e-postadressen saknas",
        "okänt språk: välj bland sv, en, ar, so",
        "okänd målgrupp ”pensionar”: välj bland ",
        "börjar som en formel i ett kalkylblad; sparas som text",
    ):
        assert html.escape(reason, quote=False) in report, reason
    for english in ("the same address", "unknown language", "choose from", "spreadsheet"):
        assert english not in report, english
    utf16 = "email\nanna@example.org\n".encode("utf-16")
    response = client.post(
        f"{BASE}/",
        data={"csrf_token": token, "file": (io.BytesIO(utf16), "excel.csv")},
        content_type="multipart/form-data",
    )
    page = client.get(response.headers["Location"]).text
    assert "excel.csv: filen är UTF-16 (Excels" in html.unescape(page)


def test_dry_run_then_basis_then_import(
    app: Flask, people: dict[str, int], import_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    location = upload(client, token, GOOD)
    report = client.get(location).text
    assert '<td>Nya</td><td class="number">2</td>' in report
    assert 'name="basis" value="public-task" required >' in report
    assert "checked" not in report.split('name="basis"', 1)[1].split("</fieldset>")[0]
    assert count(session_factory) == 0  # the dry run wrote nothing
    [stored] = list(import_dir.glob("*.csv"))
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert oct(import_dir.stat().st_mode & 0o777) == "0o700"

    missing = client.post(f"{location}/importera", data={"csrf_token": token, "source": "x"})
    assert missing.status_code == 400 and "Välj den rättsliga grunden" in missing.text
    assert count(session_factory) == 0

    done = client.post(
        f"{location}/importera",
        data={"csrf_token": token, "basis": "public-task", "source": "import:lista.csv"},
        follow_redirects=True,
    )
    assert "Importen är klar" in done.text
    assert count(session_factory) == 2
    assert list(import_dir.glob("*.csv")) == []
    with session_factory() as session:
        entry = session.scalar(select(AuditEvent).where(AuditEvent.action == "subscriber.import"))
        events = session.scalar(select(func.count()).select_from(ConsentEvent))
        anna = session.scalar(select(Subscriber).where(Subscriber.email_key == "anna@example.org"))
    assert (
        entry is not None and entry.details["new"] == 2 and entry.details["basis"] == "public-task"
    )
    assert events == 2
    assert anna is not None and anna.legal_basis == "public-task" and anna.name_key == "anna"
    progress = client.get(f"{location}.json").get_json()
    assert progress["state"] == "done" and progress["done"] == 2


def test_cancel_deletes_the_file_and_imports_nothing(
    app: Flask, people: dict[str, int], import_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    client = app.test_client()
    token = login(client, ADMIN)
    location = upload(client, token, GOOD)
    page = client.post(f"{location}/avbryt", data={"csrf_token": token}, follow_redirects=True)
    assert "Importen är avbruten och filen är raderad" in page.text
    assert list(import_dir.iterdir()) == []
    assert client.get(location).status_code == 404
    assert count(session_factory) == 0


def test_an_upload_is_only_its_uploaders_and_old_ones_are_swept(
    app: Flask, people: dict[str, int], import_dir: Path, password_hash: str
) -> None:
    owner = app.test_client()
    location = upload(owner, login(owner, ADMIN), GOOD)
    other = app.test_client()  # the same account, another browser session
    login(other, ADMIN)
    assert other.get(location).status_code == 404
    editor = app.test_client()
    login(editor, KOMMUN)
    assert editor.get(location).status_code == 403
    hour_ago = time.time() - 3700
    for path in import_dir.iterdir():
        os.utime(path, (hour_ago, hour_ago))
    owner.get(f"{BASE}/")  # the next visit sweeps
    assert list(import_dir.iterdir()) == []
