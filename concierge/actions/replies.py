"""Acting on an understood reply: route it to its reply key, check the sender, then act.

Routing follows INBOUND.md 7: a reply key in the recipients, else the Message-IDs in
`In-Reply-To`/`References` of mail we sent. Every effect is keyed to the inbound
message (goals remember it, answers use the occasion `answer:<id>`), so processing the
same message twice changes nothing the second time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from concierge.actions import ActionError
from concierge.actions.introductions import WELCOME_THREAD
from concierge.actions.people import find_person
from concierge.actions.subscriptions import unsubscribe
from concierge.config import Settings
from concierge.db import utcnow
from concierge.inbound import ParsedMessage, reply_key_candidates
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
STOP_WORDS = {"stop", "unsubscribe", "stop please", "please stop", "unsubscribe me"}


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
    ids = [f"<{i}>" for i in [*parsed.in_reply_to, *reversed(parsed.references)] if i]
    if not ids:
        return None
    found = session.scalar(
        select(ReplyKey)
        .join(OutboundMessage, OutboundMessage.reply_key_id == ReplyKey.id)
        .where(OutboundMessage.message_id.in_(ids[:50]))
        .order_by(OutboundMessage.id.desc())
        .limit(1)
    )
    return found


def route(session: Session, settings: Settings, parsed: ParsedMessage) -> Route:
    """Find the reply key and the sending participant, or the reason the reply cannot act."""
    candidates = reply_key_candidates(parsed, settings.reply_domain)
    key = None
    if candidates:
        key = session.scalar(
            select(ReplyKey)
            .options(joinedload(ReplyKey.program), joinedload(ReplyKey.person))
            .where(ReplyKey.key.in_(candidates))
            .limit(1)
        )
    if key is None:
        key = _key_by_threading(session, parsed)
    if key is None:
        reason = "unknown_key" if candidates else "no_key"
        return Route(None, None, Outcome("rejected", "reply", reason))
    mentorship = key.mentorship
    if (
        mentorship is not None
        and mentorship.ended_at is not None
        and mentorship.ended_at + KEY_LIFETIME_AFTER_END < utcnow()
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


EXPIRED_NOTE_EVERY = timedelta(hours=12)


def note_expired_key(
    session: Session,
    settings: Settings,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
) -> None:
    """Tell a participant who replies to a closed conversation that it is closed (SPEC §5),
    at most once per conversation every 12 hours, so that two mail systems cannot loop."""
    recent = session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.reply_key_id == key.id,
            OutboundMessage.template == "key_expired",
            OutboundMessage.created_at > utcnow() - EXPIRED_NOTE_EVERY,
        )
    )
    if recent is not None or key.mentorship is None or key.mentorship.ended_at is None:
        return
    queue_email(
        session,
        settings,
        template="key_expired",
        occasion=f"answer:{inbound.id}",
        to=sender,
        program=key.program,
        mentorship=key.mentorship,
        thread=key.thread,
        answering=inbound,
        answering_references=parsed.references,
        reply_key=key,
        context={
            "program_name": key.program.name,
            "ended_on": f"{key.mentorship.ended_at.day} {key.mentorship.ended_at:%B %Y}",
        },
    )


def is_stop(parsed: ParsedMessage) -> bool:
    """A `stop` / `unsubscribe` reply, or the List-Unsubscribe mailto (subject "unsubscribe")."""
    subject = re.sub(r"^(re|aw|sv|fw|fwd):\s*", "", parsed.subject.strip(), flags=re.IGNORECASE)
    if subject.lower() == "unsubscribe":
        return True
    first = next((line for line in parsed.text.splitlines() if line.strip()), "")
    return re.sub(r"[^a-z ]", "", first.lower()).strip() in STOP_WORDS and len(parsed.text) < 200


def act_on_reply(
    session: Session,
    settings: Settings,
    inbound: InboundMessage,
    parsed: ParsedMessage,
    key: ReplyKey,
    sender: Person,
) -> Outcome:
    """Do what a routed reply from a participant asks; the outcome says what was understood."""
    program = key.program
    if is_stop(parsed):
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
        queue_email(
            session,
            settings,
            template="goals_thanks",
            occasion=f"answer:{inbound.id}",
            to=sender,
            program=program,
            thread=WELCOME_THREAD,
            answering=inbound,
            answering_references=parsed.references,
            reply_key=key,
            enrolment=enrolment,
            context={"program_name": program.name, "goals": goals, "paired": paired},
        )
        return Outcome("processed", "reply")
    # Scheduling, notes, action items and commands are read by later stages; until then the
    # message is kept with its text in the coordinator's review queue, and not answered.
    return Outcome("processed", "reply", "not_understood")
