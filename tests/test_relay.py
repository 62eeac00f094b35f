"""The relay ingress `concierge inbound` (SPEC §4.2) and the processing of what it stores."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from concierge.db import get_engine, session_scope, utcnow
from concierge.keys import new_key, reply_address
from concierge.models import Enrolment, InboundMessage, Mentorship, OutboundMessage, Person
from tests import factories
from tests.mail import gmail_reply, reply_to_outbound


def ingest(cli, raw: bytes, *args: str):
    result = cli("inbound", "-", *args, input=raw)
    assert result.code == 0, result
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def welcomed(settings, work):
    """A mentee whose welcome email has been sent (into the dev outbox): its outbound id."""
    return factories.welcomed_mentee(settings, work)[0].id


def test_reply_to_welcome_stores_goals_without_the_quote_and_thanks(settings, cli, work, welcomed):
    raw = reply_to_outbound(settings, welcomed, "I want to lead a team and learn to give feedback.")
    line = ingest(cli, raw, "--now")
    assert line["status"] == "processed" and line["kind"] == "reply" and line["reason"] is None
    assert line["text"] == "I want to lead a team and learn to give feedback."
    assert line["duplicate"] is False
    work()
    with session_scope(settings) as s:
        enrolment = s.scalar(select(Enrolment))
        assert enrolment.goals == "I want to lead a team and learn to give feedback."
        thanks = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks"))
        assert thanks.status == "sent"
        assert thanks.auto_submitted == "auto-replied"
        assert thanks.in_reply_to == "<CAGmail-0001@mail.gmail.com>"


@pytest.mark.parametrize("paired", [False, True], ids=["not_paired", "paired"])
@pytest.mark.parametrize("recipient", [None, "relay@mentoring.example"], ids=["envelope_key", "to_key"])
def test_the_thanks_for_goals_says_whether_the_mentee_has_a_mentor_yet(
    settings, cli, work, welcomed, paired, recipient
):
    """Whether she is paired is read with her key and enrolment, with the message the job claims
    when the envelope names her key, or with the key when only the To address does."""
    if paired:
        from concierge.actions.pairing import pair

        with session_scope(settings) as s:
            ana = s.scalar(select(Enrolment).join(Person).where(Person.email == "ana@example.org"))
            mentor = factories.participant(s, ana.program, "mentor")
            pair(s, settings, ana.program, mentor.person.email, "ana@example.org")
    raw = reply_to_outbound(settings, welcomed, "Lead a team.")
    line = ingest(cli, raw, "--now", *(["--recipient", recipient] if recipient else []))
    assert line["status"] == "processed"
    with session_scope(settings) as s:
        thanks = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks"))
        assert thanks.context["paired"] is paired


def test_thanks_for_the_thanks_keeps_the_goals_and_is_not_answered(settings, cli, work, welcomed):
    """A mentee who answers the thanks for her goals ("Great, thank you so much!") neither
    replaces them nor gets another thanks, nor a "not understood" answer."""
    ingest(cli, reply_to_outbound(settings, welcomed, "Lead a team."), "--now")
    work()
    with session_scope(settings) as s:
        thanks = s.scalar(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks"))
    raw = reply_to_outbound(settings, thanks.id, "Great, thank you so much!", message_id="<thx@x.org>")
    line = ingest(cli, raw, "--now")
    assert line["status"] == "processed" and line["intents"] == [] and line["reason"] is None
    work()
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) == "Lead a team."
        sent = s.scalars(select(OutboundMessage.template).where(OutboundMessage.template != "welcome_mentee"))
        assert list(sent) == ["goals_thanks"]


def test_an_earlier_answer_processed_again_leaves_the_later_goals(settings, cli, work, welcomed):
    first = ingest(cli, reply_to_outbound(settings, welcomed, "Lead a team."), "--now")
    second = reply_to_outbound(settings, welcomed, "Speak at a conference.", message_id="<later@x.org>")
    ingest(cli, second, "--now")
    result = cli("reprocess", str(first["id"]))
    assert result.code == 0, result
    work()
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) == "Speak at a conference."
        thanks = s.scalars(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks")).all()
        assert len(thanks) == 2


def test_without_now_the_line_is_pending_and_a_worker_processes_it(settings, cli, work, welcomed):
    raw = reply_to_outbound(settings, welcomed, "Become a better public speaker.")
    line = ingest(cli, raw)
    assert set(line) == {"id", "status", "duplicate"}
    assert line["status"] == "pending"
    work()
    with session_scope(settings) as s:
        assert s.get(InboundMessage, line["id"]).status == "processed"


def test_redelivery_is_a_duplicate_and_not_processed_again(settings, cli, work, welcomed):
    raw = reply_to_outbound(settings, welcomed, "Goals: speak up in meetings.")
    first = ingest(cli, raw, "--now")
    relayed = b"Received: from mx2.example.org by mx.mentoring.example; Thu, 26 Nov 2026\r\n" + raw
    again = ingest(cli, relayed, "--now")
    assert again["duplicate"] is True and again["id"] == first["id"]
    assert again["status"] == "processed" and again["text"] == first["text"]
    work()
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1
        thanks = s.scalars(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks")).all()
        assert len(thanks) == 1


def test_same_message_to_another_envelope_recipient_is_stored_again(settings, cli, welcomed):
    raw = reply_to_outbound(settings, welcomed, "Negotiate my salary.")
    first = ingest(cli, raw, "--recipient", "a@mentoring.example")
    second = ingest(cli, raw, "--recipient", "b@mentoring.example")
    assert first["id"] != second["id"] and second["duplicate"] is False


def test_message_without_message_id_is_deduped_on_its_bytes(settings, cli):
    raw = b"From: x@example.org\r\nTo: y@example.org\r\nSubject: hi\r\n\r\nhello\r\n"
    first, second = ingest(cli, raw), ingest(cli, raw)
    assert second["duplicate"] is True and second["id"] == first["id"]
    with session_scope(settings) as s:
        assert s.get(InboundMessage, first["id"]).message_id.endswith("@derived.mentoring.example")


def test_unknown_key_is_rejected(settings, cli):
    raw = gmail_reply(
        sender="ana@example.org",
        to=reply_address(new_key(), "mentoring.example"),
        subject="Re: hi",
        body="Tuesday works",
        quoted="Hello",
    )
    line = ingest(cli, raw, "--now")
    assert (line["status"], line["kind"], line["reason"]) == ("rejected", "reply", "unknown_key")


def test_no_key_is_rejected(settings, cli):
    raw = gmail_reply(
        sender="ana@example.org", to="someone@mentoring.example", subject="hi", body="hello", quoted="x"
    )
    line = ingest(cli, raw, "--now")
    assert (line["status"], line["reason"]) == ("rejected", "no_key")


def test_key_found_through_in_reply_to_when_the_address_was_lost(settings, cli, work, welcomed):
    raw = reply_to_outbound(settings, welcomed, "Grow my network.")
    raw = raw.replace(b"To: reply+", b"To: concierge-list+")
    line = ingest(cli, raw, "--now")
    assert line["status"] == "processed"


def test_foreign_sender_is_kept_flagged_and_not_acted_on(settings, cli, work, welcomed):
    raw = reply_to_outbound(settings, welcomed, "My goals are evil.", sender="mallory@example.net")
    line = ingest(cli, raw, "--now")
    assert (line["status"], line["kind"], line["reason"]) == ("rejected", "foreign", "foreign_sender")
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment)).goals is None


def test_reply_from_an_alias_counts_as_the_person(settings, cli, work, welcomed):
    from concierge.models import PersonAlias

    with session_scope(settings) as s:
        person = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        s.add(PersonAlias(person_id=person.id, email="ana.ruiz@home.example"))
    raw = reply_to_outbound(settings, welcomed, "Learn to delegate.", sender="Ana.Ruiz@home.example")
    assert ingest(cli, raw, "--now")["status"] == "processed"


def test_expired_key_is_rejected(settings, cli, work):
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        mentorship.state, mentorship.ended_at = "completed", utcnow() - timedelta(days=181)
        mentee = mentorship.members[1].person
        mentorship_id = mentorship.id
    work()
    with session_scope(settings) as s:
        intro = s.scalar(
            select(OutboundMessage.id).where(
                OutboundMessage.mentorship_id == mentorship_id, OutboundMessage.person_id == mentee.id
            )
        )
    line = ingest(cli, reply_to_outbound(settings, intro, "Tuesday at 3pm?"), "--now")
    assert (line["status"], line["reason"]) == ("rejected", "expired_key")
    again = reply_to_outbound(settings, intro, "Hello?").replace(b"CAGmail-0001", b"CAGmail-0002")
    assert ingest(cli, again, "--now")["reason"] == "expired_key"
    work()
    with session_scope(settings) as s:
        [note] = s.scalars(select(OutboundMessage).where(OutboundMessage.template == "key_expired")).all()
        assert note.to_email == mentee.email and note.status == "sent"
        assert note.auto_submitted == "auto-replied"


def test_quote_only_reply_is_nothing_new(settings, cli, welcomed):
    line = ingest(cli, reply_to_outbound(settings, welcomed, ""), "--now")
    assert (line["status"], line["reason"], line["text"]) == ("processed", "nothing_new", "")


def test_replies_not_understood_are_kept_for_review_and_answered_once(settings, cli, work):
    with session_scope(settings) as s:
        mentorship = factories.mentorship(s, settings)
        mentee_id = mentorship.members[1].person_id
    work()
    with session_scope(settings) as s:
        intro = s.scalar(select(OutboundMessage.id).where(OutboundMessage.person_id == mentee_id))
        before = s.scalar(select(func.count()).select_from(OutboundMessage))
    line = ingest(cli, reply_to_outbound(settings, intro, "status?"), "--now")
    assert (line["status"], line["reason"]) == ("processed", "not_understood")
    assert line["text"] == "status?" and line["intents"] == []
    work()
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == before + 1
        answer = s.scalar(select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(1))
        assert (answer.template, answer.person_id, answer.status) == ("not_understood", mentee_id, "sent")
        assert s.get(Mentorship, mentorship.id).state == "introduced"


@pytest.mark.parametrize("body", ["stop", "Unsubscribe", "STOP."])
def test_stop_reply_stops_that_programs_mail(settings, cli, work, welcomed, body):
    line = ingest(cli, reply_to_outbound(settings, welcomed, body), "--now")
    assert line["status"] == "processed"
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment)).unsubscribed_at is not None
        notices = s.scalars(select(OutboundMessage).where(OutboundMessage.template == "unsubscribed_notice"))
        assert [n.to_email for n in notices] == [
            c.email for c in s.scalar(select(Enrolment)).program.coordinators
        ]


def test_list_unsubscribe_mailto_stops_mail(settings, cli, welcomed):
    with session_scope(settings) as s:
        row = s.get(OutboundMessage, welcomed)
        from concierge.models import ReplyKey

        key = s.get(ReplyKey, row.reply_key_id).key
    raw = (
        f"From: ana@example.org\r\nTo: reply+{key}@mentoring.example\r\nSubject: unsubscribe\r\n"
        "Message-ID: <unsub-1@example.org>\r\n\r\n"
    ).encode()
    assert ingest(cli, raw, "--now")["status"] == "processed"
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment)).unsubscribed_at is not None


def test_unparseable_message_is_rejected_with_null_text(settings, cli):
    line = ingest(cli, b"\x00\x01\x02 this is not an email \xff\xfe", "--now")
    assert line["status"] in ("rejected", "ignored")
    if line["reason"] == "unparseable":
        assert line["text"] is None


def test_usage_errors_exit_2(settings, cli, tmp_path):
    assert cli("inbound", "-", input=b"").code == 2
    assert cli("inbound", str(tmp_path / "missing.eml")).code != 0
    assert cli("inbound", "--bogus").code == 2


def test_database_unreachable_exits_75(settings, cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    result = cli("inbound", "-", input=b"From: a@b.org\r\n\r\nhi\r\n")
    assert result.code == 75
    assert len(result.stderr.strip().splitlines()) == 1


def test_bytes_are_stored_unchanged(settings, cli):
    raw = b"From: a@example.org\r\nSubject: caf\xe9\r\nMessage-ID: <8bit@x>\r\n\r\nna\xefve \xff body\r\n"
    line = ingest(cli, raw)
    with session_scope(settings) as s:
        assert s.get(InboundMessage, line["id"]).raw == raw


def test_a_peers_goals_are_shared_with_their_circle_not_a_mentor(settings, cli, work):
    from concierge.actions.introductions import send_welcome
    from tests.scheduling.helpers import sent_since

    with session_scope(settings) as s:
        prog = factories.program(s, name="Peers", format="peer")
        send_welcome(s, settings, factories.participant(s, prog, "peer", email="pia@example.org"))
    work()
    with session_scope(settings) as s:
        welcome = s.scalar(select(OutboundMessage.id).where(OutboundMessage.template.like("welcome%")))
    ingest(cli, reply_to_outbound(settings, welcome, "Get better at public speaking."), "--now")
    work()
    (thanks,) = [m for m in sent_since(settings) if m.row.template == "goals_thanks"]
    assert "with your circle" in thanks.text and "your mentor" not in thanks.text


def test_a_message_not_acted_on_keeps_no_intents_in_sql(settings, cli):
    """`intents` is NULL (not JSON null) where nothing was understood: SQL that asks for the
    messages that were understood (`intents IS NOT NULL`) finds none of these."""
    raw = gmail_reply(
        sender="ana@example.org", to="someone@mentoring.example", subject="hi", body="hello", quoted="x"
    )
    line = ingest(cli, raw, "--now")
    with session_scope(settings) as s:
        assert s.scalar(select(InboundMessage.id).where(InboundMessage.intents.is_(None))) == line["id"]


def test_a_change_to_the_message_that_processing_does_not_write_is_an_error(settings):
    """The outcome is written by one statement of the columns processing sets: setting any
    other would be lost without a word, so it fails instead."""
    from concierge.ingress.store import store_inbound
    from workers.inbound import _write_outcome

    stored = store_inbound(
        settings, gmail_reply(sender="a@x.org", to="b@x.org", subject="s", body="b", quoted="q")
    )
    with session_scope(settings) as s:
        message = s.get(InboundMessage, stored.id)
        message.status, message.source = "processed", "mailgun"
        with pytest.raises(RuntimeError, match="never written: source"):
            _write_outcome(s, message)
        s.rollback()


def _refuse_processed_outcomes(settings) -> tuple[list[str], list[str]]:
    """SQL that makes the database refuse to record a message as processed, and SQL that undoes it."""
    if settings.is_sqlite:
        return [
            "CREATE TRIGGER refuse BEFORE UPDATE ON inbound_messages WHEN NEW.status = 'processed' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END",
        ], ["DROP TRIGGER refuse"]
    return [
        "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN IF NEW.status = 'processed' THEN "
        "RAISE EXCEPTION 'refused by a trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse BEFORE UPDATE ON inbound_messages FOR EACH ROW EXECUTE FUNCTION refuse()",
    ], ["DROP TRIGGER refuse ON inbound_messages", "DROP FUNCTION refuse()"]


def test_now_exits_0_once_stored_even_when_processing_fails(settings, cli, work, welcomed):
    """SPEC §4.2: exit 0 once stored, whatever its status (75 would make the mail server send it
    again); the error is said on stderr in one line and kept on the message, still pending."""
    raw = reply_to_outbound(settings, welcomed, "I'd like to learn to lead a team.")
    create, drop = _refuse_processed_outcomes(settings)
    with get_engine(settings).begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        result = cli("inbound", "-", "--now", input=raw)
    finally:
        with get_engine(settings).begin() as connection:
            for statement in drop:
                connection.execute(text(statement))
    assert result.code == 0, result
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert (line["status"], line["duplicate"], line["intents"]) == ("pending", False, [])
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"stored as {line['id']}" in result.stderr and "refused by a trigger" in result.stderr
    with session_scope(settings) as s:
        message = s.get(InboundMessage, line["id"])
        assert message.status == "pending" and "refused by a trigger" in message.error
    work()  # the worker it was enqueued for processes it once the database lets it
    with session_scope(settings) as s:
        assert s.get(InboundMessage, line["id"]).status == "processed"
