"""`queue_email()`: record an outbound email with the change that caused it, send it after commit.

The row's idempotency key names the occasion ("welcome:<enrolment>", "intro:<mentorship>:<person>",
"answer:<inbound>"), so an occasion that is handled twice (a retried job, a redelivered
webhook) still yields one email. Everything the template needs is copied into the row's
context, so rendering at send time is a pure function of the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from concierge import queues
from concierge.config import Settings
from concierge.db import after_commit_together, insert_unless_exists, utcnow
from concierge.keys import reply_key_for
from concierge.models import (
    Coordinator,
    Enrolment,
    InboundMessage,
    Mentorship,
    OutboundMessage,
    Person,
    Program,
    ReplyKey,
)

# Where a row's context lists the values to erase once the email is sent.
SECRETS_KEY = "_erase_after_send"
ERASED = "(erased after sending)"


def new_message_id(settings: Settings) -> str:
    """A globally unique Message-ID at our reply domain."""
    return f"<{uuid.uuid4().hex}@{settings.reply_domain}>"


#: People in these states get no mail at all (SPEC §3.1.10).
SUPPRESSED_STATUSES = ("unsubscribed", "bouncing")


def suppressed(
    session: Session, person: Person, program: Program | None, enrolment: Enrolment | None = None
) -> str | None:
    """Why mail to this participant must not go out (unsubscribed, bouncing), or None.

    `enrolment`, when the caller has it loaded, is the person's enrolment in `program`.
    """
    if enrolment is None and program is not None and person.status not in SUPPRESSED_STATUSES:
        enrolment = session.scalar(
            select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.person_id == person.id)
        )
    return suppression(person.status, enrolment is not None and enrolment.unsubscribed_at is not None)


def suppression(status: str, unsubscribed: bool) -> str | None:
    """Why mail must not go to a person with this status, unsubscribed or not from the program
    (`suppressed` once their enrolment is read): their status, "unsubscribed", or None."""
    if status in SUPPRESSED_STATUSES:
        return status
    return "unsubscribed" if unsubscribed else None


def suppressed_sql(person: Any, program_id: Any) -> ColumnElement[bool]:
    """`suppressed` as a condition on a selection's rows: the person (a `Person` row of the
    selection) and the program id (a column) whose mail must not go out."""
    unsubscribed = exists().where(
        Enrolment.program_id == program_id,
        Enrolment.person_id == person.id,
        Enrolment.unsubscribed_at.is_not(None),
    )
    return or_(person.status.in_(SUPPRESSED_STATUSES), unsubscribed)


def _new_row(
    settings: Settings,
    template: str,
    occasion: str,
    program: Program | None,
    mentorship: Mentorship | None,
    now: datetime,
    **fields: Any,
) -> OutboundMessage:
    """A new outbound row for `occasion`, with its own Message-ID, not yet tried."""
    return OutboundMessage(
        idempotency_key=occasion,
        template=template,
        message_id=new_message_id(settings),
        program_id=program.id if program else None,
        mentorship_id=mentorship.id if mentorship else None,
        attempts=0,
        created_at=now,
        **fields,
    )


def _insert_once(session: Session, row: OutboundMessage) -> int | None:
    """Insert the row unless its occasion is recorded; the new id, or None (see insert_unless_exists)."""
    values = {
        column.key: getattr(row, column.key)
        for column in OutboundMessage.__table__.columns
        if getattr(row, column.key, None) is not None
    }
    if session.new or session.deleted:
        # Rows added or deleted before this one are written before it, in the order they were
        # made (its own ids are copied above: it never refers to an unwritten row). Changes to
        # rows already written (a proposal answered, say) wait for the commit's flush: one
        # flush per processed reply rather than two.
        session.flush()
    return insert_unless_exists(session.connection(), OutboundMessage, values, "idempotency_key")


#: A conversation's latest email (its Message-ID and References), built once: most emails
#: thread after one.
_THREAD_PARENT = (
    select(OutboundMessage.message_id, OutboundMessage.references)
    .where(OutboundMessage.reply_key_id == bindparam("reply_key_id"))
    .order_by(OutboundMessage.id.desc())
    .limit(1)
)


def _thread_parent(session: Session, reply_key_id: int) -> Row[tuple[str, str | None]] | None:
    """The Message-ID and References of the conversation's latest email, if any."""
    return session.execute(_THREAD_PARENT, {"reply_key_id": reply_key_id}).first()


def references_of(parent_id: str, parent_references: str | None) -> str:
    """References for a child: the parent's References, then the parent's Message-ID (RFC 5322)."""
    chain = (parent_references or "").split()
    if parent_id not in chain:
        chain.append(parent_id)
    return " ".join(chain[-20:])


def queue_email(
    session: Session,
    settings: Settings,
    *,
    template: str,
    occasion: str,
    to: Person | Coordinator,
    context: dict[str, Any],
    program: Program | None = None,
    mentorship: Mentorship | None = None,
    thread: str | None = None,
    answering: InboundMessage | None = None,
    answering_references: Sequence[str] = (),
    reply_key: ReplyKey | None = None,
    enrolment: Enrolment | None = None,
    secrets: tuple[str, ...] = (),
    now: datetime | None = None,
) -> OutboundMessage | None:
    """Record one email for `occasion` and send it after commit; None when it must not go out.

    A participant's email carries their reply key for (program, mentorship, thread) and
    threads after the previous email of that conversation; an answer to an inbound
    message (`answering`, with its `References`, and the `reply_key` it came to) threads
    after that message and is marked auto-replied. `reply_key`, when given, must be the
    recipient's own key for exactly that program, mentorship and thread (ValueError
    otherwise): an email never carries somebody else's address or unsubscribe link.
    `enrolment` is the recipient's, when the caller has it. Context values named in
    `secrets` (a login link) are erased from the row once it is sent. `now` is when the
    email is recorded (its Date), for callers that run on an injected clock.
    """
    # No look-up first: the insert itself skips an occasion already recorded (see below).
    row = _new_row(
        settings,
        template,
        occasion,
        program,
        mentorship,
        now or utcnow(),
        status="queued",
        auto_submitted="auto-replied" if answering is not None else "auto-generated",
    )
    if isinstance(to, Person):
        if suppressed(session, to, program, enrolment):
            return None
        if program is None:
            raise ValueError("an email to a participant belongs to a program")
        if reply_key is not None:
            _check_own_key(reply_key, to, program, mentorship, thread or template)
        key = reply_key or reply_key_for(session, to, program, mentorship, thread or template)
        row.person_id, row.to_email, row.reply_key_id = to.id, to.email, key.id
        if answering is not None and answering.message_id:
            # INBOUND.md 23: In-Reply-To is the reply's Message-ID; References its References + it.
            inbound_id = f"<{answering.message_id.strip('<>')}>"
            chain = " ".join(f"<{ref.strip('<>')}>" for ref in answering_references if ref.strip("<>"))
            row.in_reply_to = inbound_id
            row.references = references_of(inbound_id, chain)
        elif (parent := _thread_parent(session, key.id)) is not None:
            row.in_reply_to = parent.message_id
            row.references = references_of(parent.message_id, parent.references)
    else:
        row.coordinator_id, row.to_email = to.id, to.email
    row.context = dict(context, recipient_name=_name(to))
    if secrets:
        row.context[SECRETS_KEY] = list(secrets)
    inserted = _insert_once(session, row)
    if inserted is None:
        # The same occasion was recorded by a concurrent transaction: one email, not two.
        return session.scalar(select(OutboundMessage).where(OutboundMessage.idempotency_key == occasion))
    row.id = inserted
    # The sends of one transaction go to Redis together, in one round trip (pairing a program
    # introduces hundreds of people, each in a savepoint of their own).
    after_commit_together(session, "send", inserted, _send_all(settings))
    return row


def record_unwritten(
    session: Session,
    settings: Settings,
    *,
    template: str,
    occasion: str,
    to: Person,
    program: Program,
    mentorship: Mentorship | None,
    error: str,
    now: datetime,
) -> None:
    """Record that the email for `occasion` could not be written: a `failed` row under its key
    (nothing is sent), so that due work does not find the occasion again and whoever reads the
    outbox sees why. An occasion already recorded keeps its row."""
    row = _new_row(settings, template, occasion, program, mentorship, now, status="failed", error=error)
    row.to_email, row.person_id, row.context = to.email, to.id, {}
    _insert_once(session, row)


def _check_own_key(
    key: ReplyKey, to: Person, program: Program, mentorship: Mentorship | None, thread: str
) -> None:
    """Refuse a reply key that is not the recipient's own for this program, mentorship and thread."""
    expected = (to.id, program.id, mentorship.id if mentorship else None, thread)
    if (key.person_id, key.program_id, key.mentorship_id, key.thread) != expected:
        raise ValueError(
            f"reply key {key.id} is not the key of person {to.id} for program {program.id}, "
            f"mentorship {expected[2]}, thread {thread!r}"
        )


def _send_all(settings: Settings) -> Callable[[list[int]], object]:
    return lambda ids: queues.enqueue_each(settings, queues.SEND_OUTBOUND, [(i,) for i in ids])


def enqueue_send(settings: Settings, outbound_id: int, stuck_before: datetime | None = None) -> bool:
    """Enqueue the send job (with retries); `stuck_before` allows re-sending a stuck row once."""
    args: tuple[Any, ...] = (outbound_id,)
    if stuck_before is not None:
        args = (outbound_id, stuck_before.isoformat())
    return queues.enqueue(settings, queues.SEND_OUTBOUND, *args)


def _name(to: Person | Coordinator) -> str:
    name = to.name or ""
    return name.split()[0] if name.strip() else to.email.split("@", 1)[0]
