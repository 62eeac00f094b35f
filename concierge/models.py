"""Typed SQLAlchemy 2 models of the mentoring domain, with their constraints in the database.

Programs hold enrolments (people in a role) and mentorships (a pair or a circle);
meetings, notes, action items and reflections belong to a mentorship. Reply keys
tie an email conversation to (person, program, mentorship, thread). Inbound and
outbound messages are the durable records of the mail that flows through.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
)
from sqlalchemy.orm import Mapped, column_property, foreign, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from concierge.db import Base, utcnow
from concierge.threads import MENTORSHIP

FORMATS = ("formal", "informal", "peer")
ROLES = ("mentor", "mentee", "peer")
PERSON_STATUSES = ("active", "paused", "unsubscribed", "bouncing")
MENTORSHIP_STATES = ("introduced", "active", "stalled", "paused", "completed", "ended_early")
MEETING_STATUSES = ("proposed", "confirmed", "held", "missed", "cancelled")
PROPOSAL_STATUSES = ("pending", "confirmed", "declined", "superseded", "withdrawn")
SERIES_STATUSES = ("confirmed", "cancelled")
MEETING_ANSWERS = ("accepted", "declined", "tentative")
ACTION_ITEM_STATUSES = ("open", "done")
REFLECTION_KINDS = ("midterm", "final", "checkin")
INBOUND_STATUSES = ("pending", "processing", "processed", "ignored", "rejected", "failed")
INBOUND_KINDS = ("reply", "auto_reply", "bounce", "own", "spam", "foreign", "unknown")
OUTBOUND_STATUSES = ("queued", "sending", "sent", "failed")
REPORT_KINDS = ("hard", "soft", "delayed", "complaint", "unsubscribe")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware on every database (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def Timestamp(**kwargs: Any) -> Any:  # noqa: N802 - reads like a column type
    """A timezone-aware timestamp column (stored as UTC)."""
    return mapped_column(UTCDateTime(), **kwargs)


class Program(Base):
    """A mentoring program: its format, term, cadence, zone and settings (SPEC §2)."""

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint(_one_of("format", FORMATS), name="format"),
        CheckConstraint("cadence_days > 0", name="cadence_positive"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", "term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    cadence_days: Mapped[int] = mapped_column(Integer, default=14)
    checkin_weeks: Mapped[int] = mapped_column(Integer, default=12)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    agenda_lead_hours: Mapped[int] = mapped_column(Integer, default=48)
    briefing_lead_hours: Mapped[int] = mapped_column(Integer, default=24)
    reminder_lead_hours: Mapped[int] = mapped_column(Integer, default=2)
    reflection_lead_days: Mapped[int] = mapped_column(Integer, default=7)
    midterm_checkin: Mapped[bool] = mapped_column(Boolean, default=False)
    coordinator_sees_text: Mapped[bool] = mapped_column(Boolean, default=False)
    daily_mail_cap: Mapped[int] = mapped_column(Integer, default=6)
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="program")
    mentorships: Mapped[list[Mentorship]] = relationship(back_populates="program")
    coordinators: Mapped[list[Coordinator]] = relationship(
        secondary="program_coordinators", back_populates="programs"
    )


class Coordinator(Base):
    """Someone who runs programs through the dashboard and logs in by magic link."""

    __tablename__ = "coordinators"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = Timestamp(default=utcnow)
    # A dashboard session carries the generation it began in; logging out moves it on, so
    # that every session of this coordinator ends (session cookies cannot be taken back).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    programs: Mapped[list[Program]] = relationship(
        secondary="program_coordinators", back_populates="coordinators"
    )


class ProgramCoordinator(Base):
    """Which coordinators run which programs."""

    __tablename__ = "program_coordinators"

    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    coordinator_id: Mapped[int] = mapped_column(
        ForeignKey("coordinators.id", ondelete="CASCADE"), primary_key=True
    )


class Person(Base):
    """A mentee, mentor or peer, identified by a normalised email address (SPEC §1)."""

    __tablename__ = "people"
    __table_args__ = (CheckConstraint(_one_of("status", PERSON_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")
    paused_until: Mapped[date | None] = mapped_column(Date)
    bounce_reason: Mapped[str | None] = mapped_column(Text)
    # Soft bounces before this (a reply, or an operator, cleared `bouncing`) no longer count.
    bounces_cleared_at: Mapped[datetime | None] = Timestamp()
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    aliases: Mapped[list[PersonAlias]] = relationship(back_populates="person", cascade="all, delete-orphan")

    @property
    def display_name(self) -> str:
        """The name, or the address when no name is known."""
        return self.name or self.email

    @property
    def first_name(self) -> str:
        """What to call them in a sentence: the first word of the name, else the address's local part."""
        return self.name.split()[0] if self.name and self.name.strip() else self.email.split("@", 1)[0]


class PersonAlias(Base):
    """Another address of a person: a reply from it counts as the person."""

    __tablename__ = "person_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)

    person: Mapped[Person] = relationship(back_populates="aliases")


class Enrolment(Base):
    """A person in a program, in one role, with goals, topics and (for mentors) capacity."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("program_id", "person_id"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    goals: Mapped[str | None] = mapped_column(Text)
    goals_inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    would_mentor: Mapped[bool | None] = mapped_column(Boolean)
    unsubscribed_at: Mapped[datetime | None] = Timestamp()
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    program: Mapped[Program] = relationship(back_populates="enrolments")
    person: Mapped[Person] = relationship()


class Mentorship(Base):
    """One relationship in a program: a mentor and a mentee, or a peer circle (SPEC §2)."""

    __tablename__ = "mentorships"
    __table_args__ = (CheckConstraint(_one_of("state", MENTORSHIP_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="introduced")
    nudges_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime | None] = Timestamp()
    ended_at: Mapped[datetime | None] = Timestamp()
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    program: Mapped[Program] = relationship(back_populates="mentorships")
    members: Mapped[list[MentorshipMember]] = relationship(
        back_populates="mentorship",
        order_by="MentorshipMember.position",
        cascade="all, delete-orphan",
    )


class MentorshipMember(Base):
    """A person's place in a mentorship: role and order (the facilitator rotation follows it)."""

    __tablename__ = "mentorship_members"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "person_id"),
        UniqueConstraint("mentorship_id", "position"),
        CheckConstraint(_one_of("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)

    mentorship: Mapped[Mentorship] = relationship(back_populates="members")
    #: The member's key for the mentorship's conversation, once they have had an email in it:
    #: a reply in the mentorship reads it with the members (who to tell, at which address).
    conversation_key: Mapped[ReplyKey | None] = relationship(
        primaryjoin=lambda: and_(
            foreign(ReplyKey.person_id) == MentorshipMember.person_id,
            foreign(ReplyKey.mentorship_id) == MentorshipMember.mentorship_id,
            ReplyKey.thread == MENTORSHIP,
        ),
        viewonly=True,
        uselist=False,
    )
    person: Mapped[Person] = relationship()


#: Whether the enrolled person is a member of a mentorship of the program (what the answer to
#: their welcome says). Deferred: a reply's key reads it with its enrolment
#: (`keys.WITH_WHAT_A_REPLY_READS`), anything else on first use. A scalar subquery, not EXISTS:
#: PostgreSQL may answer an EXISTS in a select list by hashing every membership, where this
#: looks up the person's own by its index.
Enrolment.paired: Mapped[bool] = column_property(
    select(MentorshipMember.id)
    .join(Mentorship, Mentorship.id == MentorshipMember.mentorship_id)
    .where(Mentorship.program_id == Enrolment.program_id, MentorshipMember.person_id == Enrolment.person_id)
    .limit(1)
    .correlate_except(MentorshipMember, Mentorship)
    .scalar_subquery()
    .is_not(None),
    deferred=True,
)


class MeetingSeries(Base):
    """A repeating meeting ("every other Tuesday at 3pm"): one invite with an RRULE, its start in
    the proposer's zone so that it keeps its wall-clock time across DST; its occurrences are rows
    of `meetings`, each briefed and reminded."""

    __tablename__ = "meeting_series"
    __table_args__ = (
        CheckConstraint(_one_of("status", SERIES_STATUSES), name="status"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    rrule: Mapped[str] = mapped_column(String(200))
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    zone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = Timestamp()
    duration_minutes: Mapped[int] = mapped_column(Integer, default=45)
    location: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    source_inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = Timestamp(default=utcnow)


class Meeting(Base):
    """A meeting of a mentorship: proposed, confirmed, held, missed or cancelled.

    An occurrence of a series has `series_id` and `occurrence_of`, the start its series gave it
    (its RECURRENCE-ID in calendar terms, kept when that one occurrence moves); its UID is
    its own, the series' UID is what calendars know.
    """

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(_one_of("status", MEETING_STATUSES), name="status"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_meetings_mentorship_starts", "mentorship_id", "starts_at"),
        UniqueConstraint("series_id", "occurrence_of"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="SET NULL"))
    occurrence_of: Mapped[datetime | None] = Timestamp()
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = Timestamp()
    duration_minutes: Mapped[int] = mapped_column(Integer, default=45)
    location: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    agenda: Mapped[str | None] = mapped_column(Text)
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    source_inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    #: A member asked to move it and has not yet said to when ("can we reschedule?").
    move_asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = Timestamp()
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    series: Mapped[MeetingSeries | None] = relationship()

    @property
    def invite_sequence(self) -> int:
        """The SEQUENCE of its invite: a series' changes count for each of its occurrences."""
        return (self.series.sequence if self.series is not None else 0) + self.sequence


class MeetingAnswer(Base):
    """A member's answer to a confirmed meeting's invite (by reply or from their calendar)."""

    __tablename__ = "meeting_answers"
    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id"),
        CheckConstraint(_one_of("answer", MEETING_ANSWERS), name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(16))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime] = Timestamp(default=utcnow)


class Proposal(Base):
    """Times a member offered, waiting for the other side's answer (SPEC §3.1.3).

    `options` are the offered times as `concierge inbound --now` prints them; `asked_ids` the
    people whose answer it waits for; `meeting_id` the meeting it would move (a reschedule).
    """

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_one_of("status", PROPOSAL_STATUSES), name="status"),
        Index("ix_proposals_mentorship_status", "mentorship_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    asked_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    source_inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    answered_inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = Timestamp(default=utcnow)
    answered_at: Mapped[datetime | None] = Timestamp()


class Note(Base):
    """Notes of a meeting or a mentorship, written by a member in a reply."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = Timestamp(default=utcnow)


class ActionItem(Base):
    """An action item, numbered per mentorship (#1, #2, …), with an owner and an optional due date."""

    __tablename__ = "action_items"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "number"),
        CheckConstraint(_one_of("status", ACTION_ITEM_STATUSES), name="status"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = Timestamp(default=utcnow)
    done_at: Mapped[datetime | None] = Timestamp()
    last_reminded_at: Mapped[datetime | None] = Timestamp()


class Reflection(Base):
    """A member's answer to a reflection or check-in prompt."""

    __tablename__ = "reflections"
    __table_args__ = (CheckConstraint(_one_of("kind", REFLECTION_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    would_mentor: Mapped[bool | None] = mapped_column(Boolean)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = Timestamp(default=utcnow)


class ReplyKey(Base):
    """The key in `reply+<key>@REPLY_DOMAIN`: names (person, program, mentorship, thread) (SPEC §3)."""

    __tablename__ = "reply_keys"
    __table_args__ = (
        CheckConstraint("length(key) = 26", name="key_length"),
        UniqueConstraint("person_id", "program_id", "mentorship_id", "thread"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(26), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    thread: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = Timestamp(default=utcnow)

    person: Mapped[Person] = relationship()
    program: Mapped[Program] = relationship()
    mentorship: Mapped[Mentorship | None] = relationship()
    #: The person's enrolment in the program (a reply to the key reads it: loaded with the key).
    enrolment: Mapped[Enrolment | None] = relationship(
        primaryjoin=lambda: and_(
            ReplyKey.program_id == foreign(Enrolment.program_id),
            ReplyKey.person_id == foreign(Enrolment.person_id),
        ),
        viewonly=True,
        uselist=False,
    )


class InboundMessage(Base):
    """A received email, stored raw before anything else, with its processing status and reason."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint(_one_of("status", INBOUND_STATUSES), name="status"),
        CheckConstraint(f"kind IS NULL OR {_one_of('kind', INBOUND_KINDS)}", name="kind"),
        Index("ix_inbound_messages_status", "status"),
        Index("ix_inbound_messages_person_id", "person_id"),
        Index("ix_inbound_messages_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_size: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="relay")
    message_id: Mapped[str | None] = mapped_column(String(998))
    envelope_recipient: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    kind: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    sender: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    reply_key_id: Mapped[int | None] = mapped_column(ForeignKey("reply_keys.id", ondelete="SET NULL"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    mentorship_id: Mapped[int | None] = mapped_column(ForeignKey("mentorships.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = Timestamp(default=utcnow)
    processed_at: Mapped[datetime | None] = Timestamp()
    raw_deleted_at: Mapped[datetime | None] = Timestamp()
    #: What was understood (SPEC §4.2's `intents`), as printed by `concierge inbound --now`.
    intents: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))


class InboundEffect(Base):
    """An effect a message has had ("proposal", "cancel", "invite:…"), so that processing it again
    (a reprocess, a redelivered webhook, a retried job) never has it twice (SPEC §5)."""

    __tablename__ = "inbound_effects"
    __table_args__ = (UniqueConstraint("inbound_message_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))


class OutboundMessage(Base):
    """An email we send: recorded with the change that caused it, sent by a job (SPEC §5)."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(_one_of("status", OUTBOUND_STATUSES), name="status"),
        Index("ix_outbound_messages_status", "status"),
        # A conversation's latest email (threading, answers at most every so often), a person's
        # mail (bounces, complaints) and the last day's mail (the daily cap), without a scan.
        Index("ix_outbound_messages_reply_key_id_id", "reply_key_id", "id"),
        Index("ix_outbound_messages_person_id_id", "person_id", "id"),
        Index("ix_outbound_messages_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    to_email: Mapped[str] = mapped_column(String(320))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("coordinators.id", ondelete="SET NULL"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorships.id", ondelete="SET NULL"), index=True
    )
    reply_key_id: Mapped[int | None] = mapped_column(ForeignKey("reply_keys.id", ondelete="SET NULL"))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auto_submitted: Mapped[str] = mapped_column(String(16), default="auto-generated")
    subject: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    resent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = Timestamp(default=utcnow)
    sending_at: Mapped[datetime | None] = Timestamp()
    sent_at: Mapped[datetime | None] = Timestamp()


class DeliveryReport(Base):
    """A bounce, complaint or unsubscribe about mail we sent, trusted because it is tied to that
    mail (SPEC §3.4): the record of what changed a person's status.

    `occasion` names what reported it (an inbound message, one event of a provider's
    webhook), so the same report processed twice is recorded once.
    """

    __tablename__ = "delivery_reports"
    __table_args__ = (
        CheckConstraint(_one_of("kind", REPORT_KINDS), name="kind"),
        Index("ix_delivery_reports_person_occurred", "person_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occasion: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id", ondelete="SET NULL"))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = Timestamp(default=utcnow)


class DevMail(Base):
    """The dev outbox: what would have been sent when no SMTP server is configured."""

    __tablename__ = "dev_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"), index=True
    )
    to_email: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = Timestamp(default=utcnow)


class LoginToken(Base):
    """A coordinator's magic login link: valid 15 minutes, usable once; only its hash is kept."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    coordinator_id: Mapped[int] = mapped_column(ForeignKey("coordinators.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = Timestamp(default=utcnow)
    expires_at: Mapped[datetime] = Timestamp()
    used_at: Mapped[datetime | None] = Timestamp()
