"""Create or upgrade the schema: Alembic migrations, or create_all on an empty database."""
from __future__ import annotations

from pathlib import Path

from gateway.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
