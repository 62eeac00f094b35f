"""The processing job: stored raw message → understood → routed → acted on, with its outcome recorded.

A message that cannot be understood or routed ends `ignored` or `rejected` with its
reason inside the job (retrying will not help). Database or Redis trouble propagates
so that RQ retries; after the last retry, `process_failed` marks the message `failed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from concierge.actions.bounces import record_bounce
from concierge.actions.replies import Outcome, act_on_reply, route
from concierge.config import Settings
from concierge.db import session_scope, utcnow
from concierge.inbound import ParsedMessage, UnparseableMessage, understand
from concierge.models import InboundMessage
from workers.context import job_settings, use

# Kinds that are never answered or acted on (SPEC §3.4), with the reason recorded.
NEVER_ACTED_ON = {"auto_reply": "auto_reply", "bounce": "bounce", "own": "own_mail", "spam": "spam"}
REPROCESSABLE = ("failed", "rejected", "ignored", "processed")


@dataclass(frozen=True)
class Result:
    """What processing recorded: status, kind, reason, and the trimmed text (None if unparseable)."""

    status: str
    kind: str | None
    reason: str | None
    text: str | None


def claim(settings: Settings, inbound_id: int, reprocess: bool) -> bool:
    """Move the message to `processing` if it is waiting (or, to reprocess, finished); True if ours."""
    table = InboundMessage.__table__
    allowed = ("pending", *REPROCESSABLE) if reprocess else ("pending",)
    with session_scope(settings) as session:
        claimed = session.execute(
            update(table)
            .where(table.c.id == inbound_id, table.c.status.in_(allowed))
            .values(status="processing", attempts=table.c.attempts + 1)
        ).rowcount
    return bool(claimed)


def _record(message: InboundMessage, outcome: Outcome, parsed: ParsedMessage | None) -> None:
    message.status, message.kind, message.reason = outcome.status, outcome.kind, outcome.reason
    message.processed_at = utcnow()
    message.error = None
    if parsed is not None:
        message.sender = (parsed.sender or "")[:320] or None
        message.subject = parsed.subject[:2000]
        message.text = parsed.text


def process(settings: Settings, inbound_id: int) -> Result:
    """Understand and act on one claimed message in one transaction; returns what was recorded."""
    with session_scope(settings) as session:
        message = session.get(InboundMessage, inbound_id)
        assert message is not None
        parsed: ParsedMessage | None
        try:
            parsed = understand(
                message.raw or b"",
                message.envelope_recipient,
                own_addresses=frozenset({settings.mail_from_address}),
                reply_domain=settings.reply_domain,
            )
        except UnparseableMessage:
            parsed = None
        if parsed is None:
            outcome = Outcome("rejected", "unknown", "unparseable")
        elif parsed.kind in NEVER_ACTED_ON:
            outcome = Outcome("ignored", parsed.kind, NEVER_ACTED_ON[parsed.kind])
            if parsed.kind == "bounce" and parsed.bounce is not None:
                record_bounce(session, settings, message, parsed)
        else:
            found = route(session, settings, parsed)
            if found.key is not None:
                message.reply_key_id = found.key.id
                message.program_id = found.key.program_id
                message.mentorship_id = found.key.mentorship_id
            if found.sender is not None:
                message.person_id = found.sender.id
            if found.problem is not None:
                outcome = found.problem
            else:
                assert found.key is not None and found.sender is not None
                outcome = act_on_reply(session, settings, message, parsed, found.key, found.sender)
        _record(message, outcome, parsed)
        return Result(outcome.status, outcome.kind, outcome.reason, parsed.text if parsed else None)


def _release(settings: Settings, inbound_id: int, error: str) -> None:
    table = InboundMessage.__table__
    with session_scope(settings) as session:
        session.execute(
            update(table)
            .where(table.c.id == inbound_id, table.c.status == "processing")
            .values(status="pending", error=error[:4000])
        )


def process_inbound(inbound_id: int, reprocess: bool = False) -> str:
    """The RQ job: claim the message, process it; safe to run twice."""
    settings = job_settings()
    if not claim(settings, inbound_id, reprocess):
        return "not claimed"
    try:
        result = process(settings, inbound_id)
    except Exception as exc:
        # Back to pending with the error, so RQ's retry (or the sweep) can claim it again.
        try:
            _release(settings, inbound_id, f"{type(exc).__name__}: {exc}")
        finally:
            raise
    return result.status


def process_failed(job: Any, connection: Any, exc_type: type, exc_value: BaseException, tb: Any) -> None:
    """RQ's failure callback: after the last retry the message ends `failed` with the error."""
    if job.retries_left:
        return
    table = InboundMessage.__table__
    with session_scope(job_settings()) as session:
        session.execute(
            update(table)
            .where(table.c.id == job.args[0], table.c.status.in_(("pending", "processing")))
            .values(status="failed", reason="error", error=f"{exc_type.__name__}: {exc_value}"[:4000])
        )


def stored_result(settings: Settings, inbound_id: int) -> Result:
    """The outcome already recorded for a message (a duplicate is not processed again)."""
    with session_scope(settings) as session:
        message = session.get(InboundMessage, inbound_id)
        assert message is not None
        text = message.text if message.reason != "unparseable" else None
        return Result(message.status, message.kind, message.reason, text)


def process_now(settings: Settings, inbound_id: int) -> Result:
    """Process a just-stored message in this process (the `--now` of the relay CLI)."""
    use(settings)
    if claim(settings, inbound_id, reprocess=False):
        try:
            return process(settings, inbound_id)
        except Exception as exc:
            _release(settings, inbound_id, f"{type(exc).__name__}: {exc}")
            raise
    return stored_result(settings, inbound_id)


def reprocess_messages(settings: Settings, ids: list[int], all_failed: bool) -> list[str]:
    """Process the given (or every failed) message again in this process; one line per message."""
    use(settings)
    with session_scope(settings) as session:
        if all_failed:
            ids = list(
                session.scalars(
                    select(InboundMessage.id)
                    .where(InboundMessage.status == "failed")
                    .order_by(InboundMessage.id)
                )
            )
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.raw.is_not(None)).where(InboundMessage.id.in_(ids))
        )
        found = {inbound_id: has_raw for inbound_id, has_raw in rows}
    lines = []
    for inbound_id in ids:
        if inbound_id not in found:
            lines.append(f"{inbound_id}: no such message")
            continue
        if not found[inbound_id]:
            lines.append(f"{inbound_id}: its raw bytes are no longer kept (retention)")
            continue
        if not claim(settings, inbound_id, reprocess=True):
            lines.append(f"{inbound_id}: busy (being processed)")
            continue
        result = process(settings, inbound_id)
        lines.append(f"{inbound_id}: {result.status} {result.reason or ''}".rstrip())
    return lines
