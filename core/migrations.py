"""Run Alembic from code: the CLI's ``db upgrade`` and the tests use this, not create_all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["configure_logger"] = False
    return config


@dataclass(frozen=True)
class Upgrade:
    """The schema revision before and after an upgrade; None is an empty database."""

    before: str | None
    after: str | None

    def describe(self) -> str:
        if self.before == self.after:
            return f"the database is already at {self.after or 'empty'}"
        return f"upgraded the database from {self.before or 'empty'} to {self.after}"


def _revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> Upgrade:
    config = alembic_config()
    with engine.begin() as conn:
        before = _revision(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        return Upgrade(before=before, after=_revision(conn))


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
