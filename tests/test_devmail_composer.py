"""The /dev/mail composer: answer any email as its recipient, through the same inbound path as real mail."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import select

from concierge import create_app
from concierge.actions.introductions import send_welcome
from concierge.actions.programs import add_coordinator
from concierge.db import session_scope
from concierge.models import DevMail, Enrolment, InboundMessage
from tests import factories
from tests.web import logged_in

COORDINATOR = "lead@example.org"


def welcomed(settings, work) -> int:
    """Ana's welcome in the dev outbox (a program COORDINATOR runs); its DevMail id."""
    with session_scope(settings) as s:
        program = factories.program(s, name="Women in Tech")
        add_coordinator(s, COORDINATOR, [program])
        send_welcome(s, settings, factories.participant(s, program, "mentee", email="ana@example.org"))
    work()
    with session_scope(settings) as s:
        return s.scalar(select(DevMail.id))


def coordinator(settings):
    return logged_in(settings, COORDINATOR)


def reply_address_of(settings, mail_id: int) -> str:
    with session_scope(settings) as s:
        raw = s.get(DevMail, mail_id).raw
    return str(email.message_from_bytes(raw, policy=policy.default)["Reply-To"])


def form_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_answering_as_the_recipient_stores_processes_and_shows_the_outcome(settings, work):
    mail_id = welcomed(settings, work)
    client = coordinator(settings)
    detail = client.get(f"/dev/mail/{mail_id}").get_data(as_text=True)
    assert f"/dev/mail/{mail_id}/reply" in detail
    form = client.get(f"/dev/mail/{mail_id}/reply").get_data(as_text=True)
    assert 'value="ana@example.org"' in form
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    response = client.post(
        f"/dev/mail/{mail_id}/reply",
        data={"csrf_token": token, "sender": "ana@example.org", "body": "Lead a team by spring."},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "processed" in page and "Lead a team by spring." in page
    with session_scope(settings) as s:
        message = s.scalar(select(InboundMessage))
        assert (message.status, message.kind, message.reason, message.source) == (
            "processed",
            "reply",
            None,
            "dev",
        )
        sent = email.message_from_bytes(message.raw, policy=policy.default)
        assert "wrote:" in sent.get_body(("plain",)).get_content()
        assert b"\r\n" in message.raw and message.text == "Lead a team by spring."
        assert s.scalar(select(Enrolment.goals)) == "Lead a team by spring."
    listing = client.get("/dev/mail").get_data(as_text=True)
    assert "Received" in listing and "ana@example.org" in listing


def test_answering_as_someone_else_shows_the_rejection(settings, work):
    mail_id = welcomed(settings, work)
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    response = client.post(
        f"/dev/mail/{mail_id}/reply",
        data={"csrf_token": token, "sender": "mallory@example.net", "body": "hi"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "rejected" in page and "foreign_sender" in page


def test_a_pasted_raw_message_to_a_reply_address_of_my_program_goes_through_as_it_is(settings, work):
    mail_id = welcomed(settings, work)
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    raw = (
        f"From: Ana <ana@example.org>\nTo: {reply_address_of(settings, mail_id)}\nSubject: Out of office\n"
        "Auto-Submitted: auto-replied\nMessage-ID: <ooo@example.org>\n\nI am away.\n"
    )
    response = client.post(f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "raw": raw})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ignored" in page and "auto_reply" in page


def test_a_pasted_raw_message_may_reach_only_reply_addresses_of_my_programs(settings, work):
    mail_id = welcomed(settings, work)
    with session_scope(settings) as s:
        other = factories.program(s, name="Elsewhere")
        send_welcome(s, settings, factories.participant(s, other, "mentee", email="bo@example.org"))
    work()
    with session_scope(settings) as s:
        others = s.scalar(select(DevMail.id).where(DevMail.to_email == "bo@example.org"))
    mine, theirs = reply_address_of(settings, mail_id), reply_address_of(settings, others)
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    for to, reason in (
        (theirs, "may only go to reply addresses of the programs you run"),
        (f"{mine}, {theirs}", "may only go to reply addresses of the programs you run"),
        ("concierge@mentoring.example", "Address the pasted message to a reply address"),
        ("reply+aaaaaaaaaaaaaaaaaaaaaaaaaa@mentoring.example", "may only go to reply addresses"),
    ):
        raw = f"From: bo@example.org\r\nTo: {to}\r\nSubject: x\r\nMessage-ID: <p@x.org>\r\n\r\nstop\r\n"
        response = client.post(f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "raw": raw})
        assert response.status_code == 403 and reason in response.get_data(as_text=True), to
    garbage = client.post(f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "raw": "\x00\x01\x02"})
    assert garbage.status_code == 422 and "not an email" in garbage.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(InboundMessage.id)) is None


def test_an_empty_form_is_a_422_with_a_reason_and_bad_ids_404(settings, work):
    mail_id = welcomed(settings, work)
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    response = client.post(f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "sender": ""})
    assert response.status_code == 422 and "Give a From address" in response.get_data(as_text=True)
    assert client.post("/dev/mail/999/reply", data={"csrf_token": token}).status_code == 404
    assert client.get("/dev/mail/inbound/999").status_code == 404
    assert client.post(f"/dev/mail/{mail_id}/reply", data={"sender": "a@b.org"}).status_code == 400


def test_the_composer_is_off_with_smtp(settings, work):
    mail_id = welcomed(settings, work)
    client = create_app(settings.with_(smtp_url="smtp://127.0.0.1:1")).test_client()
    assert client.get(f"/dev/mail/{mail_id}/reply").status_code == 404


@pytest.mark.parametrize(
    "sender", ["ana@example.org\r\nBcc: evil@example.net", "ü@ü.example", "Ana <ana@example.org>"]
)
def test_a_from_address_that_is_not_one_is_refused_with_a_reason(settings, work, sender):
    mail_id = welcomed(settings, work)
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mail_id}/reply")
    response = client.post(
        f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "sender": sender, "body": "hi"}
    )
    assert response.status_code == 422
    assert "not an email address" in response.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(InboundMessage.id)) is None


def test_outside_my_programs_i_answer_mail_to_me_only_as_myself(settings, work):
    """The audit's case: a coordinator who is also a mentee elsewhere sees that program's mail
    to them, and must not answer it as someone else of that program."""
    mail_id = welcomed(settings, work)
    with session_scope(settings) as s:
        elsewhere = factories.program(s, name="Elsewhere")
        send_welcome(s, settings, factories.participant(s, elsewhere, "mentee", email=COORDINATOR))
        factories.participant(s, elsewhere, "mentee", email="mo@example.org")
    work()
    with session_scope(settings) as s:
        mine = s.scalar(select(DevMail.id).where(DevMail.to_email == COORDINATOR))
    client = coordinator(settings)
    token = form_token(client, f"/dev/mail/{mine}/reply")
    as_mo = client.post(
        f"/dev/mail/{mine}/reply", data={"csrf_token": token, "sender": "mo@example.org", "body": "stop"}
    )
    assert as_mo.status_code == 403 and "only as the recipient" in as_mo.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(InboundMessage.id)) is None
    as_me = client.post(
        f"/dev/mail/{mine}/reply", data={"csrf_token": token, "sender": COORDINATOR, "body": "Hi"}
    )
    assert as_me.status_code == 303
    # In a program I run, I may answer as anyone (to try a foreign sender, say).
    as_other = client.post(
        f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "sender": "mo@example.org", "body": "hi"}
    )
    assert as_other.status_code == 303
