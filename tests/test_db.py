"""The schema: migrations build exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tryggnews.db.migrate import current_revision, head_revision, upgrade
from tryggnews.db.models import Base, FocusArea, Organisation


def test_migrations_match_models(engine: Engine) -> None:
    # A model change without a migration would show up here as a difference.
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert current_revision(engine) == head_revision(engine)


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_reference_rows_are_seeded(session: Session) -> None:
    orgs = set(session.scalars(select(Organisation.key)))
    areas = set(session.scalars(select(FocusArea.key)))
    assert orgs == {"polis", "kommun", "gemensam"}
    assert areas == {"andts", "vald", "offentlig-miljo", "tillgrepp", "organiserad", "gemensamt"}
