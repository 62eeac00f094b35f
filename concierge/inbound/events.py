"""Pure reading of the sending provider's delivery events: Mailgun, Postmark and SendGrid webhooks.

Each provider's JSON becomes a list of `DeliveryEvent`s of one vocabulary: a hard or soft
bounce, a delay warning, a complaint, an unsubscribe, a delivery, or nothing to act on. An
event names the address it is about and, where the provider returns it, the send: our
Message-ID (Mailgun, SendGrid's `smtp-id`) or the id we set in the send's metadata
(`METADATA_KEY`: Postmark's `X-PM-Metadata-*`, Mailgun's `X-Mailgun-Variables`, SendGrid's
`X-SMTPAPI` unique arguments). Malformed payloads raise `MalformedEvents` with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from concierge.mail.transport import METADATA_KEY

PROVIDERS = ("mailgun", "postmark", "sendgrid")
#: Event kinds; `none` is an event we keep but do not act on (an open, a click, "processed").
EventKind = Literal["hard", "soft", "delayed", "complaint", "unsubscribe", "delivered", "none"]
#: A SendGrid batch holds at most this many events we read (its batches are up to 768 KB).
MAX_EVENTS = 5_000
#: The largest event webhook body we read: SendGrid's batches are up to 768 KB, Mailgun's and
#: Postmark's events a few KB each.
MAX_EVENT_BYTES = 2 * 1024 * 1024
#: Outbound ids are 32-bit integers in the database; larger "ids" name no send.
MAX_OUTBOUND_ID = 2**31 - 1


def event_source(provider: str) -> str:
    """The `source` under which a provider's event webhook is stored (`mailgun_events`, …)."""
    return f"{provider}_events"


def event_provider(source: str) -> str | None:
    """The provider whose event webhook a stored message's `source` names, else None."""
    provider = source.removesuffix("_events")
    return provider if source.endswith("_events") and provider in PROVIDERS else None


class MalformedEvents(ValueError):
    """The payload is not the provider's event JSON; the message says what is wrong."""


@dataclass(frozen=True)
class DeliveryEvent:
    """One provider event: what happened to mail to `recipient`, and which send it names."""

    kind: EventKind
    recipient: str | None
    event_id: str | None = None
    message_id: str | None = None  # without angle brackets
    outbound_id: int | None = None
    detail: str = ""


def parse_events(provider: str, body: bytes) -> list[DeliveryEvent]:
    """The events of a provider's webhook body; MalformedEvents when it is not one."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedEvents("the body is not JSON") from None
    return _READERS[provider](payload)


def _text(value: Any, limit: int = 500) -> str | None:
    """A field as one bounded line of text, without NUL (no database stores it); None if empty or no text."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = " ".join(str(value).replace("\x00", "").split())
        return text[:limit] or None
    return None


def _address(value: Any) -> str | None:
    text = _text(value, 320)
    return text.strip("<>").lower() if text and "@" in text else None


def _message_id(value: Any) -> str | None:
    text = _text(value, 998)
    return text.strip().strip("<>").strip() or None if text else None


def _outbound_id(metadata: Any) -> int | None:
    if not isinstance(metadata, dict):
        return None  # Mailgun sends `[]` when a message has no variables
    value = _text(metadata.get(METADATA_KEY), 20)
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    return int(value) if int(value) <= MAX_OUTBOUND_ID else None


def _joined(*values: Any) -> str:
    return " ".join(text for text in map(_text, values) if text)


def _object(payload: Any, what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise MalformedEvents(f"{what} is not a JSON object")
    return payload


# -- Mailgun: {"signature": {...}, "event-data": {...}} --------------------------------------------


def mailgun_signature(payload: Any) -> tuple[str | None, str | None, str | None]:
    """(timestamp, token, signature) of a Mailgun webhook body, each None when missing."""
    signature = payload.get("signature") if isinstance(payload, dict) else None
    if not isinstance(signature, dict):
        return None, None, None
    return _text(signature.get("timestamp")), _text(signature.get("token")), _text(signature.get("signature"))


def _mailgun(payload: Any) -> list[DeliveryEvent]:
    data = _object(_object(payload, "the body").get("event-data"), "event-data")
    event = _text(data.get("event"), 40)
    if event is None:
        raise MalformedEvents("event-data has no event")
    status = data.get("delivery-status") if isinstance(data.get("delivery-status"), dict) else {}
    kind: EventKind
    if event == "failed" and data.get("severity") == "permanent":
        kind = "hard"
    elif event == "failed":
        # Mailgun retries a temporary failure (a delay) until it gives up ("old": retries exhausted).
        kind = "soft" if data.get("reason") == "old" else "delayed"
    else:
        kind = {"complained": "complaint", "unsubscribed": "unsubscribe", "delivered": "delivered"}.get(
            event, "none"
        )
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    headers = message.get("headers") if isinstance(message.get("headers"), dict) else {}
    detail = " ".join(
        part
        for part in (
            _text(status.get("code")),
            _text(status.get("message")),
            _text(status.get("description")),
        )
        if part
    )
    return [
        DeliveryEvent(
            kind=kind,
            recipient=_address(data.get("recipient")),
            event_id=_text(data.get("id"), 100),
            message_id=_message_id(headers.get("message-id")),
            outbound_id=_outbound_id(data.get("user-variables")),
            detail=f"mailgun {event}: {detail or _text(data.get('reason')) or ''}".strip(),
        )
    ]


# -- Postmark: one object per POST, by RecordType ------------------------------------------------------

_POSTMARK_HARD = frozenset({"HardBounce", "BadEmailAddress", "ManuallyDeactivated", "Blocked", "DMARCPolicy"})
_POSTMARK_SOFT = frozenset({"SoftBounce", "DnsError", "Unknown", "SpamNotification", "VirusNotification"})


def _postmark(payload: Any) -> list[DeliveryEvent]:
    data = _object(payload, "the body")
    record = _text(data.get("RecordType"), 40)
    if record is None:
        raise MalformedEvents("the body has no RecordType")
    bounce_type = _text(data.get("Type"), 40) or ""
    kind: EventKind
    if record == "Bounce":
        if bounce_type in _POSTMARK_HARD:
            kind = "hard"
        elif bounce_type == "Transient":
            kind = "delayed"
        elif bounce_type in _POSTMARK_SOFT:
            kind = "soft"
        elif bounce_type == "Unsubscribe":
            kind = "unsubscribe"
        elif bounce_type == "SpamComplaint":
            kind = "complaint"
        else:
            kind = "none"  # an auto-responder, a subscribe request, an address change…
    elif record == "SpamComplaint":
        kind = "complaint"
    elif record == "Delivery":
        kind = "delivered"
    elif record == "SubscriptionChange" and data.get("SuppressSending") is True:
        kind = "unsubscribe" if data.get("SuppressionReason") != "HardBounce" else "hard"
    else:
        kind = "none"
    event_id = _text(data.get("ID"), 40)
    detail = _text(data.get("Details")) or _text(data.get("Description")) or ""
    return [
        DeliveryEvent(
            kind=kind,
            recipient=_address(data.get("Email") or data.get("Recipient")),
            event_id=f"{record}:{event_id}" if event_id else None,
            outbound_id=_outbound_id(data.get("Metadata")),
            detail=f"postmark {bounce_type or record}: {detail}".strip(),
        )
    ]


# -- SendGrid: a JSON array of events ---------------------------------------------------------------

_SENDGRID_DROPPED = {
    "bounced address": "hard",
    "invalid": "hard",
    "invalid address": "hard",
    "spam reporting address": "complaint",
    "unsubscribed address": "unsubscribe",
}


def _sendgrid(payload: Any) -> list[DeliveryEvent]:
    if not isinstance(payload, list):
        raise MalformedEvents("the body is not a JSON array of events")
    if len(payload) > MAX_EVENTS:
        raise MalformedEvents(f"more than {MAX_EVENTS} events in one request")
    events = []
    for position, item in enumerate(payload, start=1):
        data = _object(item, f"event {position}")
        event = _text(data.get("event"), 40)
        if event is None:
            raise MalformedEvents(f"event {position} has no event name")
        kind: EventKind
        if event == "bounce":
            kind = "soft" if data.get("type") == "blocked" else "hard"
        elif event == "dropped":
            kind = _SENDGRID_DROPPED.get((_text(data.get("reason")) or "").lower(), "none")
        else:
            kind = {
                "deferred": "delayed",
                "spamreport": "complaint",
                "unsubscribe": "unsubscribe",
                "group_unsubscribe": "unsubscribe",
                "delivered": "delivered",
            }.get(event, "none")
        detail = " ".join(
            part
            for part in (_text(data.get("status")), _text(data.get("reason") or data.get("response")))
            if part
        )
        events.append(
            DeliveryEvent(
                kind=kind,
                recipient=_address(data.get("email")),
                event_id=_text(data.get("sg_event_id"), 200),
                message_id=_message_id(data.get("smtp-id")),
                outbound_id=_outbound_id(data),
                detail=f"sendgrid {event}: {detail}".strip(),
            )
        )
    return events


_READERS: dict[str, Callable[[Any], list[DeliveryEvent]]] = {
    "mailgun": _mailgun,
    "postmark": _postmark,
    "sendgrid": _sendgrid,
}
