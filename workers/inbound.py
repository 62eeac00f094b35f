"""The processing job: stored raw message → understood → routed → acted on, with its outcome recorded.

A message that cannot be understood or routed ends `ignored` or `rejected` with its
reason inside the job (retrying will not help). Database or Redis trouble propagates
so that RQ retries; after the last retry, `process_failed` marks the message `failed`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, load_only

from concierge.actions.bounces import record_bounce, record_events
from concierge.actions.replies import Outcome, act_on_reply, note_expired_key, route
from concierge.config import Settings
from concierge.db import session_scope, utcnow
from concierge.inbound import ParsedMessage, UnparseableMessage, understand
from concierge.inbound.events import MalformedEvents, event_provider, parse_events
from concierge.keys import WITH_WHAT_A_REPLY_READS, key_in_address
from concierge.models import InboundMessage, Person, ReplyKey
from workers.context import job_settings, use
from workers.errors import error_text

log = logging.getLogger(__name__)

# Kinds that are never answered or acted on (SPEC §3.4), with the reason recorded. A bounce with
# its delivery facts goes to `record_bounce` (which may change a status) before this table is
# looked at; "bounce" here is for one whose facts could not be read.
NEVER_ACTED_ON = {"auto_reply": "auto_reply", "bounce": "bounce", "own": "own_mail", "spam": "spam"}
REPROCESSABLE = ("failed", "rejected", "ignored", "processed")


@dataclass(frozen=True)
class Result:
    """What processing recorded: status, kind, reason, and the trimmed text (None if unparseable)."""

    status: str
    kind: str | None
    reason: str | None
    text: str | None
    intents: list[dict[str, Any]] = field(default_factory=list)


#: Built once: the first statement of every message's processing. It reads, with the message,
#: the key its envelope recipient names and what a reply to that key reads: for a reply, one
#: round trip instead of two (the key is used once the message's own addresses confirm it); and
#: whether another copy of it is stored.
#: No LIMIT: with one, SQLAlchemy would wrap the joined rows in a subquery. Of the message, the
#: columns processing reads (its bytes, where it came from, what it is, where it belongs); what
#: processing sets and never reads (its outcome, its text) is written without having been read
#: (`_write_outcome`).
_OTHER = aliased(InboundMessage)
_CLAIM = (
    select(
        InboundMessage,
        ReplyKey,
        # Whether another copy of the email is stored (by its Message-ID's index): a scalar
        # subquery, which PostgreSQL looks up per row, where it may hash a table for an EXISTS.
        select(_OTHER.id)
        .where(_OTHER.message_id == InboundMessage.message_id, _OTHER.id != InboundMessage.id)
        .limit(1)
        .scalar_subquery()
        .is_not(None)
        .label("copies"),
    )
    .outerjoin(ReplyKey, ReplyKey.key == key_in_address(InboundMessage.envelope_recipient))
    .options(
        load_only(
            InboundMessage.raw,
            InboundMessage.source,
            InboundMessage.message_id,
            InboundMessage.envelope_recipient,
            InboundMessage.status,
            InboundMessage.attempts,
            InboundMessage.reply_key_id,
            InboundMessage.person_id,
            InboundMessage.program_id,
            InboundMessage.mentorship_id,
        ),
        *WITH_WHAT_A_REPLY_READS,
    )
    .where(InboundMessage.id == bindparam("inbound_id"))
    .with_for_update(of=InboundMessage)
)
#: A reprocess may wait for a worker that holds the message: after the wait PostgreSQL reads the
#: locked row again but not the rows joined to it, so it claims the message alone and routing
#: reads the key afterwards, as it stands then.
_CLAIM_ALONE = select(InboundMessage).where(InboundMessage.id == bindparam("inbound_id")).with_for_update()


@dataclass(frozen=True)
class Claimed:
    """A message claimed for processing, with the key its envelope recipient names (if read) and
    whether another copy of it may be stored."""

    message: InboundMessage
    envelope_key: ReplyKey | None
    copies: bool = True


def _claim(session: Session, inbound_id: int, reprocess: bool) -> Claimed | None:
    """The message, locked, if it is waiting (or, to reprocess, finished), with the key its
    envelope recipient names (None if it names none, or to reprocess).

    The claim is the first statement of the processing transaction: on PostgreSQL the row
    lock makes a second worker wait and then find the message no longer waiting; on SQLite
    the transaction (BEGIN IMMEDIATE) holds the write lock. The message is written once, at
    the end, with its outcome (`_write_outcome`): `processing` would be seen by nobody, since the
    transaction is the processing. An error rolls it all back.
    """
    if reprocess:
        message = session.scalar(_CLAIM_ALONE, {"inbound_id": inbound_id})
        allowed = message is not None and message.status in ("pending", *REPROCESSABLE)
        return Claimed(message, None) if allowed else None
    row = session.execute(_CLAIM, {"inbound_id": inbound_id}).unique().first()
    if row is None or row.InboundMessage.status != "pending":
        return None
    return Claimed(row.InboundMessage, row.ReplyKey, bool(row.copies))


def _record(message: InboundMessage, outcome: Outcome, parsed: ParsedMessage | None, now: datetime) -> None:
    # Understood only when acted on as a reply; [] when nothing was.
    message.intents = (
        list(outcome.intents) if (outcome.kind, outcome.status) == ("reply", "processed") else None
    )
    message.attempts += 1
    message.status, message.kind, message.reason = outcome.status, outcome.kind, outcome.reason
    message.processed_at = now
    message.error = None
    if parsed is not None:
        message.sender = (parsed.sender or "")[:320] or None
        message.subject = parsed.subject[:2000]
        message.text = parsed.text


#: The message's columns processing sets, written in one statement built once.
_OUTCOME_COLUMNS = (
    "status",
    "kind",
    "reason",
    "error",
    "sender",
    "subject",
    "text",
    "reply_key_id",
    "person_id",
    "program_id",
    "mentorship_id",
    "attempts",
    "processed_at",
    "intents",
)
_INBOUND = InboundMessage.__table__


@functools.cache
def _outcome_update(names: tuple[str, ...]) -> Update:
    """The statement writing these of `_OUTCOME_COLUMNS`, built once per set of them."""
    return (
        update(_INBOUND)
        .where(_INBOUND.c.id == bindparam("inbound_id"))
        .values({name: bindparam(f"new_{name}", type_=_INBOUND.c[name].type) for name in names})
    )


def _write_outcome(session: Session, message: InboundMessage) -> None:
    """Write what processing set on the message (`_record`, and the routing before it) in one
    statement, and let the session forget the message: written by the ORM, one changed object
    costs the commit's flush more than the statement itself (README, Benchmarks). A column the
    claim did not read and processing did not set (the text of a message it could not parse)
    keeps what it holds. A change to a column the statement does not write is an error, not a
    change lost."""
    state = inspect(message)
    unwritten = set(state.committed_state) - set(_OUTCOME_COLUMNS)
    if unwritten:
        raise RuntimeError(f"set on the inbound message but never written: {', '.join(sorted(unwritten))}")
    names = tuple(name for name in _OUTCOME_COLUMNS if name not in state.unloaded)
    session.execute(
        _outcome_update(names),
        {"inbound_id": message.id, **{f"new_{name}": getattr(message, name) for name in names}},
    )
    session.expunge(message)


def _act_on_events(
    session: Session, settings: Settings, message: InboundMessage, provider: str, now: datetime
) -> Result:
    """A provider's event webhook: the bounces and complaints it reports, never answered."""
    try:
        events = parse_events(provider, message.raw or b"")
    except MalformedEvents:
        outcome = Outcome("rejected", "unknown", "unparseable")
        events = []
    else:
        outcome = Outcome(
            "ignored", "bounce", record_events(session, settings, message, provider, events, now)
        )
    _record(message, outcome, None, now)
    message.text = "\n".join(event.detail for event in events)[:4000] or None
    return Result(outcome.status, outcome.kind, outcome.reason, message.text)


def _understand_and_act(session: Session, settings: Settings, claimed: Claimed, now: datetime) -> Result:
    message, envelope_key = claimed.message, claimed.envelope_key
    provider = event_provider(message.source)
    if provider is not None:
        return _act_on_events(session, settings, message, provider, now)
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
    elif parsed.kind == "bounce" and parsed.bounce is not None:
        outcome = Outcome("ignored", "bounce", record_bounce(session, settings, message, parsed, now))
    elif parsed.kind in NEVER_ACTED_ON:
        outcome = Outcome("ignored", parsed.kind, NEVER_ACTED_ON[parsed.kind])
    else:
        found = route(session, settings, parsed, now, envelope_key)
        if found.problem is not None:
            outcome = found.problem
            if outcome.reason == "expired_key" and found.key is not None and found.sender is not None:
                note_expired_key(session, settings, message, parsed, found.key, found.sender, now)
        else:
            assert found.key is not None and found.sender is not None
            copies = found.addressed > 1 or claimed.copies
            if copies and _another_copy_acted_on(session, message, found.key, found.sender):
                outcome = Outcome("ignored", "reply", "duplicate")
            else:
                outcome = act_on_reply(session, settings, message, parsed, found.key, found.sender, now)
        # Where it belongs, for `_write_outcome` to write with the outcome.
        if found.key is not None:
            message.reply_key_id = found.key.id
            message.program_id = found.key.program_id
            message.mentorship_id = found.key.mentorship_id
        if found.sender is not None:
            message.person_id = found.sender.id
    _record(message, outcome, parsed, now)
    return Result(
        outcome.status,
        outcome.kind,
        outcome.reason,
        parsed.text if parsed else None,
        list(message.intents or []),
    )


class CopyInProgress(Exception):
    """Another copy of the email is being acted on by another worker: this one waits its turn
    (RQ tries it again, and it then finds that copy's outcome)."""


def _another_copy_acted_on(session: Session, message: InboundMessage, key: ReplyKey, sender: Person) -> bool:
    """For an email that reached several of our addresses (`Route.addressed`), or that is stored
    more than once (`Claimed.copies`: it arrived once per address it was delivered to, a reply
    key or not, and SPEC §4.3 dedupes on Message-ID plus envelope recipient): the sender's words
    are acted on once. The key's row is locked first, so that two copies processed at once take
    turns and the second sees the first's outcome; a copy still waiting that another worker holds
    (claimed before this one was stored, so not taking turns on the key) is waited for by trying
    again (`CopyInProgress`). A message that acted itself (a reprocess) is left to
    `act_on_reply`, which sees its effects."""
    if message.status == "processed" or not message.message_id:
        return False
    session.execute(select(ReplyKey.id).where(ReplyKey.id == key.id).with_for_update())
    waiting = select(InboundMessage.id).where(
        InboundMessage.message_id == message.message_id,
        InboundMessage.id != message.id,
        InboundMessage.status == "pending",
    )
    others = set(session.scalars(waiting))
    if others and others - set(session.scalars(waiting.with_for_update(skip_locked=True))):
        raise CopyInProgress(f"another copy of {message.message_id} is being processed")
    earlier = select(InboundMessage.id).where(
        InboundMessage.person_id == sender.id,
        InboundMessage.message_id == message.message_id,
        InboundMessage.id != message.id,
        InboundMessage.status == "processed",
        InboundMessage.kind == "reply",
    )
    return session.scalar(earlier.limit(1)) is not None


def process(
    settings: Settings, inbound_id: int, reprocess: bool = False, now: datetime | None = None
) -> Result | None:
    """Claim, understand and act on one message in one transaction; None if it was not ours.

    `now` is the time it is processed for (tests inject it). An error rolls everything back
    (the message is as it was, e.g. `pending`), is noted on the message, and propagates so
    that RQ retries.
    """
    now = now or utcnow()
    try:
        with session_scope(settings) as session:
            claimed = _claim(session, inbound_id, reprocess)
            if claimed is None:
                return None
            # Changes are written at the end (the message's by `_write_outcome`, the rest by the
            # commit's one flush), not before every query.
            with session.no_autoflush:
                result = _understand_and_act(session, settings, claimed, now)
                _write_outcome(session, claimed.message)
            return result
    except Exception as exc:
        _note_error(settings, inbound_id, error_text(exc))
        raise


def _note_error(settings: Settings, inbound_id: int, error: str) -> None:
    """Keep the last error on the message (best effort: the database may be what failed)."""
    table = InboundMessage.__table__
    try:
        with session_scope(settings) as session:
            session.execute(update(table).where(table.c.id == inbound_id).values(error=error[:4000]))
    except SQLAlchemyError:
        log.warning("could not record the error of inbound message %s: %s", inbound_id, error)


def process_inbound(inbound_id: int, reprocess: bool = False) -> str:
    """The RQ job: process one message if it is still waiting; safe to run twice."""
    result = process(job_settings(), inbound_id, reprocess)
    return result.status if result else "not claimed"


def process_failed(job: Any, connection: Any, exc_type: type, exc_value: BaseException, tb: Any) -> None:
    """RQ's failure callback: after the last retry the message ends `failed` with the error."""
    if job.retries_left:
        return
    table = InboundMessage.__table__
    with session_scope(job_settings()) as session:
        session.execute(
            update(table)
            .where(table.c.id == job.args[0], table.c.status.in_(("pending", "processing")))
            .values(status="failed", reason="error", error=error_text(exc_value))
        )


def stored_result(settings: Settings, inbound_id: int) -> Result:
    """The outcome already recorded for a message (a duplicate is not processed again)."""
    with session_scope(settings) as session:
        message = session.get(InboundMessage, inbound_id)
        assert message is not None
        text = message.text if message.reason != "unparseable" else None
        return Result(message.status, message.kind, message.reason, text, list(message.intents or []))


def process_now(settings: Settings, inbound_id: int, now: datetime | None = None) -> Result:
    """Process a just-stored message in this process (the `--now` of the relay CLI)."""
    use(settings)
    return process(settings, inbound_id, now=now) or stored_result(settings, inbound_id)


@dataclass(frozen=True)
class Reprocessed:
    """What `reprocess_messages` did: one line per message, and the ids that do not exist."""

    lines: list[str]
    missing: list[int]


def reprocess_messages(settings: Settings, ids: list[int], all_failed: bool) -> Reprocessed:
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
    lines, missing = [], []
    for inbound_id in ids:
        if inbound_id not in found:
            lines.append(f"{inbound_id}: no such message")
            missing.append(inbound_id)
            continue
        if not found[inbound_id]:
            lines.append(f"{inbound_id}: its raw bytes are no longer kept (retention)")
            continue
        result = process(settings, inbound_id, reprocess=True)
        if result is None:
            lines.append(f"{inbound_id}: busy (being processed)")
            continue
        lines.append(f"{inbound_id}: {result.status} {result.reason or ''}".rstrip())
    return Reprocessed(lines, missing)
