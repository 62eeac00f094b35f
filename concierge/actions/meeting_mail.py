"""Every meeting's mail (SPEC §3.1.4–7): agenda prompt, briefing, reminder and log prompt.

Two phases (SPEC §5: no time windows, effects once, scale):

- `due_meeting_mail(session, at)` finds what is due and not yet written, in a fixed number of
  statements however many mentorships there are: one for the programs' longest lead times,
  then one per kind, each joining a meeting to its members and leaving out those whose email's
  occasion is already recorded. The occasion names the kind, the meeting, its SEQUENCE (which
  rises when it moves, so a moved meeting gets its mail again for the new time) and the
  recipient: `briefing:meeting-42:3:person-7`. Quiet hours and the daily cap are applied to
  the rows found, in each recipient's zone (`concierge/quiet.py`).
- `write_meeting_mail(session, settings, mail, at)` writes one of them, after checking again
  that it is still due (the meeting still confirmed at that SEQUENCE, not yet started for an
  agenda prompt, briefing or reminder, the person still to be written to); the outbox's
  occasion key makes a second write of the same email a no-op. One that cannot be written (a
  fault in writing it, after its retries) is recorded as failed under its occasion
  (`record_unwritten_meeting_mail`): it is not found due again, to fail every minute.

A meeting confirmed inside a lead time gets what is still useful: no agenda prompt once the
briefing is due, the rest at once. Meeting mail goes to paused people too (their meetings
stand); the log prompt, proactive, does not. Nothing goes to unsubscribed or bouncing people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, select
from sqlalchemy.orm import Bundle, Session

from concierge.actions.conversation import names_of, time_for
from concierge.actions.introductions import thread_subject
from concierge.config import Settings
from concierge.models import (
    ActionItem,
    Enrolment,
    Meeting,
    Mentorship,
    MentorshipMember,
    Note,
    OutboundMessage,
    Person,
    Program,
)
from concierge.outbox import queue_email, record_unwritten, suppressed_sql
from concierge.questions import stage_of, suggested_questions
from concierge.quiet import QUIET_LENGTH, in_quiet_hours, local_day_start, meeting_mail_at, proactive_at
from concierge.threads import AGENDA, LOG, MENTORSHIP
from concierge.when import day_and_clock, zone_of

#: A log prompt for a meeting that ended longer ago than this is no use to anyone.
LOG_PROMPT_HORIZON = timedelta(days=3)


class Leads(Protocol):
    """A program's lead times, as due selection reads them."""

    agenda_lead_hours: int
    briefing_lead_hours: int
    reminder_lead_hours: int


@dataclass(frozen=True)
class Kind:
    """One kind of meeting mail: its template, when it is due, who gets it, and whether it is
    proactive (quiet hours hold it to 07:00, the daily cap applies) or meeting mail."""

    name: str
    #: How long before the start it is due (None: due at the meeting's end).
    lead: Callable[[Leads], timedelta] | None
    #: Who gets it: "asker" (a pair's mentee, every member of a circle), "briefed" (the mentor,
    #: a circle's facilitator), "logger" (the mentee, a circle's facilitator), "all".
    to: Literal["asker", "briefed", "logger", "all"]
    proactive: bool = False


#: The longest lead a program may set (a longer one is taken as this).
LONGEST_LEAD = timedelta(days=30)


def _lead(hours: int) -> timedelta:
    return min(timedelta(hours=max(hours, 0)), LONGEST_LEAD)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("agenda_prompt", lambda p: _lead(p.agenda_lead_hours), "asker"),
        Kind("briefing", lambda p: _lead(p.briefing_lead_hours), "briefed"),
        Kind("reminder", lambda p: _lead(p.reminder_lead_hours), "all"),
        Kind("log_prompt", None, "logger", proactive=True),
    )
}
#: The conversations meeting mail is written in: a reply to an agenda prompt is the agenda,
#: one to a log prompt the meeting's notes; reminders and briefings are in the mentorship's.
THREADS = {"agenda_prompt": AGENDA, "log_prompt": LOG}


@dataclass(frozen=True)
class MeetingMail:
    """One email due: its kind, meeting (at the SEQUENCE it was found at) and recipient."""

    kind: str
    meeting_id: int
    sequence: int
    person_id: int

    @property
    def occasion(self) -> str:
        """The outbox's idempotency key: `briefing:meeting-42:3:person-7`."""
        return f"{self.kind}:meeting-{self.meeting_id}:{self.sequence}:person-{self.person_id}"


def _occasion_sql(kind: str) -> ColumnElement[str]:
    """The same key, built by the database from a row of meetings and members."""
    return (
        literal(f"{kind}:meeting-", String)
        + cast(Meeting.id, String)
        + literal(":", String)
        + cast(Meeting.sequence, String)
        + literal(":person-", String)
        + cast(MentorshipMember.person_id, String)
    )


# What due selection reads of each row: a few columns, not whole rows (at 10,000 mentorships it
# reads some 19,000 rows, and ORM objects for each cost two thirds of its time).
_MEETING = Bundle(
    "meeting",
    Meeting.id,
    Meeting.sequence,
    Meeting.starts_at,
    Meeting.duration_minutes,
    Meeting.facilitator_id,
)
_MEMBER = Bundle("member", MentorshipMember.person_id, MentorshipMember.role, MentorshipMember.position)
_PROGRAM = Bundle(
    "program",
    Program.format,
    Program.timezone,
    Program.agenda_lead_hours,
    Program.briefing_lead_hours,
    Program.reminder_lead_hours,
    Program.daily_mail_cap,
)


class _Meeting(Protocol):
    id: int
    sequence: int
    starts_at: datetime
    duration_minutes: int
    facilitator_id: int | None


class _Member(Protocol):
    person_id: int
    role: str
    position: int


def _receives(kind: Kind, member: _Member, peer: bool, facilitator_id: int | None) -> bool:
    if kind.to == "all":
        return True
    if kind.to == "asker":
        return peer or member.role == "mentee"
    # "briefed" and "logger": in a circle the meeting's facilitator (its first member for a
    # meeting booked without one)
    if peer:
        return member.person_id == facilitator_id if facilitator_id is not None else member.position == 0
    return member.role == ("mentor" if kind.to == "briefed" else "mentee")


def due_meeting_mail(session: Session, at: datetime) -> list[MeetingMail]:
    """Every meeting email due at `at` and not yet written, oldest due first (see the module)."""
    longest = session.execute(
        select(
            func.max(Program.agenda_lead_hours),
            func.max(Program.briefing_lead_hours),
            func.max(Program.reminder_lead_hours),
        )
    ).one()
    horizon = _lead(max((h or 0) for h in longest)) + QUIET_LENGTH
    found: list[tuple[datetime, MeetingMail]] = []
    caps: dict[int, int] = {}
    for kind in KINDS.values():
        if kind.lead is None:
            timing = and_(
                Meeting.starts_at <= at,
                Meeting.starts_at > at - LOG_PROMPT_HORIZON - timedelta(days=1),
            )
        else:
            timing = and_(Meeting.starts_at > at, Meeting.starts_at <= at + horizon)
        rows = session.execute(
            select(_MEETING, _MEMBER, Person.timezone, _PROGRAM)
            .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
            .join(Program, Program.id == Mentorship.program_id)
            .join(MentorshipMember, MentorshipMember.mentorship_id == Mentorship.id)
            .join(Person, Person.id == MentorshipMember.person_id)
            .where(
                Meeting.status == "confirmed",
                timing,
                Mentorship.state.not_in(("completed", "ended_early")),
                ~suppressed_sql(Person, Program.id),
                *([Person.status != "paused"] if kind.proactive else []),
                ~exists().where(OutboundMessage.idempotency_key == _occasion_sql(kind.name)),
            )
        )
        for meeting, member, timezone, program in rows:
            peer, person_id = program.format == "peer", member.person_id
            if not _receives(kind, member, peer, meeting.facilitator_id):
                continue
            zone = zone_of(timezone, program.timezone)
            ready = _ready_at(kind, meeting, program, zone, at)
            if kind.proactive and in_quiet_hours(at, zone):
                continue  # held by the cap until a new day, it still waits for 07:00
            if ready is not None and ready <= at:
                found.append((ready, MeetingMail(kind.name, meeting.id, meeting.sequence, person_id)))
                caps[person_id] = min(caps.get(person_id, program.daily_mail_cap), program.daily_mail_cap)
    found.sort(key=lambda item: (item[0], item[1].meeting_id))
    return _within_cap(session, [mail for _, mail in found], at, caps)


def _ready_at(kind: Kind, meeting: _Meeting, program: Leads, zone: ZoneInfo, at: datetime) -> datetime | None:
    """When this mail may go to someone in `zone`, or None when it is no longer useful."""
    if kind.lead is None:
        end = meeting.starts_at + timedelta(minutes=meeting.duration_minutes)
        return proactive_at(end, zone) if end > at - LOG_PROMPT_HORIZON else None
    if kind.name == "agenda_prompt":
        briefing = KINDS["briefing"].lead
        assert briefing is not None
        # Once the briefing is due the agenda is no use asking for: it would reach nobody.
        briefing_at = meeting_mail_at(meeting.starts_at - briefing(program), zone)
        due = meeting_mail_at(meeting.starts_at - kind.lead(program), zone)
        return due if at < briefing_at else None
    return meeting_mail_at(meeting.starts_at - kind.lead(program), zone)


def _within_cap(
    session: Session, due: list[MeetingMail], at: datetime, caps: dict[int, int]
) -> list[MeetingMail]:
    """Proactive mail beyond a person's daily cap waits for their next day, oldest first (one
    statement: what they got in their day so far)."""
    proactive = [mail for mail in due if KINDS[mail.kind].proactive]
    if not proactive:
        return due
    sent = session.execute(
        select(OutboundMessage.person_id, OutboundMessage.created_at, Person.timezone, Program.timezone)
        .join(Person, Person.id == OutboundMessage.person_id)
        .join(Program, Program.id == OutboundMessage.program_id)
        .where(
            OutboundMessage.template.in_([kind.name for kind in KINDS.values() if kind.proactive]),
            OutboundMessage.created_at > at - timedelta(days=1),
            OutboundMessage.status != "failed",  # never reached them
        )
    ).all()
    today: dict[int, int] = {}
    for person_id, created_at, timezone, program_zone in sent:
        if created_at >= local_day_start(at, zone_of(timezone, program_zone)):
            today[person_id] = today.get(person_id, 0) + 1
    kept = []
    for mail in due:
        if KINDS[mail.kind].proactive:
            if today.get(mail.person_id, 0) >= caps[mail.person_id]:
                continue
            today[mail.person_id] = today.get(mail.person_id, 0) + 1
        kept.append(mail)
    return kept


def write_meeting_mail(
    session: Session, settings: Settings, mail: MeetingMail, at: datetime
) -> OutboundMessage | None:
    """Write one meeting email found due, if it still is (see the module); None otherwise."""
    kind = KINDS[mail.kind]
    meeting = session.get(Meeting, mail.meeting_id)
    if meeting is None or meeting.status != "confirmed" or meeting.sequence != mail.sequence:
        return None  # cancelled or moved since: its mail for the old time is not written
    if kind.lead is not None and meeting.starts_at <= at:
        return None  # started: a prompt, briefing or reminder is no use now
    mentorship = session.get(Mentorship, meeting.mentorship_id)
    assert mentorship is not None
    members = {m.person_id: m.person for m in mentorship.members}
    person = members.get(mail.person_id)
    if person is None or (kind.proactive and person.status == "paused"):
        return None
    program = mentorship.program
    context = (
        _briefing(session, meeting, mentorship, person, at)
        if kind.name == "briefing"
        else _common(meeting, mentorship, person)
    )
    return queue_email(
        session,
        settings,
        template=kind.name,
        occasion=mail.occasion,
        to=person,
        program=program,
        mentorship=mentorship,
        thread=THREADS.get(kind.name, MENTORSHIP),
        context={
            "program_name": program.name,
            "thread_subject": thread_subject(program, mentorship),
            **context,
        },
        now=at,
    )


def record_unwritten_meeting_mail(
    session: Session, settings: Settings, mail: MeetingMail, error: str, at: datetime
) -> None:
    """Record a meeting email that could not be written as failed, with `error`, under its occasion."""
    meeting = session.get(Meeting, mail.meeting_id)
    person = session.get(Person, mail.person_id)
    if meeting is None or person is None:
        return  # deleted since: nothing is due for it any more
    mentorship = session.get(Mentorship, meeting.mentorship_id)
    assert mentorship is not None
    record_unwritten(
        session,
        settings,
        template=mail.kind,
        occasion=mail.occasion,
        to=person,
        program=mentorship.program,
        mentorship=mentorship,
        error=error,
        now=at,
    )


def _common(meeting: Meeting, mentorship: Mentorship, reader: Person) -> dict[str, Any]:
    others = [m.person for m in mentorship.members if m.person_id != reader.id]
    return {
        "when": time_for(
            meeting.starts_at, reader, [m.person for m in mentorship.members], mentorship.program
        ),
        "minutes": meeting.duration_minutes,
        "place": meeting.location or "",
        "others": [person.first_name for person in others],
        "with_whom": names_of(others),
    }


def _briefing(
    session: Session, meeting: Meeting, mentorship: Mentorship, reader: Person, at: datetime
) -> dict[str, Any]:
    """What the mentor (or facilitator) reads before the meeting (SPEC §3.1.5)."""
    program = mentorship.program
    askers = [m.person for m in mentorship.members if m.role == "mentee" or program.format == "peer"]
    goals = dict(
        session.execute(
            select(Enrolment.person_id, Enrolment.goals).where(
                Enrolment.program_id == program.id, Enrolment.person_id.in_([p.id for p in askers])
            )
        ).all()
    )
    names = {m.person_id: m.person.first_name for m in mentorship.members}
    items = session.scalars(
        select(ActionItem)
        .where(ActionItem.mentorship_id == mentorship.id, ActionItem.status == "open")
        .order_by(ActionItem.number)
    ).all()
    previous = session.scalar(
        select(Meeting)
        .where(
            Meeting.mentorship_id == mentorship.id,
            Meeting.status == "held",
            Meeting.starts_at < meeting.starts_at,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    notes = (
        session.scalars(
            select(Note.body).where(Note.meeting_id == previous.id, Note.private.is_(False)).order_by(Note.id)
        ).all()
        if previous is not None
        else []
    )
    held = session.scalar(
        select(func.count()).where(Meeting.mentorship_id == mentorship.id, Meeting.status == "held")
    )
    zone = zone_of(reader.timezone, program.timezone)
    stage = stage_of(held or 0, at.astimezone(zone).date(), program.start_date, program.end_date)
    return {
        **_common(meeting, mentorship, reader),
        "askers": [
            {"name": person.first_name, "goals": goals.get(person.id) or ""}
            for person in askers
            if person.id != reader.id
        ],
        "agenda": meeting.agenda or "",
        "items": [
            {
                "number": item.number,
                "text": item.text,
                "owner": names.get(item.owner_id or 0, ""),
                "age_days": max(0, (at - item.created_at).days),
            }
            for item in items
        ],
        "last_notes": "\n\n".join(notes),
        "last_met": day_and_clock(previous.starts_at, zone) if previous is not None else "",
        "questions": suggested_questions(meeting.agenda, stage, meeting.id),
        "stage": stage,
    }
