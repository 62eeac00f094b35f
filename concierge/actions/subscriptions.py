"""Unsubscribing: one program's mail to one person stops, and the coordinators are told (SPEC §3)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.config import Settings
from concierge.db import utcnow
from concierge.models import Enrolment, Mentorship, MentorshipMember, Person, Program
from concierge.outbox import queue_email


def unsubscribe(session: Session, settings: Settings, person: Person, program: Program) -> bool:
    """Stop `program`'s mail to `person`; True if this changed anything (repeats are no-ops)."""
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.person_id == person.id)
    )
    if enrolment is None or enrolment.unsubscribed_at is not None:
        return False
    enrolment.unsubscribed_at = utcnow()
    mentorships = session.scalar(
        select(func.count())
        .select_from(MentorshipMember)
        .join(Mentorship)
        .where(Mentorship.program_id == program.id, MentorshipMember.person_id == person.id)
    )
    for coordinator in program.coordinators:
        queue_email(
            session,
            settings,
            template="unsubscribed_notice",
            occasion=f"unsubscribed:{enrolment.id}:{coordinator.id}",
            to=coordinator,
            program=program,
            context={
                "program_name": program.name,
                "program_slug": program.slug,
                "person_name": person.display_name,
                "person_email": person.email,
                "role": enrolment.role,
                "mentorship_count": mentorships or 0,
            },
        )
    session.flush()
    return True
