"""Pairing rules hold under concurrency (SPEC §2, issue 9.9): two pairings that share a person,
run at once on PostgreSQL, cannot both pass a rule that only one may."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text

from concierge.actions import ActionError
from concierge.actions.pairing import circle, pair
from concierge.db import get_engine, session_factory, session_scope
from concierge.models import Mentorship, Program
from tests import factories
from tests.conftest import EXTERNAL_DATABASE_URL

pytestmark = pytest.mark.skipif(
    not EXTERNAL_DATABASE_URL, reason="needs PostgreSQL (DATABASE_URL): SQLite lets one writer in at a time"
)


def setup(settings, format: str, people: list[tuple[str, str, int | None]]) -> int:
    with session_scope(settings) as s:
        program = factories.program(s, format=format)
        for email, role, capacity in people:
            factories.participant(s, program, role, email=email, capacity=capacity)
        return program.id


def waiting_for_a_lock(settings) -> bool:
    with get_engine(settings).connect() as connection:
        return bool(connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar())


def race(settings, first: Callable, second: Callable) -> list[object]:
    """Run `first` in an open transaction, start `second` in a thread, let it reach the rule's
    check (blocked on a lock, or done), then commit `first`; what `second` returned or raised."""
    outcome: list[object] = []

    def run_second() -> None:
        try:
            with session_scope(settings) as s:
                outcome.append(second(s))
        except ActionError as error:
            outcome.append(error)

    session = session_factory(settings)()
    try:
        first(session)
        thread = threading.Thread(target=run_second)
        thread.start()
        deadline = time.monotonic() + 60  # a guard against a hang, not a timing
        while thread.is_alive() and not waiting_for_a_lock(settings):
            assert time.monotonic() < deadline
            thread.join(timeout=0.05)
        session.commit()
    finally:
        session.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    return outcome


def mentorships(settings, program_id: int) -> int:
    with session_scope(settings) as s:
        return s.scalar(
            select(func.count()).select_from(Mentorship).where(Mentorship.program_id == program_id)
        )


def test_formal_one_mentor_per_mentee(settings):
    program_id = setup(
        settings,
        "formal",
        [("m1@x.org", "mentor", None), ("m2@x.org", "mentor", None), ("e@x.org", "mentee", None)],
    )

    def pairing(mentor: str):
        return lambda s: pair(s, settings, s.get(Program, program_id), mentor, "e@x.org")

    [result] = race(settings, pairing("m1@x.org"), pairing("m2@x.org"))
    assert isinstance(result, ActionError) and "already has a mentor" in str(result)
    assert mentorships(settings, program_id) == 1


def test_a_mentors_capacity(settings):
    program_id = setup(
        settings,
        "formal",
        [("m@x.org", "mentor", 1), ("e1@x.org", "mentee", None), ("e2@x.org", "mentee", None)],
    )

    def pairing(mentee: str):
        return lambda s: pair(s, settings, s.get(Program, program_id), "m@x.org", mentee)

    [result] = race(settings, pairing("e1@x.org"), pairing("e2@x.org"))
    assert isinstance(result, ActionError) and "at capacity" in str(result)
    assert mentorships(settings, program_id) == 1


def test_informal_one_mentor_per_topic(settings):
    program_id = setup(
        settings,
        "informal",
        [("m1@x.org", "mentor", None), ("m2@x.org", "mentor", None), ("e@x.org", "mentee", None)],
    )

    def pairing(mentor: str):
        return lambda s: pair(s, settings, s.get(Program, program_id), mentor, "e@x.org", "negotiation")

    [result] = race(settings, pairing("m1@x.org"), pairing("m2@x.org"))
    assert isinstance(result, ActionError) and "already has a mentor for 'negotiation'" in str(result)
    assert mentorships(settings, program_id) == 1


def test_a_peer_in_one_circle_per_program(settings):
    peers = [f"p{n}@x.org" for n in range(5)]
    program_id = setup(settings, "peer", [(p, "peer", None) for p in peers])

    def circling(members: list[str]):
        return lambda s: circle(s, settings, s.get(Program, program_id), members)

    [result] = race(settings, circling(peers[:3]), circling(peers[2:]))
    assert isinstance(result, ActionError) and "already in a circle" in str(result)
    assert mentorships(settings, program_id) == 1
