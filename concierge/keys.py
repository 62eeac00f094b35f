"""Reply keys (SPEC §3): 26 lowercase base32 characters of 128 random bits, one per conversation."""

from __future__ import annotations

import base64
import re
import secrets

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from concierge.models import Mentorship, MentorshipMember, Person, Program, ReplyKey

KEY_RE = re.compile(r"^[a-z2-7]{26}$")
REPLY_ADDRESS_RE = re.compile(r"^reply\+([a-z2-7]{26})@(.+)$", re.IGNORECASE)


def new_key() -> str:
    """A fresh key: 128 random bits, base32, lowercase, unpadded (26 characters)."""
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def reply_address(key: str, reply_domain: str) -> str:
    """`reply+<key>@<REPLY_DOMAIN>`."""
    return f"reply+{key}@{reply_domain}"


def key_from_address(address: str, reply_domain: str) -> str | None:
    """The key in a reply address at our domain (matched case-insensitively), else None."""
    match = REPLY_ADDRESS_RE.match(address.strip())
    if not match or match.group(2).lower() != reply_domain.lower():
        return None
    return match.group(1).lower()


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


#: The keys among candidates, with what a reply to one reads; built once (a query per reply).
_KNOWN_KEYS = (
    select(ReplyKey)
    .options(
        joinedload(ReplyKey.program),
        joinedload(ReplyKey.person),
        joinedload(ReplyKey.enrolment),
        # A reply in a mentorship reads its members (who to answer, who to tell) and where each
        # is written to: their own key of its conversation, their enrolment.
        joinedload(ReplyKey.mentorship)
        .joinedload(Mentorship.members)
        .options(
            joinedload(MentorshipMember.person),
            joinedload(MentorshipMember.conversation_key).joinedload(ReplyKey.enrolment),
        ),
    )
    .where(ReplyKey.key.in_(bindparam("candidates", expanding=True)))
)


def first_known_key(session: Session, candidates: list[str]) -> ReplyKey | None:
    """The first of `candidates` (in the order `inbound.keys` gives them) that is a known key."""
    if not candidates:
        return None
    known = {key.key: key for key in session.scalars(_KNOWN_KEYS, {"candidates": candidates}).unique()}
    return next((known[candidate] for candidate in candidates if candidate in known), None)
