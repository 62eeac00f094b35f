"""SQLite the platform's way (SPEC §4.1, issue 10.1): WAL, synchronous=FULL, a busy timeout,
BEGIN IMMEDIATE for transactions that may write and lock-free deferred ones for read-only work."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text

from concierge import create_app
from concierge.db import get_engine, read_scope, session_scope
from concierge.models import Program
from tests import factories
from tests.conftest import EXTERNAL_DATABASE_URL
from tests.web import logged_in

pytestmark = pytest.mark.skipif(
    bool(EXTERNAL_DATABASE_URL), reason="SQLite only (this run is on DATABASE_URL)"
)


def test_connections_use_wal_full_synchronous_a_busy_timeout_and_foreign_keys(settings):
    with get_engine(settings).connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }
    assert pragmas == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 5000, "foreign_keys": 1}


def begins(settings) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    event.listen(get_engine(settings), "before_cursor_execute", record)
    return seen


def test_writes_begin_immediate_and_reads_take_no_lock(settings):
    seen = begins(settings)
    with session_scope(settings) as s:
        s.execute(select(Program.id)).all()
    with read_scope(settings) as s:
        s.execute(select(Program.id)).all()
    assert seen == ["BEGIN IMMEDIATE", "BEGIN"]


@contextmanager
def another_writer(settings) -> Iterator[None]:
    """Another process's writer holding SQLite's write lock."""
    path = settings.database_url.removeprefix("sqlite:///")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def test_pages_and_the_health_check_answer_while_a_writer_holds_the_lock(settings):
    with session_scope(settings) as s:
        coordinator = factories.program(s, name="Locked Out").coordinators[0].email
    client = logged_in(settings, coordinator)
    with another_writer(settings):
        health = create_app(settings).test_client().get("/healthz")
        assert health.status_code == 200 and health.get_json()["database"] == "ok"
        page = client.get("/")
        assert page.status_code == 200 and "Locked Out" in page.get_data(as_text=True)
        with read_scope(settings) as s:
            assert s.execute(text("SELECT count(*) FROM programs")).scalar() == 1
