"""Alembic environment: runs migrations on the connection `concierge db upgrade` hands over."""

from alembic import context

from concierge import models  # noqa: F401 - registers every table on Base.metadata
from concierge.db import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Migrate over the connection passed in `config.attributes`, inside one transaction."""
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
