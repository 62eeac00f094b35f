"""Acting on an understood reply: route it to its reply key, check the sender, then act.

Routing follows INBOUND.md 7: a reply key in the recipients, else the Message-IDs in
`In-Reply-To`/`References` of mail we sent. Every effect is keyed to the inbound
message (goals remember it, answers use the occasion `answer:<id>`), so processing the
same message twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.bounces import clear_bouncing
from concierge.actions.conversation import ANSWER_EVERY, Turn, answer_reply, answer_subject, situation_of
from concierge.actions.dispatch import act_on_intents
from concierge.actions.people import find_person
from concierge.config import Settings
from concierge.inbound import ParsedMessage, reply_key_candidates
from concierge.inbound.calendar import CalendarAnswer
from concierge.inbound.classify import reads_as_out_of_office
from concierge.inbound.intents import calendar_intents, only_courtesy, read_intents
from concierge.keys import first_known_key, reply_key_for
from concierge.models import (
    Enrolment,
    InboundEffect,
    InboundMessage,
    Meeting,
    MeetingSeries,
    Mentorship,
    OutboundMessage,
    Person,
    ReplyKey,
)
from concierge.threads import LOG, MENTORSHIP

KEY_LIFETIME_AFTER_END = timedelta(days=180)


@dataclass(frozen=True)
class Outcome:
    """How processing ended: the status, kind and reason to record on the message."""

    status: str
    kind: str
    reason: str | None = None
    #: What was understood, as `inbound --now` prints it (kept on the message with the outcome).
    intents: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Route:
    """Where a reply belongs: its key, the person it is from, or why it belongs nowhere."""

    key: ReplyKey | None
    sender: Person | None
    problem: Outcome | None
    #: How many of our reply addresses the message was sent to (a copy came to each).
    addressed: int = 1


def _key_by_threading(session: Session, parsed: ParsedMessage) -> ReplyKey | None:
    """The key of the email of ours the reply answers: In-Reply-To first, then References from
    the newest back (INBOUND.md 7), the first of those that is ours."""
    ids = list(dict.fromkeys(f"<{i}>" for i in [*parsed.in_reply_to, *reversed(parsed.references)] if i))[:50]
    if not ids:
        return None
    found = {
        message_id: key
        for message_id, key in session.execute(
            select(OutboundMessage.message_id, ReplyKey)
            .join(ReplyKey, OutboundMessage.reply_key_id == ReplyKey.id)
            .where(OutboundMessage.message_id.in_(ids))
        )
    }
    return next((found[message_id] for message_id in ids if message_id in found), None)


def route(
    session: Session,
    settings: Settings,
    parsed: ParsedMessage,
    now: datetime,
    envelope_key: ReplyKey | None = None,
) -> Route:
    """Find the reply key and the sending participant, or the reason the reply cannot act.
    `envelope_key`: the key the envelope names, read with the message (see `first_known_key`)."""
    candidates = reply_key_candidates(parsed, settings.reply_domain)
    key = first_known_key(session, candidates, envelope_key)
    if key is None:
        key = _key_by_threading(session, parsed)
    if key is None and parsed.calendar_answer is not None:
        key = _key_by_calendar(session, parsed)
    if key is None:
        reason = "unknown_key" if candidates else "no_key"
        return Route(None, None, Outcome("rejected", "reply", reason))
    mentorship = key.mentorship
    if (
        mentorship is not None
        and mentorship.ended_at is not None
        and mentorship.ended_at + KEY_LIFETIME_AFTER_END < now
    ):
        return Route(key, _participant(session, parsed, key), Outcome("rejected", "reply", "expired_key"))
    sender = _participant(session, parsed, key)
    if sender is None:
        return Route(key, None, Outcome("rejected", "foreign", "foreign_sender"))
    return Route(key, sender, None, addressed=len(candidates))


def _key_by_calendar(session: Session, parsed: ParsedMessage) -> ReplyKey | None:
    """A calendar answer that reaches us without a key (SPEC §3.1.3): the sender's own key in the
    mentorship whose meeting (or series) has the event's UID, when the sender is a member of it."""
    answer = parsed.calendar_answer
    if answer is None or not answer.uid or not parsed.sender:
        return None
    meeting, series = _event_by_uid(session, answer.uid)
    event = meeting or series
    mentorship = session.get(Mentorship, event.mentorship_id) if event is not None else None
    try:
        sender = find_person(session, parsed.sender)
    except ActionError:
        return None
    if mentorship is None or sender is None or sender.id not in {m.person_id for m in mentorship.members}:
        return None
    return reply_key_for(session, sender, mentorship.program, mentorship, MENTORSHIP)


def _participant(session: Session, parsed: ParsedMessage, key: ReplyKey) -> Person | None:
    """The sender, if they (or their alias) are a participant of what the key names."""
    if parsed.sender and parsed.sender == key.person.email:
        return key.person  # the usual case: the key's own person replies
    try:
        sender = find_person(session, parsed.sender) if parsed.sender else None
    except ActionError:
        return None
    mentorship = key.mentorship
    allowed = {m.person_id for m in mentorship.members} if mentorship else {key.person_id}
    return sender if sender is not None and sender.id in allowed else None


def note_expired_key(
    session: Session,
    settings: Settings,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
    now: datetime,
) -> None:
    """Tell a participant who replies to a closed conversation that it is closed (SPEC §5),
    at most once per conversation every 12 hours."""
    if key.mentorship is None or key.mentorship.ended_at is None:
        return
    answer_reply(
        session,
        settings,
        template="key_expired",
        inbound=inbound,
        parsed=parsed,
        key=key,
        sender=sender,
        now=now,
        at_most_every=ANSWER_EVERY,
        context={
            "program_name": key.program.name,
            "ended_on": f"{key.mentorship.ended_at.day} {key.mentorship.ended_at:%B %Y}",
        },
    )


def act_on_reply(
    session: Session,
    settings: Settings,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
    now: datetime,
) -> Outcome:
    """Read a routed reply from a participant and do what it asks; the outcome says what was understood.

    The intents read are kept on the message (`inbound.intents`, what `inbound --now` prints).
    A reply with nothing actionable is passed on to the other member(s) when there are any
    (SPEC §3.1.12); courtesy alone ("thanks!", to a welcome or in a mentorship) needs no
    answer; anything else (a mentor's answer to their welcome, a command a later part of the
    product acts on) gets the "not understood" answer (SPEC §3.1.14).
    """
    program = key.program
    if parsed.sender == sender.email:
        # SPEC §3.4: mail from their address reaches us, so ours may reach them again (a reply
        # from an alias says nothing about the address we write to).
        clear_bouncing(sender, now)
    if inbound.status != "pending" and session.scalar(
        select(InboundEffect.id).where(InboundEffect.inbound_message_id == inbound.id).limit(1)
    ):
        # It was acted on before (SPEC §5: effects once): what it did changed the situation it
        # would now be read in, so it is not read again; its intents stay as recorded. (A
        # message still pending has no effects: they are committed with its outcome.)
        return Outcome("processed", "reply", intents=tuple(inbound.intents or ()))
    enrolment = (
        key.enrolment  # read with the key
        if sender.id == key.person_id
        else session.scalar(
            select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.person_id == sender.id)
        )
    )
    situation, pending, upcoming = situation_of(
        session, key, sender, enrolment.role if enrolment else None, now
    )
    calendar = parsed.calendar_answer
    if calendar is not None:
        about = meeting_of_calendar(session, key, calendar, now)
        upcoming = about
        if about is not None:
            situation = replace(situation, asked="invite", meeting=about.starts_at)
        # An answer about an event that is not one of this mentorship's confirmed meetings (a
        # cancelled one, another's, a stranger's UID), or to an invite since replaced (the
        # meeting moved after it was sent: RFC 5546 3.2.3, SEQUENCE), changes nothing.
        current = about is not None and not _answers_an_older_invite(calendar, about)
        intents = calendar_intents(calendar) if current else []
    elif reads_as_out_of_office(parsed.text):
        # INBOUND.md 22: it may be a machine quoting what it answers; kept for review, never acted on.
        intents = []
    else:
        intents = read_intents(parsed.text, parsed.subject, situation)
    understood = tuple(intent.as_json() for intent in intents)
    if not intents and not parsed.text.strip():
        return Outcome("processed", "reply", "nothing_new")
    turn = Turn(
        session=session,
        settings=settings,
        inbound=inbound,
        parsed=parsed,
        key=key,
        sender=sender,
        enrolment=enrolment,
        now=now,
        situation=situation,
        pending=pending,
        upcoming=upcoming,
    )
    act_on_intents(turn, intents)
    if (
        intents
        or calendar is not None
        or ((key.mentorship is None or turn.others()) and only_courtesy(parsed.text))
    ):
        return Outcome("processed", "reply", intents=understood)
    # Not understood: kept for the coordinator's review, answered unless it reads like a machine.
    answer_not_understood(session, settings, inbound, parsed, key, sender, enrolment, now)
    return Outcome("processed", "reply", "not_understood")


def _event_by_uid(session: Session, uid: str) -> tuple[Meeting | None, MeetingSeries | None]:
    """The meeting, else the series, whose calendar UID this is."""
    meeting = session.scalar(select(Meeting).where(Meeting.uid == uid))
    if meeting is not None:
        return meeting, None
    return None, session.scalar(select(MeetingSeries).where(MeetingSeries.uid == uid))


def meeting_of_calendar(
    session: Session, key: ReplyKey, answer: CalendarAnswer, now: datetime
) -> Meeting | None:
    """The confirmed meeting of this mentorship a calendar answer is about, by its UID: for a
    series, the occurrence its RECURRENCE-ID names, else the next one."""
    if not answer.uid or key.mentorship_id is None:
        return None
    meeting, series = _event_by_uid(session, answer.uid)
    if meeting is not None:
        confirmed = meeting.mentorship_id == key.mentorship_id and meeting.status == "confirmed"
        return meeting if confirmed else None
    if series is None or series.mentorship_id != key.mentorship_id:
        return None
    query = select(Meeting).where(Meeting.series_id == series.id, Meeting.status == "confirmed")
    if answer.recurrence_id is not None:
        query = query.where(Meeting.occurrence_of == answer.recurrence_id)
    else:
        query = query.where(Meeting.starts_at > now)
    return session.scalar(query.order_by(Meeting.starts_at).limit(1))


def _answers_an_older_invite(answer: CalendarAnswer, meeting: Meeting) -> bool:
    if answer.sequence is None:
        return False
    series = meeting.series
    sent = series.sequence if series is not None and answer.recurrence_id is None else meeting.invite_sequence
    return answer.sequence < sent


def answer_not_understood(
    session: Session,
    settings: Settings,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
    enrolment: Enrolment | None,
    now: datetime,
) -> None:
    """SPEC §3.1.14: one friendly answer with examples that fit the thread, saying that a
    coordinator may read the message (it goes to their review queue), at most once per thread
    every 12 hours. A text that reads like an out-of-office notice is never answered (INBOUND.md
    22): it may be a machine that quoted what it answers."""
    if reads_as_out_of_office(parsed.text):
        return
    answer_reply(
        session,
        settings,
        template="not_understood",
        inbound=inbound,
        parsed=parsed,
        key=key,
        sender=sender,
        now=now,
        enrolment=enrolment,
        at_most_every=ANSWER_EVERY,
        context={
            "program_name": key.program.name,
            "examples": examples_for(key.thread, enrolment.role if enrolment is not None else None),
            "subject": answer_subject(parsed.subject, key.program.name),
        },
    )


#: What a person can reply, by the conversation they are in and their role (SPEC §3.1.3,
#: §3.1.7, §3.1.10, §3.1.13): the examples of the "not understood" answer fit its thread, and
#: each is one that is acted on today (a test reads every one in its thread: commands that
#: later parts of the product act on, such as "done 2" or "away until Jan 5", join the list
#: with them). A mentee's or peer's reply to their welcome is read as their goals, so a
#: welcome thread's answer only needs what works anywhere.
_SCHEDULING = [
    {"say": "Tuesday at 3pm", "does": "suggest a meeting time (add “for 30 minutes” or a video link)"},
    {"say": "Tue 3pm or Wed 10am", "does": "offer a choice of times"},
]
_ANSWERING = [
    {"say": "yes", "does": "confirm the time that was suggested to you"},
    {"say": "Wednesday at 10am instead", "does": "suggest another time"},
]
_MEETING = [
    {"say": "can we move it to Thursday at 4pm?", "does": "move our next meeting"},
    {"say": "cancel", "does": "call off our next meeting"},
]
_AFTER_MEETING = [
    {"say": "we didn't meet", "does": "say the meeting did not happen"},
]
_ANYWHERE = [
    {"say": "stop", "does": "get no more mail from this program"},
]
EXAMPLES: dict[tuple[str, str | None], list[dict[str, str]]] = {
    (MENTORSHIP, "mentee"): [*_SCHEDULING, *_MEETING, *_ANYWHERE],
    (MENTORSHIP, "peer"): [*_SCHEDULING, _ANSWERING[0], *_MEETING, *_ANYWHERE],
    (MENTORSHIP, "mentor"): [*_ANSWERING, *_MEETING, *_ANYWHERE],
    (LOG, "mentee"): [*_AFTER_MEETING, *_ANYWHERE],
    (LOG, "peer"): [*_AFTER_MEETING, *_ANYWHERE],
    (LOG, "mentor"): [*_AFTER_MEETING, *_ANYWHERE],
}


def examples_for(thread: str, role: str | None) -> list[dict[str, str]]:
    """Replies that work in this thread for this role (what the person can say, what it does)."""
    return EXAMPLES.get((thread, role), _ANYWHERE)
