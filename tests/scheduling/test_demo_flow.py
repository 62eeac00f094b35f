"""The demo's own path (issue: "in make demo"): answering an introduction in /dev/mail with
"Could we meet next Tuesday at 3pm?" asks the mentor, and the mentor's "yes" sends both invites."""

from __future__ import annotations

import email
import re
from email import policy

from sqlalchemy import select

from concierge.db import session_scope
from concierge.demo import DEMO_COORDINATOR, seed
from concierge.models import DevMail, InboundMessage, OutboundMessage
from tests.web import logged_in

ANA, MAYA = "ana.ruiz@demo.example", "maya.lin@demo.example"


def newest_mail(settings, to: str, template: str) -> int:
    with session_scope(settings) as s:
        return s.scalar(
            select(DevMail.id)
            .join(OutboundMessage, OutboundMessage.id == DevMail.outbound_id)
            .where(OutboundMessage.to_email == to, OutboundMessage.template == template)
            .order_by(DevMail.id.desc())
            .limit(1)
        )


def answer(client, mail_id: int, sender: str, body: str) -> str:
    """Answer a dev-outbox email through the composer; the page of what the reply did."""
    form = client.get(f"/dev/mail/{mail_id}/reply").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post(
        f"/dev/mail/{mail_id}/reply", data={"csrf_token": token, "sender": sender, "body": body}
    )
    assert response.status_code == 303
    return client.get(response.headers["Location"]).get_data(as_text=True)


def calendar_method(settings, mail_id: int) -> str | None:
    with session_scope(settings) as s:
        raw = s.get(DevMail, mail_id).raw
    for part in email.message_from_bytes(raw, policy=policy.default).walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method")
    return None


def test_the_demo_schedules_a_meeting_by_plain_reply_from_the_dev_outbox(settings, work):
    assert seed(settings)
    work()
    client = logged_in(settings, DEMO_COORDINATOR)
    page = answer(
        client, newest_mail(settings, ANA, "introduction_mentee"), ANA, "Could we meet next Tuesday at 3pm?"
    )
    assert "propose" in page and "processed" in page
    work()
    question = newest_mail(settings, MAYA, "update")
    with session_scope(settings) as s:
        text = email.message_from_bytes(s.get(DevMail, question).raw, policy=policy.default)
    body = text.get_body(("plain",)).get_content()
    assert "Ana suggested a time" in body and "3:00 PM" in body  # in Maya's zone, and Ana's
    page = answer(client, question, MAYA, "yes")
    assert "confirm" in page
    work()
    assert calendar_method(settings, newest_mail(settings, MAYA, "answer")) == "REQUEST"
    assert calendar_method(settings, newest_mail(settings, ANA, "update")) == "REQUEST"
    listing = client.get("/dev/mail").get_data(as_text=True)
    assert "propose" in listing and "confirm" in listing  # the outbox lists what each reply was read as
    with session_scope(settings) as s:
        assert s.scalars(select(InboundMessage.intents).order_by(InboundMessage.id)).all()[-1] == [
            {"type": "confirm"}
        ]
