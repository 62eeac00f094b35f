"""Reply keys (SPEC §3): 26 lowercase base32 characters of 128 random bits, one per conversation."""

from __future__ import annotations

import base64
import re
import secrets

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, load_only

from concierge.inbound.keys import KEY_LENGTH, REPLY_PREFIX
from concierge.models import Enrolment, Mentorship, MentorshipMember, Person, Program, ReplyKey

KEY_RE = re.compile(rf"^[a-z2-7]{{{KEY_LENGTH}}}$")


def new_key() -> str:
    """A fresh key: 128 random bits, base32, lowercase, unpadded (26 characters)."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def reply_address(key: str, reply_domain: str) -> str:
    """`reply+<key>@<REPLY_DOMAIN>`."""
    return f"{REPLY_PREFIX}{key}@{reply_domain}"


def reply_key_for(
    session: Session,
    person: Person,
    program: Program,
    mentorship: Mentorship | None,
    thread: str,
) -> ReplyKey:
    """The key of (person, program, mentorship, thread), created on first use."""
    query = select(ReplyKey).where(
        ReplyKey.person_id == person.id,
        ReplyKey.program_id == program.id,
        ReplyKey.thread == thread,
        ReplyKey.mentorship_id.is_(None) if mentorship is None else ReplyKey.mentorship_id == mentorship.id,
    )
    existing = session.scalar(query)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            created = ReplyKey(
                key=new_key(), person=person, program=program, mentorship=mentorship, thread=thread
            )
            session.add(created)
            session.flush()
    except IntegrityError:
        # Another transaction created the same conversation's key first: use theirs.
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return created


#: The columns a reply reads of each row read with its key (besides primary and foreign keys):
#: a program's name and how it schedules, a person's address, name, zone and whether mail may
#: go to them, an enrolment's role and whether it unsubscribed, a mentorship's state. The rest
#: (a program's lead times, a person's bounces, an enrolment's goals …) is read on first use, by
#: a statement of its own: the ORM and the driver work per column of the claim (README,
#: Benchmarks). The tests count the statements a reply costs (tests/test_processing_cost.py):
#: a column read on first use shows there.
_PROGRAM = load_only(
    Program.name, Program.slug, Program.format, Program.timezone, Program.auto_confirm, Program.end_date
)
_PERSON = load_only(Person.email, Person.name, Person.timezone, Person.status)
_ENROLMENT = load_only(
    Enrolment.program_id,
    Enrolment.person_id,
    Enrolment.role,
    Enrolment.goals_inbound_id,
    Enrolment.unsubscribed_at,
)
_MENTORSHIP = load_only(Mentorship.program_id, Mentorship.topic, Mentorship.state, Mentorship.ended_at)
_MEMBER = load_only(MentorshipMember.mentorship_id, MentorshipMember.person_id, MentorshipMember.role)
_KEY = load_only(
    ReplyKey.key, ReplyKey.person_id, ReplyKey.program_id, ReplyKey.mentorship_id, ReplyKey.thread
)

#: What a reply to a key reads, loaded with the key in the same statement: its program, person
#: and enrolment (with whether its person is paired, for the answer to a welcome), and in a
#: mentorship its members (who to answer, who to tell) and where each is written to: their own
#: key of its conversation, their enrolment.
WITH_WHAT_A_REPLY_READS = (
    joinedload(ReplyKey.program).options(_PROGRAM),
    joinedload(ReplyKey.person).options(_PERSON),
    joinedload(ReplyKey.enrolment).options(_ENROLMENT).undefer(Enrolment.paired),
    joinedload(ReplyKey.mentorship)
    .options(_MENTORSHIP)
    .joinedload(Mentorship.members)
    .options(
        _MEMBER,
        joinedload(MentorshipMember.person).options(_PERSON),
        joinedload(MentorshipMember.conversation_key)
        .options(_KEY)
        .joinedload(ReplyKey.enrolment)
        .options(_ENROLMENT),
    ),
)

#: The keys among candidates, with what a reply to one reads; built once (a query per reply).
_KNOWN_KEYS = (
    select(ReplyKey)
    .options(*WITH_WHAT_A_REPLY_READS)
    .where(ReplyKey.key.in_(bindparam("candidates", expanding=True)))
)


def key_in_address(address: ColumnElement[str | None]) -> ColumnElement[str | None]:
    """SQL for the key a `reply+<key>@…` address would carry: the 26 characters after `reply+`,
    lowercased. Anything else gives a string no key equals, or one that `first_known_key`'s
    candidates then do not confirm (another domain's, another prefix's)."""
    return func.lower(func.substr(address, len(REPLY_PREFIX) + 1, KEY_LENGTH))


def first_known_key(
    session: Session, candidates: list[str], envelope_key: ReplyKey | None = None
) -> ReplyKey | None:
    """The first of `candidates` (in the order `inbound.keys` gives them) that is a known key.

    `envelope_key` is the key the envelope recipient names, read beforehand with what a reply
    reads (the processing job reads it with the message it claims, `key_in_address`): when it is
    the first candidate, it is the answer without another query; otherwise it is not used."""
    if not candidates:
        return None
    if envelope_key is not None and envelope_key.key == candidates[0]:
        return envelope_key
    known = {key.key: key for key in session.scalars(_KNOWN_KEYS, {"candidates": candidates}).unique()}
    return next((known[candidate] for candidate in candidates if candidate in known), None)
