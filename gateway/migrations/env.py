"""Alembic environment: runs on the app's engine (passed in by gateway.platform.database_schema)."""
from alembic import context

from gateway import models  # noqa: F401  (registers every table on the metadata)
from gateway.db import METADATAS

config = context.config
target_metadata = list(METADATAS)


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
