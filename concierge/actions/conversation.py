"""One reply's turn in a conversation: its situation, the intents read from it, what they do, one answer.

A `Turn` carries what acting on one reply needs and gathers what its actions say:
`send_what_was_said` then sends one answer to the sender that says what was understood
(SPEC §3: one answer per reply), and one email to each other member with what concerns them
(a question, an invite, a passed-on message). Every effect is keyed to the inbound message
(`Turn.once`), so processing it again has none of them twice. `situation_of` says what the
sender is answering; `dispatch` maps each intent, in that situation, to its action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from concierge.actions.introductions import thread_subject
from concierge.config import Settings
from concierge.db import insert_all_unless_exist
from concierge.inbound import ParsedMessage
from concierge.inbound.intents import Situation, says_more_than_a_request, strip_reply_prefixes
from concierge.keys import reply_key_for
from concierge.mail.ics import Invite
from concierge.models import (
    Enrolment,
    InboundEffect,
    InboundMessage,
    Meeting,
    Mentorship,
    OutboundMessage,
    Person,
    Program,
    Proposal,
    ReplyKey,
)
from concierge.outbox import queue_email
from concierge.threads import AGENDA, LOG, MENTORSHIP, WELCOME
from concierge.when import for_reader, from_iso, zone_of


@dataclass
class Notice:
    """What one other member is to be told of this reply: blocks of an update, and an invite."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    calendars: list[Invite] = field(default_factory=list)


@dataclass(kw_only=True)
class Turn:
    """A routed reply being acted on: who, where, in which situation, and what it has said so far."""

    session: Session
    settings: Settings
    inbound: InboundMessage
    parsed: ParsedMessage
    key: ReplyKey
    sender: Person
    enrolment: Enrolment | None
    now: datetime
    situation: Situation
    pending: Proposal | None = None
    upcoming: Meeting | None = None
    #: The sentences of the one answer to the sender, and the calendars it carries.
    said: list[str] = field(default_factory=list)
    calendars: list[Invite] = field(default_factory=list)
    notices: dict[int, Notice] = field(default_factory=dict)
    #: The answer is what another action sends (goals' thanks, the "not understood" answer).
    answered_elsewhere: bool = False
    #: What this message has done so far ("proposal", "cancel", …), in order.
    effects: list[str] = field(default_factory=list)

    @property
    def program(self) -> Program:
        """The program the reply belongs to."""
        return self.key.program

    @property
    def mentorship(self) -> Mentorship | None:
        """The mentorship the reply belongs to (None for a welcome)."""
        return self.key.mentorship

    def others(self) -> list[Person]:
        """The other members of the mentorship, in member order."""
        if self.mentorship is None:
            return []
        return [m.person for m in self.mentorship.members if m.person_id != self.sender.id]

    def zone(self, person: Person) -> ZoneInfo:
        """A person's zone (their own, else the program's)."""
        return zone_of(person.timezone, self.program.timezone)

    def tell(self, person: Person, block: dict[str, Any], calendar: Invite | None = None) -> None:
        """Add a block (and a calendar) to what `person` is told of this reply."""
        notice = self.notices.setdefault(person.id, Notice())
        notice.blocks.append(block)
        if calendar is not None:
            notice.calendars.append(calendar)

    def once(self, effect: str) -> bool:
        """True the first time this message has `effect`; False when it already had it.

        A message is acted on in one transaction, holding its row's lock, and one that had
        effects is not acted on again (`act_on_reply`): within that transaction the effects
        so far are known here, and `record_effects` writes them with the outcome."""
        if effect in self.effects:
            return False
        self.effects.append(effect)
        return True

    def record_effects(self) -> None:
        """Write the effects this message had (one statement), so that it is never acted on again."""
        rows = [{"inbound_message_id": self.inbound.id, "name": name} for name in self.effects]
        unique = ("inbound_message_id", "name")
        insert_all_unless_exist(self.session.connection(), InboundEffect, rows, unique)


def time_for(start: datetime, reader: Person, members: list[Person], program: Program) -> str:
    """A time as `reader` reads it: their zone first, the other side's where it differs (SPEC
    §3); in a circle, theirs alone."""
    others = [p for p in members if p.id != reader.id]
    other = others[0] if len(others) == 1 else None
    return for_reader(
        start,
        zone_of(reader.timezone, program.timezone),
        zone_of(other.timezone, program.timezone) if other is not None else None,
        other.first_name if other is not None else "",
    )


def names_of(people: list[Person]) -> str:
    """ "Maya", "Maya and Jo", "Maya, Jo and Kai"; "" for nobody."""
    names = [p.first_name for p in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


#: A mentorship's latest pending proposal and its next confirmed meeting (either None), in one
#: statement, built once: every reply in a mentorship reads them.
_PENDING_AND_UPCOMING = (
    select(Proposal, Meeting)
    .select_from(Mentorship)
    .outerjoin(
        Proposal,
        Proposal.id
        == select(Proposal.id)
        .where(Proposal.mentorship_id == bindparam("mentorship_id"), Proposal.status == "pending")
        .order_by(Proposal.id.desc())
        .limit(1)
        .scalar_subquery(),
    )
    .outerjoin(
        Meeting,
        Meeting.id
        == select(Meeting.id)
        .where(
            Meeting.mentorship_id == bindparam("mentorship_id"),
            Meeting.status == "confirmed",
            Meeting.starts_at > bindparam("now"),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
        .scalar_subquery(),
    )
    .where(Mentorship.id == bindparam("mentorship_id"))
)


def situation_of(
    session: Session, key: ReplyKey, sender: Person, role: str | None, now: datetime
) -> tuple[Situation, Proposal | None, Meeting | None]:
    """What the sender is answering: the proposal waiting for their answer, else the next
    meeting, else (in a mentorship) a request for a time, with the times the sender proposed
    themself if they wait on an answer; a welcome asks for goals. In the
    conversation of a meeting's agenda or log prompt the same, with that thread named (the
    reply is read as the agenda or the notes unless it schedules)."""
    program, mentorship = key.program, key.mentorship
    zone = zone_of(sender.timezone, program.timezone)
    if key.thread == WELCOME or mentorship is None:
        return Situation(role, zone, now, WELCOME, "goals"), None, None
    thread = key.thread if key.thread in (AGENDA, LOG) else MENTORSHIP
    others = [m.person for m in mentorship.members if m.person_id != sender.id]
    # "Your time" or "their time" in a circle is the others' zone when they share one.
    zones = {zone_of(other.timezone, program.timezone) for other in others}
    other_zone = zones.pop() if len(zones) == 1 else None
    # Every answer in the mentorship is read with who the others are, besides what it answers.
    names = tuple(other.first_name.lower() for other in others if other.name)
    answering = partial(Situation, role, zone, now, thread, other_zone=other_zone, other_names=names)
    pending, upcoming = session.execute(
        _PENDING_AND_UPCOMING, {"mentorship_id": mentorship.id, "now": now}
    ).one()
    times = tuple(from_iso(option["start"]) for option in pending.options) if pending is not None else ()
    own = times if pending is not None and pending.proposer_id == sender.id else ()
    if pending is not None and sender.id in (pending.asked_ids or []):
        situation = answering("confirm", times)
    elif upcoming is not None:
        situation = answering("invite", meeting=upcoming.starts_at, proposed=own)
    else:
        situation = answering("time", proposed=own)
    return situation, pending, upcoming


#: The notices that tell of a meeting called off or moved, or of a time refused: the sender's own
#: words go with them when they say more than the request (a reason, an apology, a promise).
_TOLD_WITH_WORDS = frozenset({"cancelled", "move_asked", "declined"})


def _with_their_words(turn: Turn, notice: Notice) -> None:
    """Add the sender's words to a notice of a meeting called off or moved ("Unfortunately I have
    to cancel Friday - my daughter is sick… I'll send a new time next week"), as a careful
    assistant would pass them on, unless they are passed on already or are the request alone
    ("Please cancel Friday.", "Can we move it to Thursday at 11am?")."""
    kinds = {block["kind"] for block in notice.blocks}
    moving = any(block["kind"] == "question" and block.get("moving") for block in notice.blocks)
    if "passed_on" in kinds or not (kinds & _TOLD_WITH_WORDS or moving):
        return
    if says_more_than_a_request(turn.parsed.text):
        notice.blocks.append(passed_on(turn))


def passed_on(turn: Turn) -> dict[str, Any]:
    """The block that passes the sender's words on to another member ("Ana Lima wrote: …")."""
    return {"kind": "passed_on", "from": turn.sender.display_name, "text": turn.parsed.text.strip()}


def send_what_was_said(turn: Turn) -> None:
    """One answer to the sender (unless another action answered, or there is nothing to say)
    and one update to each member who has something to be told."""
    program, mentorship = turn.program, turn.mentorship
    answering = bool(turn.said) and not turn.answered_elsewhere
    # An email carries one calendar: the answer the first, an update each of the rest ("cancel
    # Tuesday, Thursday at 11 works" with auto_confirm is a CANCEL and a REQUEST).
    carried = turn.calendars[:1] if answering else []
    for calendar in turn.calendars[len(carried) :]:
        turn.notices.setdefault(turn.sender.id, Notice()).calendars.append(calendar)
    if answering:
        answer_reply(
            turn.session,
            turn.settings,
            template="answer",
            inbound=turn.inbound,
            parsed=turn.parsed,
            key=turn.key,
            sender=turn.sender,
            enrolment=turn.enrolment,
            context={
                "program_name": program.name,
                "lines": turn.said,
                "calendar": carried[0].as_json() if carried else None,
                "subject": answer_subject(turn.parsed.subject, program.name),
            },
            now=turn.now,
        )
    if mentorship is None:
        return
    subject = thread_subject(program, mentorship)
    members = {m.person_id: m for m in mentorship.members}
    for person_id, notice in turn.notices.items():
        member = members.get(person_id)
        if member is None:
            continue
        _with_their_words(turn, notice)
        # Always in the mentorship's conversation, on their own key of it, with their enrolment
        # (read with the reply's key: none to look up here), even when the reply answered an
        # agenda or log prompt: a question put to them there would be read as their agenda.
        key = member.conversation_key
        calendars = notice.calendars or [None]
        for number, calendar in enumerate(calendars):
            queue_email(
                turn.session,
                turn.settings,
                template="update",
                occasion=f"update:{turn.inbound.id}:{person_id}" + (f":{number + 1}" if number else ""),
                to=member.person,
                program=program,
                mentorship=mentorship,
                thread=MENTORSHIP,
                reply_key=key,
                enrolment=key.enrolment if key is not None else None,
                context={
                    "program_name": program.name,
                    "thread_subject": subject,
                    "blocks": notice.blocks if number == 0 else [],
                    "calendar": calendar.as_json() if calendar else None,
                },
                now=turn.now,
            )


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


def answer_subject(subject: str, fallback: str) -> str:
    """`Re: <the reply's subject>` without piling up prefixes ("Re: Re: Aw: …")."""
    return f"Re: {strip_reply_prefixes(subject)[:200] or fallback}"
