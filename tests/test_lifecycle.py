"""The stored message's life (INBOUND.md 9, 11, 12 and "Errors inside the processing job")."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import select, text, update

from concierge import queues
from concierge.db import get_engine, session_scope, utcnow
from concierge.keys import new_key, reply_address
from concierge.models import InboundMessage
from tests import factories
from tests.mail import gmail_reply
from workers.inbound import process_failed, process_inbound


def stored(cli, raw: bytes, *args: str) -> dict:
    result = cli("inbound", "-", *args, input=raw)
    assert result.code == 0, result
    return json.loads(result.stdout.strip().splitlines()[-1])


def message(settings, inbound_id: int) -> InboundMessage:
    with session_scope(settings) as s:
        return s.get(InboundMessage, inbound_id)


def unknown_key_reply(n: int = 1) -> bytes:
    return gmail_reply(
        sender="ana@example.org",
        to=reply_address(new_key(), "mentoring.example"),
        subject="Re: hello",
        body=f"Reply number {n}",
        quoted="Hello",
        message_id=f"<life-{n}@example.org>",
    )


def test_inbound_09_status_moves_pending_to_terminal_with_the_rule_as_reason(settings, cli, work):
    line = stored(cli, unknown_key_reply())
    assert message(settings, line["id"]).status == "pending"
    work()
    row = message(settings, line["id"])
    assert (row.status, row.kind, row.reason) == ("rejected", "reply", "unknown_key")
    assert row.processed_at is not None and row.attempts == 1
    auto = (
        b"From: Ana <ana@example.org>\r\nTo: x@mentoring.example\r\nSubject: Out of office\r\n"
        b"Auto-Submitted: auto-replied\r\nMessage-ID: <ooo-1@example.org>\r\n\r\nI am away.\r\n"
    )
    line = stored(cli, auto, "--now")
    assert (line["status"], line["kind"], line["reason"]) == ("ignored", "auto_reply", "auto_reply")


def test_inbound_12_a_permanent_failure_is_not_retried(settings, cli, work):
    line = stored(cli, unknown_key_reply())
    work()
    connection = queues.get_redis(settings)
    inbound_queue = Queue(queues.INBOUND, connection=connection)
    assert inbound_queue.failed_job_registry.count == 0
    assert inbound_queue.scheduled_job_registry.count == 0
    assert message(settings, line["id"]).attempts == 1


def test_inbound_12_reprocess_runs_a_message_again_and_keeps_effects_once(settings, cli, work):
    with session_scope(settings) as s:
        program = factories.program(s)
        enrolment = factories.participant(s, program, "mentee", email="ana@example.org")
        from concierge.actions.introductions import send_welcome

        send_welcome(s, settings, enrolment)
    work()
    from concierge.models import OutboundMessage, ReplyKey

    with session_scope(settings) as s:
        key = s.scalar(select(ReplyKey))
        welcome = s.scalar(select(OutboundMessage))
        raw = gmail_reply(
            sender="ana@example.org",
            to=reply_address(key.key, "mentoring.example"),
            subject="Re: Welcome",
            body="Lead a team.",
            quoted="Welcome",
            in_reply_to=welcome.message_id,
        )
    line = stored(cli, raw, "--now")
    assert line["status"] == "processed"
    with session_scope(settings) as s:
        s.execute(update(InboundMessage).values(status="failed", reason="error", error="boom"))
    result = cli("reprocess", "--failed")
    assert result.code == 0 and result.stdout.strip() == f"{line['id']}: processed"
    again = cli("reprocess", str(line["id"]))
    assert again.stdout.strip() == f"{line['id']}: processed"
    work()
    with session_scope(settings) as s:
        thanks = s.scalars(select(OutboundMessage).where(OutboundMessage.template == "goals_thanks")).all()
        assert len(thanks) == 1
        assert s.get(InboundMessage, line["id"]).error is None


def test_reprocess_reports_unknown_ids_and_usage(settings, cli):
    assert cli("reprocess").code == 2
    assert cli("reprocess", "--failed", "3").code == 2
    assert cli("reprocess", "999").stdout.strip() == "999: no such message"


def test_infrastructure_error_propagates_for_rq_to_retry(settings, work):
    if not settings.is_sqlite:
        pytest.skip("the lock used to break the database here is SQLite's")
    with session_scope(settings) as s:
        row = InboundMessage(dedupe_key="x", raw=b"From: a@b.org\r\n\r\nhi", status="pending", attempts=0)
        s.add(row)
    blocker = get_engine(settings).connect()
    blocker.execute(text("SELECT 1"))  # BEGIN IMMEDIATE holds the write lock
    try:
        from sqlalchemy.exc import OperationalError

        with pytest.raises(OperationalError, match="locked"):
            process_inbound(row.id)
    finally:
        blocker.rollback()
        blocker.close()
    assert message(settings, row.id).status == "pending"


def test_failure_callback_marks_failed_only_after_the_last_retry(settings):
    with session_scope(settings) as s:
        row = InboundMessage(dedupe_key="y", raw=b"x", status="pending", attempts=1)
        s.add(row)
    job = Job.create("workers.inbound.process_inbound", args=(row.id,), connection=queues.get_redis(settings))
    job.retries_left = 2
    process_failed(job, None, ConnectionError, ConnectionError("redis went away"), None)
    assert message(settings, row.id).status == "pending"
    job.retries_left = 0
    process_failed(job, None, ConnectionError, ConnectionError("redis went away"), None)
    failed = message(settings, row.id)
    assert (failed.status, failed.reason, failed.error) == (
        "failed",
        "error",
        "ConnectionError: redis went away",
    )


def test_inbound_11_retention_deletes_raw_bytes_but_keeps_review_and_text(settings, cli, work):
    lines = [stored(cli, unknown_key_reply(n), "--now") for n in range(3)]
    with session_scope(settings) as s:
        # One processed normally, one still in review (rejected), one failed.
        s.execute(
            update(InboundMessage)
            .where(InboundMessage.id == lines[0]["id"])
            .values(status="processed", reason=None)
        )
        s.execute(update(InboundMessage).where(InboundMessage.id == lines[2]["id"]).values(status="failed"))
    at = utcnow() + timedelta(days=settings.inbound_retention_days, minutes=1)
    result = cli("tick", "--at", at.isoformat())
    assert "purge_raw: 1 raw inbound messages deleted" in result.stdout
    purged, review, failed = (message(settings, line["id"]) for line in lines)
    assert purged.raw is None and purged.raw_deleted_at is not None and purged.text == "Reply number 0"
    assert review.raw is not None and failed.raw is not None
    assert cli("reprocess", str(purged.id)).stdout.strip().endswith("no longer kept (retention)")
    again = cli("tick", "--at", (at + timedelta(days=1)).isoformat())
    assert "purge_raw: 0 raw inbound messages deleted" in again.stdout


def test_retention_keeps_young_messages(settings, cli):
    line = stored(cli, unknown_key_reply(), "--now")
    with session_scope(settings) as s:
        s.execute(update(InboundMessage).values(status="processed", reason=None))
    cli("tick", "--at", (utcnow() + timedelta(days=29)).isoformat())
    assert message(settings, line["id"]).raw is not None
