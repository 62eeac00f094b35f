"""The data model's constraints live in the database, not only in Python."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from concierge.db import session_scope
from concierge.models import Mentorship, OutboundMessage, Person, Program, ReplyKey
from tests import factories


def run_sql_expecting_refusal(settings, statement, params=None) -> None:
    with pytest.raises(IntegrityError), session_scope(settings) as s:
        s.execute(statement, params or {})


def test_enum_checks_are_enforced(settings):
    with session_scope(settings) as s:
        program = factories.program(s)
    run_sql_expecting_refusal(settings, text("UPDATE programs SET format = 'casual'"))
    run_sql_expecting_refusal(
        settings, insert(Person).values(email="x@example.org", status="sleeping", topics=[])
    )
    run_sql_expecting_refusal(
        settings, insert(Mentorship).values(program_id=program.id, state="dating", nudges_sent=0)
    )


def test_unique_keys_are_enforced(settings):
    with session_scope(settings) as s:
        factories.program(s, slug="alpha")
    run_sql_expecting_refusal(
        settings,
        insert(Program).values(slug="alpha", name="B", format="peer", cadence_days=14, timezone="UTC"),
    )
    with session_scope(settings) as s:
        s.add(Person(email="a@example.org", topics=[], status="active"))
    run_sql_expecting_refusal(
        settings, insert(Person).values(email="a@example.org", status="active", topics=[])
    )


def test_foreign_keys_are_enforced(settings):
    run_sql_expecting_refusal(
        settings, insert(Mentorship).values(program_id=999, state="introduced", nudges_sent=0)
    )


def test_reply_key_is_26_characters(settings):
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        person_id, program_id = mentorship.members[0].person_id, mentorship.program_id
    run_sql_expecting_refusal(
        settings,
        insert(ReplyKey).values(key="short", person_id=person_id, program_id=program_id, thread="x"),
    )


def test_outbound_idempotency_key_is_unique(settings):
    values = dict(
        idempotency_key="welcome:1",
        template="welcome",
        to_email="a@example.org",
        status="queued",
        context={},
        auto_submitted="auto-generated",
        attempts=0,
    )
    with session_scope(settings) as s:
        s.execute(insert(OutboundMessage).values(message_id="<1@x>", **values))
    run_sql_expecting_refusal(settings, insert(OutboundMessage).values(message_id="<2@x>", **values))


def test_circle_members_keep_their_order(settings):
    with session_scope(settings) as s:
        circle = factories.peer_circle(s, settings, size=4)
        positions = [m.position for m in circle.members]
    assert positions == [0, 1, 2, 3]
