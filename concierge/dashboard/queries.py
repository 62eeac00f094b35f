"""Read-only queries behind the dashboard: a coordinator's programs and their mentorships' health.

Everything here is metadata (SPEC §5): states, dates and counts, never the text of
notes, agendas or reflections. A program's mentorships are summarised with a fixed
number of set-based queries, however many mentorships it has.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from concierge.actions.programs import MAX_SLUG, SLUG_RE
from concierge.models import (
    ActionItem,
    Enrolment,
    InboundMessage,
    Meeting,
    Mentorship,
    MentorshipMember,
    Person,
    Program,
    ProgramCoordinator,
    Reflection,
)
from concierge.review import in_review
from concierge.scopes import their_inbound

# Larger numbers are not an id (and would overflow the database's integer).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class ProgramOverview:
    """A program on the coordinator's home page, with its mentorship counts."""

    program: Program
    mentorships: int
    stalled: int


@dataclass(frozen=True)
class Member:
    """A member of a mentorship as the coordinator of its program sees them."""

    name: str
    email: str
    role: str
    would_mentor: bool | None


@dataclass
class MentorshipSummary:
    """One mentorship's state and health: who is in it, meetings, action items, reflections."""

    id: int
    state: str
    topic: str | None
    last_activity_at: datetime | None
    mentors: list[Member] = field(default_factory=list)
    mentees: list[Member] = field(default_factory=list)
    meetings_scheduled: int = 0
    meetings_held: int = 0
    next_meeting_at: datetime | None = None
    action_items_open: int = 0
    action_items_done: int = 0
    reflections_received: int = 0

    @property
    def mentee_would_mentor(self) -> bool | None:
        """Yes if any mentee (or peer) would mentor next term, no if all said no, else unknown."""
        answers = [m.would_mentor for m in self.mentees]
        if any(answers):
            return True
        if answers and all(a is False for a in answers):
            return False
        return None


def programs_of(session: Session, coordinator_id: int) -> list[ProgramOverview]:
    """The programs this coordinator runs, newest first, with how many mentorships (and stalled)."""
    stalled = func.sum(case((Mentorship.state == "stalled", 1), else_=0))
    rows = session.execute(
        select(Program, func.count(Mentorship.id), stalled)
        .join(ProgramCoordinator, ProgramCoordinator.program_id == Program.id)
        .outerjoin(Mentorship, Mentorship.program_id == Program.id)
        .where(ProgramCoordinator.coordinator_id == coordinator_id)
        .group_by(Program.id)
        .order_by(Program.id.desc())
    ).all()
    return [ProgramOverview(program, count or 0, int(stuck or 0)) for program, count, stuck in rows]


def program_of(session: Session, coordinator_id: int, ref: str) -> Program | None:
    """The program with this id or slug if this coordinator runs it; None otherwise (or if unknown)."""
    ref = ref.strip().lower()
    query = select(Program).join(ProgramCoordinator, ProgramCoordinator.program_id == Program.id)
    if ref.isascii() and ref.isdigit():
        if int(ref) > MAX_ID:
            return None
        query = query.where(Program.id == int(ref))
    elif len(ref) <= MAX_SLUG and SLUG_RE.fullmatch(ref):
        query = query.where(Program.slug == ref)
    else:
        return None
    return session.scalar(query.where(ProgramCoordinator.coordinator_id == coordinator_id))


def mentorship_summaries(session: Session, program: Program, now: datetime) -> list[MentorshipSummary]:
    """Every mentorship of the program, in every state, ordered by id (five queries in all).

    Rows of mentorships created while these queries run (PostgreSQL reads each statement
    afresh) are skipped: they appear on the next read.
    """
    summaries = {
        row.id: MentorshipSummary(row.id, row.state, row.topic, row.last_activity_at)
        for row in session.execute(
            select(Mentorship.id, Mentorship.state, Mentorship.topic, Mentorship.last_activity_at)
            .where(Mentorship.program_id == program.id)
            .order_by(Mentorship.id)
        )
    }
    in_program = Mentorship.program_id == program.id

    members = session.execute(
        select(
            MentorshipMember.mentorship_id,
            MentorshipMember.role,
            Person.name,
            Person.email,
            Enrolment.would_mentor,
        )
        .join(Mentorship, Mentorship.id == MentorshipMember.mentorship_id)
        .join(Person, Person.id == MentorshipMember.person_id)
        .outerjoin(
            Enrolment,
            and_(Enrolment.person_id == Person.id, Enrolment.program_id == Mentorship.program_id),
        )
        .where(in_program)
        .order_by(MentorshipMember.mentorship_id, MentorshipMember.position)
    )
    for mentorship_id, role, name, email, would_mentor in members:
        if summary := summaries.get(mentorship_id):
            side = summary.mentors if role == "mentor" else summary.mentees
            side.append(Member(name or email, email, role, would_mentor))

    upcoming = and_(Meeting.status == "confirmed", Meeting.starts_at > now)
    meetings = session.execute(
        select(
            Meeting.mentorship_id,
            # Confirmed and not cancelled, past or upcoming (SPEC §4.3): held and missed too.
            func.sum(case((Meeting.status.in_(("confirmed", "held", "missed")), 1), else_=0)),
            func.sum(case((Meeting.status == "held", 1), else_=0)),
            func.min(case((upcoming, Meeting.starts_at), else_=None)),
        )
        .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
        .where(in_program)
        .group_by(Meeting.mentorship_id)
    )
    for mentorship_id, scheduled, held, next_at in meetings:
        if summary := summaries.get(mentorship_id):
            summary.meetings_scheduled, summary.meetings_held = int(scheduled or 0), int(held or 0)
            summary.next_meeting_at = next_at

    items = session.execute(
        select(
            ActionItem.mentorship_id,
            func.sum(case((ActionItem.status == "open", 1), else_=0)),
            func.sum(case((ActionItem.status == "done", 1), else_=0)),
        )
        .join(Mentorship, Mentorship.id == ActionItem.mentorship_id)
        .where(in_program)
        .group_by(ActionItem.mentorship_id)
    )
    for mentorship_id, open_count, done_count in items:
        if summary := summaries.get(mentorship_id):
            summary.action_items_open, summary.action_items_done = int(open_count or 0), int(done_count or 0)

    reflections = session.execute(
        select(Reflection.mentorship_id, func.count(Reflection.id))
        .join(Mentorship, Mentorship.id == Reflection.mentorship_id)
        .where(in_program)
        .group_by(Reflection.mentorship_id)
    )
    for mentorship_id, count in reflections:
        if summary := summaries.get(mentorship_id):
            summary.reflections_received = int(count)

    return list(summaries.values())


def state_counts(summaries: list[MentorshipSummary]) -> dict[str, int]:
    """How many mentorships are in each state (for the program page's header)."""
    counts: dict[str, int] = defaultdict(int)
    for summary in summaries:
        counts[summary.state] += 1
    return dict(counts)


@dataclass(frozen=True)
class ReviewItem:
    """A message in the review queue: what happened to it and, since a human must look, its text."""

    id: int
    received_at: datetime
    program_slug: str | None
    sender: str | None
    subject: str | None
    status: str
    kind: str | None
    reason: str | None
    error: str | None
    text: str | None
    can_reprocess: bool


def _visible_inbound(coordinator_id: int) -> ColumnElement[bool]:
    """`their_inbound`, and failed messages no program was found for (whose error is all
    they show: see `review_queue`)."""
    unrouted_failure = InboundMessage.program_id.is_(None) & (InboundMessage.status == "failed")
    return or_(their_inbound(coordinator_id), unrouted_failure)


def review_queue(session: Session, coordinator_id: int, limit: int = 200) -> list[ReviewItem]:
    """Failed, rejected, not understood and flagged messages the coordinator may see, newest first."""
    rows = session.execute(
        select(InboundMessage, Program.slug, their_inbound(coordinator_id))
        .outerjoin(Program, Program.id == InboundMessage.program_id)
        .where(in_review(), _visible_inbound(coordinator_id))
        .order_by(InboundMessage.id.desc())
        .limit(limit)
    )
    # A failure of a message nobody's program was found for shows only its error to those it
    # is not known to concern: not who wrote it, nor what.
    return [
        ReviewItem(
            m.id,
            m.received_at,
            slug,
            m.sender if theirs else None,
            m.subject if theirs else None,
            m.status,
            m.kind,
            m.reason,
            m.error,
            m.text if theirs else None,
            m.raw is not None and m.status != "processing",
        )
        for m, slug, theirs in rows
    ]


def reviewable(session: Session, coordinator_id: int, inbound_id: int) -> InboundMessage | None:
    """The message if it is in the coordinator's review queue, else None."""
    if not 0 < inbound_id <= MAX_ID:
        return None
    return session.scalar(
        select(InboundMessage).where(
            InboundMessage.id == inbound_id, in_review(), _visible_inbound(coordinator_id)
        )
    )


@dataclass(frozen=True)
class Attention:
    """A participant the coordinator should know about: bouncing, paused or unsubscribed."""

    name: str
    email: str
    role: str
    status: str
    detail: str | None


def people_needing_attention(session: Session, program: Program) -> list[Attention]:
    """Enrolled people whose mail bounces, who paused, or who unsubscribed from this program."""
    rows = session.execute(
        select(Person, Enrolment.role, Enrolment.unsubscribed_at)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(
            Enrolment.program_id == program.id,
            or_(Person.status != "active", Enrolment.unsubscribed_at.is_not(None)),
        )
        .order_by(Person.email)
    )
    found = []
    for person, role, unsubscribed_at in rows:
        if person.status == "bouncing":
            found.append(Attention(person.display_name, person.email, role, "bouncing", person.bounce_reason))
        elif unsubscribed_at is not None or person.status == "unsubscribed":
            found.append(Attention(person.display_name, person.email, role, "unsubscribed", None))
        else:
            until = f"until {person.paused_until.isoformat()}" if person.paused_until else None
            found.append(Attention(person.display_name, person.email, role, person.status, until))
    return found
