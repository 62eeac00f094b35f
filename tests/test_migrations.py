"""The Alembic migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from concierge.db import get_engine
from concierge.models import Base


def test_the_migrated_schema_matches_the_models(settings):
    # The test database was built by `concierge db upgrade`'s migrations.
    with get_engine(settings).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_server_default": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
