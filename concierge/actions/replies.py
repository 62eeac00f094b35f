"""Acting on an understood reply: route it to its reply key, check the sender, then act.

Routing follows INBOUND.md 7: a reply key in the recipients, else the Message-IDs in
`In-Reply-To`/`References` of mail we sent. Every effect is keyed to the inbound
message (goals remember it, answers use the occasion `answer:<id>`), so processing the
same message twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.bounces import clear_bouncing
from concierge.actions.introductions import MENTORSHIP_THREAD, WELCOME_THREAD
from concierge.actions.people import find_person
from concierge.actions.subscriptions import unsubscribe
from concierge.config import Settings
from concierge.inbound import ParsedMessage, reply_key_candidates
from concierge.inbound.classify import reads_as_out_of_office
from concierge.inbound.intents import is_stop, strip_reply_prefixes
from concierge.keys import first_known_key, reply_key_for
from concierge.models import (
    Enrolment,
    InboundMessage,
    Mentorship,
    MentorshipMember,
    OutboundMessage,
    Person,
    ReplyKey,
)
from concierge.outbox import queue_email

KEY_LIFETIME_AFTER_END = timedelta(days=180)


@dataclass(frozen=True)
class Outcome:
    """How processing ended: the status, kind and reason to record on the message."""

    status: str
    kind: str
    reason: str | None = None


@dataclass(frozen=True)
class Route:
    """Where a reply belongs: its key, the person it is from, or why it belongs nowhere."""

    key: ReplyKey | None
    sender: Person | None
    problem: Outcome | None


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


def route(session: Session, settings: Settings, parsed: ParsedMessage, now: datetime) -> Route:
    """Find the reply key and the sending participant, or the reason the reply cannot act."""
    candidates = reply_key_candidates(parsed, settings.reply_domain)
    key = first_known_key(session, candidates)
    if key is None:
        key = _key_by_threading(session, parsed)
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
    return Route(key, sender, None)


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


#: SPEC §5 and INBOUND.md 22: an answer that is not an action (the "not understood" answer,
#: the note on a closed conversation) goes at most once per thread in this long, so that two
#: mail systems answering each other cannot loop.
ANSWER_EVERY = timedelta(hours=12)


def answer_reply(
    session: Session,
    settings: Settings,
    *,
    template: str,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
    context: dict[str, Any],
    now: datetime,
    enrolment: Enrolment | None = None,
    at_most_every: timedelta | None = None,
) -> OutboundMessage | None:
    """Answer a reply in the sender's own conversation, whatever key the reply came in on.

    The answer carries the sender's own key for the program, mentorship and thread of the
    reply (a mentor who answers through the mentee's address gets their own address and
    unsubscribe link back), threads after the reply, and is keyed to it (`answer:<id>`), so
    processing the reply again sends nothing more. With `at_most_every`, nothing is sent
    when the same template already answered in that thread within that time.
    """
    own_key = (
        key
        if key.person_id == sender.id  # the usual case: the key's own person replies
        else reply_key_for(session, sender, key.program, key.mentorship, key.thread)
    )
    if at_most_every is not None:
        # The key's row lock makes a concurrent answer in the same thread wait for this one.
        session.execute(select(ReplyKey.id).where(ReplyKey.id == own_key.id).with_for_update())
        recent = session.scalar(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.reply_key_id == own_key.id,
                OutboundMessage.template == template,
                OutboundMessage.created_at > now - at_most_every,
            )
            .limit(1)
        )
        if recent is not None:
            return None
    return queue_email(
        session,
        settings,
        template=template,
        occasion=f"answer:{inbound.id}",
        to=sender,
        program=key.program,
        mentorship=key.mentorship,
        thread=key.thread,
        answering=inbound,
        answering_references=parsed.references,
        reply_key=own_key,
        enrolment=enrolment,
        context=context,
        now=now,
    )


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
    """Do what a routed reply from a participant asks; the outcome says what was understood."""
    program = key.program
    if parsed.sender == sender.email:
        # SPEC §3.4: mail from their address reaches us, so ours may reach them again (a reply
        # from an alias says nothing about the address we write to).
        clear_bouncing(sender, now)
    if is_stop(parsed.text, parsed.subject):
        unsubscribe(session, settings, sender, program)
        return Outcome("processed", "reply")
    if not parsed.text.strip():
        return Outcome("processed", "reply", "nothing_new")
    in_a_mentorship = (
        select(MentorshipMember.id)
        .join(Mentorship)
        .where(Mentorship.program_id == program.id, MentorshipMember.person_id == sender.id)
        .exists()
    )
    found = session.execute(
        select(Enrolment, in_a_mentorship).where(
            Enrolment.program_id == program.id, Enrolment.person_id == sender.id
        )
    ).first()
    enrolment, paired = (found[0], bool(found[1])) if found else (None, False)
    if key.thread == WELCOME_THREAD and enrolment is not None and enrolment.role in ("mentee", "peer"):
        goals = parsed.text.strip()
        enrolment.goals = goals
        enrolment.goals_inbound_id = inbound.id
        answer_reply(
            session,
            settings,
            template="goals_thanks",
            inbound=inbound,
            parsed=parsed,
            key=key,
            sender=sender,
            now=now,
            enrolment=enrolment,
            context={"program_name": program.name, "goals": goals, "paired": paired},
        )
        return Outcome("processed", "reply")
    answer_not_understood(session, settings, inbound, parsed, key, sender, enrolment, now)
    return Outcome("processed", "reply", "not_understood")


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
#: §3.1.7–8, §3.1.10, §3.1.13): the examples of the "not understood" answer fit its thread. A
#: mentee's or peer's reply to their welcome is always read as their goals, so a welcome
#: thread's answer only needs what works anywhere.
_SCHEDULING = [
    {"say": "Tuesday at 3pm", "does": "suggest a meeting time (add “for 30 minutes” or a video link)"},
    {"say": "Tue 3pm or Wed 10am", "does": "offer a choice of times"},
]
_ANSWERING = [
    {"say": "yes", "does": "confirm the time that was suggested to you"},
    {"say": "Wednesday at 10am instead", "does": "suggest another time"},
]
_AFTER_MEETING = [
    {"say": "done 2", "does": "close action item 2"},
    {"say": "we didn't meet", "does": "say a meeting did not happen, and pick a new time"},
]
_ANYWHERE = [
    {"say": "away until Jan 5", "does": "pause our emails until then (or “pause” / “resume”)"},
    {"say": "help", "does": "get the list of everything you can reply"},
    {"say": "stop", "does": "get no more mail from this program"},
]
EXAMPLES: dict[tuple[str, str | None], list[dict[str, str]]] = {
    (MENTORSHIP_THREAD, "mentee"): [*_SCHEDULING, *_AFTER_MEETING, *_ANYWHERE],
    (MENTORSHIP_THREAD, "peer"): [*_SCHEDULING, _ANSWERING[0], *_AFTER_MEETING, *_ANYWHERE],
    (MENTORSHIP_THREAD, "mentor"): [*_ANSWERING, _AFTER_MEETING[0], *_ANYWHERE],
}


def examples_for(thread: str, role: str | None) -> list[dict[str, str]]:
    """Replies that work in this thread for this role (what the person can say, what it does)."""
    return EXAMPLES.get((thread, role), _ANYWHERE)


def answer_subject(subject: str, fallback: str) -> str:
    """`Re: <the reply's subject>` without piling up prefixes ("Re: Re: Aw: …")."""
    return f"Re: {strip_reply_prefixes(subject)[:200] or fallback}"
