"""Rules that tell mail we must never answer: bounces, auto-replies, spam verdicts (SPEC §3.4).

Each rule reads headers or the first few thousand characters of a body with plain string tests;
the only regular expression (an SMTP status code) is anchored on word boundaries with bounded
repeats, so none can backtrack.
"""

from __future__ import annotations

import re
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from concierge.inbound import mime
from concierge.inbound.message import Bounce
from concierge.tokens import SEND_HEADER

#: How much of a body the bounce and out-of-office rules read.
_SCAN_CHARS = 4_000

_STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")

_DAEMON_LOCALS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_NOREPLY_MARKS = ("noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})

_BOUNCE_SUBJECTS = (
    "undelivered mail returned to sender",
    "undeliverable:",
    "undeliverable mail",
    "delivery status notification (failure)",
    "delivery status notification (delay)",
    "delivery failure",
    "delivery has failed",
    "mail delivery failed",
    "mail delivery failure",
    "failure notice",
    "returned mail:",
    "mail system error - returned mail",
    "message not delivered",
    "nondeliverable mail",
    "non remis",
    "unzustellbar",
    "nicht zustellbar",
    "no se puede entregar",
    "não é possível entregar",
    "onbestelbaar",
    "non recapitabile",
)
_BOUNCE_PHRASES = (
    "delivery to the following recipient failed permanently",
    "delivery to the following recipients failed permanently",
    "delivery to the following recipient has been delayed",
    "i'm afraid i wasn't able to deliver",
    "i'm sorry to have to inform you that your message could not",
    "this message was created automatically by mail delivery software",
    "message could not be delivered to one or more of its recipients",
    "your message could not be delivered",
    "your message wasn't delivered",
    "your message couldn't be delivered",
    "the following message to <",
    "could not be delivered to the following recipients",
    "delivery has failed to these recipients or groups",
    "a message that you sent could not be delivered",
    "the following addresses had permanent fatal errors",
    "the following address(es) failed",
    "permanent error. the following address(es) failed",
    "undeliverable message",
    "message delivery has failed",
    "unable to deliver your message",
    "sorry, we were unable to deliver your message",
    "the email account that you tried to reach does not exist",
    "user unknown",
    "mailbox unavailable",
    "recipient address rejected",
    "no such user",
)
#: A warning that delivery is still being tried (nothing has failed yet).
_DELAY_PHRASES = (
    "has been delayed",
    "will retry",
    "will be retried",
    "still trying",
    "not yet been delivered",
    "delivery delayed",
    "delivery status notification (delay)",
)
#: A failure that is not for good (a delay warning among them).
_TEMPORARY_PHRASES = ("temporar", *_DELAY_PHRASES)

_AUTO_SUBJECTS = (
    "out of office",
    "out of the office",
    "out-of-office",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "automatic response",
    "auto generated",
    "auto-generated",
    "away from the office",
    "vacation reply",
    "abwesenheitsnotiz",
    "automatische antwort",
    "nicht im büro",
    "außer haus",
    "réponse automatique",
    "reponse automatique",
    "absence du bureau",
    "absent du bureau",
    "message d'absence",
    "respuesta automática",
    "respuesta automatica",
    "fuera de la oficina",
    "fuera de oficina",
    "resposta automática",
    "resposta automatica",
    "fora do escritório",
    "ausente do escritório",
    "automatisch antwoord",
    "afwezigheidsbericht",
    "niet op kantoor",
    "risposta automatica",
    "fuori ufficio",
    "fuori sede",
)
_AUTO_BODY_OPENINGS = (
    "i am out of the office",
    "i'm out of the office",
    "i am currently out of the office",
    "i'm currently out of the office",
    "i am currently out of office",
    "i am out of office",
    "i'm out of office",
    "i'm currently out of office",
    "i'm ooo",
    "i am ooo",
    "i'll be out of the office",
    "i'll be out of office",
    "i will be out of office",
    "automatic reply:",
    "auto-reply:",
    "autoreply:",
    "out of office:",
    "i will be out of the office",
    "i am away from the office",
    "i am currently away",
    "i am on vacation",
    "i'm on vacation",
    "i am on annual leave",
    "i am on leave",
    "thank you for your email. i am",
    "this is an automatic reply",
    "this is an automated response",
    "this is an automatically generated",
    "ich bin derzeit nicht im büro",
    "ich bin nicht im büro",
    "ich bin bis",
    "vielen dank für ihre nachricht. ich bin",
    "je suis absent",
    "je suis actuellement absent",
    "je serai absent",
    "estoy fuera de la oficina",
    "estaré fuera de la oficina",
    "me encuentro fuera de la oficina",
    "estou fora do escritório",
    "estou ausente",
    "estarei ausente",
    "ik ben afwezig",
    "ik ben niet op kantoor",
    "ik ben momenteel afwezig",
    "sono fuori ufficio",
    "sono assente",
    "sarò assente",
    "sarò fuori ufficio",
)
_RETURN_WORDS = (
    "return",
    "back on",
    "back in",
    "when i'm back",
    "when i am back",
    "back monday",
    "back tuesday",
    "back wednesday",
    "back thursday",
    "back friday",
    "back next",
    "back tomorrow",
    "limited access",
    "urgent",
    "zurück",
    "dringend",
    "de retour",
    "urgence",
    "regreso",
    "regresaré",
    "urgente",
    "volto",
    "voltarei",
    "terug",
    "dringende",
    "rientro",
    "tornerò",
)


def local_part(address: str | None) -> str:
    """The lowercased part of an address before the last @ ("" for None)."""
    return (address or "").rpartition("@")[0].lower()


def is_daemon(address: str | None) -> bool:
    """True for MAILER-DAEMON/postmaster senders."""
    return local_part(address) in _DAEMON_LOCALS


def is_noreply(address: str | None) -> bool:
    """True for no-reply style senders (noreply@, no-reply@, do-not-reply@ and the like)."""
    local = local_part(address)
    return any(mark in local for mark in _NOREPLY_MARKS)


def return_path_empty(message: Message) -> bool:
    """True when a Return-Path header is the null sender `<>` (the envelope of bounces and auto mail)."""
    return any(value.replace(" ", "") == "<>" for value in mime.header_texts(message, "Return-Path"))


def spam_verdict(message: Message) -> bool:
    """True when a filter upstream marked the message as spam."""
    if mime.header_text(message, "X-Spam-Flag").strip().lower().startswith("yes"):
        return True
    if mime.header_text(message, "X-Spam-Status").strip().lower().startswith("yes"):
        return True
    return mime.header_text(message, "X-SES-Spam-Verdict").strip().upper() == "FAIL"


def _threaded(message: Message) -> bool:
    """A reply in a thread (In-Reply-To or References): a person's answer, even relayed by a list.

    Mailing-list software stamps `Precedence: list` on every post it relays, human replies
    included, while auto-responders answer without threading headers or set Auto-Submitted.
    """
    return bool(
        mime.header_text(message, "In-Reply-To").strip() or mime.header_text(message, "References").strip()
    )


def auto_reply_rule(
    message: Message, sender: str | None, subject: str, body: str, quoted: bool
) -> str | None:
    """The rule by which a message is automatic (an auto-reply or machine mail), or None.

    `X-Auto-Response-Suppress` is deliberately ignored: Exchange adds it to ordinary mail.
    The body rule only fires on an unquoted message that opens with an out-of-office sentence and
    mentions a return, so a person writing "I'm on vacation until Monday" in a reply is not taken
    for a machine.
    """
    auto_submitted = mime.header_text(message, "Auto-Submitted").split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_submitted"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autorespond-From", "X-AutoReply-From", "X-Autogenerated"):
        if mime.header_text(message, name):
            return name.lower()
    precedence = mime.header_text(message, "Precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE and not (precedence == "list" and _threaded(message)):
        return "precedence"
    if return_path_empty(message):
        return "null_return_path"
    if is_daemon(sender) or is_noreply(sender):
        return "noreply_sender"
    lowered_subject = subject.lower()
    if any(mark in lowered_subject for mark in _AUTO_SUBJECTS):
        return "auto_subject"
    if not quoted and reads_as_out_of_office(body):
        return "auto_body"
    return None


def reads_as_out_of_office(text: str) -> bool:
    """True when a text opens with an out-of-office sentence and mentions a return.

    A message that quotes the one it answers is not taken for a machine on this alone (a person
    may write "I'm on vacation until Monday" in a reply), but is never answered automatically.
    """
    opening = " ".join(text[:600].lower().split())
    return any(phrase in opening[:300] for phrase in _AUTO_BODY_OPENINGS) and any(
        word in opening for word in _RETURN_WORDS
    )


def find_bounce(message: Message, sender: str | None, subject: str, body: str) -> Bounce | None:
    """Delivery-status facts when the message is a bounce (RFC 3464 or a common free-text form)."""
    found, report = _delivery_report(message)
    if found:
        return report  # a standard report decides alone: nothing failed means no bounce
    lowered_subject = subject.lower()
    automatic = is_daemon(sender) or return_path_empty(message)
    subject_says = any(mark in lowered_subject for mark in _BOUNCE_SUBJECTS)
    scanned = body[:_SCAN_CHARS]
    lowered = scanned.lower()
    phrase_at = min((lowered.find(p) for p in _BOUNCE_PHRASES if p in lowered), default=-1)
    if not ((automatic and (subject_says or phrase_at >= 0)) or (subject_says and phrase_at >= 0)):
        return None
    status = _first_status(scanned)
    says = f"{lowered_subject}\n{lowered}"
    hard = status.startswith("5") if status else not any(mark in says for mark in _TEMPORARY_PHRASES)
    failed = _failed_recipient_header(message) or _address_after(scanned, max(phrase_at, 0), sender)
    delayed = not hard and any(mark in says for mark in _DELAY_PHRASES)
    return Bounce(
        hard=hard,
        status=status,
        failed_address=failed,
        diagnostic=_diagnostic_line(scanned),
        delayed=delayed,
    )


def is_delivery_report(message: Message) -> bool:
    """True for a `multipart/report; report-type=delivery-status` message."""
    if mime.content_type(message) != "multipart/report":
        return False
    return (message.get_param("report-type") or "").__str__().lower() == "delivery-status"


def _delivery_report(message: Message) -> tuple[bool, Bounce | None]:
    """(a delivery-status part was found, the bounce it reports or None when nothing failed)."""
    found = False
    for part in mime.leaf_parts(message) + _report_parts(message):
        if mime.content_type(part) != "message/delivery-status":
            continue
        recipients = _status_blocks(part)
        found = found or bool(recipients)
        failed = [r for r in recipients if r.get("action", "").startswith("failed")]
        delayed = [r for r in recipients if r.get("action", "").startswith("delayed")]
        chosen = failed or delayed
        if not chosen:
            continue
        hard = any(r.get("status", "").startswith("5") for r in failed) or bool(
            failed and not any(r.get("status") for r in failed)
        )
        first = next((r for r in chosen if r.get("status", "").startswith("5")), chosen[0])
        address = _strip_address_type(first.get("final-recipient") or first.get("original-recipient") or "")
        return True, Bounce(
            hard=hard,
            status=first.get("status") or None,
            failed_address=address or None,
            diagnostic=first.get("diagnostic-code") or None,
            delayed=not failed,
            message_ids=_returned_values(message, "Message-ID"),
            send_tokens=_returned_values(message, SEND_HEADER),
        )
    return found, None


#: Parts of a delivery report that return the original message or its headers (RFC 3462, 6522).
_RETURNED_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers", "message/rfc822"})
#: At most this many Message-IDs are taken from one report.
_MAX_RETURNED_IDS = 10


def _returned_headers(message: Message) -> list[Message]:
    """The headers of the message a delivery report returns (its returned-headers or attached
    message parts), decoded whatever their transfer encoding."""
    found: list[Message] = []
    for part in mime.leaf_parts(message):
        if mime.content_type(part) not in _RETURNED_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            found.append(payload[0])
        else:
            text = mime.part_text(part)[: _SCAN_CHARS * 4]
            found.append(HeaderParser(policy=compat32).parsestr(text, headersonly=True))
    return found


def _returned_values(message: Message, name: str) -> tuple[str, ...]:
    """The values of header `name` in the returned headers (a Message-ID without brackets)."""
    values: list[str] = []
    for headers in _returned_headers(message):
        for value in mime.header_texts(headers, name):
            values.extend(mime.message_ids(value)[:1])
    return tuple(list(dict.fromkeys(values))[:_MAX_RETURNED_IDS])


def _report_parts(message: Message) -> list[Message]:
    """message/* parts are not leaves for `leaf_parts`; collect the delivery-status ones here."""
    found: list[Message] = []
    stack = [message]
    while stack and len(found) < 5:
        part = stack.pop()
        if mime.content_type(part) == "message/delivery-status":
            found.append(part)
            continue
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            stack.extend(item for item in payload if isinstance(item, Message))
    return found


def _status_blocks(part: Message) -> list[dict[str, str]]:
    """Per-recipient field blocks of a delivery-status part, as lowercase-keyed dicts."""
    payload = part.get_payload()
    blocks: list[dict[str, str]] = []
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                fields = {key.lower(): mime.header_text(block, key).strip() for key in block}
                blocks.append(fields)
    else:
        text = mime.part_text(part) if not isinstance(payload, str) else payload
        current: dict[str, str] = {}
        for line in text.replace("\r\n", "\n").split("\n")[:400]:
            if not line.strip():
                if current:
                    blocks.append(current)
                current = {}
                continue
            name, colon, value = line.partition(":")
            if colon and not line[:1].isspace():
                current[name.strip().lower()] = value.strip()
        if current:
            blocks.append(current)
    for block in blocks:
        if "action" in block:
            block["action"] = block["action"].lower()
        if "status" in block:
            block["status"] = block["status"].split(" ", 1)[0]
    return [block for block in blocks if "action" in block or "final-recipient" in block]


def _strip_address_type(value: str) -> str:
    """ "rfc822; a@b" → "a@b"."""
    address = value.partition(";")[2] if ";" in value else value
    return address.strip().strip("<>").strip().lower()


def _first_status(text: str) -> str | None:
    match = _STATUS_CODE.search(text)
    return match.group(0) if match else None


def _failed_recipient_header(message: Message) -> str | None:
    for name in ("X-Failed-Recipients", "Final-Recipient", "Original-Recipient"):
        value = mime.header_text(message, name)
        if value:
            address = _strip_address_type(value.split(",", 1)[0])
            if "@" in address:
                return address
    return None


def _address_after(text: str, start: int, sender: str | None) -> str | None:
    """The first plausible mail address in `text` from `start` on (not the daemon's own)."""
    position = start
    for _ in range(20):
        at = text.find("@", position)
        if at < 0:
            return None
        left = at
        while left > 0 and text[left - 1] not in " \t\r\n<>\"'():;,[]":
            left -= 1
        right = at + 1
        while right < len(text) and text[right] not in " \t\r\n<>\"'():;,[]":
            right += 1
        candidate = text[left:right].strip(".").lower()
        position = right
        if "." in candidate.partition("@")[2] and candidate != sender and not is_daemon(candidate):
            return candidate
    return None


def _diagnostic_line(text: str) -> str | None:
    for line in text.split("\n")[:200]:
        lowered = line.lower()
        if _STATUS_CODE.search(line) or "diagnostic" in lowered:
            return line.strip()[:300] or None
    return None
