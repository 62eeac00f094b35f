"""The outbound path (SPEC §3 headers, §5 states): queue_email → send job → SMTP or dev outbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from rq import Retry, Worker
from sqlalchemy import func, select

from concierge import queues
from concierge.db import session_scope, utcnow
from concierge.keys import KEY_RE
from concierge.mail.render import MARKER
from concierge.models import DevMail, Enrolment, OutboundMessage, Person
from concierge.outbox import queue_email
from concierge.tokens import read_verp_address, verp_address
from tests import factories

BIN = Path(sys.executable).parent


def welcome_someone(settings, email="ana@example.org", occasion="welcome:test"):
    with session_scope(settings) as s:
        program = factories.program(s, name="Women in Tech")
        enrolment = factories.participant(s, program, "mentee", email=email, name="Ana Ruiz")
        row = queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion=occasion,
            to=enrolment.person,
            program=program,
            thread="welcome",
            context={"program_name": program.name, "goals": ""},
        )
        return row.id, program.id, enrolment.person.id


def welcome_in(s, settings, program, n: int) -> None:
    """Queue the welcome of a new mentee m<n>@example.org of `program`."""
    enrolment = factories.participant(s, program, "mentee", email=f"m{n}@example.org")
    queue_email(
        s,
        settings,
        template="welcome_mentee",
        occasion=f"welcome:{n}",
        to=enrolment.person,
        program=program,
        thread="welcome",
        context={"program_name": program.name, "goals": ""},
    )


def outbound(settings, outbound_id) -> OutboundMessage:
    with session_scope(settings) as s:
        return s.get(OutboundMessage, outbound_id)


def test_email_is_sent_with_every_header_of_spec_3(settings, smtp, work):
    outbound_id, _, _ = welcome_someone(settings)
    work()
    [msg] = smtp.parsed()
    row = outbound(settings, outbound_id)
    assert row.status == "sent" and row.sent_at is not None
    assert msg["To"] == "ana@example.org"
    assert msg["Message-ID"] == row.message_id
    local, domain = msg["Reply-To"].split("@")
    assert domain == "mentoring.example" and local.startswith("reply+")
    assert KEY_RE.match(local.removeprefix("reply+"))
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    unsubscribe = msg["List-Unsubscribe"]
    assert f"<mailto:{msg['Reply-To']}?subject=unsubscribe>" in unsubscribe
    assert "<http://concierge.test/unsubscribe/" in unsubscribe
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert MARKER in body
        assert "delete my data" in body and "private" in body
    assert msg["Subject"] == "Welcome to Women in Tech"
    raw_headers = smtp.messages[0][2].split(b"\r\n\r\n", 1)[0]
    assert b"List-Unsubscribe: <mailto:reply+" in raw_headers  # as it is, not an encoded-word
    assert b"=?utf-8?" not in raw_headers.split(b"List-Unsubscribe:", 1)[1].split(b"\r\nList-", 1)[0]
    envelope_from = smtp.messages[0][0]
    assert envelope_from == verp_address(settings, outbound_id)
    assert envelope_from.startswith(f"bounce+{outbound_id}-") and envelope_from.endswith("@mentoring.example")
    assert read_verp_address(settings, envelope_from.upper()) == outbound_id


def test_same_occasion_is_one_email(settings, smtp, work):
    first, _, _ = welcome_someone(settings)
    with session_scope(settings) as s:
        person = s.scalar(select(Person))
        program = factories.program(s)
        again = queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion="welcome:test",
            to=person,
            program=program,
            context={"program_name": "x", "goals": ""},
        )
        assert again.id == first
    work()
    assert len(smtp.messages) == 1


def test_emails_of_one_conversation_thread_together(settings, smtp, work):
    first_id, program_id, person_id = welcome_someone(settings)
    with session_scope(settings) as s:
        person = s.get(Person, person_id)
        from concierge.models import Program

        program = s.get(Program, program_id)
        second = queue_email(
            s,
            settings,
            template="goals_thanks",
            occasion="thanks:test",
            to=person,
            program=program,
            thread="welcome",
            context={"program_name": program.name, "goals": "Lead", "paired": False},
        )
        second_id = second.id
    work()
    first, second = outbound(settings, first_id), outbound(settings, second_id)
    assert second.in_reply_to == first.message_id
    assert second.references == first.message_id
    assert second.reply_key_id == first.reply_key_id
    msgs = {m["Message-ID"]: m for m in smtp.parsed()}
    assert msgs[second.message_id]["In-Reply-To"] == first.message_id


def test_dev_outbox_stores_instead_of_sending(settings, work):
    outbound_id, _, _ = welcome_someone(settings)
    work()
    with session_scope(settings) as s:
        [stored] = s.scalars(select(DevMail)).all()
        assert stored.outbound_id == outbound_id
        assert b"Welcome to Women in Tech" in stored.raw
    assert outbound(settings, outbound_id).status == "sent"


def test_nothing_is_sent_to_an_unsubscribed_or_bouncing_person(settings, smtp, work):
    with session_scope(settings) as s:
        program = factories.program(s)
        bouncing = factories.participant(s, program, "mentee").person
        bouncing.status = "bouncing"
        row = queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion="w:1",
            to=bouncing,
            program=program,
            context={"program_name": "x", "goals": ""},
        )
        assert row is None
    outbound_id, _, person_id = welcome_someone(settings, email="late@example.org", occasion="w:2")
    with session_scope(settings) as s:
        s.get(Person, person_id).status = "unsubscribed"
    work()
    assert smtp.messages == []
    row = outbound(settings, outbound_id)
    assert row.status == "failed" and "unsubscribed" in row.error


def test_a_worker_sends_one_email_after_another_over_one_connection(settings, smtp, work):
    with session_scope(settings) as s:
        program = factories.program(s)
        for n in range(3):
            welcome_in(s, settings, program, n)
    work()
    assert len(smtp.messages) == 3
    assert len(set(smtp.peers)) == 1


def test_the_sends_of_one_transaction_go_to_redis_in_one_round_trip(settings, smtp, work, monkeypatch):
    from redis import Redis
    from redis.client import Pipeline

    class Undone(Exception):
        pass

    round_trips: list[str] = []
    execute, execute_command = Pipeline.execute, Redis.execute_command

    def counted(pipeline, *args, **kwargs):
        round_trips.append(f"pipeline of {len(pipeline.command_stack)}")
        return execute(pipeline, *args, **kwargs)

    def counted_command(client, *args, **kwargs):
        round_trips.append(str(args[0]))
        return execute_command(client, *args, **kwargs)

    with session_scope(settings) as s:
        program = factories.program(s)
        welcome_in(s, settings, program, 0)
        for n in range(1, 5):
            with s.begin_nested():  # as pairing and imports do, one savepoint per row
                welcome_in(s, settings, program, n)
        try:
            with s.begin_nested():
                welcome_in(s, settings, program, 99)
                raise Undone  # the savepoint rolls back: its email is not sent
        except Undone:
            pass
        # Counted from here: the commit at the end of the block, and what runs after it.
        monkeypatch.setattr(Pipeline, "execute", counted)
        monkeypatch.setattr(Redis, "execute_command", counted_command)
    monkeypatch.undo()
    # Five jobs of four commands each, in one round trip (and RQ asks the server for its version,
    # once per connection).
    assert [trip for trip in round_trips if trip != "INFO"] == ["pipeline of 20"]
    work()
    assert sorted(to for _, (to,), _ in smtp.messages) == [f"m{n}@example.org" for n in range(5)]


def test_someone_elses_unsubscription_does_not_hold_an_email(settings, smtp, work):
    with session_scope(settings) as s:
        program = factories.program(s)
        first = factories.participant(s, program, "mentee", email="first@example.org")
        first.unsubscribed_at = utcnow()  # the first enrolment of the table: unsubscribed
    outbound_id, _, _ = welcome_someone(settings, email="other@example.org")
    work()
    row = outbound(settings, outbound_id)
    assert (row.status, row.error) == ("sent", None)
    assert [to for _, (to,), _ in smtp.messages] == ["other@example.org"]


def test_an_unsubscription_after_an_email_was_queued_holds_it(settings, smtp, work):
    with session_scope(settings) as s:
        program = factories.program(s)
        factories.participant(s, program, "mentee", email="first@example.org")  # subscribed
    outbound_id, program_id, person_id = welcome_someone(settings, email="other@example.org")
    with session_scope(settings) as s:
        enrolment = s.scalar(
            select(Enrolment).where(Enrolment.person_id == person_id, Enrolment.program_id == program_id)
        )
        enrolment.unsubscribed_at = utcnow()  # before the worker runs
    work()
    row = outbound(settings, outbound_id)
    assert row.status == "failed" and "unsubscribed" in row.error
    assert smtp.messages == []


def test_permanent_smtp_refusal_ends_failed_with_the_reason(settings, smtp, work):
    smtp.refuse_with = "550 5.1.1 No such user"
    outbound_id, _, _ = welcome_someone(settings)
    work()
    row = outbound(settings, outbound_id)
    assert row.status == "failed" and "550" in row.error


def test_transient_failure_goes_back_to_queued_then_fails_after_the_last_retry(settings, monkeypatch, work):
    from tests.conftest import free_port
    from workers import context

    dead = f"smtp://127.0.0.1:{free_port()}"
    context.use(settings.with_(smtp_url=dead))
    outbound_id, _, _ = welcome_someone(settings)
    work()
    row = outbound(settings, outbound_id)
    assert row.status == "queued" and "ConnectionRefusedError" in row.error
    # A retry is scheduled with backoff; run the last attempt now through the same job.
    queues.enqueue(settings, queues.SEND_OUTBOUND, outbound_id, retry=Retry(max=1, interval=0))
    work()
    row = outbound(settings, outbound_id)
    assert row.status == "failed" and "ConnectionRefusedError" in row.error


def test_an_email_that_cannot_be_written_is_retried_then_ends_failed_with_the_error(settings, smtp, work):
    outbound_id, _, _ = welcome_someone(settings)
    with session_scope(settings) as s:
        # A row no input path makes (addresses are checked when people are added), as an older
        # version or a hand edit might leave: a line break in the address cannot be written.
        s.get(OutboundMessage, outbound_id).to_email = "ana@example.org\nBcc: eve@example.org"
    work()
    row = outbound(settings, outbound_id)
    # Not left `sending`, where every retry would find it claimed and nothing would end it.
    assert row.status == "queued" and "could not be written: ValueError" in row.error
    queues.enqueue(settings, queues.SEND_OUTBOUND, outbound_id, retry=Retry(max=1, interval=0))
    work()  # the last attempt
    row = outbound(settings, outbound_id)
    assert row.status == "failed" and "ValueError" in row.error
    assert smtp.messages == []


def test_a_login_link_is_erased_when_its_email_ends_failed_after_the_last_retry(settings, work):
    from concierge.actions.logins import request_login_email
    from concierge.actions.programs import add_coordinator
    from tests.conftest import free_port
    from workers import context

    context.use(settings.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}"))  # nobody listens
    with session_scope(settings) as s:
        add_coordinator(s, "lead@example.org", [])
        request_login_email(s, settings, "lead@example.org")
        outbound_id = s.scalar(select(OutboundMessage.id))
    work()
    queues.enqueue(settings, queues.SEND_OUTBOUND, outbound_id, retry=Retry(max=1, interval=0))
    work()  # the last attempt
    row = outbound(settings, outbound_id)
    assert row.status == "failed"
    assert row.context["link"] == "(erased after sending)"
    assert "_erase_after_send" not in row.context


def test_sweep_requeues_mail_left_queued(settings, smtp, work, cli):
    outbound_id, _, _ = welcome_someone(settings)
    # As if Redis had lost the job (an embedded server killed): only the row remains.
    connection = queues.get_redis(settings)
    for key in connection.scan_iter(f"{os.environ['RQ_KEY_PREFIX']}:*"):
        connection.delete(key)
    at = (utcnow() + timedelta(minutes=2)).isoformat()
    result = cli("tick", "--at", at)
    assert "sweep_outbound: 1 outbound re-queued" in result.stdout
    assert outbound(settings, outbound_id).status == "sent"
    assert len(smtp.messages) == 1


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "concierge"), "worker"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_worker_killed_after_smtp_accepted_resends_once_with_same_message_id(settings, smtp, cli):
    with session_scope(settings) as s:
        program = factories.program(s)
        people = [factories.participant(s, program, "mentee").person for _ in range(4)]
    smtp.hold_if = lambda raw: b"To: " + people[0].email.encode() in raw
    workers = [start_worker(), start_worker()]
    try:
        ids = []
        for i, person in enumerate(people):
            with session_scope(settings) as s:
                row = queue_email(
                    s,
                    settings,
                    template="welcome_mentee",
                    occasion=f"w:{i}",
                    to=s.get(Person, person.id),
                    program=s.merge(program),
                    context={"program_name": "P", "goals": ""},
                )
                ids.append(row.id)
        target_id = ids[0]
        smtp.wait_for(lambda msgs: len(msgs) == 4)
        # The SMTP server holds the target's DATA answer: find the worker sending it and kill it.
        connection = queues.get_redis(settings)
        target_job = None
        busy = [w for w in Worker.all(connection=connection) if w.get_current_job_id()]
        for w in busy:
            job = w.get_current_job()
            if job is not None and job.args[0] == target_id:
                target_job = w
        assert target_job is not None
        os.kill(target_job.pid, signal.SIGKILL)
        killed = next(p for p in workers if p.pid == target_job.pid)
        killed.wait(timeout=60)
        smtp.release.set()
        assert outbound(settings, target_id).status == "sending"
        result = cli("tick", "--at", (utcnow() + timedelta(minutes=11)).isoformat())
        assert "sweep_outbound: 1 outbound re-queued" in result.stdout, result
        smtp.wait_for(lambda msgs: len(msgs) == 5)
        later = cli("tick", "--at", (utcnow() + timedelta(minutes=30)).isoformat())
        assert "sweep_outbound: 0 outbound re-queued" in later.stdout
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
    message_ids = [m["Message-ID"] for m in smtp.parsed()]
    rows = {i: outbound(settings, i) for i in ids}
    assert message_ids.count(rows[target_id].message_id) == 2
    for other in ids[1:]:
        assert message_ids.count(rows[other].message_id) == 1
    assert all(r.status == "sent" for r in rows.values())
    assert rows[target_id].resent is True
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 4


def test_login_link_is_erased_from_the_row_once_sent(settings, smtp, work):
    from concierge.actions.logins import request_login_email
    from concierge.actions.programs import add_coordinator

    with session_scope(settings) as s:
        add_coordinator(s, "lead@example.org", [])
        request_login_email(s, settings, "lead@example.org")
    work()
    [msg] = smtp.parsed()
    assert "/login/" in msg.get_body(("plain",)).get_content()
    assert "List-Unsubscribe" not in msg and "Reply-To" not in msg
    with session_scope(settings) as s:
        row = s.scalar(select(OutboundMessage))
        assert row.status == "sent"
        assert row.context["link"] == "(erased after sending)"
        assert "_erase_after_send" not in row.context


def test_sweep_leaves_mail_waiting_on_a_retry_alone_until_the_retries_are_past(settings, cli, work):
    from tests.conftest import free_port
    from workers import context

    context.use(settings.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    outbound_id, _, _ = welcome_someone(settings)
    work()
    assert outbound(settings, outbound_id).status == "queued"
    soon = cli("tick", "--at", (utcnow() + timedelta(minutes=5)).isoformat())
    assert "sweep_outbound: 0 outbound re-queued" in soon.stdout
    later = cli("tick", "--at", (utcnow() + timedelta(hours=3)).isoformat())
    assert "sweep_outbound: 1 outbound re-queued" in later.stdout
