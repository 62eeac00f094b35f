"""The send job: render an outbound row and deliver it, moving it `queued → sending → sent | failed`.

Claiming is a conditional UPDATE, so two workers never both send a row. Every send through
SMTP_URL has its own signed VERP envelope sender, so that a bounce names it. A row left
`sending` by a worker that died after the SMTP server accepted it is re-sent once, with
the same Message-ID (SPEC §5), when the sweep finds it stuck.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import ColumnElement, Row, bindparam, literal_column, select, update
from sqlalchemy.orm import Session

from concierge.config import Settings
from concierge.db import session_scope, statement_scope, utcnow
from concierge.keys import reply_address
from concierge.mail.ics import Attendee, Invite, UnwritableInvite, invite_bytes
from concierge.mail.render import Envelope, render_message
from concierge.mail.transport import PermanentSendError, TransientSendError, provider_metadata, send_smtp
from concierge.models import DevMail, Enrolment, OutboundMessage, Person, ReplyKey
from concierge.outbox import ERASED, SECRETS_KEY, suppression
from concierge.tokens import SEND_HEADER, send_token, unsubscribe_token, verp_address
from workers.context import job_settings
from workers.errors import error_text

_TABLE = OutboundMessage.__table__


@dataclass(frozen=True)
class Outgoing:
    """One email as the send job writes it: its row's fields, its reply key (None for a
    coordinator's email) and why it must not go out (None when it may)."""

    id: int
    template: str
    to_email: str
    message_id: str
    created_at: datetime
    in_reply_to: str | None
    references: str | None
    auto_submitted: str
    context: dict[str, Any]
    person_id: int | None
    program_id: int | None
    reply_key: str | None
    held: str | None


def _outer(name: str) -> ColumnElement[Any]:
    """A column of the outbound row, named with its table: SQLite writes the columns of a
    RETURNING clause without their table, and a subquery's `person_id` would then be the
    subquery's own table's (every enrolment would match)."""
    return literal_column(f"{_TABLE.name}.{name}")


def _returned() -> list[ColumnElement[Any]]:
    """The columns an `Outgoing` is made of, for a statement on the outbound table: the row's own
    (named as its fields), its reply key, and the recipient's status and unsubscription, read by
    scalar subqueries."""
    own = [field.name for field in fields(Outgoing) if field.name not in ("reply_key", "held")]
    return [
        *(_TABLE.c[name] for name in own),
        select(ReplyKey.key)
        .where(ReplyKey.id == _outer("reply_key_id"))
        .scalar_subquery()
        .label("reply_key"),
        select(Person.status)
        .where(Person.id == _outer("person_id"))
        .scalar_subquery()
        .label("person_status"),
        select(Enrolment.unsubscribed_at)
        .where(Enrolment.person_id == _outer("person_id"), Enrolment.program_id == _outer("program_id"))
        .scalar_subquery()
        .label("unsubscribed_at"),
    ]


# The send job's statements, built once with bound parameters (a send is a few milliseconds:
# building a statement anew each time was a tenth of it). A claim moves the row to `sending`
# and returns what writing it needs, in one statement (PostgreSQL and SQLite 3.35+).
_CLAIM = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("outbound_id"), _TABLE.c.status == "queued")
    .values(status="sending", sending_at=bindparam("now"), attempts=_TABLE.c.attempts + 1)
    .returning(*_returned())
)
_CLAIM_STUCK = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("outbound_id"),
        _TABLE.c.status == "sending",
        _TABLE.c.sending_at <= bindparam("stuck_before"),
        _TABLE.c.resent.is_(False),
    )
    .values(sending_at=bindparam("now"), attempts=_TABLE.c.attempts + 1, resent=True)
    .returning(*_returned())
)
_READ = select(*_returned()).where(_TABLE.c.id == bindparam("outbound_id"))
#: Sets the columns named in its parameters, on a row still `sending`.
_RECORD = update(_TABLE).where(_TABLE.c.id == bindparam("outbound_id"), _TABLE.c.status == "sending")


def _outgoing(found: Row[Any]) -> Outgoing:
    values = found._asdict()
    status, unsubscribed_at = values.pop("person_status"), values.pop("unsubscribed_at")
    held = suppression(status, unsubscribed_at is not None) if status is not None else None
    return Outgoing(**values, held=held)


def claimed_send(
    settings: Settings, outbound_id: int, now: datetime, stuck_before: datetime | None
) -> Outgoing | None:
    """Move the row to `sending` if it is queued (or stuck in sending, once) and return what
    writing it needs; None when another worker owns it."""
    params = {"outbound_id": outbound_id, "now": now}
    with statement_scope(settings) as session:
        connection = session.connection()
        found = connection.execute(_CLAIM, params).one_or_none()
        if found is None and stuck_before is not None:
            found = connection.execute(_CLAIM_STUCK, {**params, "stuck_before": stuck_before}).one_or_none()
    return _outgoing(found) if found is not None else None


def read_outgoing(session: Session, outbound_id: int) -> Outgoing:
    """The email of a row as the send job would write it, without claiming it (bench/send.py
    renders the same messages for its bare loop with it)."""
    return _outgoing(session.connection().execute(_READ, {"outbound_id": outbound_id}).one())


def without_secrets(context: dict[str, Any]) -> dict[str, Any]:
    """The context with the values it lists as secret erased (kept no longer than needed)."""
    secret = set(context.get(SECRETS_KEY, ()))
    if not secret:
        return context
    return {k: (ERASED if k in secret else v) for k, v in context.items() if k != SECRETS_KEY}


def _outcome(
    status: str, error: str | None, context: dict[str, Any] | None, subject: str | None = None
) -> dict[str, Any]:
    """The columns that record how a send ended: its status and error, when it was sent, its
    subject, and its context without its secrets (written back only when it has some)."""
    values: dict[str, Any] = {"status": status, "error": error}
    if status == "sent":
        values["sent_at"] = utcnow()
    if context is not None and SECRETS_KEY in context:
        values["context"] = without_secrets(context)
    if subject is not None:
        values["subject"] = subject
    return values


def _finish(
    settings: Settings,
    outbound_id: int,
    status: str,
    error: str | None = None,
    context: dict[str, Any] | None = None,
    subject: str | None = None,
    dev_mail: DevMail | None = None,
) -> None:
    """Record how the send ended (and store the dev outbox's copy in the same transaction)."""
    values = {"outbound_id": outbound_id, **_outcome(status, error, context, subject)}
    with (session_scope if dev_mail is not None else statement_scope)(settings) as session:
        if dev_mail is not None:
            session.add(dev_mail)
        session.connection().execute(_RECORD, values)


def build_message(settings: Settings, row: Outgoing) -> EmailMessage:
    """The MIME message for a row: template + context + the recipient-specific headers. A row with
    a reply key is a participant's, and the key is theirs in the row's program (`queue_email`
    checks it), so the unsubscribe link is made from the row's person and program."""
    envelope = Envelope(
        mail_from=settings.mail_from,
        to=row.to_email,
        message_id=row.message_id,
        date=row.created_at,
        in_reply_to=row.in_reply_to,
        references=row.references,
        auto_submitted=row.auto_submitted,
    )
    if row.reply_key is not None:
        # A reply key is the recipient's own, in the row's program (queue_email sees to it).
        assert row.person_id is not None and row.program_id is not None
        address = reply_address(row.reply_key, settings.reply_domain)
        token = unsubscribe_token(settings, row.person_id, row.program_id)
        envelope = replace(
            envelope,
            reply_to=address,
            unsubscribe_mailto=f"mailto:{address}?subject=unsubscribe",
            unsubscribe_url=f"{settings.base_url}/unsubscribe/{token}",
        )
    calendar = row.context.get("calendar")
    if calendar and envelope.reply_to:
        invite = Invite.from_json(calendar)
        organizer = Attendee(envelope.reply_to, parseaddr(settings.mail_from)[0] or "Concierge")
        envelope = replace(
            envelope, calendar=(invite.method, invite_bytes(invite, organizer, row.created_at))
        )
    context = dict(row.context, base_url=settings.base_url)
    return render_message(row.template, context, envelope)


def send_outbound(outbound_id: int, stuck_before: str | None = None) -> str:
    """Send one outbound row; safe to run twice. Returns what happened, for the job's result."""
    settings = job_settings()
    stuck = datetime.fromisoformat(stuck_before) if stuck_before else None
    row = claimed_send(settings, outbound_id, utcnow(), stuck)
    if row is None:
        return "not claimed"
    held = row.held
    if held is None:
        try:
            msg = build_message(settings, row)
        except TemplateError as exc:
            held = f"template {row.template}: {type(exc).__name__}: {exc}"
        except UnwritableInvite as exc:
            held = f"email {row.template} could not be written: {exc}"
        except Exception as exc:
            # A fault in our code or an unexpected row: back to queued with the error, so that
            # RQ's retries find it (never left `sending`), and after the last one `send_failed`
            # records it failed, its secrets erased.
            _finish(
                settings,
                outbound_id,
                "queued",
                f"email {row.template} could not be written: {error_text(exc)}",
            )
            raise
    if held is not None:
        _finish(settings, outbound_id, "failed", f"not sent: {held}", context=row.context)
        return "failed"
    subject = str(msg["Subject"])
    if settings.dev_outbox:
        stored = DevMail(outbound_id=outbound_id, to_email=row.to_email, subject=subject, raw=msg.as_bytes())
        _finish(settings, outbound_id, "sent", context=row.context, subject=subject, dev_mail=stored)
        return "stored in the dev outbox"
    assert settings.smtp_url
    # Ties a hosted provider's bounce and complaint events to this send (SPEC §4.3): each
    # provider returns its own form of metadata (Postmark never returns our Message-ID).
    for name, value in provider_metadata(outbound_id).items():
        msg[name] = value
    msg[SEND_HEADER] = send_token(settings, outbound_id)  # returned in a bounce's headers
    try:
        send_smtp(settings.smtp_url, msg, envelope_from=verp_address(settings, outbound_id))
    except PermanentSendError as exc:
        _finish(settings, outbound_id, "failed", str(exc), context=row.context, subject=subject)
        return "failed"
    except TransientSendError as exc:
        # Back to queued with the reason; raising lets RQ retry with backoff.
        _finish(settings, outbound_id, "queued", str(exc))
        raise
    _finish(settings, outbound_id, "sent", context=row.context, subject=subject)
    return "sent"


def send_failed(job: Any, connection: Any, exc_type: type, exc_value: BaseException, tb: Any) -> None:
    """RQ's failure callback: after the last retry, the row ends `failed` with the error (and
    without its secrets, as on every other way a send ends)."""
    if job.retries_left:
        return
    outbound_id = job.args[0]
    with session_scope(job_settings()) as session:
        context = session.scalar(select(_TABLE.c.context).where(_TABLE.c.id == outbound_id))
        session.execute(
            update(_TABLE)
            .where(_TABLE.c.id == outbound_id, _TABLE.c.status.in_(("queued", "sending")))
            .values(**_outcome("failed", error_text(exc_value), context))
        )
