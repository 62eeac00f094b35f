"""Bounces change a status only when tied to mail we sent (SPEC §3.4, INBOUND.md 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.models import DeliveryReport, InboundMessage, Person
from concierge.outbox import queue_email
from concierge.review import in_review
from concierge.tokens import verp_address
from tests import factories
from tests.mail import dsn, gmail_reply, returned
from workers.inbound import process_now

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def ana(settings, work) -> dict:
    """Ana, a welcomed mentee: her reply address and the welcome's Message-ID and id."""
    welcome, key = factories.welcomed_mentee(settings, work)
    return {
        "to": f"reply+{key.key}@mentoring.example",
        "welcome": welcome.message_id,
        "welcome_id": welcome.id,
        "program_id": key.program_id,
    }


def receive(settings, raw: bytes, now: datetime = T0, recipient: str | None = None):
    stored = store_inbound(settings, raw, recipient)
    return process_now(settings, stored.id, now=now), stored.id


def status_of(settings, email: str = "ana@example.org") -> str:
    with session_scope(settings) as s:
        return s.scalar(select(Person.status).where(Person.email == email))


def another_send(settings, ana: dict, n: int) -> int:
    """One more email to Ana (a distinct send); its outbound id."""
    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        program = factories.program(s)
        factories.participant(s, program, "mentee", email="ana@example.org")
        row = queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion=f"extra:{n}",
            to=person,
            program=program,
            context={"program_name": "P", "goals": ""},
        )
        return row.id


def report(settings, outbound_id: int, status: str = "5.1.1", n: int = 0, action: str = "failed") -> bytes:
    """A real RFC 3464 report (each `n` its own) of one of our sends, returning its headers."""
    raw = dsn(status, action=action, **returned(settings, outbound_id))
    return raw.replace(b"<dsn-", f"<dsn{n}-".encode())


FORGED = (
    "From: Mail Delivery Subsystem <mailer-daemon@evil.example>\r\n"
    "To: concierge@mentoring.example\r\nSubject: Delivery Status Notification (Failure)\r\n"
    "Message-ID: <forged-1@evil.example>\r\n\r\n"
    "Delivery to the following recipients failed permanently:\r\n\r\n     ana@example.org\r\n"
)


def test_a_forged_bounce_from_anyone_changes_nobody_and_is_flagged(settings, ana):
    result, inbound_id = receive(settings, FORGED.encode())
    assert (result.status, result.kind, result.reason) == ("ignored", "bounce", "untrusted_bounce")
    assert status_of(settings) == "active"
    with session_scope(settings) as s:
        message = s.get(InboundMessage, inbound_id)
        ana_id = s.scalar(select(Person.id).where(Person.email == "ana@example.org"))
        assert message.person_id == ana_id  # so that Ana's coordinators see it flagged
        assert s.scalar(select(InboundMessage.id).where(InboundMessage.id == inbound_id, in_review()))
        assert s.scalar(select(func.count()).select_from(DeliveryReport)) == 0


def test_a_forged_bounce_shows_in_the_review_queue_of_that_persons_coordinator_only(settings, ana):
    from concierge.dashboard.queries import review_queue
    from concierge.models import Program

    _, inbound_id = receive(settings, FORGED.encode())
    with session_scope(settings) as s:
        theirs = s.get(Program, ana["program_id"]).coordinators[0].id
        other = factories.program(s).coordinators[0].id
        flagged = [item for item in review_queue(s, theirs) if item.id == inbound_id]
        assert [(item.kind, item.reason) for item in flagged] == [("bounce", "untrusted_bounce")]
        assert "failed permanently" in flagged[0].text
        assert not [item for item in review_queue(s, other) if item.id == inbound_id]


def test_a_report_naming_our_send_but_another_address_is_not_trusted(settings, ana):
    raw = dsn("5.1.1", recipient="mallory@example.org", **returned(settings, ana["welcome_id"]))
    result, _ = receive(settings, raw)
    assert result.reason == "untrusted_bounce"
    assert status_of(settings) == "active"


def test_a_report_naming_a_message_id_we_never_sent_is_not_trusted(settings, ana):
    result, _ = receive(settings, dsn("5.1.1", returned_id="<guessed@mentoring.example>"))
    assert result.reason == "untrusted_bounce"
    assert status_of(settings) == "active"


def test_a_report_with_our_message_id_but_not_the_sends_token_is_not_trusted(settings, ana):
    """Message-IDs are not secret: a reply quotes them in In-Reply-To to everyone it goes to."""
    from concierge.tokens import send_token

    for token in (None, f"{ana['welcome_id']}-aaaaaaaaaaaaaaaa", send_token(settings, 999)):
        raw = dsn("5.1.1", returned_id=ana["welcome"], token=token)
        result, _ = receive(settings, raw.replace(b"<dsn-", f"<dsn-{token}-".encode()))
        assert result.reason == "untrusted_bounce", token
    assert status_of(settings) == "active"


def test_a_participant_quoting_a_message_id_in_bounce_words_changes_nothing(settings, ana):
    """The audit's case: bounce-like text from a participant's own address, with a Message-ID
    of ours in the body, is no delivery report."""
    raw = (
        f"From: Bo <bo@example.org>\r\nTo: {ana['to']}\r\nSubject: Undeliverable: Ana\r\n"
        "Message-ID: <forge2@example.org>\r\n\r\n"
        "Your message could not be delivered to ana@example.org\r\n\r\n"
        f"Message-ID: {ana['welcome']}\r\n"
    )
    result, _ = receive(settings, raw.encode())
    assert result.reason == "untrusted_bounce"
    assert status_of(settings) == "active"


@pytest.mark.parametrize("encoding", ["7bit", "base64", "quoted-printable"])
def test_a_report_returning_the_message_or_its_headers_in_any_encoding_is_tied(settings, ana, encoding):
    import base64
    import quopri

    tie = returned(settings, ana["welcome_id"])
    headers = (
        f"From: concierge@mentoring.example\r\nTo: ana@example.org\r\nMessage-ID: {tie['returned_id']}\r\n"
        f"X-Concierge-Send: {tie['token']}\r\nSubject: Welcome\r\n\r\n"
    ).encode()
    body = {
        "7bit": headers,
        "base64": base64.encodebytes(headers),
        "quoted-printable": quopri.encodestring(headers),
    }
    ctype = "message/rfc822" if encoding == "7bit" else "text/rfc822-headers"
    part = f"--B\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n".encode()
    raw = dsn("5.1.1").replace(b"--B--\r\n", part + body[encoding] + b"\r\n--B--\r\n")
    result, _ = receive(settings, raw)
    assert result.reason == "bounce"
    assert status_of(settings) == "bouncing"


def test_a_free_text_bounce_quoting_our_message_is_not_tied(settings, ana):
    raw = FORGED.replace(
        "ana@example.org\r\n",
        f"ana@example.org\r\n\r\n----- Original message -----\r\nMessage-ID: {ana['welcome']}\r\n"
        f"X-Concierge-Send: {returned(settings, ana['welcome_id'])['token']}\r\n",
    )
    result, _ = receive(settings, raw.encode())
    assert result.reason == "untrusted_bounce"  # only VERP ties a bounce that is not RFC 3464
    assert status_of(settings) == "active"


def test_a_verp_address_with_a_wrong_signature_is_not_trusted(settings, ana):
    forged = f"bounce+{ana['welcome_id']}-aaaaaaaaaaaaaaaa@mentoring.example"
    result, _ = receive(settings, dsn("5.1.1", to=forged))
    assert result.reason == "untrusted_bounce"
    unsigned = f"bounce+{ana['welcome_id']}@mentoring.example"
    result, _ = receive(settings, dsn("5.1.1", to=unsigned, recipient="x@example.org"))
    assert result.reason == "untrusted_bounce"
    assert status_of(settings) == "active"


def test_a_verp_bounce_is_tied_by_the_envelope_recipient_alone(settings, ana):
    raw = dsn("5.1.1", recipient="forwarded@elsewhere.example")
    result, _ = receive(settings, raw, recipient=verp_address(settings, ana["welcome_id"]).upper())
    assert result.reason == "bounce"
    assert status_of(settings) == "bouncing"


def test_three_soft_bounces_of_different_sends_within_14_days_count_as_hard(settings, ana):
    ids = [ana["welcome_id"], another_send(settings, ana, 1), another_send(settings, ana, 2)]
    for n, outbound_id in enumerate(ids[:2]):
        receive(settings, report(settings, outbound_id, "4.2.2", n), now=T0 + timedelta(days=n))
    assert status_of(settings) == "active"
    receive(settings, report(settings, ids[2], "4.2.2", 2), now=T0 + timedelta(days=13))
    assert status_of(settings) == "bouncing"


def test_soft_bounces_spread_over_more_than_14_days_do_not(settings, ana):
    ids = [ana["welcome_id"], another_send(settings, ana, 1), another_send(settings, ana, 2)]
    for n, outbound_id in enumerate(ids):
        receive(settings, report(settings, outbound_id, "4.2.2", n), now=T0 + timedelta(days=8 * n))
    assert status_of(settings) == "active"


def test_the_same_send_bouncing_softly_three_times_is_one_soft_bounce(settings, ana):
    for n in range(3):
        receive(settings, report(settings, ana["welcome_id"], "4.2.2", n), now=T0 + timedelta(hours=n))
    assert status_of(settings) == "active"


def test_delay_warnings_are_recorded_but_never_count(settings, ana):
    ids = [ana["welcome_id"], another_send(settings, ana, 1), another_send(settings, ana, 2)]
    for n, outbound_id in enumerate(ids):
        receive(settings, report(settings, outbound_id, "4.4.1", n, action="delayed"))
    assert status_of(settings) == "active"
    with session_scope(settings) as s:
        assert s.scalars(select(DeliveryReport.kind)).all() == ["delayed"] * 3


def test_reprocessing_a_bounce_records_it_once(settings, ana):
    from workers.inbound import reprocess_messages

    _, inbound_id = receive(settings, report(settings, ana["welcome_id"], "4.2.2"))
    reprocess_messages(settings, [inbound_id, inbound_id], all_failed=False)
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(DeliveryReport)) == 1


def test_a_later_reply_from_the_person_clears_bouncing(settings, ana):
    receive(settings, report(settings, ana["welcome_id"]))
    assert status_of(settings) == "bouncing"
    reply = gmail_reply(
        sender="ana@example.org",
        to=ana["to"],
        subject="Re: Welcome",
        body="Lead a team by spring.",
        quoted="Welcome",
        in_reply_to=ana["welcome"],
    )
    receive(settings, reply, now=T0 + timedelta(days=1))
    assert status_of(settings) == "active"
    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert person.bounce_reason is None and person.bounces_cleared_at == T0 + timedelta(days=1)


def test_soft_bounces_before_bouncing_was_cleared_no_longer_count(settings, ana):
    ids = [ana["welcome_id"], another_send(settings, ana, 1), another_send(settings, ana, 2)]
    for n, outbound_id in enumerate(ids):
        receive(settings, report(settings, outbound_id, "4.2.2", n), now=T0 + timedelta(hours=n))
    assert status_of(settings) == "bouncing"
    with session_scope(settings) as s:
        from concierge.actions.bounces import reactivate

        reactivate(s, "ana@example.org", T0 + timedelta(hours=5))
    receive(
        settings, report(settings, another_send(settings, ana, 3), "4.2.2", 3), now=T0 + timedelta(hours=6)
    )
    assert status_of(settings) == "active"


def test_cli_person_reactivate_clears_bouncing(settings, cli, ana):
    receive(settings, report(settings, ana["welcome_id"]))
    result = cli("person", "reactivate", "ANA@example.org")
    assert result.code == 0, result
    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert result.last_line == str(person.id) and person.status == "active"
    again = cli("person", "reactivate", "ana@example.org")
    assert again.code == 0 and again.last_line == str(person.id)


@pytest.mark.parametrize("address", ["nobody@example.org", "not an address"])
def test_cli_person_reactivate_refuses_an_unknown_address_in_one_line(settings, cli, address):
    result = cli("person", "reactivate", address)
    assert result.code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("concierge: ")


def test_a_reply_from_an_alias_does_not_clear_bouncing(settings, ana):
    """Mail from an alias says nothing about the address we write to, which still bounces."""
    from concierge.models import PersonAlias

    receive(settings, report(settings, ana["welcome_id"]))
    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        person.aliases.append(PersonAlias(email="ana@home.example"))
    reply = gmail_reply(
        sender="ana@home.example",
        to=ana["to"],
        subject="Re: Welcome",
        body="Lead a team by spring.",
        quoted="Welcome",
        in_reply_to=ana["welcome"],
    )
    result, _ = receive(settings, reply, now=T0 + timedelta(days=1))
    assert (result.status, result.reason) == ("processed", None)
    assert status_of(settings) == "bouncing"


def test_bounce_words_sent_to_a_conversation_are_flagged_for_that_program_not_the_named_persons(
    settings, ana
):
    """The audit's case: Bo writes to his own conversation in another program, quoting a bounce
    that names Ana; his words go to his program's review queue, not to Ana's coordinators."""
    from concierge.dashboard.queries import review_queue
    from concierge.keys import reply_address, reply_key_for
    from concierge.models import Program

    with session_scope(settings) as s:
        other = factories.program(s, name="Elsewhere")
        bo = factories.participant(s, other, "mentee", email="bo@example.org").person
        bo_key = reply_key_for(s, bo, other, None, "welcome").key
        coordinators = (s.get(Program, ana["program_id"]).coordinators[0].id, other.coordinators[0].id)
    raw = (
        f"From: Bo <bo@example.org>\r\nTo: {reply_address(bo_key, 'mentoring.example')}\r\n"
        "Subject: Fwd: Undeliverable: lunch\r\nMessage-ID: <bo-fwd@example.org>\r\n\r\n"
        "My manager is making this job unbearable.\r\n\r\n"
        "Your message could not be delivered to ana@example.org: user unknown\r\n"
    )
    _, inbound_id = receive(settings, raw.encode())
    with session_scope(settings) as s:
        anas, bos = (review_queue(s, c) for c in coordinators)
        assert inbound_id not in {item.id for item in anas}
        assert [item.reason for item in bos if item.id == inbound_id] == ["untrusted_bounce"]
    assert status_of(settings) == "active"
