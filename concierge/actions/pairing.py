"""Pairing: a mentor with a mentee, or a circle of peers, becomes a mentorship (SPEC §2)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.introductions import send_introductions
from concierge.actions.people import MAX_NAME, clean_text, get_enrolment, get_person
from concierge.config import Settings
from concierge.csvfile import RowProblem, read_csv
from concierge.models import Enrolment, Mentorship, MentorshipMember, Person, Program

OPEN_STATES = ("introduced", "active", "stalled", "paused")
CIRCLE_MIN, CIRCLE_MAX = 3, 8
PAIR_COLUMNS = ("mentor_email", "mentee_email", "topic")


def _enrolled(session: Session, program: Program, address: str, role: str) -> Enrolment:
    person = get_person(session, address)
    enrolment = get_enrolment(session, program, person)
    if enrolment is None:
        raise ActionError(f"{person.email} is not enrolled in {program.slug}")
    if enrolment.role != role:
        raise ActionError(f"{person.email} is enrolled as {enrolment.role}, not {role}")
    return enrolment


def _lock(session: Session, enrolments: list[Enrolment]) -> None:
    """Lock the enrolments a pairing reads its rules from, in id order (no deadlock between two).

    Two pairings that share a person then run one after the other, and the second sees the
    first's mentorship: a mentor's capacity, one mentor per mentee (formal) or per topic
    (informal) and one circle per peer hold however many run at once. On PostgreSQL this is
    a row lock; SQLite's BEGIN IMMEDIATE already lets one writer in at a time.
    """
    ids = sorted(e.id for e in enrolments)
    session.execute(
        select(Enrolment.id).where(Enrolment.id.in_(ids)).order_by(Enrolment.id).with_for_update()
    )


def open_mentorships_of(session: Session, program: Program, person: Person, role: str) -> int:
    """How many open mentorships of the program the person is in, in that role."""
    return (
        session.scalar(
            select(func.count())
            .select_from(MentorshipMember)
            .join(Mentorship)
            .where(
                Mentorship.program_id == program.id,
                Mentorship.state.in_(OPEN_STATES),
                MentorshipMember.person_id == person.id,
                MentorshipMember.role == role,
            )
        )
        or 0
    )


def _existing_pair(
    session: Session, program: Program, mentor: Person, mentee: Person, topic: str | None
) -> Mentorship | None:
    candidates = session.scalars(
        select(Mentorship)
        .join(MentorshipMember)
        .where(
            Mentorship.program_id == program.id,
            Mentorship.state.in_(OPEN_STATES),
            MentorshipMember.person_id == mentee.id,
            MentorshipMember.role == "mentee",
        )
    ).all()
    for mentorship in candidates:
        mentors = {m.person_id for m in mentorship.members if m.role == "mentor"}
        if mentor.id in mentors and (program.format != "informal" or mentorship.topic == topic):
            return mentorship
    return None


def pair(
    session: Session,
    settings: Settings,
    program: Program,
    mentor_address: str,
    mentee_address: str,
    topic: str | None = None,
) -> Mentorship:
    """Create a mentor–mentee mentorship, respecting the format's shape and the mentor's capacity."""
    if program.format == "peer":
        raise ActionError(f"{program.slug} is a peer program: use circle, not pair")
    mentor = _enrolled(session, program, mentor_address, "mentor")
    mentee = _enrolled(session, program, mentee_address, "mentee")
    _lock(session, [mentor, mentee])
    topic = clean_text((topic or "").strip(), "topic", MAX_NAME, one_line=True) or None
    if program.format == "informal" and not topic:
        raise ActionError("an informal program pairs by topic: give --topic")
    if _existing_pair(session, program, mentor.person, mentee.person, topic):
        raise ActionError(f"{mentor.person.email} and {mentee.person.email} are already paired")
    if program.format == "formal" and open_mentorships_of(session, program, mentee.person, "mentee"):
        raise ActionError(f"{mentee.person.email} already has a mentor in {program.slug}")
    if program.format == "informal" and topic:
        for mentorship in session.scalars(
            select(Mentorship)
            .join(MentorshipMember)
            .where(
                Mentorship.program_id == program.id,
                Mentorship.state.in_(OPEN_STATES),
                Mentorship.topic == topic,
                MentorshipMember.person_id == mentee.person_id,
                MentorshipMember.role == "mentee",
            )
        ):
            raise ActionError(
                f"{mentee.person.email} already has a mentor for {topic!r} (mentorship {mentorship.id})"
            )
    if mentor.capacity is not None:
        load = open_mentorships_of(session, program, mentor.person, "mentor")
        if load >= mentor.capacity:
            raise ActionError(f"{mentor.person.email} is at capacity ({mentor.capacity} mentee(s))")
    mentorship = Mentorship(program=program, topic=topic or program.topic, state="introduced")
    mentorship.members = [
        MentorshipMember(person=mentor.person, role="mentor", position=0),
        MentorshipMember(person=mentee.person, role="mentee", position=1),
    ]
    session.add(mentorship)
    session.flush()
    send_introductions(session, settings, mentorship)
    return mentorship


def circle(session: Session, settings: Settings, program: Program, addresses: list[str]) -> Mentorship:
    """Create a peer circle of 3–8 peers; member order is the facilitator rotation."""
    if program.format != "peer":
        raise ActionError(f"{program.slug} is a {program.format} program: circles need a peer one")
    if not CIRCLE_MIN <= len(addresses) <= CIRCLE_MAX:
        raise ActionError(f"a circle has {CIRCLE_MIN} to {CIRCLE_MAX} peers, not {len(addresses)}")
    enrolments = [_enrolled(session, program, a, "peer") for a in addresses]
    people = [e.person for e in enrolments]
    if len({p.id for p in people}) != len(people):
        raise ActionError("a peer is named twice")
    _lock(session, enrolments)
    for person in people:
        if open_mentorships_of(session, program, person, "peer"):
            raise ActionError(f"{person.email} is already in a circle of {program.slug}")
    mentorship = Mentorship(program=program, topic=program.topic, state="introduced")
    mentorship.members = [MentorshipMember(person=p, role="peer", position=i) for i, p in enumerate(people)]
    session.add(mentorship)
    session.flush()
    send_introductions(session, settings, mentorship)
    return mentorship


@dataclass
class PairResult:
    """What a pairing CSV did: mentorships created, rows refused."""

    created: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def pair_csv(session: Session, settings: Settings, program: Program, data: bytes) -> PairResult:
    """Pair every good row of a `mentor_email,mentee_email[,topic]` CSV; bad rows are reported.

    The file is read as for `import` (see `csvfile.read_csv`); each row runs in a savepoint.
    """
    result = PairResult()
    for line, raw, problem in read_csv(data, ("mentor_email", "mentee_email"), PAIR_COLUMNS):
        if raw is None:
            result.problems.append(RowProblem(line, problem or "unreadable row"))
            continue
        mentor = (raw.get("mentor_email") or "").strip()
        mentee = (raw.get("mentee_email") or "").strip()
        topic = " ".join((raw.get("topic") or "").split())  # a wrapped cell's line breaks: spaces
        try:
            if not mentor or not mentee:
                raise ActionError("mentor_email and mentee_email are required")
            with session.begin_nested():
                mentorship = pair(session, settings, program, mentor, mentee, topic)
        except ActionError as exc:
            result.problems.append(RowProblem(line, str(exc)))
            continue
        result.created.append(mentorship.id)
    return result
