"""`GET /programs/<PROGRAM>/mentorships.csv` exactly as SPEC §4.3 describes it."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from concierge import create_app
from concierge.db import get_engine, session_scope, utcnow
from concierge.models import MENTORSHIP_STATES, ActionItem, Enrolment, Meeting, Mentorship, Reflection
from tests import factories
from tests.web import logged_in

HEADER = (
    "mentorship_id,program,format,state,mentor_emails,mentee_emails,topic,meetings_scheduled,"
    "meetings_held,next_meeting_at,last_activity_at,action_items_open,action_items_done,"
    "reflections_received,mentee_would_mentor"
)


def export(settings, program_ref: str, coordinator: str):
    return logged_in(settings, coordinator).get(f"/programs/{program_ref}/mentorships.csv")


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"), newline="")))


def meeting(mentorship_id: int, status: str, starts_at: datetime) -> Meeting:
    return Meeting(mentorship_id=mentorship_id, uid=secrets.token_hex(8), starts_at=starts_at, status=status)


def test_an_empty_program_is_the_header_row_alone(settings):
    with session_scope(settings) as s:
        program = factories.program(s, name="Women in Tech")
        slug, coordinator = program.slug, program.coordinators[0].email
    response = export(settings, slug, coordinator)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{slug}-mentorships.csv"'
    assert response.get_data() == (HEADER + "\r\n").encode()


def test_every_state_in_id_order_with_crlf_line_ends(settings):
    with session_scope(settings) as s:
        program = factories.program(s)
        ids = []
        for state in reversed(MENTORSHIP_STATES):
            mentorship = factories.mentorship(s, settings, program)
            mentorship.state = state
            ids.append(mentorship.id)
        slug, coordinator = program.slug, program.coordinators[0].email
    response = export(settings, slug, coordinator)
    data = response.get_data()
    assert not data.startswith(b"\xef\xbb\xbf")
    lines = data.split(b"\r\n")
    assert lines[0].decode() == HEADER and lines[-1] == b"" and all(b"\n" not in line for line in lines)
    found = rows(response)
    assert [int(r["mentorship_id"]) for r in found] == sorted(ids)
    assert {r["state"] for r in found} == set(MENTORSHIP_STATES)
    assert {r["program"] for r in found} == {slug} and {r["format"] for r in found} == {"formal"}


def test_a_pair_row_counts_meetings_items_reflections_and_shows_times_in_utc(settings):
    now = utcnow().replace(microsecond=0)
    with session_scope(settings) as s:
        program = factories.program(s)
        pair = factories.mentorship(s, settings, program)
        mentor, mentee = (m.person for m in pair.members)
        pair.topic = "negotiation, salary"
        pair.last_activity_at = datetime(2026, 10, 2, 15, 4, 5, 678, tzinfo=UTC)
        s.add_all(
            [
                meeting(pair.id, "held", now - timedelta(days=20)),
                meeting(pair.id, "confirmed", now - timedelta(days=1)),  # past: scheduled, not next
                meeting(pair.id, "confirmed", now + timedelta(days=9)),
                meeting(pair.id, "confirmed", now + timedelta(days=2, hours=3)),  # the next one
                meeting(pair.id, "cancelled", now + timedelta(days=1)),
                meeting(pair.id, "proposed", now + timedelta(hours=5)),
                meeting(pair.id, "missed", now - timedelta(days=5)),
            ]
        )
        for number, status in enumerate(("open", "open", "done"), start=1):
            s.add(ActionItem(mentorship_id=pair.id, number=number, text="x", status=status))
        s.add_all([Reflection(mentorship_id=pair.id, kind=k, body="…") for k in ("midterm", "final")])
        s.scalar(select(Enrolment).where(Enrolment.person_id == mentee.id)).would_mentor = True
        expected = {
            "mentorship_id": str(pair.id),
            "program": program.slug,
            "format": "formal",
            "state": "introduced",
            "mentor_emails": mentor.email,
            "mentee_emails": mentee.email,
            "topic": "negotiation, salary",
            "meetings_scheduled": "5",  # confirmed and not cancelled: confirmed, held, missed
            "meetings_held": "1",
            "next_meeting_at": (now + timedelta(days=2, hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_activity_at": "2026-10-02T15:04:05Z",
            "action_items_open": "2",
            "action_items_done": "1",
            "reflections_received": "2",
            "mentee_would_mentor": "yes",
        }
        coordinator = program.coordinators[0].email
    response = export(settings, str(expected["program"]), coordinator)
    assert rows(response) == [expected]
    assert b'"negotiation, salary"' in response.get_data()


def test_a_fresh_pair_has_zero_counts_and_empty_unknowns(settings):
    with session_scope(settings) as s:
        pair = factories.mentorship(s, settings)
        slug, coordinator = pair.program.slug, pair.program.coordinators[0].email
    [row] = rows(export(settings, slug, coordinator))
    assert row["meetings_scheduled"] == row["meetings_held"] == row["action_items_open"] == "0"
    assert row["next_meeting_at"] == row["last_activity_at"] == row["mentee_would_mentor"] == ""


def test_a_mentee_who_would_not_mentor_is_no(settings):
    with session_scope(settings) as s:
        pair = factories.mentorship(s, settings)
        mentee = pair.members[1].person
        s.scalar(select(Enrolment).where(Enrolment.person_id == mentee.id)).would_mentor = False
        slug, coordinator = pair.program.slug, pair.program.coordinators[0].email
    [row] = rows(export(settings, slug, coordinator))
    assert row["mentee_would_mentor"] == "no"


def test_circle_members_are_mentees_in_member_order_with_no_mentor(settings):
    with session_scope(settings) as s:
        circle = factories.peer_circle(s, settings, size=4)
        emails = [m.person.email for m in sorted(circle.members, key=lambda m: m.position)]
        slug, coordinator = circle.program.slug, circle.program.coordinators[0].email
    [row] = rows(export(settings, slug, coordinator))
    assert row["format"] == "peer"
    assert row["mentor_emails"] == ""
    assert row["mentee_emails"] == ";".join(emails)


def test_cells_that_look_like_formulas_are_prefixed(settings):
    topics = ["=1+1", "+SUM(A1)", "-2", "@cmd", "plain = fine", "line\nbreak"]
    with session_scope(settings) as s:
        program = factories.program(s)
        for topic in topics:
            factories.mentorship(s, settings, program).topic = topic
        slug, coordinator = program.slug, program.coordinators[0].email
    response = export(settings, slug, coordinator)
    expected = ["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "plain = fine", "line\nbreak"]
    assert [r["topic"] for r in rows(response)] == expected
    assert b'"line\nbreak"' in response.get_data()


def test_a_fixed_number_of_queries_whatever_the_number_of_mentorships(settings):
    def queries_for(size: int) -> int:
        with session_scope(settings) as s:
            program = factories.program(s)
            for _ in range(size):
                pair = factories.mentorship(s, settings, program)
                s.add(meeting(pair.id, "held", utcnow() - timedelta(days=1)))
                s.add(ActionItem(mentorship_id=pair.id, number=1, text="x"))
            slug, coordinator = program.slug, program.coordinators[0].email
        client = logged_in(settings, coordinator)
        statements: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        engine = get_engine(settings)
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(f"/programs/{slug}/mentorships.csv").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(1) == queries_for(8)


def test_the_export_needs_the_programs_coordinator(settings):
    with session_scope(settings) as s:
        mine = factories.mentorship(s, settings).program
        theirs = factories.mentorship(s, settings).program
        mine_coordinator, theirs_slug = mine.coordinators[0].email, theirs.slug
        mentorship_count = s.scalar(select(Mentorship.id).where(Mentorship.program_id == theirs.id))
    assert mentorship_count
    assert export(settings, theirs_slug, mine_coordinator).status_code == 404
    anonymous = create_app(settings).test_client().get(f"/programs/{theirs_slug}/mentorships.csv")
    assert (anonymous.status_code, anonymous.headers["Location"]) == (302, "/login")
