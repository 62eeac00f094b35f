"""What is never answered: auto-replies, bounces, our own mail, spam — one rule per row."""

from __future__ import annotations

import pytest

from concierge.inbound import understand
from tests.inbound.helpers import REPLY_DOMAIN, raw_mail

OWN = frozenset({"concierge@mentoring.example"})


def kind_of(raw: bytes) -> tuple[str, str | None]:
    parsed = understand(raw, own_addresses=OWN, reply_domain=REPLY_DOMAIN)
    return parsed.kind, parsed.reason


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_reply"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y.z"}, "auto_reply"),
        ({"Auto-Submitted": "no"}, "reply"),
        ({"X-Autoreply": "yes"}, "auto_reply"),
        ({"X-Autorespond": "Out of office"}, "auto_reply"),
        ({"Precedence": "bulk"}, "auto_reply"),
        ({"Precedence": "junk"}, "auto_reply"),
        ({"Precedence": "list"}, "auto_reply"),
        ({"Precedence": "auto_reply"}, "auto_reply"),
        ({"Precedence": "first-class"}, "reply"),
        ({"Return-Path": "<>"}, "auto_reply"),
        ({"Return-Path": "<maria@example.org>"}, "reply"),
        ({"From": "MAILER-DAEMON@mx.example.org"}, "auto_reply"),
        ({"From": "postmaster@example.org"}, "auto_reply"),
        ({"From": "Service <noreply@example.org>"}, "auto_reply"),
        ({"From": "no-reply@example.org"}, "auto_reply"),
        ({"X-Auto-Response-Suppress": "All"}, "reply"),  # Exchange puts it on ordinary mail
        ({"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"}, "reply"),
        ({"Subject": "Out of Office: Re: Your first mentoring session"}, "auto_reply"),
        ({"Subject": "Automatic reply: Your first mentoring session"}, "auto_reply"),
        ({"Subject": "Abwesenheitsnotiz: Ihre erste Sitzung"}, "auto_reply"),
        ({"Subject": "Réponse automatique : votre séance"}, "auto_reply"),
        ({"Subject": "Respuesta automática: su sesión"}, "auto_reply"),
        ({"Subject": "Resposta automática: sua sessão"}, "auto_reply"),
        ({"Subject": "Automatisch antwoord: uw sessie"}, "auto_reply"),
        ({"Subject": "Risposta automatica: la sua sessione"}, "auto_reply"),
        ({"X-Spam-Flag": "YES"}, "spam"),
        ({"X-Spam-Status": "Yes, score=9.1 required=5.0"}, "spam"),
        ({"X-Spam-Status": "No, score=0.1 required=5.0"}, "reply"),
        ({"X-SES-Spam-Verdict": "FAIL"}, "spam"),
        ({"X-SES-Spam-Verdict": "PASS"}, "reply"),
        ({"From": "Concierge <concierge@mentoring.example>"}, "own"),
        ({"From": f"reply+abcdefghijklmnopqrstuvwxyz@{REPLY_DOMAIN}"}, "own"),
    ],
)
def test_header_rules(headers: dict[str, str], expected: str) -> None:
    assert kind_of(raw_mail(headers=headers))[0] == expected


@pytest.mark.parametrize(
    "body",
    [
        "I am out of the office until June 10 with limited access to email.",
        "Ich bin derzeit nicht im Büro und ab dem 10. Juni wieder zurück.",
        "Je suis absent jusqu'au 10 juin, de retour le 11.",
        "Estoy fuera de la oficina hasta el 10 de junio; regreso el 11.",
        "Estou fora do escritório até 10 de junho, volto dia 11.",
        "Ik ben afwezig tot 10 juni en ben daarna terug.",
        "Sono fuori ufficio fino al 10 giugno, rientro l'11.",
        # no autoreply header and no quote: the words alone (from an end-to-end audit)
        "Automatic reply: I'm out of office until Wednesday. I will reply when I'm back. Back Thursday.",
        "I'm OOO until Monday, back Tuesday.",
    ],
)
def test_out_of_office_bodies_are_auto_replies(body: str) -> None:
    assert kind_of(raw_mail(body, headers={"Subject": "Re: Your first mentoring session"})) == (
        "auto_reply",
        "auto_reply",
    )


def test_a_person_mentioning_a_vacation_in_a_real_reply_is_not_an_auto_reply() -> None:
    body = (
        "I am on vacation until Monday, could we meet on Tuesday when I return?\n\n"
        "On Mon, Jun 3, 2024 at 10:00 AM Ana <ana@example.org> wrote:\n> Could we meet next week?\n"
    )
    assert kind_of(raw_mail(body)) == ("reply", None)


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bounce@mentoring.example
Subject: Undelivered Mail Returned to Sender
Return-Path: <>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {final}
Original-Recipient: rfc822; {original}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {status} mailbox unknown

--B
Content-Type: message/rfc822

From: concierge@mentoring.example
Subject: Your first mentoring session

Hello
--B--
"""


@pytest.mark.parametrize(
    ("action", "status", "hard"),
    [("failed", "5.1.1", True), ("failed", "4.2.2", False), ("delayed", "4.4.7", False)],
)
def test_delivery_status_notifications_are_bounces_hard_or_soft(action: str, status: str, hard: bool) -> None:
    raw = DSN.format(final="Maria@Example.org", original="maria@example.org", action=action, status=status)
    parsed = understand(raw.encode(), own_addresses=OWN, reply_domain=REPLY_DOMAIN)
    assert (parsed.kind, parsed.reason) == ("bounce", "bounce")  # not auto_reply, despite Return-Path <>
    assert parsed.bounce is not None
    assert (parsed.bounce.hard, parsed.bounce.status, parsed.bounce.failed_address) == (
        hard,
        status,
        "maria@example.org",
    )
    assert parsed.bounce.diagnostic and "mailbox unknown" in parsed.bounce.diagnostic


def test_the_original_recipient_is_used_when_there_is_no_final_recipient() -> None:
    raw = DSN.format(final="", original="maria@example.org", action="failed", status="5.1.1")
    raw = raw.replace("Final-Recipient: rfc822; \n", "")
    bounce = understand(raw.encode()).bounce
    assert bounce is not None and bounce.failed_address == "maria@example.org"


def test_a_successful_delivery_report_is_not_a_bounce() -> None:
    raw = DSN.format(
        final="maria@example.org", original="maria@example.org", action="delivered", status="2.0.0"
    )
    parsed = understand(raw.encode())
    assert parsed.kind == "auto_reply" and parsed.bounce is None


@pytest.mark.parametrize(
    ("sender", "subject", "body", "address", "hard"),
    [
        (
            "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "Delivery Status Notification (Failure)",
            "Delivery to the following recipient failed permanently:\n\n     maria@example.org\n\n"
            "Technical details of permanent failure:\n"
            "The email account that you tried to reach does not exist.",
            "maria@example.org",
            True,
        ),
        (
            "MAILER-DAEMON@mail.example.net",
            "failure notice",
            "Hi. This is the qmail-send program at mail.example.net.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            "<maria@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)",
            "maria@example.org",
            True,
        ),
        (
            "Mail Delivery System <Mailer-Daemon@mx.example.com>",
            "Mail delivery failed: returning message to sender",
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a temporary error. The following address(es) deferred:\n\n"
            "  maria@example.org\n    SMTP error from remote mail server after RCPT TO:<maria@example.org>:\n"
            "    452 4.2.2 Mailbox full",
            "maria@example.org",
            False,
        ),
    ],
    ids=["gmail", "qmail", "exim_soft"],
)
def test_common_non_standard_bounces(sender: str, subject: str, body: str, address: str, hard: bool) -> None:
    raw = raw_mail(body, sender=sender, headers={"Subject": subject, "Return-Path": "<>"})
    parsed = understand(raw, own_addresses=OWN, reply_domain=REPLY_DOMAIN)
    assert parsed.kind == "bounce"
    assert parsed.bounce is not None
    assert (parsed.bounce.failed_address, parsed.bounce.hard) == (address, hard)


def test_a_person_quoting_bounce_words_is_not_a_bounce() -> None:
    body = "I think my colleague's mailbox is full, 'user unknown' they said. Can you resend?"
    assert kind_of(raw_mail(body))[0] == "reply"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            {"From": "MAILER-DAEMON@mx.example.org", "Subject": "Undelivered Mail Returned to Sender"},
            "bounce",
        ),
        ({"From": "concierge@mentoring.example", "Auto-Submitted": "auto-generated"}, "own"),
        ({"Auto-Submitted": "auto-replied", "X-Spam-Flag": "YES"}, "auto_reply"),
        ({"X-Spam-Flag": "YES", "From": "Concierge <concierge@mentoring.example>"}, "own"),
    ],
    ids=["bounce_over_auto", "own_over_auto", "auto_over_spam", "own_over_spam"],
)
def test_priority_bounce_own_auto_spam(headers: dict[str, str], expected: str) -> None:
    body = "Your message could not be delivered." if expected == "bounce" else "Hello"
    assert kind_of(raw_mail(body, headers=headers))[0] == expected


def test_mail_without_a_usable_sender_is_unknown() -> None:
    assert kind_of(raw_mail(headers={"From": "undisclosed"})) == ("unknown", "unparseable")


def test_precedence_list_is_automatic_unless_it_is_a_threaded_reply() -> None:
    from concierge.inbound import understand

    base = (
        b"From: Kim <kim@example.org>\r\nTo: reply+abcdefghijklmnopqrstuvwxyz@reply.example\r\n"
        b"Subject: Re: planning\r\nPrecedence: list\r\nMessage-ID: <l1@example.org>\r\n"
    )
    digest = understand(base + b"\r\nThis week's digest\r\n")
    relayed = understand(base + b"In-Reply-To: <ours@reply.example>\r\n\r\nTuesday works for me.\r\n")
    assert digest.kind == "auto_reply"
    assert relayed.kind == "reply" and relayed.text == "Tuesday works for me."


@pytest.mark.parametrize(
    ("subject", "body", "delayed"),
    [
        (
            "Delivery Status Notification (Delay)",
            "Delivery to the following recipient has been delayed:\n\n     ana@example.org\n\n"
            "Message will be retried for 2 more day(s)",
            True,
        ),
        (
            "Warning: message delayed",
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent has not yet been delivered to one or more of its recipients "
            "after more than 24 hours on the queue. ana@example.org: host mx.example.org: 421 try later",
            True,
        ),
        (
            "Mail delivery failed: returning message to sender",
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its recipients. "
            "This is a temporary error.\n\n  ana@example.org\n    retry timeout exceeded",
            False,
        ),
    ],
    ids=["gmail-delay", "exim-delay", "exim-temporary-failure"],
)
def test_free_text_delay_warnings_are_told_from_temporary_failures(
    subject: str, body: str, delayed: bool
) -> None:
    sender = "Mail Delivery Subsystem <mailer-daemon@mx.example.org>"
    raw = f"From: {sender}\nTo: b@mentoring.example\nSubject: {subject}\n\n{body}\n"
    bounce = understand(raw.encode()).bounce
    assert bounce is not None and not bounce.hard
    assert bounce.delayed is delayed
