"""Create or upgrade the schema: Alembic migrations, or create_all on an empty database."""
from __future__ import annotations

from pathlib import Path

from gateway.db import Database

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(database: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = database.engine
    return cfg


def ensure_schema(database: Database) -> bool:
    """Create the schema when the database is empty and stamp it at the newest migration."""
    if not database.is_empty():
        return False
    database.create_all()
    if (MIGRATIONS / "env.py").exists():
        from alembic import command

        command.stamp(alembic_config(database), "head")
    return True


def upgrade(database: Database) -> str:
    """Create (empty database) or upgrade (existing one) the schema; say which."""
    if ensure_schema(database):
        return "created"
    from alembic import command

    command.upgrade(alembic_config(database), "head")
    return "upgraded"


# The audit trail is append-only in the database too (issue 8): UPDATE, DELETE (and on
# PostgreSQL TRUNCATE) of audit_events are refused by triggers created with the table.
AUDIT_GUARD_DDL = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: UPDATE refused'); END",
        "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: DELETE refused'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'audit_events is append-only: % refused', TG_OP; END $$",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
    ],
}


def audit_guard_statements(dialect: str) -> list[str]:
    """The trigger DDL for a dialect (also for a migration that creates audit_events)."""
    return list(AUDIT_GUARD_DDL.get(dialect, []))


def install_audit_guard(table) -> None:
    """Create the append-only triggers whenever the audit table is created (create_all)."""
    import sqlalchemy as sa

    for dialect, statements in AUDIT_GUARD_DDL.items():
        for statement in statements:
            sa.event.listen(table, "after_create",
                            sa.DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))
