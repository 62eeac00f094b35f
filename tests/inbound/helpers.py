"""Builders for raw test messages and a guard that fails a test that hangs."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

KEY = "abcdefghijklmnopqrstuvwxyz"  # 26 base32 characters
REPLY_DOMAIN = "reply.example"
REPLY_ADDRESS = f"reply+{KEY}@{REPLY_DOMAIN}"


def raw_mail(
    body: str | bytes = "Sounds good, see you Tuesday.",
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "text/plain; charset=utf-8",
    sender: str = "Maria Mentee <maria@example.org>",
) -> bytes:
    """A minimal raw message From a participant To a reply address; `headers` add or override."""
    fields = {
        "From": sender,
        "To": f"Concierge <{REPLY_ADDRESS}>",
        "Subject": "Re: Your first mentoring session",
        "Date": "Mon, 03 Jun 2024 10:00:00 +0200",
        "Message-ID": "<m1@example.org>",
        "MIME-Version": "1.0",
        "Content-Type": content_type,
        "Content-Transfer-Encoding": "8bit",
    }
    fields.update(headers or {})
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items() if value is not None)
    payload = body if isinstance(body, bytes) else body.encode("utf-8")
    return head.encode("utf-8") + b"\r\n" + payload


@contextmanager
def deadline(seconds: int = 30) -> Iterator[None]:
    """Fail (instead of hanging) when the block runs longer than `seconds` (SIGALRM, main thread)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
