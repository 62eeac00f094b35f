"""Welcome (on enrolment) and introduction (on pairing) emails, SPEC §3.1.1–2."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.config import Settings
from concierge.models import Enrolment, Mentorship, Person, Program
from concierge.outbox import queue_email
from concierge.threads import MENTORSHIP, WELCOME


def _person_card(person: Person, enrolment: Enrolment | None) -> dict[str, Any]:
    topics = (enrolment.topics if enrolment and enrolment.topics else None) or person.topics or []
    return {"name": person.display_name, "email": person.email, "topics": list(topics)}


def thread_subject(program: Program, mentorship: Mentorship) -> str:
    """The stable subject of a mentorship's conversation, so mail clients thread it."""
    if program.format == "peer":
        return f"Your peer circle in {program.name}"
    names = {m.role: m.person.display_name for m in mentorship.members}
    topic = f" ({mentorship.topic})" if mentorship.topic and program.format == "informal" else ""
    return f"{names.get('mentee', '')} & {names.get('mentor', '')}: {program.name}{topic}"


def send_welcome(session: Session, settings: Settings, enrolment: Enrolment) -> None:
    """Welcome a newly enrolled person in their role (a mentee or peer is asked for goals)."""
    program, person = enrolment.program, enrolment.person
    queue_email(
        session,
        settings,
        template=f"welcome_{enrolment.role}",
        occasion=f"welcome:{enrolment.id}",
        to=person,
        program=program,
        thread=WELCOME,
        context={
            "program_name": program.name,
            "goals": enrolment.goals or "",
            "coordinator_sees_text": program.coordinator_sees_text,
        },
    )


def send_introductions(session: Session, settings: Settings, mentorship: Mentorship) -> None:
    """Introduce every member of a new mentorship to the other(s), with their addresses."""
    program = mentorship.program
    enrolments = {
        e.person_id: e
        for e in session.scalars(
            select(Enrolment).where(
                Enrolment.program_id == program.id,
                Enrolment.person_id.in_([m.person_id for m in mentorship.members]),
            )
        )
    }
    cards = {m.person_id: _person_card(m.person, enrolments.get(m.person_id)) for m in mentorship.members}
    common = {
        "program_name": program.name,
        "topic": mentorship.topic or "",
        "cadence_days": program.cadence_days,
        "thread_subject": thread_subject(program, mentorship),
        "coordinator_sees_text": program.coordinator_sees_text,
    }
    mentee = next((m for m in mentorship.members if m.role == "mentee"), None)
    mentee_goals = ""
    if mentee is not None and mentee.person_id in enrolments:
        mentee_goals = enrolments[mentee.person_id].goals or ""
    for member in mentorship.members:
        if program.format == "peer":
            template = "introduction_peer"
            context = dict(
                common,
                peers=[cards[m.person_id] for m in mentorship.members],
                facilitator_is_you=member.position == mentorship.members[0].position,
            )
        else:
            other = next(m for m in mentorship.members if m.person_id != member.person_id)
            template = f"introduction_{member.role}"
            key = "mentor" if member.role == "mentee" else "mentee"
            context = dict(common, goals=mentee_goals, **{key: cards[other.person_id]})
        queue_email(
            session,
            settings,
            template=template,
            occasion=f"intro:{mentorship.id}:{member.person_id}",
            to=member.person,
            program=program,
            mentorship=mentorship,
            thread=MENTORSHIP,
            context=context,
        )
