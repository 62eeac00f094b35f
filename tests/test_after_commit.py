"""`after_commit`: callbacks run once the outermost transaction commits, never for rolled-back work."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from concierge.db import after_commit, after_commit_together, session_factory


class Boom(Exception):
    pass


def test_a_callback_runs_after_the_commit_and_not_after_a_rollback(settings):
    ran: list[str] = []
    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: ran.append("committed"))
        assert ran == []
        session.commit()
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: ran.append("rolled back"))
        session.rollback()
        session.commit()
    assert ran == ["committed"]


def test_a_released_savepoint_waits_for_the_outer_commit(settings):
    ran: list[str] = []
    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            after_commit(session, lambda: ran.append("inner"))
        assert ran == []  # a savepoint's release is no commit
        session.commit()
    assert ran == ["inner"]


def test_an_outer_rollback_drops_what_a_released_savepoint_registered(settings):
    ran: list[str] = []
    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            after_commit(session, lambda: ran.append("inner"))
        session.rollback()
        session.commit()
    assert ran == []


def test_a_rolled_back_savepoint_drops_only_its_own_callbacks(settings):
    ran: list[str] = []
    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, lambda: ran.append("outer"))
        with pytest.raises(Boom), session.begin_nested():
            with session.begin_nested():
                after_commit(session, lambda: ran.append("innermost"))
            raise Boom
        with session.begin_nested():
            after_commit(session, lambda: ran.append("second savepoint"))
        session.commit()
    assert ran == ["outer", "second savepoint"]


def test_items_run_together_once_without_those_of_a_rolled_back_savepoint(settings):
    ran: list[list[str]] = []
    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        after_commit_together(session, "names", "outer", ran.append)
        with session.begin_nested():
            after_commit_together(session, "names", "released", ran.append)
        with pytest.raises(Boom), session.begin_nested():
            after_commit_together(session, "names", "rolled back", ran.append)
            raise Boom
        assert ran == []
        session.commit()
    assert ran == [["outer", "released"]]


def test_a_callback_that_fails_does_not_stop_the_others(settings):
    ran: list[str] = []

    def fails() -> None:
        raise Boom

    with session_factory(settings)() as session:
        session.execute(text("SELECT 1"))
        after_commit(session, fails)
        after_commit(session, lambda: ran.append("plain"))
        after_commit_together(session, "names", "together", ran.extend)
        with pytest.raises(Boom):
            session.commit()
    assert ran == ["plain", "together"]
