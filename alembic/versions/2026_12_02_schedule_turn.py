"""The schedule lock and the setup version in one round trip (PostgreSQL only).

``take_schedule_turn`` takes the transaction-scoped schedule lock (shared for a placement,
exclusive for a schedule change) and then reads the setup version. A volatile PL/pgSQL
function runs each statement with a fresh snapshot, so under READ COMMITTED the version is
read after the lock was granted and includes any change the caller waited for; a single
SQL statement would see the snapshot taken before it waited.

Revision ID: 0013_schedule_turn
Revises: 0012_waitlist_offers
Create Date: 2026-12-02 19:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_schedule_turn"
down_revision: str | None = "0012_waitlist_offers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE = """
CREATE FUNCTION take_schedule_turn(exclusive boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF exclusive THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('schedule', 0));
    ELSE
        PERFORM pg_advisory_xact_lock_shared(hashtextextended('schedule', 0));
    END IF;
    RETURN (SELECT version FROM setup_version WHERE id = 1);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION take_schedule_turn(boolean)")
