"""Every meeting's mail (SPEC §3.1.4–7, §5): agenda prompt, briefing, reminder and log prompt,
found due by the periodic job and written once each, in quiet hours' and people's terms."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from concierge.actions.meeting_mail import due_meeting_mail
from concierge.db import session_scope
from concierge.models import Meeting, Note, OutboundMessage, Person, ReplyKey
from tests import factories
from tests.mail import reply_to_outbound
from workers.inbound import process_now
from workers.meeting_mail import find_due

# Tuesday 8 December 2026, 15:00 in New York (the mentee), 12:00 in Los Angeles (the mentor).
START = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)


def pair(settings, work, mentee_zone="America/New_York", mentor_zone="America/Los_Angeles", cap=None):
    with session_scope(settings) as s:
        prog = factories.program(s, timezone="America/New_York")
        if cap is not None:
            prog.daily_mail_cap = cap
        factories.participant(
            s, prog, "mentor", email="maya@example.org", name="Maya Chen", timezone=mentor_zone
        )
        factories.participant(
            s,
            prog,
            "mentee",
            email="ana@example.org",
            name="Ana Ruiz",
            timezone=mentee_zone,
            goals="Lead a project",
        )
        from concierge.actions.pairing import pair as make_pair

        made = make_pair(s, settings, prog, "maya@example.org", "ana@example.org")
        mentorship_id = made.id
    work()
    return mentorship_id


def add_meeting(settings, mentorship_id: int, start: datetime = START, **kwargs) -> int:
    from concierge.models import Mentorship

    with session_scope(settings) as s:
        return factories.meeting(s, s.get(Mentorship, mentorship_id), start, **kwargs).id


def tick(settings, work, at: datetime) -> int:
    """What `concierge tick --at` does for meeting mail: find what is due, then work the queues."""
    found = find_due(at)
    work()
    return found


def answer(settings, template: str, text: str, now: datetime):
    """Reply `text` to the latest email of `template` and process it at `now`."""
    from concierge.ingress.store import store_inbound

    with session_scope(settings) as s:
        prompt = s.scalar(
            select(OutboundMessage.id)
            .where(OutboundMessage.template == template)
            .order_by(OutboundMessage.id.desc())
        )
    # Each answer its own email, with a Message-ID of its own (copies of one email act once).
    raw = reply_to_outbound(settings, prompt, text, message_id=f"<{uuid.uuid4().hex}@mail.example.org>")
    return process_now(settings, store_inbound(settings, raw, None).id, now=now)


def meeting_mail(settings) -> list[tuple[str, str, datetime]]:
    """(template, recipient, recorded at) of every meeting email, in order."""
    with session_scope(settings) as s:
        return [
            tuple(row)
            for row in s.execute(
                select(OutboundMessage.template, OutboundMessage.to_email, OutboundMessage.created_at)
                .where(OutboundMessage.template.in_(("agenda_prompt", "briefing", "reminder", "log_prompt")))
                .order_by(OutboundMessage.id)
            )
        ]


def test_three_meetings_each_get_each_email_once_within_a_tick_of_its_due_time(settings, work):
    """Ticks every 15 minutes within an hour of a due time, every 6 hours otherwise."""
    mentorship = pair(settings, work)
    due: dict[tuple[str, str, int], datetime] = {}
    for week in range(3):
        start = START + timedelta(weeks=week)
        add_meeting(settings, mentorship, start)
        due[("agenda_prompt", "ana@example.org", week)] = start - timedelta(hours=48)
        due[("briefing", "maya@example.org", week)] = start - timedelta(hours=24)
        due[("reminder", "ana@example.org", week)] = start - timedelta(hours=2)
        due[("reminder", "maya@example.org", week)] = start - timedelta(hours=2)
        due[("log_prompt", "ana@example.org", week)] = start + timedelta(minutes=45)
    at, last = START - timedelta(days=4), START + timedelta(weeks=2, days=2)
    while at <= last:
        tick(settings, work, at)
        near = any(abs(at - moment) <= timedelta(hours=1) for moment in due.values())
        upcoming = [
            moment - timedelta(hours=1) for moment in due.values() if moment - timedelta(hours=1) > at
        ]
        at = at + timedelta(minutes=15) if near else min([at + timedelta(hours=6), *upcoming])
    sent = meeting_mail(settings)
    assert len(sent) == len(due)
    for (template, to, week), moment in due.items():
        (recorded,) = [
            r for t, who, r in sent if (t, who) == (template, to) and abs(r - moment) < timedelta(days=1)
        ]
        assert timedelta(0) <= recorded - moment < timedelta(minutes=15), (template, to, week)


def test_the_briefing_tells_the_mentor_what_they_need(settings, work):
    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship, location="https://zoom.us/j/123")
    with session_scope(settings) as s:
        from concierge.models import ActionItem

        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        s.add(
            ActionItem(
                mentorship_id=mentorship,
                number=1,
                owner_id=ana.id,
                text="Draft the promotion case",
                created_at=START - timedelta(days=10),
            )
        )
        s.get(Meeting, meeting_id).agenda = "My promotion case"
    tick(settings, work, START - timedelta(hours=24))
    with session_scope(settings) as s:
        row = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "briefing"))
        context = row.context
    assert context["when"] == "Tue Dec 8, 12:00 PM PT (3:00 PM ET for Ana)"
    assert context["askers"] == [{"name": "Ana", "goals": "Lead a project"}]
    assert context["agenda"] == "My promotion case"
    assert context["items"] == [
        {"number": 1, "text": "Draft the promotion case", "owner": "Ana", "age_days": 9}
    ]
    assert 2 <= len(context["questions"]) <= 3
    # One on the agenda's topic that fits a first meeting, then questions for any first meeting.
    career = "What does the next step in your career look like to you, in your own words?"
    assert career in context["questions"]
    assert context["stage"] == "first"


def test_briefing_due_in_quiet_hours_goes_the_evening_before(settings, work):
    # A 07:30 meeting in Berlin: its briefing is due at 07:30 the day before... and its reminder
    # at 05:30, in quiet hours: the reminder goes at 20:59 the evening before.
    mentorship = pair(settings, work, mentee_zone="Europe/Berlin", mentor_zone="Europe/Berlin")
    start = datetime(2026, 12, 8, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
    add_meeting(settings, mentorship, start)
    evening = datetime(2026, 12, 7, 19, 59, tzinfo=UTC)  # 20:59 in Berlin
    tick(settings, work, evening - timedelta(minutes=1))
    assert [t for t, _, _ in meeting_mail(settings) if t == "reminder"] == []
    tick(settings, work, evening)
    assert sorted(to for t, to, _ in meeting_mail(settings) if t == "reminder") == [
        "ana@example.org",
        "maya@example.org",
    ]


@pytest.mark.parametrize(
    ("zone", "local_end", "expected_local"),
    [
        ("America/New_York", (22, 45), (7, 0)),  # ends in quiet hours: the prompt waits for 07:00
        ("Asia/Tokyo", (16, 0), (16, 0)),
        ("Australia/Sydney", (23, 15), (7, 0)),
    ],
)
def test_the_log_prompt_waits_for_morning(settings, work, zone, local_end, expected_local):
    from zoneinfo import ZoneInfo

    mentorship = pair(settings, work, mentee_zone=zone, mentor_zone=zone)
    end = datetime(2026, 12, 8, *local_end, tzinfo=ZoneInfo(zone))
    add_meeting(settings, mentorship, end - timedelta(minutes=45))
    at = end
    while not [t for t, _, _ in meeting_mail(settings) if t == "log_prompt"]:
        tick(settings, work, at)
        at += timedelta(minutes=15)
        assert at < end + timedelta(days=1)
    (recorded,) = [r for t, _, r in meeting_mail(settings) if t == "log_prompt"]
    local = recorded.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == expected_local


def test_a_meeting_confirmed_late_gets_what_is_still_useful(settings, work):
    mentorship = pair(settings, work)
    add_meeting(settings, mentorship)
    tick(settings, work, START - timedelta(hours=20))  # confirmed 20 hours before
    assert sorted(t for t, _, _ in meeting_mail(settings)) == ["briefing"]


def test_a_moved_or_cancelled_meeting_gets_no_mail_for_its_old_time(settings, work):
    from concierge.actions.meeting_mail import MeetingMail, write_meeting_mail

    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship)
    at = START - timedelta(hours=24)
    with session_scope(settings) as s:
        (briefing,) = [m for m in due_meeting_mail(s, at) if m.kind == "briefing"]
        moved = s.get(Meeting, meeting_id)
        moved.starts_at, moved.sequence = START + timedelta(days=2), moved.sequence + 1
    with session_scope(settings) as s:
        assert write_meeting_mail(s, settings, briefing, at) is None  # found before the move
        assert [m.kind for m in due_meeting_mail(s, at)] == []  # nothing due for the new time yet
        s.get(Meeting, meeting_id).status = "cancelled"
    tick(settings, work, START + timedelta(days=1))
    assert meeting_mail(settings) == []
    assert isinstance(briefing, MeetingMail)


def test_paused_people_keep_meeting_mail_and_unsubscribed_ones_get_none(settings, work):
    mentorship = pair(settings, work)
    add_meeting(settings, mentorship)
    with session_scope(settings) as s:
        s.scalar(select(Person).where(Person.email == "ana@example.org")).status = "paused"
        s.scalar(select(Person).where(Person.email == "maya@example.org")).status = "unsubscribed"
    at = START - timedelta(hours=48)
    while at < START + timedelta(days=1):
        tick(settings, work, at)
        at += timedelta(hours=1)
    assert sorted((t, to) for t, to, _ in meeting_mail(settings)) == [
        ("agenda_prompt", "ana@example.org"),
        ("reminder", "ana@example.org"),
    ]


def test_the_daily_cap_holds_proactive_mail_to_the_next_day(settings, work):
    mentorship = pair(settings, work, cap=1)
    for hour in (14, 16):
        add_meeting(settings, mentorship, datetime(2026, 12, 8, hour, tzinfo=UTC))
    tick(settings, work, datetime(2026, 12, 8, 18, tzinfo=UTC))
    assert [t for t, _, _ in meeting_mail(settings) if t == "log_prompt"] == ["log_prompt"]
    tick(settings, work, datetime(2026, 12, 9, 5, tzinfo=UTC))  # midnight in New York: a new day, quiet
    assert [t for t, _, _ in meeting_mail(settings) if t == "log_prompt"] == ["log_prompt"]
    tick(settings, work, datetime(2026, 12, 9, 13, tzinfo=UTC))  # 08:00 the next day in New York
    assert [t for t, _, _ in meeting_mail(settings) if t == "log_prompt"] == ["log_prompt", "log_prompt"]


def test_finding_due_mail_costs_the_same_statements_for_10_and_300_mentorships(settings, work):
    def statements(count: int, first: datetime) -> int:
        with session_scope(settings) as s:
            prog = factories.program(s)
            for n in range(count):
                made = factories.mentorship(s, settings, prog)
                factories.meeting(s, made, first + timedelta(minutes=n))
        seen: list[int] = []

        def counting(*_args) -> None:
            seen.append(1)

        event.listen(Engine, "before_cursor_execute", counting)
        try:
            with session_scope(settings) as s:
                found = due_meeting_mail(s, first - timedelta(hours=24) + timedelta(minutes=count))
        finally:
            event.remove(Engine, "before_cursor_execute", counting)
        assert len([m for m in found if m.kind == "briefing"]) == count
        return len(seen)

    few = statements(10, datetime(2026, 12, 10, 15, tzinfo=UTC))
    many = statements(300, datetime(2026, 12, 20, 15, tzinfo=UTC))
    assert few == many


def test_two_ticks_at_once_write_each_email_once(settings, work, tmp_path):
    import os

    mentorship = pair(settings, work)
    add_meeting(settings, mentorship)
    at = (START - timedelta(hours=2)).isoformat()
    command = [str(Path(sys.executable).parent / "concierge"), "tick", "--at", at]
    ticks = [subprocess.Popen(command, env=os.environ.copy()) for _ in range(2)]
    assert [t.wait(timeout=120) for t in ticks] == [0, 0]
    with session_scope(settings) as s:
        counts = s.execute(
            select(OutboundMessage.idempotency_key, func.count())
            .where(OutboundMessage.template.in_(("briefing", "reminder")))
            .group_by(OutboundMessage.idempotency_key)
        ).all()
    assert len(counts) == 3 and all(n == 1 for _, n in counts)  # the briefing, two reminders


def test_a_reply_to_the_agenda_prompt_is_the_agenda_and_one_to_the_log_prompt_the_notes(settings, work):
    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship)
    tick(settings, work, START - timedelta(hours=48))
    text = "My promotion case, and how to ask for more visible work."
    result = answer(settings, "agenda_prompt", text, START - timedelta(hours=40))
    assert [i["type"] for i in result.intents] == ["agenda"]
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting_id).agenda.startswith("My promotion case")
    tick(settings, work, START + timedelta(hours=1))
    text = "Great talk about the case. Next: ask my manager for feedback."
    result = answer(settings, "log_prompt", text, START + timedelta(hours=2))
    assert [i["type"] for i in result.intents] == ["notes"]
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting_id).status == "held"
        assert s.scalar(select(Note.body)).startswith("Great talk")


def test_we_did_not_meet_marks_the_meeting_missed(settings, work):
    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship)
    tick(settings, work, START + timedelta(hours=1))
    result = answer(
        settings, "log_prompt", "Sorry, we didn't meet, Maya was ill.", START + timedelta(hours=2)
    )
    assert [i["type"] for i in result.intents] == ["missed"]
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting_id).status == "missed"


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        ("America/New_York", datetime(2027, 3, 9, 20, tzinfo=UTC), datetime(2027, 3, 16, 19, tzinfo=UTC)),
        ("Australia/Sydney", datetime(2027, 3, 30, 4, tzinfo=UTC), datetime(2027, 4, 6, 5, tzinfo=UTC)),
    ],
)
def test_a_weekly_meeting_across_a_dst_change_is_shown_at_its_wall_clock_time(
    settings, work, zone, before, after
):
    """Both occurrences are at 3:00 PM where the pair lives, though an hour apart in UTC."""
    mentorship = pair(settings, work, mentee_zone=zone, mentor_zone=zone)
    for start in (before, after):
        add_meeting(settings, mentorship, start)
        tick(settings, work, start - timedelta(hours=24))
    with session_scope(settings) as s:
        whens = [
            r.context["when"]
            for r in s.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.template == "briefing")
                .order_by(OutboundMessage.id)
            )
        ]
    assert all(", 3:00 PM " in when for when in whens), whens


def test_a_circles_facilitator_rotates_one_meeting_each(settings, work):
    """The facilitator schedules (their time is final), is briefed and is asked for notes; the
    next meeting is the next member's to schedule and facilitate (SPEC §3.3)."""
    from concierge.actions.pairing import circle
    from tests.scheduling.helpers import NOW, reply

    with session_scope(settings) as s:
        prog = factories.program(s, format="peer", timezone="America/New_York")
        emails = [factories.participant(s, prog, "peer").person.email for _ in range(3)]
        circle(s, settings, prog, emails)
    work()

    def intro(email: str) -> int:
        with session_scope(settings) as s:
            return s.scalar(
                select(OutboundMessage.id).where(
                    OutboundMessage.to_email == email, OutboundMessage.template == "introduction_peer"
                )
            )

    reply(settings, intro(emails[0]), "Thursday Dec 10 at 6pm on Zoom", now=NOW)
    work()
    reply(settings, intro(emails[1]), "Next one Thursday Dec 17 at 6pm", now=NOW)
    reply(settings, intro(emails[2]), "How about Thursday Dec 24 at 6pm?", now=NOW)
    work()
    with session_scope(settings) as s:
        meetings = s.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        people = {p.id: p.email for p in s.scalars(select(Person))}
        assert [(m.starts_at.day, people[m.facilitator_id]) for m in meetings] == [
            (10, emails[0]),
            (17, emails[1]),
            (24, emails[2]),
        ]
    for meeting in meetings:
        tick(settings, work, meeting.starts_at - timedelta(hours=24))
    assert [to for t, to, _ in meeting_mail(settings) if t == "briefing"] == emails


def test_an_answer_to_a_prompt_that_schedules_is_read_as_scheduling(settings, work):
    """ "We didn't meet, how about Thursday at 3pm?" is missed and a proposal; "Can we move it to
    4pm?" in answer to the agenda prompt moves the meeting and is no agenda."""
    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship)
    later = add_meeting(settings, mentorship, START + timedelta(weeks=1))
    tick(settings, work, START + timedelta(hours=1))
    text = "We didn't meet, how about Thursday at 3pm?"
    result = answer(settings, "log_prompt", text, START + timedelta(hours=2))
    assert [i["type"] for i in result.intents] == ["missed", "propose"]
    tick(settings, work, START + timedelta(weeks=1) - timedelta(hours=48))
    now = START + timedelta(weeks=1) - timedelta(hours=40)
    result = answer(settings, "agenda_prompt", "Can we move it to Wednesday at 4pm?", now)
    assert [i["type"] for i in result.intents] == ["reschedule"]
    with session_scope(settings) as s:
        assert s.get(Meeting, meeting_id).status == "missed"
        assert s.get(Meeting, later).agenda is None


def test_nothing_is_found_due_for_someone_unsubscribed_from_the_program(settings, work):
    """Found due, never written, found again every run: the selection leaves them out."""
    from concierge.models import Enrolment

    mentorship = pair(settings, work)
    add_meeting(settings, mentorship)
    with session_scope(settings) as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        s.scalar(select(Enrolment).where(Enrolment.person_id == ana.id)).unsubscribed_at = START
    with session_scope(settings) as s:
        due = due_meeting_mail(s, START + timedelta(hours=1))
    assert [m.kind for m in due] == []  # the log prompt is Ana's


@pytest.mark.parametrize(
    ("thread", "text", "expected"),
    [
        ("log", "Great chat. We didn't talk about salary yet.", ["notes"]),
        ("log", "My flight was cancelled so we met on Zoom instead", ["notes"]),
        ("log", "we didn't make it through the whole agenda", ["notes"]),
        ("log", "We didn't meet, Maya was ill.", ["missed"]),
        ("log", "The meeting got cancelled.", ["missed"]),
        ("agenda", "Burnout", ["agenda"]),
        ("agenda", "Thanks!", []),
    ],
)
def test_answers_to_prompts_are_read_as_written(thread, text, expected):
    from zoneinfo import ZoneInfo

    from concierge.inbound.intents import Situation, read_intents

    where = Situation("mentee", ZoneInfo("America/New_York"), START, thread, "time")
    assert [i.type for i in read_intents(text, "Re: x", where)] == expected


def test_a_late_answer_to_a_log_prompt_is_about_the_meeting_that_ended(settings, work):
    mentorship = pair(settings, work)
    first = add_meeting(settings, mentorship)
    second = add_meeting(settings, mentorship, START + timedelta(weeks=1))
    tick(settings, work, START + timedelta(hours=1))
    during = START + timedelta(weeks=1, minutes=10)  # the next meeting has begun
    answer(settings, "log_prompt", "Good session on my promotion case.", during)
    with session_scope(settings) as s:
        assert (s.get(Meeting, first).status, s.get(Meeting, second).status) == ("held", "confirmed")


def test_an_email_that_cannot_be_written_is_recorded_failed_not_found_due_again(settings, work, monkeypatch):
    from rq import Retry

    from concierge import queues
    from concierge.actions import meeting_mail as actions
    from concierge.when import iso_utc

    def unreadable(*_args):
        raise ValueError("the question bank is unreadable")

    monkeypatch.setattr(actions, "suggested_questions", unreadable)
    add_meeting(settings, pair(settings, work))
    at = START - timedelta(hours=24)
    with session_scope(settings) as s:
        (briefing,) = [m for m in due_meeting_mail(s, at) if m.kind == "briefing"]
    args = (briefing.kind, briefing.meeting_id, briefing.sequence, briefing.person_id, iso_utc(at))
    # Its last attempt now (the job's own retries wait minutes between attempts).
    queues.enqueue(settings, queues.WRITE_MEETING_MAIL, *args, retry=Retry(max=1, interval=0))
    work()
    with session_scope(settings) as s:
        row = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "briefing"))
        assert (row.status, row.error, row.to_email) == (
            "failed",
            "ValueError: the question bank is unreadable",
            "maya@example.org",
        )
        assert row.idempotency_key == briefing.occasion
        assert due_meeting_mail(s, at) == []
    tick(settings, work, at + timedelta(minutes=1))
    assert [t for t, _, _ in meeting_mail(settings)] == ["briefing"]  # not written, not tried again


@pytest.mark.parametrize(
    "trouble",
    [
        OperationalError("SELECT 1", {}, ConnectionError("server closed the connection")),
        JobTimeoutException("Task exceeded maximum timeout value (180 seconds)"),
        AbandonedJobError("the worker died"),
    ],
    ids=["database-down", "job-timeout", "worker-died"],
)
def test_trouble_that_is_not_the_emails_leaves_it_due_for_the_next_run(settings, work, trouble):
    from rq.job import Job

    from concierge import queues
    from concierge.when import iso_utc
    from workers.meeting_mail import write_failed

    add_meeting(settings, pair(settings, work))
    at = START - timedelta(hours=24)
    with session_scope(settings) as s:
        (briefing,) = [m for m in due_meeting_mail(s, at) if m.kind == "briefing"]
    args = (briefing.kind, briefing.meeting_id, briefing.sequence, briefing.person_id, iso_utc(at))
    job = Job.create("workers.meeting_mail.write_one", args=args, connection=queues.get_redis(settings))
    job.retries_left = 0
    write_failed(job, None, type(trouble), trouble, None)
    with session_scope(settings) as s:
        assert briefing in due_meeting_mail(s, at)


def test_a_move_asked_in_answer_to_the_agenda_prompt_is_put_to_the_other_side_in_their_conversation(
    settings, work
):
    """The mentor's question goes on their own key of the mentorship, not on an agenda key of
    theirs (a "yes" there would be read as an agenda), and the mentee's "yes" to the mentor's
    counter, written in the agenda prompt's thread, answers it: neither is taken for an agenda."""
    from tests.scheduling.helpers import reply

    mentorship = pair(settings, work)
    meeting_id = add_meeting(settings, mentorship)
    tick(settings, work, START - timedelta(hours=48))
    now = START - timedelta(hours=40)
    result = answer(settings, "agenda_prompt", "Can we move it to Wednesday at 4pm?", now)
    assert [i["type"] for i in result.intents] == ["reschedule"]
    with session_scope(settings) as s:
        question = s.scalars(
            select(OutboundMessage).where(
                OutboundMessage.to_email == "maya@example.org", OutboundMessage.template == "update"
            )
        ).one()
        assert s.get(ReplyKey, question.reply_key_id).thread == "mentorship"
        question_id = question.id
    result = reply(settings, question_id, "Wednesday is tough. Thursday at 1pm my time?", now=now)
    assert [i["type"] for i in result.intents] == ["propose"]  # a counter: it moves the same meeting
    work()
    with session_scope(settings) as s:
        prompt = s.scalar(select(OutboundMessage.id).where(OutboundMessage.template == "agenda_prompt"))
    result = reply(settings, prompt, "Yes, Thursday works!", now=now + timedelta(hours=1))
    assert [i["type"] for i in result.intents] == ["confirm"]
    with session_scope(settings) as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting.agenda is None
        assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2026, 12, 10, 21, tzinfo=UTC)
        assert s.scalar(select(func.count()).select_from(Meeting)) == 1  # moved, not a second one
