"""Schema migrations through Alembic: `concierge db upgrade` and the test fixtures call `upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from concierge.config import Settings
from concierge.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the project's `migrations/` folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Create or migrate the schema to `revision`; running it again changes nothing."""
    config = alembic_config()
    with get_engine(settings).connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def revision(settings: Settings, message: str) -> None:
    """Autogenerate a new migration from the models (a developer's tool)."""
    config = alembic_config()
    with get_engine(settings).connect() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
