"""A reply key belongs to its recipient: every answer carries the recipient's own address and
unsubscribe link, whatever key the reply it answers came in on (SPEC §3)."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import select

from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address, reply_key_for
from concierge.models import DevMail, Mentorship, OutboundMessage, Person, ReplyKey
from concierge.outbox import queue_email
from concierge.tokens import read_unsubscribe_token
from tests import factories
from tests.mail import reply_to_outbound
from workers.inbound import process_now


def answer_to(settings, work, raw: bytes, now: datetime | None = None) -> OutboundMessage:
    stored = store_inbound(settings, raw, None)
    process_now(settings, stored.id, now=now)
    work()
    with session_scope(settings) as s:
        answer = select(OutboundMessage).where(OutboundMessage.idempotency_key == f"answer:{stored.id}")
        return s.scalar(answer)


def assert_own_key_and_unsubscribe(settings, row: OutboundMessage) -> None:
    with session_scope(settings) as s:
        key = s.get(ReplyKey, row.reply_key_id)
        assert key.person_id == row.person_id and key.program_id == row.program_id
        raw = s.scalar(select(DevMail.raw).where(DevMail.outbound_id == row.id))
    sent = email.message_from_bytes(raw, policy=policy.default)
    assert sent["Reply-To"] == reply_address(key.key, settings.reply_domain)
    unsubscribe = str(sent["List-Unsubscribe"])
    assert f"<mailto:{sent['Reply-To']}?subject=unsubscribe>" in unsubscribe
    token = re.search(r"/unsubscribe/([^>]+)>", unsubscribe).group(1)
    assert read_unsubscribe_token(settings, token) == (row.person_id, row.program_id)


def scenario_not_understood(settings, work) -> tuple[OutboundMessage, int]:
    """The mentor answers through the mentee's reply address (the mentee's key)."""
    made = factories.made_pair(settings, work)
    raw = reply_to_outbound(
        settings, made["mentee_intro"], "help", sender=made["mentor"][1], sender_name="Mo"
    )
    return answer_to(settings, work, raw), made["mentor"][0]


def scenario_answer(settings, work) -> tuple[OutboundMessage, int]:
    """The mentor suggests a time through the mentee's reply address: the one answer is the mentor's."""
    made = factories.made_pair(settings, work)
    raw = reply_to_outbound(
        settings,
        made["mentee_intro"],
        "Could we do Tuesday at 3pm?",
        sender=made["mentor"][1],
        sender_name="Mo",
    )
    return answer_to(settings, work, raw), made["mentor"][0]


def scenario_key_expired(settings, work) -> tuple[OutboundMessage, int]:
    """The mentor answers, through the mentee's address, a mentorship that ended long ago."""
    made = factories.made_pair(settings, work)
    with session_scope(settings) as s:
        s.get(Mentorship, made["mentorship"]).ended_at = datetime.now(UTC) - timedelta(days=200)
    raw = reply_to_outbound(settings, made["mentee_intro"], "Hello again", sender=made["mentor"][1])
    return answer_to(settings, work, raw), made["mentor"][0]


def scenario_goals_thanks(settings, work) -> tuple[OutboundMessage, int]:
    """Ana answers her welcome from an alias address (a welcome's key admits only its own person,
    so this case guards the answer's key rather than catching a mix-up of people)."""
    welcome, _ = factories.welcomed_mentee(settings, work)
    with session_scope(settings) as s:
        from concierge.models import PersonAlias

        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.aliases.append(PersonAlias(email="ana.ruiz@home.example"))
        ana_id = ana.id
    raw = reply_to_outbound(settings, welcome.id, "Lead a team.", sender="ana.ruiz@home.example")
    return answer_to(settings, work, raw), ana_id


@pytest.mark.parametrize(
    ("template", "scenario"),
    [
        pytest.param("goals_thanks", scenario_goals_thanks, id="goals_thanks"),
        pytest.param("key_expired", scenario_key_expired, id="key_expired"),
        pytest.param("not_understood", scenario_not_understood, id="not_understood"),
        pytest.param("answer", scenario_answer, id="answer"),
    ],
)
def test_every_answer_carries_the_recipients_own_key_and_unsubscribe_link(settings, work, template, scenario):
    row, recipient = scenario(settings, work)
    assert row is not None and row.template == template
    assert row.person_id == recipient and row.auto_submitted == "auto-replied"
    assert_own_key_and_unsubscribe(settings, row)


def test_queue_email_refuses_a_key_that_is_not_the_recipients(settings, work):
    made = factories.made_pair(settings, work)
    with session_scope(settings) as s:
        mentorship = s.get(Mentorship, made["mentorship"])
        mentor, mentee = s.get(Person, made["mentor"][0]), s.get(Person, made["mentee"][0])
        mentee_key = reply_key_for(s, mentee, mentorship.program, mentorship, "mentorship")
        with pytest.raises(ValueError, match="not the key of person"):
            queue_email(
                s,
                settings,
                template="not_understood",
                occasion="wrong-key",
                to=mentor,
                program=mentorship.program,
                mentorship=mentorship,
                thread="mentorship",
                reply_key=mentee_key,
                context={},
            )
        # The right person's key for another thread is refused too.
        with pytest.raises(ValueError):
            queue_email(
                s,
                settings,
                template="not_understood",
                occasion="wrong-thread",
                to=mentee,
                program=mentorship.program,
                mentorship=mentorship,
                thread="welcome",
                reply_key=mentee_key,
                context={},
            )
