"""INBOUND.md points 13–21 and 23, each a named behaviour through the whole relay path."""

from __future__ import annotations

import json
import signal
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge.db import session_scope
from concierge.models import Enrolment, InboundMessage, OutboundMessage, Person
from concierge.outbox import queue_email
from concierge.review import in_review
from tests import factories
from tests.mail import dsn, gmail_reply, returned

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture
def conversation(settings, work):
    """Ana, welcomed: her reply address and the welcome's Message-ID."""
    welcome, key = factories.welcomed_mentee(settings, work)
    return {
        "to": f"reply+{key.key}@mentoring.example",
        "welcome_id": welcome.message_id,
        "welcome_outbound": welcome.id,
    }


def message(
    conversation: dict,
    body: str = "Hello",
    *,
    sender: str = "Ana Ruiz <ana@example.org>",
    subject: str = "Re: Welcome to Women in Tech",
    headers: dict[str, str] | None = None,
    html: str | None = None,
    message_id: str = "<point@example.org>",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = conversation["to"]
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = conversation["welcome_id"]
    for name, value in (headers or {}).items():
        msg[name] = value
    if html is not None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
    return msg.as_bytes()


def ingest(cli, raw: bytes) -> dict:
    result = cli("inbound", "-", "--now", input=raw)
    assert result.code == 0, result
    return json.loads(result.stdout)


def outbound_count(settings) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(OutboundMessage))


OUTLOOK = (
    "Tuesday works for me.\n\n"
    "________________________________\n"
    "From: Concierge <concierge@mentoring.example>\n"
    "Sent: Thursday, November 26, 2026 9:00 AM\n"
    "To: Ana Ruiz <ana@example.org>\n"
    "Subject: Welcome to Women in Tech\n\n"
    "Hi Ana, welcome!\n"
)
ORIGINAL_MESSAGE = "Tuesday works for me.\n\n-----Original Message-----\nFrom: Concierge\nHi Ana\n"
FRENCH_WRAPPED = (
    "Mardi me convient.\n\nLe jeu. 26 nov. 2026 à 09:00, Concierge <concierge@mentoring.example>\n"
    "a écrit :\n> Bonjour Ana\n"
)
GERMAN = (
    "Dienstag passt.\n\nAm 26.11.2026 um 09:00 schrieb Concierge <concierge@mentoring.example>:\n> Hallo\n"
)
SIGNATURE = "Tuesday works for me.\n\n-- \nAna Ruiz\nStaff Engineer\n"
IPHONE = (
    "Tuesday works for me.\n\nSent from my iPhone\n\n> On Nov 26, 2026, at 9:00 AM, Concierge wrote:\n> Hi\n"
)
MARKER = "Tuesday works for me.\n\n-- Reply above this line --\n\nHi Ana, welcome!\n"


@pytest.mark.parametrize(
    "body",
    [OUTLOOK, ORIGINAL_MESSAGE, FRENCH_WRAPPED, GERMAN, SIGNATURE, IPHONE, MARKER],
    ids=["outlook", "original-message", "french-wrapped", "german", "signature", "iphone", "marker"],
)
def test_inbound_13_quotes_and_signatures_are_cut(settings, cli, conversation, body):
    line = ingest(cli, message(conversation, body))
    assert line["text"] in ("Tuesday works for me.", "Mardi me convient.", "Dienstag passt.")


def test_inbound_13_html_only_mail_is_converted_then_trimmed(settings, cli, conversation):
    html = (
        "<div>I want to lead a team.</div><div id='divRplyFwdMsg'><b>From:</b> Concierge<br>"
        "<b>Sent:</b> Thursday</div><div>Hi Ana, welcome!</div>"
    )
    line = ingest(cli, message(conversation, html=html))
    assert (line["status"], line["text"]) == ("processed", "I want to lead a team.")


def test_inbound_14_a_reply_that_is_only_quoted_is_nothing_new_not_an_error(settings, cli, conversation):
    body = "On Thu, Nov 26, 2026 at 9:00 AM Concierge <concierge@mentoring.example> wrote:\n> Welcome!\n"
    line = ingest(cli, message(conversation, body))
    assert (line["status"], line["kind"], line["reason"], line["text"]) == (
        "processed",
        "reply",
        "nothing_new",
        "",
    )


def test_inbound_15_input_is_bounded_and_pathological_bodies_do_not_hang(settings, cli, conversation):
    long = ingest(cli, message(conversation, "word " * 10_000, message_id="<long@example.org>"))
    assert len(long["text"]) <= 20_000
    pathological = CORPUS / "github_email_reply_parser" / "emails" / "pathological.txt"
    if not pathological.is_file():
        pytest.skip(f"corpus not found at {pathological}")

    def hang(*_args) -> None:
        raise TimeoutError("the inbound path hung on pathological.txt")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(30)  # a guard against a hang, not a speed test
    try:
        line = ingest(cli, message(conversation, pathological.read_text(), message_id="<path@example.org>"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert line["status"] == "processed"


@pytest.mark.parametrize(
    ("sender", "subject", "headers"),
    [
        ("Ana Ruiz <ana@example.org>", "Re: Welcome", {"Auto-Submitted": "auto-replied"}),
        ("Ana Ruiz <ana@example.org>", "Re: Welcome", {"X-Autoreply": "yes"}),
        ("Ana Ruiz <ana@example.org>", "Re: Welcome", {"X-Autorespond": "yes"}),
        ("Ana Ruiz <ana@example.org>", "Re: Welcome", {"Precedence": "bulk"}),
        ("Ana Ruiz <ana@example.org>", "Re: Welcome", {"Return-Path": "<>"}),
        ("No Reply <no-reply@example.org>", "Re: Welcome", {}),
        ("Ana Ruiz <ana@example.org>", "Abwesenheitsnotiz: Welcome", {}),
        ("Ana Ruiz <ana@example.org>", "Out of Office: Welcome", {}),
        ("Ana Ruiz <ana@example.org>", "Respuesta automática: Welcome", {}),
    ],
)
def test_inbound_16_auto_generated_mail_is_never_answered(
    settings, cli, conversation, sender, subject, headers
):
    before = outbound_count(settings)
    line = ingest(
        cli, message(conversation, "I am away until Monday.", sender=sender, subject=subject, headers=headers)
    )
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "auto_reply", "auto_reply")
    assert outbound_count(settings) == before
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) is None


def test_inbound_16_exchange_suppress_header_alone_is_ordinary_mail(settings, cli, conversation):
    line = ingest(cli, message(conversation, "Lead a team.", headers={"X-Auto-Response-Suppress": "All"}))
    assert (line["status"], line["kind"], line["reason"]) == ("processed", "reply", None)


def test_inbound_17_hard_bounce_marks_the_person_bouncing_and_mail_stops(settings, cli, conversation):
    line = ingest(cli, dsn("5.1.1", **returned(settings, conversation["welcome_outbound"])))
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "bounce", "bounce")
    with session_scope(settings) as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert ana.status == "bouncing" and "inbound message" in ana.bounce_reason
        program = factories.program(s)
        assert (
            queue_email(
                s,
                settings,
                template="welcome_mentee",
                occasion="after-bounce",
                to=ana,
                program=program,
                context={"program_name": "x", "goals": ""},
            )
            is None
        )


def test_inbound_17_a_bounce_not_tied_to_our_mail_is_flagged_and_changes_nothing(settings, cli, conversation):
    line = ingest(cli, dsn("5.1.1"))
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "bounce", "untrusted_bounce")
    with session_scope(settings) as s:
        assert s.scalar(select(Person.status).where(Person.email == "ana@example.org")) == "active"
        assert s.scalar(select(InboundMessage.id).where(InboundMessage.id == line["id"], in_review()))


def test_inbound_17_soft_bounce_is_recorded_but_keeps_the_person_active(settings, cli, conversation):
    line = ingest(cli, dsn("4.2.2", action="delayed", **returned(settings, conversation["welcome_outbound"])))
    assert (line["kind"], line["reason"]) == ("bounce", "bounce")
    with session_scope(settings) as s:
        assert s.scalar(select(Person.status).where(Person.email == "ana@example.org")) == "active"


def test_inbound_17_verp_ties_a_bounce_to_the_exact_send(settings, cli, conversation):
    from concierge.tokens import verp_address

    with session_scope(settings) as s:
        welcome_id = s.scalar(select(OutboundMessage.id))
    raw = dsn("5.1.1", recipient="someone-else@unknown.example", to=verp_address(settings, welcome_id))
    assert ingest(cli, raw)["reason"] == "bounce"
    with session_scope(settings) as s:
        assert s.scalar(select(Person.status).where(Person.email == "ana@example.org")) == "bouncing"


def test_inbound_18_our_own_mail_is_dropped_silently(settings, cli, conversation):
    before = outbound_count(settings)
    line = ingest(cli, message(conversation, "Welcome!", sender="Concierge <concierge@mentoring.example>"))
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "own", "own_mail")
    assert outbound_count(settings) == before


@pytest.mark.parametrize(
    "headers", [{"X-Spam-Flag": "YES"}, {"X-Spam-Status": "Yes, score=9.1"}, {"X-SES-Spam-Verdict": "FAIL"}]
)
def test_inbound_19_spam_is_kept_flagged_and_not_acted_on(settings, cli, conversation, headers):
    line = ingest(cli, message(conversation, "Cheap watches", headers=headers))
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "spam", "spam")
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) is None
        flagged = s.scalar(select(InboundMessage).where(in_review()))
        assert flagged is not None and flagged.raw is not None


def test_inbound_20_a_sender_outside_the_mentorship_is_kept_flagged_not_acted_on(settings, cli, conversation):
    before = outbound_count(settings)
    line = ingest(cli, message(conversation, "My goals", sender="Mallory <mallory@example.net>"))
    assert (line["status"], line["kind"], line["reason"]) == ("rejected", "foreign", "foreign_sender")
    assert outbound_count(settings) == before
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) is None
        assert s.scalar(select(InboundMessage).where(in_review())).sender == "mallory@example.net"


def test_inbound_21_every_email_we_send_says_it_is_automatic(settings, cli, smtp, work, conversation):
    reply = gmail_reply(
        sender="ana@example.org",
        to=conversation["to"],
        subject="Re: Welcome",
        body="Lead a team.",
        quoted="Welcome",
        in_reply_to=conversation["welcome_id"],
    )
    ingest(cli, reply)
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        assert mentorship.id
    work()
    sent = smtp.parsed()
    assert len(sent) >= 3
    for msg in sent:
        assert msg["X-Auto-Response-Suppress"] == "All"
        expected = (
            "auto-replied" if msg["In-Reply-To"] == "<CAGmail-0001@mail.gmail.com>" else "auto-generated"
        )
        assert msg["Auto-Submitted"] == expected


def test_inbound_23_an_answer_threads_under_the_reply_it_answers(settings, cli, smtp, work, conversation):
    reply = gmail_reply(
        sender="ana@example.org",
        to=conversation["to"],
        subject="Re: Welcome",
        body="Lead a team.",
        quoted="Welcome",
        in_reply_to=conversation["welcome_id"],
        message_id="<ana-1@mail.example.org>",
    )
    reply = reply.replace(
        f"References: {conversation['welcome_id']}".encode(),
        f"References: <root@elsewhere.example>, {conversation['welcome_id']}".encode(),
    )
    ingest(cli, reply)
    work()
    [answer] = [m for m in smtp.parsed() if m["In-Reply-To"]]
    assert answer["In-Reply-To"] == "<ana-1@mail.example.org>"
    assert answer["References"].split() == [
        "<root@elsewhere.example>",
        conversation["welcome_id"],
        "<ana-1@mail.example.org>",
    ]
