"""`statement_scope` (concierge.db), the send job's sessions: on PostgreSQL each statement commits
as it runs; on SQLite the statements share one `BEGIN IMMEDIATE` transaction, as `session_scope`."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from concierge.db import get_engine, read_scope, statement_scope
from concierge.models import Program
from tests import factories


def names(settings) -> list[str]:
    with read_scope(settings) as session:
        return list(session.scalars(select(Program.name)))


def test_each_statement_commits_as_it_runs_on_postgresql(settings, session):
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only (this run is on SQLite)")
    program = factories.program(session, name="Before")
    session.commit()
    with statement_scope(settings) as scoped:
        scoped.execute(update(Program).where(Program.id == program.id).values(name="After"))
        assert names(settings) == ["After"]  # seen by another connection before the scope ends


def test_the_statements_share_one_immediate_transaction_on_sqlite(settings, session):
    if not settings.is_sqlite:
        pytest.skip("SQLite only (this run is on DATABASE_URL)")
    program = factories.program(session, name="Before")
    session.commit()
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement if statement.startswith("BEGIN") else statement.split()[0])

    event.listen(get_engine(settings), "before_cursor_execute", record)
    try:
        with statement_scope(settings) as scoped:
            scoped.execute(update(Program).where(Program.id == program.id).values(name="After"))
            scoped.execute(select(Program.name)).all()
    finally:
        event.remove(get_engine(settings), "before_cursor_execute", record)
    assert seen == ["BEGIN IMMEDIATE", "UPDATE", "SELECT"]
    assert names(settings) == ["After"]


def test_an_object_added_in_a_statement_scope_is_refused_and_nothing_is_written(settings):
    # On PostgreSQL nothing would flush or commit it: the scope says so rather than lose it.
    with pytest.raises(RuntimeError, match="statements only"), statement_scope(settings) as scoped:
        scoped.add(Program(slug="lost", name="Lost", format="formal"))
    assert names(settings) == []
