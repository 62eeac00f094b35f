"""Builders of realistic inbound emails for tests: replies as mail clients write them."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from concierge.db import session_scope
from concierge.keys import reply_address
from concierge.models import OutboundMessage, ReplyKey


def gmail_reply(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    quoted: str,
    in_reply_to: str | None = None,
    message_id: str = "<CAGmail-0001@mail.gmail.com>",
    sender_name: str = "Ana Ruiz",
) -> bytes:
    """A Gmail-style reply: the new text, then "On … wrote:" and the quoted original."""
    quote = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
    text = (
        f"{body}\n\nOn Thu, Nov 26, 2026 at 9:00 AM Concierge <concierge@mentoring.example> wrote:\n{quote}\n"
    )
    msg = EmailMessage()
    msg["From"] = f"{sender_name} <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Thu, 26 Nov 2026 10:15:00 +0000"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(text)
    html_quote = quoted.replace("\n", "<br>")
    msg.add_alternative(
        f'<div dir="ltr">{body}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        f"On Thu, Nov 26, 2026 at 9:00 AM Concierge &lt;concierge@mentoring.example&gt; wrote:<br></div>"
        f'<blockquote class="gmail_quote">{html_quote}</blockquote></div>',
        subtype="html",
    )
    return msg.as_bytes()


def reply_to_outbound(settings, outbound_id: int, body: str, sender: str | None = None, **kwargs) -> bytes:
    """A Gmail-style reply to one of our outbound emails, quoting its text part."""
    import email
    from email import policy

    with session_scope(settings) as s:
        row = s.get(OutboundMessage, outbound_id)
        key = s.get(ReplyKey, row.reply_key_id)
        from concierge.models import DevMail

        stored = s.scalar(select(DevMail).where(DevMail.outbound_id == outbound_id))
        original = email.message_from_bytes(stored.raw, policy=policy.default) if stored else None
        quoted = original.get_body(("plain",)).get_content() if original else "Hello"
        return gmail_reply(
            sender=sender or row.to_email,
            to=reply_address(key.key, settings.reply_domain),
            subject=f"Re: {row.subject}",
            body=body,
            quoted=quoted,
            in_reply_to=row.message_id,
            **kwargs,
        )


def dsn(
    status: str,
    action: str = "failed",
    recipient: str = "ana@example.org",
    returned_id: str | None = None,
    to: str = "bounce@mentoring.example",
    token: str | None = None,
) -> bytes:
    """An RFC 3464 report; `returned_id` and `token` are the Message-ID and X-Concierge-Send
    header in its returned headers (a real report returns both: see `returned()`)."""
    send = f"X-Concierge-Send: {token}\r\n" if token else ""
    returned = (
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: concierge@mentoring.example\r\n"
        f"To: {recipient}\r\nMessage-ID: {returned_id}\r\n{send}Subject: Welcome\r\n\r\n"
        if returned_id
        else ""
    )
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        f"To: {to}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{status}-{recipient}@mx.example.org>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n{returned}--B--\r\n"
    ).encode()


def returned(settings, outbound_id: int) -> dict[str, str]:
    """What a real bounce of one of our sends returns in its headers: its Message-ID and token."""
    from concierge.tokens import send_token

    with session_scope(settings) as s:
        message_id = s.get(OutboundMessage, outbound_id).message_id
    return {"returned_id": message_id, "token": send_token(settings, outbound_id)}
