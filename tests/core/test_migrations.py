"""Alembic is the only way the schema is made: prove it builds from empty and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from booking.models import Base
from core import migrations
from core.db import Database
from tests.conftest import FreshDatabases


def _fresh(backend: str, fresh_databases: FreshDatabases) -> Database:
    return Database.from_url(fresh_databases.url(backend))


def test_upgrade_from_empty_creates_every_model_table(
    backend: str, fresh_databases: FreshDatabases
) -> None:
    db = _fresh(backend, fresh_databases)
    try:
        assert inspect(db.engine).get_table_names() == []
        migrations.upgrade(db.engine)
        tables = set(inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        db.dispose()


def test_migrations_and_models_agree(backend: str, fresh_databases: FreshDatabases) -> None:
    db = _fresh(backend, fresh_databases)
    try:
        migrations.upgrade(db.engine)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        db.dispose()


def test_downgrade_to_base_then_upgrade_again(
    backend: str, fresh_databases: FreshDatabases
) -> None:
    db = _fresh(backend, fresh_databases)
    try:
        migrations.upgrade(db.engine)
        migrations.downgrade(db.engine, "base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        migrations.upgrade(db.engine)
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
