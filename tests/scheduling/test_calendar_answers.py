"""Calendar answers end to end (SPEC §3.1.3): Yes / No / Maybe and "propose a new time" pressed in a
real calendar client (iMIP REPLY and COUNTER), matched by reply key or, failing that, by UID.

Each test takes a real client's message from ../shared/corpus/calendar and changes only what
ties it to our meeting (UID, addresses, the counter's new time), the way that client would
have written it for our invite: the rest of the message, its MIME shape, headers and
calendar text, is the client's own.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address
from concierge.models import Meeting, MeetingAnswer, Proposal, ReplyKey
from tests.scheduling.helpers import NOW, introduction_to, last_outbound_id, pair_in_zones, reply, sent_since
from workers.inbound import process_now

CALENDAR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "calendar"
pytestmark = pytest.mark.skipif(not CALENDAR.is_dir(), reason=f"calendar corpus not found at {CALENDAR}")
ANA, MAYA = "ana@example.org", "maya@example.org"


def booked(settings, work, auto_confirm: bool = True) -> tuple[Meeting, str]:
    """A confirmed meeting and Maya's reply address (the ORGANIZER of her invite)."""
    pair = pair_in_zones(settings, work, auto_confirm=auto_confirm)
    reply(settings, pair["mentee_intro"], "Tuesday at 3pm")
    work()
    if not auto_confirm:
        question = next(
            s for s in sent_since(settings) if s.row.to_email == MAYA and s.row.template == "update"
        )
        reply(settings, question.row.id, "yes")
        work()
    with session_scope(settings) as s:
        meeting = s.scalar(select(Meeting))
        key = s.scalar(
            select(ReplyKey)
            .where(ReplyKey.person_id != meeting.facilitator_id, ReplyKey.thread == "mentorship")
            .join(ReplyKey.person)
            .where(ReplyKey.person.has(email=MAYA))
        )
        return meeting, reply_address(key.key, settings.reply_domain)


def from_sample(name: str, *, uid: str, attendee: str, to: str, counter_start: str | None = None) -> bytes:
    """The client's message as it would answer our invite: same client, our UID and addresses."""
    message = email.message_from_bytes((CALENDAR / name).read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    del message["To"], message["From"], message["Reply-To"], message["Sender"]
    message["From"] = f"Maya Chen <{attendee}>"
    message["To"] = to
    for part in message.walk():
        if part.get_content_type() not in ("text/calendar", "application/ics"):
            continue
        text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
        text = re.sub(r"(?m)^UID:.*(\r?\n[ \t].*)*", f"UID:{uid}", text)
        text = re.sub(
            r"(?im)^(ATTENDEE[^\r\n]*?)(?::mailto:|:MAILTO:)[^\r\n]+", rf"\1:mailto:{attendee}", text
        )
        if counter_start:
            text = re.sub(r"(?m)^DTSTART[^\r\n]*", f"DTSTART:{counter_start}", text, count=1)
            text = re.sub(r"(?m)^DTEND[^\r\n]*", "", text, count=1)
        params = dict(part.get_params() or [])
        maintype, subtype = part.get_content_type().split("/")
        part.set_content(
            text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            params={"method": params.get("method", "REPLY")} if "method" in params else {},
        )
    return message.as_bytes()


def answer(settings, raw: bytes):
    stored = store_inbound(settings, raw, None, source="relay")
    return process_now(settings, stored.id, now=NOW)


@pytest.mark.parametrize(
    "sample",
    [
        "bluemind__google.reply.accept.eml",
        "bluemind__outlook.reply.accept.eml",
        "bluemind__ios.reply.accept.eml",
    ],
)
def test_accepting_in_a_calendar_confirms_and_sends_nothing(settings, work, sample):
    meeting, organizer = booked(settings, work)
    before = last_outbound_id(settings)
    result = answer(settings, from_sample(sample, uid=meeting.uid, attendee=MAYA, to=organizer))
    assert (result.status, result.intents) == ("processed", [{"type": "confirm"}])
    work()
    assert sent_since(settings, before) == []
    with session_scope(settings) as s:
        assert s.scalar(select(MeetingAnswer.answer)) == "accepted"


@pytest.mark.parametrize(
    "sample",
    [
        "bluemind__google.reply.decline.eml",
        "bluemind__outlook.reply.decline.eml",
        "tine20__calendar_reply_declined.eml",
    ],
)
def test_declining_in_a_calendar_calls_the_meeting_off_and_asks_for_another_time(settings, work, sample):
    meeting, organizer = booked(settings, work)
    before = last_outbound_id(settings)
    result = answer(settings, from_sample(sample, uid=meeting.uid, attendee=MAYA, to=organizer))
    assert result.intents == [{"type": "decline"}]
    work()
    sent = sent_since(settings, before)
    assert sorted(s.row.to_email for s in sent) == [ANA, MAYA]
    assert all(s.calendar.method.value == "CANCEL" for s in sent)
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "cancelled"


@pytest.mark.parametrize(
    "sample",
    [
        "bluemind__google.reply.tentative.eml",
        "bluemind__ios.reply.tentative.eml",
        "bluemind__outlook.reply.tentative.eml",
    ],
)
def test_maybe_changes_nothing(settings, work, sample):
    meeting, organizer = booked(settings, work)
    before = last_outbound_id(settings)
    result = answer(settings, from_sample(sample, uid=meeting.uid, attendee=MAYA, to=organizer))
    assert (result.status, result.intents) == ("processed", [])
    work()
    assert sent_since(settings, before) == []
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"


def test_a_counter_from_a_calendar_proposes_its_new_time_to_the_other_side(settings, work):
    meeting, organizer = booked(settings, work, auto_confirm=False)
    before = last_outbound_id(settings)
    raw = from_sample(
        "bluemind__google_counter.eml",
        uid=meeting.uid,
        attendee=MAYA,
        to=organizer,
        counter_start="20261210T190000Z",
    )
    result = answer(settings, raw)
    assert result.intents[0]["type"] == "reschedule"
    assert result.intents[0]["options"][0]["start"] == "2026-12-10T19:00:00Z"
    work()
    sent = sent_since(settings, before)
    assert [s.row.to_email for s in sent if s.row.template == "update"] == [ANA]
    with session_scope(settings) as s:
        proposal = s.scalar(select(Proposal).order_by(Proposal.id.desc()).limit(1))
        assert proposal.meeting_id == meeting.id and proposal.status == "pending"


def test_a_calendar_answer_without_a_key_is_matched_by_the_events_uid(settings, work):
    meeting, _ = booked(settings, work)
    raw = from_sample(
        "bluemind__google.reply.decline.eml", uid=meeting.uid, attendee=MAYA, to=settings.mail_from
    )
    result = answer(settings, raw)
    assert (result.status, result.intents) == ("processed", [{"type": "decline"}])
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "cancelled"


def test_a_uid_from_a_stranger_changes_nothing(settings, work):
    meeting, _ = booked(settings, work)
    raw = from_sample(
        "bluemind__google.reply.decline.eml",
        uid=meeting.uid,
        attendee="mallory@example.org",
        to=settings.mail_from,
    )
    result = answer(settings, raw)
    assert result.status == "rejected"
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"


def test_an_answer_to_an_invite_since_replaced_changes_nothing(settings, work):
    """Maya's calendar declines the first invite (SEQUENCE 0) after Ana moved the meeting: the
    decline is about a time that no longer holds, and the moved meeting stands."""
    meeting, organizer = booked(settings, work)
    ana_intro = introduction_to(settings, ANA, "introduction_mentee")
    reply(settings, ana_intro, "Could we move our meeting to Thursday at 11am instead?")
    work()
    with session_scope(settings) as s:
        moved = s.get(Meeting, meeting.id)
        assert (moved.status, moved.invite_sequence) == ("confirmed", 1)
    result = answer(
        settings,
        from_sample("bluemind__google.reply.decline.eml", uid=meeting.uid, attendee=MAYA, to=organizer),
    )
    assert (result.status, result.intents) == ("processed", [])
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"


def test_a_calendar_answer_marked_as_spam_is_spam(settings, work):
    meeting, organizer = booked(settings, work)
    raw = from_sample("bluemind__google.reply.decline.eml", uid=meeting.uid, attendee=MAYA, to=organizer)
    result = answer(settings, b"X-Spam-Flag: YES\r\n" + raw)
    assert result.kind == "spam"
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"


@pytest.mark.parametrize("uid", ["someone-elses-event@google.com", "cancelled"])
def test_an_answer_about_another_event_changes_nothing(settings, work, uid):
    """A Decline that reaches Maya's key about an event that is not a confirmed meeting of hers
    (a stranger's UID, or a meeting already cancelled) leaves the meeting that is alone."""
    meeting, organizer = booked(settings, work)
    if uid == "cancelled":
        with session_scope(settings) as s:
            old = s.get(Meeting, meeting.id)
            s.add(Meeting(**{c: getattr(old, c) for c in ("mentorship_id", "starts_at", "duration_minutes")},
                          uid="old-meeting@concierge", status="cancelled"))  # fmt: skip
        uid = "old-meeting@concierge"
    result = answer(
        settings, from_sample("bluemind__google.reply.decline.eml", uid=uid, attendee=MAYA, to=organizer)
    )
    assert (result.status, result.intents) == ("processed", [])
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting.id).status == "confirmed"
