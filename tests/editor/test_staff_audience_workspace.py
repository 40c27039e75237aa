"""The workspace's import refuses a staff audience to an address outside its domains,
with the same Swedish reason as sign-up (Flask client, SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import io
from pathlib import Path

from editor_helpers import ADMIN, login
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tryggnews.db.models import Subscriber

LIST = (
    "email;name;audiences\n"
    "anna@example.org;Anna;staff-myndighet\n"
    "bo@polisen.se;Bo;staff-myndighet|senior\n"
)


def test_the_browser_import_refuses_the_row_and_says_why(
    app: Flask, people: dict[str, int], session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    app.config["TRYGGNEWS_IMPORT_DIR"] = str(tmp_path / "imports")
    client = app.test_client()
    token = login(client, ADMIN)
    uploaded = client.post(
        "/redaktion/prenumeranter/import/",
        data={"csrf_token": token, "file": (io.BytesIO(LIST.encode("utf-8")), "lista.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.text
    report = client.get(uploaded.headers["Location"])
    assert report.status_code == 400
    text = html.unescape(report.text)
    assert "är bara för anställda inom Österåkers kommun och Polisen" in text
    assert "(adresser på osteraker.se eller polisen.se)" in text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
