"""Alembic environment: runs migrations on the connection Database.upgrade() hands over."""
from alembic import context

from archive.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # `alembic` command line: build an engine from the ini's URL
        from archive.db import Database

        db = Database(context.config.get_main_option("sqlalchemy.url"))
        with db.engine.begin() as connection:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
