"""Delivery through `SMTP_URL` (STARTTLS when offered, or implicit TLS with smtps://), and the
metadata headers that make a hosted provider's events name the send.

Errors are sorted into permanent (the server refused this message or recipient for good:
retrying will not help) and transient (connection trouble, 4xx: RQ retries with backoff).
"""

from __future__ import annotations

import functools
import json
import select
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

#: The name under which every send carries its outbound id in each hosted provider's metadata,
#: so that the provider's bounce and complaint events name the send (SPEC §4.3).
METADATA_KEY = "concierge-outbound"


def provider_metadata(outbound_id: int) -> dict[str, str]:
    """Headers that make Postmark, Mailgun and SendGrid return the outbound id in their events.

    Only the id of the send: Mailgun and SendGrid leave their header in the delivered mail.
    """
    value = str(outbound_id)
    return {
        f"X-PM-Metadata-{METADATA_KEY}": value,
        "X-Mailgun-Variables": json.dumps({METADATA_KEY: value}),
        "X-SMTPAPI": json.dumps({"unique_args": {METADATA_KEY: value}}),
    }


class PermanentSendError(Exception):
    """The SMTP server refused the message for good (5xx)."""


class TransientSendError(Exception):
    """The message could not be handed over now; a later try may work."""


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how to connect, parsed from SMTP_URL."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://user:pass@host:587` or `smtps://user:pass@host:465` → SmtpTarget."""
    parts = urlsplit(url)
    implicit_tls = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if implicit_tls else 587),
        implicit_tls=implicit_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings for SMTP, made once per process: loading the system's certificates
    costs about 20 ms, more than the rest of a send."""
    return ssl.create_default_context()


#: A kept connection is used again only while it is this fresh and has sent fewer than this many
#: messages: servers close idle sessions (Postfix after 300 s) and some cap messages per session,
#: and a connection a firewall dropped in silence would otherwise cost a whole timeout.
KEEP_IDLE_SECONDS = 30.0
KEEP_MESSAGES = 100


@dataclass
class _Kept:
    url: str
    client: smtplib.SMTP
    used_at: float
    sent: int = 0


_kept = threading.local()


def _connect(target: SmtpTarget, timeout: float) -> smtplib.SMTP:
    context = tls_context()
    if target.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    try:
        client.ehlo()
        if not target.implicit_tls and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if target.username:
            client.login(target.username, target.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _usable(kept: _Kept, url: str) -> bool:
    fresh = time.monotonic() - kept.used_at < KEEP_IDLE_SECONDS and kept.sent < KEEP_MESSAGES
    return kept.url == url and fresh and not _dropped(kept.client)


def close_kept() -> None:
    """Let go of this thread's kept SMTP connection, if any: with a QUIT while it is usable (at
    exit), else closed at once (an idle one may have been dropped in silence: a QUIT would wait)."""
    kept: _Kept | None = getattr(_kept, "connection", None)
    _kept.connection = None
    if kept is None:
        return
    if _usable(kept, kept.url):
        try:
            kept.client.quit()
            return
        except (smtplib.SMTPException, OSError):
            pass
    kept.client.close()


def forget_kept() -> None:
    """In a forked child: drop the kept connection unused (its session belongs to the parent)."""
    _kept.connection = None


def _dropped(client: smtplib.SMTP) -> bool:
    """True when the server has closed the connection or spoken unasked (a 421 before it hangs up):
    between messages a live SMTP session has nothing to read. No round trip (as urllib3 checks)."""
    sock = client.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _session(url: str, timeout: float) -> smtplib.SMTP:
    """A connection to `url`: this thread's kept one if it is fresh and still open, else a new one.

    A worker sends one message per job; keeping its connection saves the connect, EHLO, STARTTLS
    handshake and login of every message after the first (README, "Benchmarks").
    """
    kept: _Kept | None = getattr(_kept, "connection", None)
    if kept is not None:
        if _usable(kept, url):
            return kept.client
        close_kept()
    client = _connect(parse_smtp_url(url), timeout)
    _kept.connection = _Kept(url, client, time.monotonic())
    return client


def send_smtp(url: str, msg: EmailMessage, envelope_from: str, timeout: float = 60) -> None:
    """Hand `msg` to the SMTP server; raise PermanentSendError or TransientSendError on failure.

    The connection is kept for the next message (see `_session`); after any failure it is closed,
    so that the next message starts on a clean one.
    """
    try:
        client = _session(url, timeout)
        client.send_message(msg, from_addr=envelope_from)
        _kept.connection.used_at = time.monotonic()
        _kept.connection.sent += 1
    except BaseException as exc:
        kept: _Kept | None = getattr(_kept, "connection", None)
        if kept is not None:
            kept.client.close()
            _kept.connection = None
        _raise_sorted(exc)
        raise


def _raise_sorted(exc: BaseException) -> None:
    """Raise `exc` as PermanentSendError or TransientSendError if it is an SMTP or network error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentSendError(f"recipient refused: {exc.recipients}") from exc
        raise TransientSendError(f"recipient deferred: {exc.recipients}") from exc
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise PermanentSendError(f"{exc.smtp_code} {text}") from exc
        raise TransientSendError(f"{exc.smtp_code} {text}") from exc
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
