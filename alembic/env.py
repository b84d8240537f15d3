"""Alembic environment: one metadata (every model), the URL from CLINIC_ settings.

A caller may hand over an open connection in ``config.attributes["connection"]``
(the CLI and the tests do), so migrations run through the same engine set-up.
"""

from __future__ import annotations

from logging.config import fileConfig

from sqlalchemy.engine import Connection

import booking.models
import notifications.models  # noqa: F401  (the opt-out registry)
import scheduler.models  # noqa: F401  (the outbox table joins the one metadata)
from alembic import context
from core.db import make_engine
from core.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = booking.models.Base.metadata


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(get_settings().database_url)
    with engine.connect() as conn:
        run_with(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run `clinic db upgrade`")
run_online()
