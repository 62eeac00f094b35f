"""The dashboard's pages (SPEC §4.3, §5): a coordinator sees only their programs, metadata only, escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from concierge import create_app
from concierge.actions.programs import add_coordinator
from concierge.db import session_scope, utcnow
from concierge.models import Meeting, Mentorship, Note, Person, Program, Reflection
from tests import factories
from tests.web import logged_in


@dataclass(frozen=True)
class Made:
    """What a test needs to know of a program it made."""

    id: int
    name: str
    slug: str
    coordinator: str


def made(program: Program) -> Made:
    return Made(program.id, program.name, program.slug, program.coordinators[0].email)


def two_programs(settings) -> tuple[Made, Made]:
    """Two programs with a pair each, run by different coordinators."""
    with session_scope(settings) as s:
        return made(factories.mentorship(s, settings).program), made(
            factories.mentorship(s, settings).program
        )


def coordinator_of(program: Made) -> str:
    return program.coordinator


def test_home_lists_only_the_coordinators_programs(settings):
    mine, theirs = two_programs(settings)
    page = logged_in(settings, coordinator_of(mine)).get("/").get_data(as_text=True)
    assert mine.name in page and f"/programs/{mine.slug}" in page
    assert theirs.name not in page


def test_a_program_with_several_coordinators_shows_for_each(settings):
    mine, theirs = two_programs(settings)
    with session_scope(settings) as s:
        add_coordinator(s, coordinator_of(mine), [s.get(Program, theirs.id)])
    page = logged_in(settings, coordinator_of(mine)).get("/").get_data(as_text=True)
    assert mine.name in page and theirs.name in page


@pytest.mark.parametrize("by", ["id", "slug"])
def test_program_page_shows_mentorships_with_members_and_state(settings, by):
    mine, _ = two_programs(settings)
    with session_scope(settings) as s:
        row = s.scalar(select(Mentorship).where(Mentorship.program_id == mine.id))
        mentor, mentee = (m.person for m in row.members)
        row.state = "stalled"
        s.add(
            Meeting(mentorship_id=row.id, uid="held-1", starts_at=utcnow() - timedelta(days=3), status="held")
        )
    ref = str(mine.id) if by == "id" else mine.slug
    response = logged_in(settings, coordinator_of(mine)).get(f"/programs/{ref}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in (mine.name, mentor.name, mentor.email, mentee.name, mentee.email, "stalled"):
        assert text in page
    assert f"/programs/{mine.slug}/mentorships.csv" in page


@pytest.mark.parametrize(
    "ref", ["other", "999999", "99999999999999999999", "²", "Some Thing", "-1", "%00", "a" * 300]
)
def test_other_coordinators_and_unknown_programs_are_404(settings, ref):
    mine, theirs = two_programs(settings)
    client = logged_in(settings, coordinator_of(mine))
    target = {"other": str(theirs.id)}.get(ref, ref)
    for path in (f"/programs/{target}", f"/programs/{target}/mentorships.csv"):
        response = client.get(path)
        assert response.status_code == 404
        assert "No such program" in response.get_data(as_text=True)
    assert client.get(f"/programs/{theirs.slug}").status_code == 404


def test_program_page_shows_metadata_not_the_text_of_notes_or_reflections(settings):
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        s.add(Note(mentorship_id=mentorship.id, body="SECRET-NOTE-TEXT"))
        s.add(Reflection(mentorship_id=mentorship.id, kind="final", body="SECRET-REFLECTION-TEXT"))
        program = made(mentorship.program)
    page = logged_in(settings, coordinator_of(program)).get(f"/programs/{program.id}").get_data(as_text=True)
    assert "SECRET-NOTE-TEXT" not in page and "SECRET-REFLECTION-TEXT" not in page


def test_names_and_topics_are_escaped(settings):
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        mentorship.topic = "<b>bold</b>"
        person = s.get(Person, mentorship.members[0].person_id)
        person.name = '<script>alert("x")</script>'
        program = made(mentorship.program)
    page = logged_in(settings, coordinator_of(program)).get(f"/programs/{program.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_peer_program_page_lists_circle_members(settings):
    with session_scope(settings) as s:
        circle = factories.peer_circle(s, settings, size=4)
        program = made(circle.program)
        names = [m.person.name for m in circle.members]
    page = (
        logged_in(settings, coordinator_of(program)).get(f"/programs/{program.slug}").get_data(as_text=True)
    )
    assert all(name in page for name in names)


def test_pages_carry_security_headers(settings):
    mine, _ = two_programs(settings)
    response = logged_in(settings, coordinator_of(mine)).get("/")
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "SameSite=Lax" in create_app(settings).test_client().get("/login").headers["Set-Cookie"]


def test_a_deleted_coordinator_is_logged_out(settings):
    mine, _ = two_programs(settings)
    client = logged_in(settings, coordinator_of(mine))
    with session_scope(settings) as s:
        s.delete(s.get(Program, mine.id).coordinators[0])  # the coordinator row itself
    response = client.get("/")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
