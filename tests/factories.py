"""Factories for rows: programs, people, enrolments and mentorships with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.actions.pairing import circle, pair
from concierge.actions.people import ParticipantRow, enrol
from concierge.actions.programs import ProgramSpec, add_coordinator, create_program
from concierge.config import Settings
from concierge.models import Enrolment, Meeting, Mentorship, OutboundMessage, Program, ReplyKey

_counter = itertools.count(1)


def program(session: Session, format: str = "formal", **kwargs: object) -> Program:
    """A program with a term, a cadence and a coordinator."""
    n = next(_counter)
    spec = ProgramSpec(
        name=str(kwargs.pop("name", f"Program {n}")),
        format=format,
        start=kwargs.pop("start", date(2026, 9, 1)),  # type: ignore[arg-type]
        end=kwargs.pop("end", date(2027, 3, 1)),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )
    created = create_program(session, spec, [], "concierge")
    add_coordinator(session, f"coordinator{n}@example.org", [created])
    return created


def participant(
    session: Session, prog: Program, role: str, email: str | None = None, **kwargs: object
) -> Enrolment:
    """Enrol someone (created if new) in `prog` with `role`."""
    n = next(_counter)
    row = ParticipantRow(
        email=email or f"{role}{n}@example.org",
        role=role,
        name=str(kwargs.pop("name", f"{role.title()} {n}")),
        **kwargs,  # type: ignore[arg-type]
    )
    enrolment, _ = enrol(session, prog, row)
    return enrolment


def mentorship(
    session: Session, settings: Settings, prog: Program | None = None, **kwargs: object
) -> Mentorship:
    """A mentor–mentee pair (a new formal program unless one is given)."""
    prog = prog or program(session)
    mentor = participant(session, prog, "mentor", topics=["career"])
    mentee = participant(session, prog, "mentee", goals="Grow into a lead role")
    return pair(session, settings, prog, mentor.person.email, mentee.person.email, **kwargs)  # type: ignore[arg-type]


def peer_circle(session: Session, settings: Settings, size: int = 3) -> Mentorship:
    """A circle of `size` peers in a new peer program."""
    prog = program(session, format="peer")
    peers = [participant(session, prog, "peer") for _ in range(size)]
    return circle(session, settings, prog, [p.person.email for p in peers])


def welcomed_mentee(settings: Settings, work) -> tuple[OutboundMessage, ReplyKey]:
    """Ana Ruiz, a mentee of a new program, whose welcome the worker has sent: (welcome, her key)."""
    from concierge.actions.introductions import send_welcome
    from concierge.db import session_scope

    with session_scope(settings) as s:
        prog = program(s, name="Women in Tech")
        send_welcome(s, settings, participant(s, prog, "mentee", email="ana@example.org", name="Ana Ruiz"))
    work()
    with session_scope(settings) as s:
        welcome = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "welcome_mentee"))
        return welcome, s.get(ReplyKey, welcome.reply_key_id)


def made_pair(settings, work) -> dict:
    """A mentor–mentee pair whose introductions the worker has sent: their (id, email), the ids of
    the mentorship, its program and the mentee's introduction."""
    from concierge.db import session_scope

    with session_scope(settings) as s:
        made = mentorship(s, settings)
        members = {m.role: (m.person.id, m.person.email) for m in made.members}
        result = {"mentorship": made.id, "program": made.program_id, **members}
    work()
    with session_scope(settings) as s:
        result["mentee_intro"] = s.scalar(
            select(OutboundMessage.id).where(
                OutboundMessage.person_id == members["mentee"][0],
                OutboundMessage.template == "introduction_mentee",
            )
        )
    return result


def meeting(session: Session, mentorship: Mentorship, starts_at: datetime, **kwargs: object) -> Meeting:
    """A confirmed meeting of `mentorship` (the mentorship becomes active)."""
    row = Meeting(
        mentorship_id=mentorship.id,
        uid=f"meeting-{next(_counter)}@test.concierge",
        starts_at=starts_at,
        duration_minutes=int(kwargs.pop("duration_minutes", 45)),  # type: ignore[call-overload]
        status=str(kwargs.pop("status", "confirmed")),
        sequence=0,
        facilitator_id=mentorship.members[0].person_id,
        **kwargs,
    )
    mentorship.state = "active"
    session.add(row)
    session.flush()
    return row
