"""Storing a received message: raw bytes first, deduplicated, processing enqueued after commit.

The one storing function behind every ingress (the relay CLI and each webhook). It
reads only the headers it needs, never parses the body, and never decodes the bytes.
A sending provider's event webhook (bounces, complaints) is stored the same way, its
JSON body as the raw bytes, deduplicated on those bytes (`store_event`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from sqlalchemy import select
from sqlalchemy.engine import Connection

from concierge import queues
from concierge.config import Settings
from concierge.db import get_engine, insert_unless_exists, read_only_engine, utcnow
from concierge.inbound.events import event_source
from concierge.models import InboundMessage

MAX_MESSAGE_BYTES = 26_214_400


@dataclass(frozen=True)
class Stored:
    """The outcome of storing: the message's id and status, and whether it was a redelivery."""

    id: int
    status: str
    duplicate: bool


def _header_text(value: object) -> str:
    text = str(value) if value is not None else ""
    return text.replace("\x00", "").strip()


def header_facts(raw: bytes) -> tuple[str | None, str | None]:
    """(Message-ID without brackets, the envelope recipient the headers suggest) from raw bytes.

    The recipient is `Delivered-To`, then `X-Original-To`, then the first `To` (SPEC §4.2).
    """
    head, _, _ = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw[:65536] else raw.partition(b"\n\n")
    headers = BytesHeaderParser(policy=compat32).parsebytes(head[:262144] + b"\n\n")
    message_id = _header_text(headers.get("Message-ID")).strip("<> \t") or None
    if message_id:
        message_id = message_id[:990]
    recipient = None
    for name in ("Delivered-To", "X-Original-To", "To"):
        values = [_header_text(v) for v in headers.get_all(name) or []]
        addresses = [addr for _, addr in getaddresses(values) if "@" in addr]
        if addresses:
            recipient = addresses[0].lower()
            break
    return message_id, recipient


def dedupe_key(raw: bytes, message_id: str | None, envelope_recipient: str | None) -> str:
    """Message-ID plus envelope recipient; a hash of the bytes when there is no Message-ID."""
    if message_id:
        digest = hashlib.sha256(f"{message_id}\n{envelope_recipient or ''}".encode()).hexdigest()
        return f"mid:{digest}"
    return f"raw:{hashlib.sha256(raw).hexdigest()}"


def identity(raw: bytes, envelope_recipient: str | None) -> tuple[str | None, str | None, str]:
    """(Message-ID, envelope recipient, dedupe key) of a message as the ingress sees it."""
    message_id, header_recipient = header_facts(raw)
    recipient = (envelope_recipient or "").strip().lower() or header_recipient
    if recipient:
        recipient = recipient[:320]
    return message_id, recipient, dedupe_key(raw, message_id, recipient)


def _stored_with_key(connection: Connection, key: str) -> Stored | None:
    row = connection.execute(
        select(InboundMessage.id, InboundMessage.status).where(InboundMessage.dedupe_key == key)
    ).first()
    return Stored(row.id, row.status, True) if row is not None else None


def find_stored(settings: Settings, raw: bytes, envelope_recipient: str | None) -> Stored | None:
    """The stored message that `raw` to `envelope_recipient` would be a redelivery of, if any."""
    with read_only_engine(settings).connect() as connection:
        return _stored_with_key(connection, identity(raw, envelope_recipient)[2])


def store_inbound(
    settings: Settings,
    raw: bytes,
    envelope_recipient: str | None = None,
    source: str = "relay",
) -> Stored:
    """Store `raw` (unless already stored) in a transaction of its own, then enqueue its processing.

    It runs on a bare connection rather than an ORM session: one prepared statement and a
    commit are all a webhook waits for. Database errors propagate and the caller asks the
    sender to try again: usually nothing was stored; if the commit landed but was not known
    to be on disk, the retry is answered as a duplicate and the periodic sweep enqueues it.
    """
    message_id, recipient, key = identity(raw, envelope_recipient)
    if message_id is None:
        message_id = f"{key.removeprefix('raw:')[:32]}@derived.{settings.reply_domain}"
    return _store(settings, raw, key, source, message_id, recipient)


def event_dedupe_key(provider: str, body: bytes) -> str:
    """A provider's event webhook is deduplicated on its exact body (a retry repeats it)."""
    return f"event:{provider}:{hashlib.sha256(body).hexdigest()}"


def store_event(settings: Settings, body: bytes, provider: str) -> Stored:
    """Store a provider's event webhook body (JSON) like a message, then enqueue its processing."""
    return _store(settings, body, event_dedupe_key(provider, body), event_source(provider), None, None)


def find_stored_event(settings: Settings, body: bytes, provider: str) -> Stored | None:
    """The stored event webhook that `body` would be a redelivery of, if any."""
    with read_only_engine(settings).connect() as connection:
        return _stored_with_key(connection, event_dedupe_key(provider, body))


def _store(
    settings: Settings,
    raw: bytes,
    key: str,
    source: str,
    message_id: str | None,
    recipient: str | None,
) -> Stored:
    """Insert the message unless its dedupe key is stored, commit, then enqueue its processing."""
    values = {
        "dedupe_key": key,
        "raw": raw,
        "raw_size": len(raw),
        "source": source,
        "message_id": message_id,
        "envelope_recipient": recipient,
        "status": "pending",
        "attempts": 0,
        "received_at": utcnow(),
    }
    with get_engine(settings).begin() as connection:
        # One statement: stored unless a message with this dedupe key is (a redelivery, or the
        # same delivery racing us in another transaction).
        inbound_id = insert_unless_exists(connection, InboundMessage, values, "dedupe_key")
        if inbound_id is None:
            existing = _stored_with_key(connection, key)
            assert existing is not None, "ON CONFLICT found a row that is not there"
            return existing
    # Committed: the job never reads a row that is not there yet.
    enqueue_processing(settings, inbound_id)
    return Stored(inbound_id, "pending", False)


def enqueue_processing(settings: Settings, inbound_id: int) -> bool:
    """Enqueue the processing job; infrastructure errors are retried, then recorded as failed."""
    return queues.enqueue(settings, queues.PROCESS_INBOUND, inbound_id)
