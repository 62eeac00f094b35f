"""The sending provider's bounce and complaint events (SPEC §4.3, §3.4): authenticated like their
inbound siblings, stored durably and processed like inbound mail, with the same answers.

Payloads follow each provider's documented shapes (Mailgun's webhook payloads, Postmark's bounce,
spam complaint and delivery webhooks, SendGrid's Event Webhook reference); only addresses, ids
and our own Message-ID or metadata are filled in.
"""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from concierge import create_app
from concierge.db import session_scope
from concierge.models import DeliveryReport, Enrolment, InboundMessage, OutboundMessage, Person
from tests import factories
from tests.test_webhooks import POSTMARK, SENDGRID, basic, configured, mailgun_signature
from workers.inbound import process_now


@pytest.fixture
def app(settings):
    return create_app(configured(settings)).test_client()


@pytest.fixture
def ana(settings, work) -> dict:
    """Ana, welcomed: her welcome's outbound id and Message-ID (with brackets), her program."""
    welcome, key = factories.welcomed_mentee(settings, work)
    return {"outbound_id": welcome.id, "message_id": welcome.message_id, "program_id": key.program_id}


def processed(settings, answer) -> tuple[str, str, str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert set(body) == {"id", "status", "duplicate"}
    result = process_now(settings, body["id"])
    return result.status, result.kind, result.reason


def status_of(settings, email: str = "ana@example.org") -> str:
    with session_scope(settings) as s:
        return s.scalar(select(Person.status).where(Person.email == email))


def unsubscribed(settings, program_id: int) -> bool:
    with session_scope(settings) as s:
        return (
            s.scalar(
                select(Enrolment.unsubscribed_at)
                .join(Person)
                .where(Person.email == "ana@example.org", Enrolment.program_id == program_id)
            )
            is not None
        )


# -- Mailgun ------------------------------------------------------------------------------------------


def mailgun_event(event: str, message_id: str | None, recipient: str = "ana@example.org", **extra) -> dict:
    data = {
        "event": event,
        "id": f"evt-{event}-{time.monotonic_ns()}",
        "timestamp": 1770918175.5923693,
        "log-level": "error",
        "recipient": recipient,
        "recipient-domain": recipient.split("@")[1],
        "tags": [],
        "campaigns": [],
        "message": {
            "attachments": [],
            "headers": {
                "message-id": message_id,
                "from": "Concierge <concierge@mentoring.example>",
                "to": recipient,
                "subject": "Welcome to Women in Tech",
            },
            "size": 384,
        },
        "user-variables": [],
        **extra,
    }
    return {"signature": mailgun_signature(), "event-data": data}


PERMANENT = {
    "severity": "permanent",
    "reason": "bounce",
    "delivery-status": {
        "attempt-no": 1,
        "code": 550,
        "message": "5.5.0 Requested action not taken: mailbox unavailable",
        "description": None,
        "enhanced-code": "5.5.0",
        "bounce-type": "hard",
    },
}
TEMPORARY = {
    "severity": "temporary",
    "reason": "generic",
    "delivery-status": {"attempt-no": 1, "code": 421, "message": "try again later", "retry-seconds": 600},
}


def post_json(client, path: str, payload, headers: dict | None = None):
    return client.post(path, data=json.dumps(payload), content_type="application/json", headers=headers or {})


def test_mailgun_permanent_failure_of_our_send_marks_the_person_bouncing(settings, app, ana):
    mid = ana["message_id"].strip("<>")  # Mailgun returns the Message-ID without brackets
    answer = post_json(app, "/inbound/mailgun/events", mailgun_event("failed", mid, **PERMANENT))
    assert processed(settings, answer) == ("ignored", "bounce", "bounce")
    assert status_of(settings) == "bouncing"
    with session_scope(settings) as s:
        event = s.scalar(select(DeliveryReport))
        assert (event.kind, event.outbound_id) == ("hard", ana["outbound_id"])
        assert "550" in s.scalar(select(Person.bounce_reason))
        message = s.scalar(select(InboundMessage))
        assert message.source == "mailgun_events" and message.raw.startswith(b"{")


def test_mailgun_temporary_failure_is_a_delay_it_retries_until_it_gives_up(settings, app, ana):
    mid = ana["message_id"].strip("<>")
    answer = post_json(app, "/inbound/mailgun/events", mailgun_event("failed", mid, **TEMPORARY))
    assert processed(settings, answer)[2] == "bounce"
    gave_up = dict(TEMPORARY, reason="old")  # Mailgun's retries exhausted
    processed(settings, post_json(app, "/inbound/mailgun/events", mailgun_event("failed", mid, **gave_up)))
    assert status_of(settings) == "active"
    with session_scope(settings) as s:
        assert sorted(s.scalars(select(DeliveryReport.kind))) == ["delayed", "soft"]


def test_mailgun_complaint_tied_by_our_variables_unsubscribes_from_that_program(settings, app, ana):
    variables = {"user-variables": {"concierge-outbound": str(ana["outbound_id"])}}
    answer = post_json(app, "/inbound/mailgun/events", mailgun_event("complained", None, **variables))
    assert processed(settings, answer) == ("ignored", "bounce", "complaint")
    assert unsubscribed(settings, ana["program_id"])
    assert status_of(settings) == "active"


def test_mailgun_events_are_authenticated_like_its_routes(settings, app, ana):
    payload = mailgun_event("failed", ana["message_id"].strip("<>"), **PERMANENT)
    forged = dict(payload, signature=mailgun_signature(key="not-the-key"))
    assert post_json(app, "/inbound/mailgun/events", forged).status_code == 401
    stale = dict(payload, signature=mailgun_signature(timestamp=int(time.time()) - 16 * 60))
    assert post_json(app, "/inbound/mailgun/events", stale).status_code == 401
    unsigned = {"event-data": payload["event-data"]}
    assert post_json(app, "/inbound/mailgun/events", unsigned).status_code == 401
    off = create_app(settings).test_client()
    assert post_json(off, "/inbound/mailgun/events", payload).status_code == 404
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert status_of(settings) == "active"


def test_an_unsigned_malformed_mailgun_event_is_401_not_read(settings, app):
    assert post_json(app, "/inbound/mailgun/events", {"event-data": "garbage"}).status_code == 401
    assert post_json(app, "/inbound/mailgun/events", [1, 2]).status_code == 401
    assert app.post("/inbound/mailgun/events", data="{", content_type="application/json").status_code == 422


def test_mailgun_redelivery_is_a_duplicate_and_a_reused_token_is_refused(settings, app, ana):
    payload = mailgun_event("failed", ana["message_id"].strip("<>"), **PERMANENT)
    first = post_json(app, "/inbound/mailgun/events", payload)
    again = post_json(app, "/inbound/mailgun/events", payload)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == {"id": first.get_json()["id"], "status": "pending", "duplicate": True}
    other = mailgun_event("delivered", "x@y")
    other["signature"] = payload["signature"]  # the same token on another body: a replay
    assert post_json(app, "/inbound/mailgun/events", other).status_code == 401


# -- Postmark -----------------------------------------------------------------------------------------


def postmark_bounce(bounce_type: str, type_code: int, outbound_id: int | None, email="ana@example.org"):
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": bounce_type,
        "TypeCode": type_code,
        "Name": bounce_type,
        "Tag": "",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",  # Postmark's own id, never ours
        "Metadata": {"concierge-outbound": str(outbound_id)} if outbound_id else {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "concierge@mentoring.example",
        "BouncedAt": "2026-12-01T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": bounce_type == "HardBounce",
        "CanActivate": True,
        "Subject": "Welcome to Women in Tech",
    }


def test_postmark_hard_bounce_tied_by_metadata(settings, app, ana):
    answer = post_json(
        app,
        "/inbound/postmark/events",
        postmark_bounce("HardBounce", 1, ana["outbound_id"]),
        basic(*POSTMARK),
    )
    assert processed(settings, answer) == ("ignored", "bounce", "bounce")
    assert status_of(settings) == "bouncing"
    with session_scope(settings) as s:
        assert s.scalar(select(DeliveryReport.outbound_id)) == ana["outbound_id"]


def test_postmark_transient_is_only_a_delay(settings, app, ana):
    answer = post_json(
        app, "/inbound/postmark/events", postmark_bounce("Transient", 2, ana["outbound_id"]), basic(*POSTMARK)
    )
    processed(settings, answer)
    with session_scope(settings) as s:
        assert s.scalar(select(DeliveryReport.kind)) == "delayed"
    assert status_of(settings) == "active"


def test_postmark_spam_complaint_unsubscribes_and_delivery_changes_nothing(settings, app, ana):
    complaint = {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "MessageID": "00000000-0000-0000-0000-000000000000",
        "Metadata": {"concierge-outbound": str(ana["outbound_id"])},
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": "ana@example.org",
        "From": "concierge@mentoring.example",
        "BouncedAt": "2026-12-01T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Welcome",
    }
    delivery = {
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Recipient": "ana@example.org",
        "DeliveredAt": "2026-12-01T16:33:54.9070259Z",
        "Details": "smtp;250 2.0.0 OK",
        "Tag": "",
        "ServerID": 23,
        "Metadata": {"concierge-outbound": str(ana["outbound_id"])},
        "RecordType": "Delivery",
        "MessageStream": "outbound",
    }
    delivered = post_json(app, "/inbound/postmark/events", delivery, basic(*POSTMARK))
    assert processed(settings, delivered) == ("ignored", "bounce", "delivered")
    assert not unsubscribed(settings, ana["program_id"])
    answer = post_json(app, "/inbound/postmark/events", complaint, basic(*POSTMARK))
    assert processed(settings, answer)[2] == "complaint"
    assert unsubscribed(settings, ana["program_id"])


def test_postmark_events_need_the_inbound_routes_basic_auth(settings, app, ana):
    payload = postmark_bounce("HardBounce", 1, ana["outbound_id"])
    assert (
        post_json(app, "/inbound/postmark/events", payload, basic("postmark-hook", "wrong")).status_code
        == 401
    )
    assert post_json(app, "/inbound/postmark/events", payload).status_code == 401
    off = create_app(settings).test_client()
    assert post_json(off, "/inbound/postmark/events", payload, basic(*POSTMARK)).status_code == 404
    assert status_of(settings) == "active"


# -- SendGrid -----------------------------------------------------------------------------------------


def sendgrid_event(event: str, smtp_id: str | None, n: int, email: str = "ana@example.org", **extra) -> dict:
    return {
        "email": email,
        "timestamp": 1513299569,
        "smtp-id": smtp_id,
        "event": event,
        "category": "concierge",
        "sg_event_id": f"sg-event-{event}-{n}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        **extra,
    }


def test_sendgrid_batch_of_events(settings, app, ana):
    mid = ana["message_id"]
    batch = [
        sendgrid_event("processed", mid, 1),
        sendgrid_event("deferred", mid, 2, response="400 try again later", attempt="5"),
        sendgrid_event("delivered", mid, 3, response="250 OK"),
        sendgrid_event("open", mid, 4, useragent="Mozilla/4.0", ip="255.255.255.255"),
    ]
    answer = post_json(app, "/inbound/sendgrid/events", batch, basic(*SENDGRID))
    assert processed(settings, answer) == ("ignored", "bounce", "bounce")  # the deferral is recorded
    assert status_of(settings) == "active"
    bounce = sendgrid_event(
        "bounce",
        mid,
        5,
        bounce_classification="Invalid Address",
        reason="500 unknown recipient",
        status="5.0.0",
        type="bounce",
    )
    answer = post_json(app, "/inbound/sendgrid/events", [bounce], basic(*SENDGRID))
    assert processed(settings, answer)[2] == "bounce"
    assert status_of(settings) == "bouncing"


def test_sendgrid_blocked_is_soft_and_spamreport_unsubscribes(settings, app, ana):
    blocked = sendgrid_event(
        "bounce", ana["message_id"], 1, reason="550 blocked", status="5.0.0", type="blocked"
    )
    spam = sendgrid_event("spamreport", None, 2, **{"concierge-outbound": str(ana["outbound_id"])})
    answer = post_json(app, "/inbound/sendgrid/events", [blocked, spam], basic(*SENDGRID))
    assert processed(settings, answer)[2] == "complaint"
    assert unsubscribed(settings, ana["program_id"]) and status_of(settings) == "active"
    with session_scope(settings) as s:
        assert sorted(s.scalars(select(DeliveryReport.kind))) == ["complaint", "soft"]


def test_sendgrid_events_are_recorded_once_across_retried_batches(settings, app, ana):
    dropped = sendgrid_event("dropped", ana["message_id"], 1, reason="Bounced Address", status="5.0.0")
    first = post_json(app, "/inbound/sendgrid/events", [dropped], basic(*SENDGRID))
    processed(settings, first)
    assert post_json(app, "/inbound/sendgrid/events", [dropped], basic(*SENDGRID)).get_json()["duplicate"]
    rebatched = post_json(
        app, "/inbound/sendgrid/events", [dropped, sendgrid_event("delivered", None, 9)], basic(*SENDGRID)
    )
    processed(settings, rebatched)
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(DeliveryReport)) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ('{"email": "ana@example.org", "event": "bounce"}', "application/json", 422),  # not an array
        ("[1, 2]", "application/json", 422),
        ('[{"email": "ana@example.org"}]', "application/json", 422),
        ("not json", "application/json", 422),
        ("[]", "text/plain", 415),
    ],
)
def test_malformed_event_payloads_are_4xx_with_a_reason_and_store_nothing(
    settings, app, body, content_type, status
):
    answer = app.post(
        "/inbound/sendgrid/events", data=body, content_type=content_type, headers=basic(*SENDGRID)
    )
    assert answer.status_code == status and answer.get_json()["reason"]
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 0


# -- ties -----------------------------------------------------------------------------------------------


def test_an_event_naming_another_address_than_the_send_is_trusted_for_that_address_only(settings, app, ana):
    with session_scope(settings) as s:
        factories.participant(s, factories.program(s), "mentee", email="bo@example.org")
    bounce = sendgrid_event(
        "bounce", ana["message_id"], 1, email="bo@example.org", status="5.1.1", type="bounce"
    )
    processed(settings, post_json(app, "/inbound/sendgrid/events", [bounce], basic(*SENDGRID)))
    assert status_of(settings) == "active"
    assert status_of(settings, "bo@example.org") == "bouncing"
    with session_scope(settings) as s:
        assert s.scalar(select(DeliveryReport.outbound_id)) is None


def test_an_event_about_nobody_we_know_changes_nothing(settings, app, ana):
    bounce = sendgrid_event("bounce", None, 1, email="stranger@example.net", status="5.1.1", type="bounce")
    answer = post_json(app, "/inbound/sendgrid/events", [bounce], basic(*SENDGRID))
    assert processed(settings, answer) == ("ignored", "bounce", "no_action")
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(DeliveryReport)) == 0


def test_every_send_carries_each_providers_metadata(settings, smtp, work, ana):
    with session_scope(settings) as s:
        program = factories.program(s)
        enrolment = factories.participant(s, program, "mentee", email="cy@example.org")
        from concierge.actions.introductions import send_welcome

        send_welcome(s, settings, enrolment)
        outbound_id = s.scalar(select(OutboundMessage.id).where(OutboundMessage.to_email == "cy@example.org"))
    work()
    [sent] = [m for m in smtp.parsed() if m["To"] == "cy@example.org"]
    assert sent["X-PM-Metadata-concierge-outbound"] == str(outbound_id)
    assert json.loads(sent["X-Mailgun-Variables"]) == {"concierge-outbound": str(outbound_id)}
    assert json.loads(sent["X-SMTPAPI"]) == {"unique_args": {"concierge-outbound": str(outbound_id)}}


def test_metadata_naming_a_send_to_someone_else_is_trusted_for_the_named_address_only(settings, app, ana):
    with session_scope(settings) as s:
        factories.participant(s, factories.program(s), "mentee", email="bo@example.org")
    bounce = postmark_bounce("HardBounce", 1, ana["outbound_id"], email="bo@example.org")
    processed(settings, post_json(app, "/inbound/postmark/events", bounce, basic(*POSTMARK)))
    assert (status_of(settings), status_of(settings, "bo@example.org")) == ("active", "bouncing")
    with session_scope(settings) as s:
        assert s.scalar(select(DeliveryReport.outbound_id)) is None


def test_a_complaint_naming_no_send_unsubscribes_from_the_program_of_our_latest_send(
    settings, app, ana, work
):
    from concierge.actions.introductions import send_welcome

    with session_scope(settings) as s:
        other = factories.program(s)
        send_welcome(s, settings, factories.participant(s, other, "mentee", email="ana@example.org"))
        other_id = other.id
    work()
    spam = sendgrid_event("spamreport", None, 1)
    assert (
        processed(settings, post_json(app, "/inbound/sendgrid/events", [spam], basic(*SENDGRID)))[2]
        == "complaint"
    )
    assert unsubscribed(settings, other_id) and not unsubscribed(settings, ana["program_id"])


def test_nul_characters_in_event_fields_are_dropped_not_fatal(settings, app, ana):
    bounce = sendgrid_event(
        "bounce", ana["message_id"], 1, reason="550 no\u0000body", status="5.1.1\u0000", type="bounce"
    )
    bounce["sg_event_id"] = "evt\u0000nul"
    assert "\\u0000" in json.dumps([bounce])  # a NUL escaped in JSON, as a remote server may send it
    answer = post_json(app, "/inbound/sendgrid/events", [bounce], basic(*SENDGRID))
    assert processed(settings, answer)[2] == "bounce"
    assert status_of(settings) == "bouncing"


def test_an_event_body_over_2_mib_is_413_before_it_is_read(settings, app):
    big = b"[" + b"{}," * (800 * 1024) + b"{}]"
    answer = app.post(
        "/inbound/sendgrid/events", data=big, content_type="application/json", headers=basic(*SENDGRID)
    )
    assert answer.status_code == 413 and answer.get_json()["reason"]
    unsigned = app.post("/inbound/mailgun/events", data=big, content_type="application/json")
    assert unsigned.status_code == 413


@pytest.mark.parametrize("outbound_id", ["99999999999999999", "2147483648", "-1", "1e3"])
def test_an_outbound_id_that_is_no_send_of_ours_ties_nothing(settings, app, ana, outbound_id):
    payload = postmark_bounce("HardBounce", 1, None, email="stranger@example.net")
    payload["Metadata"] = {"concierge-outbound": outbound_id}
    assert (
        processed(settings, post_json(app, "/inbound/postmark/events", payload, basic(*POSTMARK)))[2]
        == "no_action"
    )
    assert status_of(settings) == "active"
