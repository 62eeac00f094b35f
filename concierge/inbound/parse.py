"""`understand()`: raw bytes in, a `ParsedMessage` out — pure, bounded, and never crashing on bad mail.

The bytes are read by mail-parser (`mailparser.parse_from_bytes`: headers, attachments,
defects); `mime` says where our own code reads instead, and why.

Kinds are decided in this order, first match wins:
1. `bounce` — a delivery report (RFC 3464 or a common free-text form). Checked first because
   bounces also carry the signs of automatic mail (null Return-Path, MAILER-DAEMON sender).
2. `own` — the sender is one of our addresses or any address at the reply domain. Checked before
   auto-replies because our own outbound mail carries `Auto-Submitted`; a loop must read as ours.
3. `auto_reply` — RFC 3834 and the usual vendor headers, bulk precedence, null Return-Path,
   no-reply senders, out-of-office subjects and openings.
4. `spam` — an upstream spam verdict.
5. `unknown` (reason "unparseable") — an email without a usable From address: nobody to act for.
6. `reply` — reason "nothing_new" when nothing is left after trimming, else None.
"""

from __future__ import annotations

from email.message import Message

from mailparser import MailParser

from concierge.inbound import classify, mime
from concierge.inbound.calendar import ATTENDEE_ANSWERS, read_calendar_answer
from concierge.inbound.htmltext import html_to_text
from concierge.inbound.message import Attachment, Bounce, ParsedMessage, UnparseableMessage
from concierge.inbound.trim import MAX_REPLY_CHARS, trim_reply

_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar"})


def understand(
    raw: bytes,
    envelope_recipient: str | None = None,
    own_addresses: frozenset[str] = frozenset(),
    reply_domain: str | None = None,
) -> ParsedMessage:
    """Read one raw email and say who sent it, where, in which thread, what is new and what kind it is.

    Pure: no database, no network. Raises only `UnparseableMessage` (bytes that are no email).
    """
    if not raw or not raw.strip() or mime.looks_binary(raw):
        raise UnparseableMessage("not an email: empty or binary content")
    try:
        mail = mime.parse_mail(raw)
    except RecursionError as error:  # absurdly nested MIME
        raise UnparseableMessage("not an email: MIME nesting too deep") from error
    except Exception as error:  # noqa: BLE001 - mail-parser is lenient; anything it raises on is garbage
        raise UnparseableMessage(f"not an email: {type(error).__name__}") from error
    if mail is None:
        raise UnparseableMessage("not an email: no header")
    try:
        return _understand(mail, envelope_recipient, own_addresses, reply_domain)
    except RecursionError as error:  # absurdly nested MIME
        raise UnparseableMessage("not an email: MIME nesting too deep") from error


def _understand(
    mail: MailParser,
    envelope_recipient: str | None,
    own_addresses: frozenset[str],
    reply_domain: str | None,
) -> ParsedMessage:
    message: Message = mail.message
    # The sender's display name is decoded here: mail-parser leaves an encoded-word inside a
    # quoted name as it is (`"Ana =?utf-8?q?Ru=C3=ADz?="`, as Outlook writes it).
    senders = mime.addresses(mime.header_texts(message, "From"))
    sender_name, sender = (senders[0][0] or None, senders[0][1]) if senders else (None, None)
    subject = mime.one_line(mail.subject)
    body_text, calendar_parts = _read_body(message)

    text = trim_reply(body_text, sender_name=sender_name, sender_address=sender)
    quoted = _has_quote(body_text[:MAX_REPLY_CHARS], text)
    bounce = classify.find_bounce(message, sender, subject, body_text)
    answer = read_calendar_answer(calendar_parts) if calendar_parts else None
    if answer is not None and answer.method not in ATTENDEE_ANSWERS:
        answer = None  # an invite or a cancellation someone forwards us is not an answer to ours
    kind, reason = _kind(
        message, bounce, sender, subject, text, quoted, own_addresses, reply_domain, answer is not None
    )

    return ParsedMessage(
        sender=sender,
        sender_name=sender_name,
        to=mime.bare_addresses(mail.to),
        cc=mime.bare_addresses(mail.cc),
        delivered_to=mime.bare_addresses(mail.delivered_to),
        x_original_to=_bare(message, "X-Original-To"),
        envelope_recipient=envelope_recipient,
        message_id=(mime.message_ids(mime.one_line(mail.message_id)) or [None])[0],
        in_reply_to=mime.message_ids(" ".join(mime.header_texts(message, "In-Reply-To"))),
        references=mime.message_ids(" ".join(mime.header_texts(message, "References"))),
        subject=subject,
        # mail-parser drops a Date without a zone ("3 Jun 2024 10:00:00"): read here, as UTC.
        date=mime.parse_date(mime.header_text(message, "Date")),
        text=text,
        body_text=body_text,
        attachments=_attachments(mail),
        calendar_parts=calendar_parts,
        calendar_answer=answer,
        kind=kind,
        reason=reason,
        bounce=bounce if kind == "bounce" else None,
        defects=tuple(sorted(mail.defects_categories)),
    )


def _kind(
    message: Message,
    bounce: Bounce | None,
    sender: str | None,
    subject: str,
    text: str,
    quoted: bool,
    own_addresses: frozenset[str],
    reply_domain: str | None,
    calendar_answer: bool,
) -> tuple[str, str | None]:
    if bounce is not None:
        return "bounce", "bounce"
    if sender and _is_own(sender, own_addresses, reply_domain):
        return "own", "own_mail"
    # A calendar's Yes/No/Maybe or new time (iMIP) is sent by a machine, often with
    # Auto-Submitted, but on the person's behalf: an answer, never answered in kind (SPEC §3.1.3).
    if not calendar_answer and classify.auto_reply_rule(message, sender, subject, text, quoted):
        return "auto_reply", "auto_reply"
    if classify.spam_verdict(message):
        return "spam", "spam"
    if sender is None:
        return "unknown", "unparseable"
    return "reply", (None if text or calendar_answer else "nothing_new")


def _is_own(sender: str, own_addresses: frozenset[str], reply_domain: str | None) -> bool:
    """Mail from our own addresses: MAIL_FROM (in `own_addresses`), or a reply or bounce address.

    Only those: people who reply may well share the reply domain (an internal program at
    acme.com replying from ana@acme.com).
    """
    if sender in {address.strip().lower() for address in own_addresses}:
        return True
    local, _, domain = sender.rpartition("@")
    return (
        bool(reply_domain)
        and domain == (reply_domain or "").strip().lower()
        and local.startswith(("reply+", "bounce+"))
    )


def _bare(message: Message, name: str) -> list[str]:
    seen: list[str] = []
    for _, address in mime.addresses(mime.header_texts(message, name)):
        if address not in seen:
            seen.append(address)
    return seen


def _has_quote(body: str, trimmed: str) -> bool:
    """True when trimming removed something: the body carried quoted history or a signature."""
    return len(" ".join(body.split())) > len(" ".join(trimmed.split())) + 2


def _attachments(mail: MailParser) -> list[Attachment]:
    """mail-parser's attachments: what we keep about each (never its content)."""
    found = []
    for item in mail.attachments[: mime.MAX_PARTS]:
        payload = item.get("payload") or ""
        size = (
            len(payload) * 3 // 4 - payload[-2:].count("=") if item.get("binary") else len(payload.encode())
        )
        found.append(
            Attachment(mime.one_line(item.get("filename") or "") or None, item["mail_content_type"], size)
        )
    return found


def _read_body(message: Message) -> tuple[str, list[bytes]]:
    """The text body (the first text/plain part, else the first HTML part turned into text) and
    the calendar parts (as bytes, for an iCalendar reader).

    Read here, not from mail-parser's `text_plain`: see `mime` for what it gets wrong (charsets,
    NUL, boundary-less multiparts, attached emails, HTML).
    """
    plain: str | None = None
    html: str | None = None
    calendars: list[bytes] = []
    for part in mime.leaf_parts(message):
        ctype = mime.content_type(part)
        name = mime.filename(part)
        if ctype in _CALENDAR_TYPES or (name or "").lower().endswith((".ics", ".vcs")):
            calendars.append(mime.part_bytes(part))
            continue
        if ctype.startswith("multipart/"):
            ctype = "text/plain"  # a multipart without its boundary: the parser left the body as text
        elif mime.is_attachment(part) or ctype.startswith("message/"):
            continue
        if ctype == "text/html":
            if html is None:
                html = mime.part_text(part)
        elif ctype.startswith("text/") and plain is None:
            plain = mime.part_text(part)
    if plain is not None and plain.strip():
        return plain, calendars
    if html is not None:
        return html_to_text(html)[: mime.MAX_BODY_CHARS], calendars
    return (plain or ""), calendars
