"""/healthz and /readyz on the real app: JSON always, 503 naming the failing check.

Real faults, no stand-ins: a SQLite file that was deleted, a PostgreSQL port nobody
listens on, a database one migration behind, an outbox whose tmp/ is gone, a
scheduler lease that was never taken, has expired or was released.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from tryggnews.clock import FixedClock
from tryggnews.config import Settings, load_settings
from tryggnews.db.engine import make_engine, make_session_factory
from tryggnews.db.migrate import head_revision, upgrade
from tryggnews.scheduler.lease import SCHEDULER_LEASE, acquire_lease, release_lease
from tryggnews.web import create_app

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def get(
    settings: Settings, path: str, sessions: sessionmaker[Session] | None = None
) -> TestResponse:
    """One request to a freshly built app with these settings."""
    app = create_app(settings, session_factory=sessions, clock=FixedClock(NOW))
    try:
        return app.test_client().get(path, buffered=True)
    finally:
        if sessions is None:
            app.extensions["tryggnews"].session_factory.kw["bind"].dispose()


def checks_of(response: TestResponse) -> dict[str, dict[str, object]]:
    body = response.get_json()
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert set(body) == {"status", "checks"}
    return {check["name"]: check for check in body["checks"]}


def assert_not_ready_because(response: TestResponse, failing: str) -> dict[str, object]:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == "not ready"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    checks = checks_of(response)
    assert checks[failing]["ok"] is False
    return checks[failing]


def test_healthz_is_json(settings: Settings, engine: Engine) -> None:
    response = get(settings, "/healthz", make_session_factory(engine))
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_migrated_database_and_a_writable_outbox_are_ready(
    settings: Settings, engine: Engine
) -> None:
    response = get(settings, "/readyz", make_session_factory(engine))
    assert response.status_code == 200, response.get_data(as_text=True)
    checks = checks_of(response)
    assert list(checks) == ["database", "migrations", "outbox"]
    assert all(check["ok"] for check in checks.values())
    assert checks["migrations"]["detail"] == f"at head {head_revision(engine)}"
    assert response.get_json()["status"] == "ready"
    # The probe file is gone again.
    assert list((Path(settings.outbox_dir) / "tmp").iterdir()) == []


def test_a_deleted_sqlite_file_is_not_ready_and_is_not_recreated(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "gone" / "tryggnews.db"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    database.unlink()
    broken = dataclasses.replace(settings, database_url=f"sqlite:///{database}")
    check = assert_not_ready_because(get(broken, "/readyz"), "database")
    assert str(database) in str(check["detail"]) and "does not exist" in str(check["detail"])
    assert checks_of(get(broken, "/readyz"))["migrations"]["detail"] == (
        "not checked: the database check failed"
    )
    assert not database.exists()


def test_an_unreachable_postgresql_is_not_ready(tmp_path: Path) -> None:
    # Port 1 on loopback: nobody listens, the connection is refused at once.
    down = load_settings(
        environ={},
        dotenv_path=None,
        database_url="postgresql://postgres@127.0.0.1:1/test",
        outbox_dir=str(tmp_path / "outbox"),
        secret_key=TEST_SECRET,
        templates_dir=str(REPO_ROOT / "templates"),
        audiences=str(REPO_ROOT / "audiences.toml"),
    )
    check = assert_not_ready_because(get(down, "/readyz"), "database")
    assert str(check["detail"]).startswith("cannot connect: OperationalError")
    assert "\n" not in str(check["detail"])


def test_a_database_behind_the_code_names_the_migration(settings: Settings, db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0012")
        check = assert_not_ready_because(
            get(settings, "/readyz", make_session_factory(engine)), "migrations"
        )
        assert "0012" in str(check["detail"]) and "tryggnews db upgrade" in str(check["detail"])
        assert checks_of(get(settings, "/readyz", make_session_factory(engine)))["database"]["ok"]
    finally:
        engine.dispose()


def test_an_empty_database_has_no_schema(settings: Settings, db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect():
            pass  # creates the SQLite file, empty
        check = assert_not_ready_because(
            get(settings, "/readyz", make_session_factory(engine)), "migrations"
        )
        assert "no schema" in str(check["detail"])
    finally:
        engine.dispose()


def test_an_outbox_that_cannot_be_written_is_not_ready(settings: Settings, engine: Engine) -> None:
    app = create_app(settings, session_factory=make_session_factory(engine), clock=FixedClock(NOW))
    shutil.rmtree(Path(settings.outbox_dir) / "tmp")
    response = app.test_client().get("/readyz", buffered=True)
    check = assert_not_ready_because(response, "outbox")
    assert "tmp is not a folder" in str(check["detail"])
    # Root ignores permission bits, so a read-only folder is a file in the way instead.
    (Path(settings.outbox_dir) / "tmp").write_text("not a folder")
    assert_not_ready_because(app.test_client().get("/readyz", buffered=True), "outbox")


def test_smtp_has_no_outbox_check(settings: Settings, engine: Engine) -> None:
    smtp = dataclasses.replace(settings, transport="smtp", smtp_host="127.0.0.1")
    response = get(smtp, "/readyz", make_session_factory(engine))
    assert response.status_code == 200
    assert list(checks_of(response)) == ["database", "migrations"]


def test_an_expected_scheduler_must_hold_a_fresh_lease(settings: Settings, engine: Engine) -> None:
    expecting = dataclasses.replace(settings, expect_scheduler=True)
    sessions = make_session_factory(engine)
    check = assert_not_ready_because(get(expecting, "/readyz", sessions), "scheduler")
    assert check["detail"] == "no scheduler has ever held the lease"

    assert acquire_lease(engine, SCHEDULER_LEASE, "host-a:42", now=NOW, ttl=timedelta(seconds=60))
    response = get(expecting, "/readyz", sessions)
    assert response.status_code == 200
    assert checks_of(response)["scheduler"]["detail"] == "held by host-a:42, 60 s left"

    # Taken two minutes ago for one minute and never renewed: the scheduler stopped.
    earlier = NOW - timedelta(minutes=2)
    assert release_lease(engine, SCHEDULER_LEASE, "host-a:42")
    assert acquire_lease(
        engine, SCHEDULER_LEASE, "host-a:42", now=earlier, ttl=timedelta(seconds=60)
    )
    check = assert_not_ready_because(get(expecting, "/readyz", sessions), "scheduler")
    assert check["detail"] == "the lease of host-a:42 expired 60 s ago: is it running?"

    # A clean stop releases it.
    assert release_lease(engine, SCHEDULER_LEASE, "host-a:42")
    assert_not_ready_because(get(expecting, "/readyz", sessions), "scheduler")
    # Without TRYGGNEWS_EXPECT_SCHEDULER the lease is not looked at.
    assert get(settings, "/readyz", sessions).status_code == 200
