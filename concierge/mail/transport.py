"""Delivery through `SMTP_URL` (STARTTLS when offered, or implicit TLS with smtps://), and the
metadata headers that make a hosted provider's events name the send.

Errors are sorted into permanent (the server refused this message or recipient for good:
retrying will not help) and transient (connection trouble, 4xx: RQ retries with backoff).
"""

from __future__ import annotations

import functools
import json
import smtplib
import ssl
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


def send_smtp(url: str, msg: EmailMessage, envelope_from: str, timeout: float = 60) -> None:
    """Hand `msg` to the SMTP server; raise PermanentSendError or TransientSendError on failure."""
    target = parse_smtp_url(url)
    context = tls_context()
    try:
        if target.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                target.host, target.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=timeout)
        with client:
            client.ehlo()
            if not target.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if target.username:
                client.login(target.username, target.password or "")
            client.send_message(msg, from_addr=envelope_from)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentSendError(f"recipient refused: {exc.recipients}") from exc
        raise TransientSendError(f"recipient deferred: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise PermanentSendError(f"{exc.smtp_code} {text}") from exc
        raise TransientSendError(f"{exc.smtp_code} {text}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
