"""The coordinator's review queue (INBOUND.md 12): failed and rejected messages, with reprocess."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from concierge import create_app
from concierge.actions.introductions import send_welcome
from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address
from concierge.models import Enrolment, InboundMessage, OutboundMessage, Person, ReplyKey
from tests import factories
from tests.mail import gmail_reply
from tests.web import logged_in


def setup_program(settings, work):
    with session_scope(settings) as s:
        program = factories.program(s, name="Women in Tech")
        send_welcome(s, settings, factories.participant(s, program, "mentee", email="ana@example.org"))
        other = factories.program(s, name="Elsewhere")
        send_welcome(s, settings, factories.participant(s, other, "mentee", email="bo@example.org"))
        coordinator = program.coordinators[0].email
    work()
    return coordinator


def reply(settings, person_email: str, body: str, sender: str | None = None, n: int = 1) -> int:
    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == person_email))
        key = s.scalar(select(ReplyKey).where(ReplyKey.person_id == person.id))
        welcome = s.scalar(select(OutboundMessage).where(OutboundMessage.person_id == person.id))
        raw = gmail_reply(
            sender=sender or person_email,
            to=reply_address(key.key, settings.reply_domain),
            subject="Re: Welcome",
            body=body,
            quoted="Welcome",
            in_reply_to=welcome.message_id,
            message_id=f"<review-{n}@example.org>",
        )
    return store_inbound(settings, raw, None).id


def test_the_queue_lists_failed_and_rejected_messages_of_my_programs_only(settings, work):
    coordinator = setup_program(settings, work)
    foreign = reply(settings, "ana@example.org", "Not from Ana", sender="mallory@example.net", n=1)
    elsewhere = reply(settings, "bo@example.org", "Bo's reply", sender="eve@example.net", n=2)
    work()
    page = logged_in(settings, coordinator).get("/review").get_data(as_text=True)
    assert f">{foreign}<" in page and "foreign sender" in page and "Not from Ana" in page
    assert f">{elsewhere}<" not in page and "Bo&#39;s reply" not in page


def test_reprocess_button_processes_a_failed_message_again(settings, work):
    coordinator = setup_program(settings, work)
    inbound_id = reply(settings, "ana@example.org", "Lead a team.", n=3)
    with session_scope(settings) as s:
        s.execute(
            update(InboundMessage).values(
                status="failed", reason="error", error="OperationalError: gone away"
            )
        )
    client = logged_in(settings, coordinator)
    page = client.get("/review").get_data(as_text=True)
    assert "OperationalError: gone away" in page and "Reprocess" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/review/{inbound_id}/reprocess", data={"csrf_token": token})
    assert response.status_code == 303
    assert "queued for processing" in client.get(response.headers["Location"]).get_data(as_text=True)
    work()
    with session_scope(settings) as s:
        assert s.get(InboundMessage, inbound_id).status == "processed"
        assert s.scalar(select(Enrolment.goals).where(Enrolment.goals.is_not(None))) == "Lead a team."
    assert f">{inbound_id}<" not in client.get("/review").get_data(as_text=True)


def test_reprocess_refuses_what_is_not_mine_or_not_in_review(settings, work):
    coordinator = setup_program(settings, work)
    mine_fine = reply(settings, "ana@example.org", "Lead a team.", n=4)
    theirs = reply(settings, "bo@example.org", "x", sender="eve@example.net", n=5)
    work()
    client = logged_in(settings, coordinator)
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get("/review").get_data(as_text=True)
    ).group(1)
    for inbound_id in (mine_fine, theirs, 999999):
        assert client.post(f"/review/{inbound_id}/reprocess", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/review/{theirs}/reprocess").status_code == 400


def test_anonymous_review_redirects_to_login(settings):
    assert create_app(settings).test_client().get("/review").status_code == 302


def test_bouncing_and_unsubscribed_people_are_shown_on_the_program_page(settings, work):
    coordinator = setup_program(settings, work)
    with session_scope(settings) as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana.status, ana.bounce_reason = "bouncing", "smtp; 550 5.1.1 user unknown (inbound message 7)"
    page = logged_in(settings, coordinator).get("/programs/women-in-tech").get_data(as_text=True)
    assert "Needs your attention" in page and "bouncing" in page and "550 5.1.1 user unknown" in page


def test_messages_no_program_was_found_for_show_only_to_coordinators_of_their_sender(settings, work):
    from concierge.keys import new_key

    coordinator = setup_program(settings, work)

    def unrouted(sender: str, n: int) -> int:
        raw = gmail_reply(
            sender=sender,
            to=reply_address(new_key(), settings.reply_domain),
            subject="Re: hi",
            body=f"Unrouted {n}",
            quoted="hi",
            message_id=f"<unrouted-{n}@example.org>",
        )
        return store_inbound(settings, raw, None).id

    ids = [
        unrouted(sender, n)
        for n, sender in enumerate(["ana@example.org", "nobody@example.net", "bo@example.org"])
    ]
    work()
    page = logged_in(settings, coordinator).get("/review").get_data(as_text=True)
    assert f">{ids[0]}<" in page and "Unrouted 0" in page
    assert f">{ids[1]}<" not in page and f">{ids[2]}<" not in page


def test_error_text_never_carries_statement_parameters():
    from sqlalchemy.exc import DataError

    from workers.errors import error_text

    class Orig(Exception):
        pass

    exc = DataError(
        "INSERT INTO notes (body) VALUES (%s)", ("my private words",), Orig("value too long\nDETAIL: x")
    )
    assert error_text(exc) == "Orig: value too long"
    assert error_text(ConnectionError("redis went away")) == "ConnectionError: redis went away"


def test_a_failure_nobody_is_known_to_own_shows_its_error_only(settings, work):
    coordinator = setup_program(settings, work)
    with session_scope(settings) as s:
        message = InboundMessage(
            dedupe_key="mid:unowned-failure",
            raw=b"Subject: private\r\n\r\nsecret text",
            raw_size=32,
            source="relay",
            message_id="unowned@example.net",
            status="failed",
            reason="error",
            error="OperationalError: the database went away",
            sender="stranger@example.net",
            subject="Private subject",
            text="Private text",
        )
        s.add(message)
    page = logged_in(settings, coordinator).get("/review").get_data(as_text=True)
    assert "OperationalError: the database went away" in page
    assert "stranger@example.net" not in page
    assert "Private subject" not in page and "Private text" not in page


def test_a_link_cannot_put_words_on_the_review_page(settings, work):
    coordinator = setup_program(settings, work)
    page = (
        logged_in(settings, coordinator)
        .get("/review?notice=Your+account+is+suspended")
        .get_data(as_text=True)
    )
    assert "suspended" not in page
