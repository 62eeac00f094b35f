"""Pure: compose a reply to one of our emails the way a mail client would (for the dev composer).

The reply goes to the email's `Reply-To` (or `From`), threads with `In-Reply-To` and
`References`, and quotes the original text under an "On … wrote:" line, so what the
composer sends tests the same trimming real replies go through.
"""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr


def quoted(text: str) -> str:
    """Each line prefixed with `> ` as mail clients quote."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def compose_reply(original_raw: bytes, sender: str, body: str, now: datetime | None = None) -> bytes:
    """A reply from `sender` to the stored email `original_raw`, with `body` above the quote."""
    original = email.message_from_bytes(original_raw, policy=policy.default)
    assert isinstance(original, EmailMessage)
    part = original.get_body(("plain",))
    original_text = str(part.get_content()) if part is not None else ""
    when = now or datetime.now(UTC)
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = str(original.get("Reply-To") or original.get("From") or "")
    subject = str(original.get("Subject") or "")
    reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    reply["Date"] = format_datetime(when)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "dev.example"
    reply["Message-ID"] = make_msgid(domain=domain)
    original_id = str(original.get("Message-ID") or "").strip()
    if original_id:
        reply["In-Reply-To"] = original_id
        references = str(original.get("References") or "").split()
        reply["References"] = " ".join([*references, original_id])
    original_from = str(original.get("From") or "")
    header = f"On {format_datetime(original_date(original) or when)}, {original_from} wrote:"
    reply.set_content(f"{body.rstrip()}\n\n{header}\n{quoted(original_text)}\n")
    return reply.as_bytes(policy=policy.SMTP)


def original_date(message: EmailMessage) -> datetime | None:
    """The original's Date header as a datetime, if it has a readable one."""
    value = message.get("Date")
    try:
        return value.datetime if value is not None and value.datetime else None  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        return None
