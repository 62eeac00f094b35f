"""Routing is deterministic (issue 9.8, INBOUND.md 7): of several reply-key candidates the first in
the documented order wins (To, Cc, Delivered-To, X-Original-To, the envelope recipient, then
In-Reply-To and References), never whichever the database returns first."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from concierge.actions.introductions import send_welcome
from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address
from concierge.models import InboundMessage, OutboundMessage, ReplyKey
from tests import factories
from workers.inbound import process_now


@pytest.fixture
def two_conversations(settings, work) -> list[dict]:
    """Ana welcomed in two programs: per program, her key's address and id, and the welcome's Message-ID."""
    with session_scope(settings) as s:
        for name in ("First", "Second"):
            program = factories.program(s, name=name)
            send_welcome(s, settings, factories.participant(s, program, "mentee", email="ana@example.org"))
    work()
    with session_scope(settings) as s:
        rows = s.execute(
            select(ReplyKey, OutboundMessage.message_id)
            .join(OutboundMessage, OutboundMessage.reply_key_id == ReplyKey.id)
            .order_by(ReplyKey.id)
        ).all()
        return [
            {"address": reply_address(key.key, settings.reply_domain), "key_id": key.id, "welcome": mid}
            for key, mid in rows
        ]


def routed(settings, headers: dict[str, str], n: int, envelope: str = "concierge@mentoring.example") -> int:
    msg = EmailMessage()
    msg["From"] = "Ana <ana@example.org>"
    msg["Subject"] = "Re: Welcome"
    msg["Message-ID"] = f"<route-{n}@example.org>"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content("Lead a team by spring.")
    stored = store_inbound(settings, msg.as_bytes(), envelope)
    process_now(settings, stored.id)
    with session_scope(settings) as s:
        return s.scalar(select(InboundMessage.reply_key_id).where(InboundMessage.id == stored.id))


def test_the_first_key_in_the_documented_order_wins(settings, two_conversations):
    first, second = two_conversations
    assert routed(settings, {"To": second["address"], "Cc": first["address"]}, 1) == second["key_id"]
    assert routed(settings, {"To": first["address"], "Cc": second["address"]}, 2) == first["key_id"]
    headers = {"To": "concierge@mentoring.example", "Cc": second["address"], "Delivered-To": first["address"]}
    assert routed(settings, headers, 3) == second["key_id"]


def test_the_key_read_with_the_message_is_used_only_where_it_comes_first(settings, two_conversations):
    """The processing job reads the key its envelope recipient names with the message it claims
    (one statement): the message's own addresses still decide, in the documented order."""
    first, second = two_conversations
    assert routed(settings, {"To": second["address"]}, 6, envelope=first["address"]) == second["key_id"]
    assert routed(settings, {"To": "list@mentoring.example"}, 7, envelope=first["address"]) == first["key_id"]
    # The same key at another domain is not ours: nothing routes the reply.
    elsewhere = first["address"].replace("mentoring.example", "elsewhere.example")
    assert routed(settings, {"To": "list@mentoring.example"}, 8, envelope=elsewhere) is None


def test_threading_follows_in_reply_to_before_references(settings, two_conversations):
    first, second = two_conversations
    headers = {
        "To": "concierge@mentoring.example",
        "In-Reply-To": first["welcome"],
        "References": f"{first['welcome']} {second['welcome']}",
    }
    assert routed(settings, headers, 4) == first["key_id"]
    headers = {"To": "concierge@mentoring.example", "References": f"{first['welcome']} {second['welcome']}"}
    assert routed(settings, headers, 5) == second["key_id"]  # the newest reference first
