"""The "not understood" answer (SPEC §3.1.14, INBOUND.md 22): one friendly answer with examples
that fit the thread, saying a coordinator may read the message; at most one per thread per 12 hours."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from concierge.actions.replies import EXAMPLES
from concierge.db import session_scope
from concierge.inbound.intents import Situation, read_intents
from concierge.ingress.store import store_inbound
from concierge.models import DevMail, InboundMessage, OutboundMessage
from concierge.review import in_review
from tests import factories
from tests.mail import reply_to_outbound
from workers.inbound import process_now

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def reply(settings, outbound_id: int, body: str, sender: str, n: int, now: datetime):
    raw = reply_to_outbound(settings, outbound_id, body, sender=sender, message_id=f"<nu-{n}@example.org>")
    stored = store_inbound(settings, raw, None)
    return process_now(settings, stored.id, now=now), stored.id


def answers(settings) -> list[OutboundMessage]:
    with session_scope(settings) as s:
        return list(
            s.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.template == "not_understood")
                .order_by(OutboundMessage.id)
            )
        )


def text_of(settings, row: OutboundMessage) -> str:
    with session_scope(settings) as s:
        raw = s.scalar(select(DevMail.raw).where(DevMail.outbound_id == row.id))
    return email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()


def test_one_answer_per_thread_per_12_hours_on_the_injected_clock(settings, work):
    made = factories.made_pair(settings, work)
    mentee = made["mentee"][1]
    times = [
        T0,
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=11, minutes=59),
        T0 + timedelta(hours=12, seconds=1),
    ]
    for n, now in enumerate(times):
        result, inbound_id = reply(settings, made["mentee_intro"], f"status {n}", mentee, n, now)
        assert (result.status, result.reason) == ("processed", "not_understood")
        with session_scope(settings) as s:
            assert s.scalar(select(InboundMessage.id).where(InboundMessage.id == inbound_id, in_review()))
    work()
    sent = answers(settings)
    assert [row.created_at for row in sent] == [times[0], times[3]]
    assert all(row.status == "sent" and row.auto_submitted == "auto-replied" for row in sent)


def test_each_thread_has_its_own_allowance(settings, work):
    from concierge.actions.introductions import send_welcome
    from concierge.models import Enrolment

    made = factories.made_pair(settings, work)
    mentor = made["mentor"][1]
    with session_scope(settings) as s:
        send_welcome(s, settings, s.scalar(select(Enrolment).where(Enrolment.person_id == made["mentor"][0])))
    work()
    with session_scope(settings) as s:
        mentor_welcome = s.scalar(
            select(OutboundMessage.id).where(OutboundMessage.template == "welcome_mentor")
        )
    reply(settings, made["mentee_intro"], "help", mentor, 1, T0)
    reply(settings, mentor_welcome, "Thanks, happy to help", mentor, 2, T0 + timedelta(minutes=5))
    work()
    assert len(answers(settings)) == 2


def test_the_answer_fits_the_thread_and_says_a_coordinator_may_read_it(settings, work):
    made = factories.made_pair(settings, work)
    reply(settings, made["mentee_intro"], "help", made["mentee"][1], 1, T0)
    work()
    (row,) = answers(settings)
    text = text_of(settings, row)
    assert "coordinator" in text and "may read it" in text
    assert '"Tuesday at 3pm"' in text and '"cancel"' in text  # a mentee schedules and calls off
    assert '"done 2"' not in text  # action items are not acted on yet: not offered
    assert row.subject.startswith("Re: ") and not row.subject.startswith("Re: Re:")


def test_the_mentors_answer_offers_what_a_mentor_does(settings, work):
    made = factories.made_pair(settings, work)
    reply(settings, made["mentee_intro"], "status?", made["mentor"][1], 1, T0)
    work()
    (row,) = answers(settings)
    text = text_of(settings, row)
    assert '"yes"' in text and '"Tuesday at 3pm"' not in text


def test_reprocessing_answers_once(settings, work):
    from workers.inbound import reprocess_messages

    made = factories.made_pair(settings, work)
    _, inbound_id = reply(settings, made["mentee_intro"], "pause", made["mentee"][1], 1, T0)
    reprocess_messages(settings, [inbound_id], all_failed=False)
    work()
    assert len(answers(settings)) == 1


def test_automatic_mail_on_the_thread_is_never_answered(settings, work):
    made = factories.made_pair(settings, work)
    raw = reply_to_outbound(
        settings, made["mentee_intro"], "I am out of the office until Monday.", sender=made["mentee"][1]
    )
    raw = raw.replace(b"Subject: Re:", b"Auto-Submitted: auto-replied\nSubject: Re:", 1)
    stored = store_inbound(settings, raw, None)
    result = process_now(settings, stored.id, now=T0)
    assert (result.status, result.reason) == ("ignored", "auto_reply")
    with session_scope(settings) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.template == "not_understood")
            )
            == 0
        )


def test_an_out_of_office_that_quotes_our_mail_is_kept_but_never_answered(settings, work):
    made = factories.made_pair(settings, work)
    body = (
        "I am out of the office until Monday 14 December with limited access to email. "
        "I will respond when I return."
    )
    result, _ = reply(settings, made["mentee_intro"], body, made["mentee"][1], 1, T0)
    assert (result.status, result.reason) == ("processed", "not_understood")  # quoted: kept for review
    work()
    assert answers(settings) == []


#: What each example offered asks for, and in which situation it is offered: an answer's
#: "yes" answers a time put to the person, moving and cancelling are about a meeting booked.
#: An example added without its line here fails the test below.
EXAMPLE_MEANS = {
    "Tuesday at 3pm": ("time", "propose"),
    "Tue 3pm or Wed 10am": ("time", "propose"),
    "yes": ("confirm", "confirm"),
    "Wednesday at 10am instead": ("confirm", "propose"),
    "can we move it to Thursday at 4pm?": ("invite", "reschedule"),
    "cancel": ("invite", "cancel"),
    "we didn't meet": ("invite", "missed"),
    "stop": ("none", "stop"),
}


@pytest.mark.parametrize("thread,role", sorted(EXAMPLES))
def test_every_example_offered_is_read_as_it_says_in_its_thread(thread, role):
    """The answer's examples are promises: each, read where it is offered, asks for what it says."""
    zone = ZoneInfo("America/New_York")
    meeting = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
    for example in EXAMPLES[(thread, role)]:
        asked, means = EXAMPLE_MEANS[example["say"]]
        situation = Situation(
            role,
            zone,
            T0,
            thread=thread,
            asked=asked,
            offered=(meeting,) if asked == "confirm" else (),
            meeting=meeting if asked == "invite" else None,
        )
        kinds = [intent.type for intent in read_intents(example["say"], "Re: Our mentorship", situation)]
        assert kinds == [means], (thread, role, example["say"], kinds)
