"""Rebuilding an RFC 5322 message as bytes from a provider's parsed fields (Mailgun, Postmark).

Used only when a provider did not send the original bytes (Mailgun routes not ending in
`mime`, Postmark without "include raw email"). Pure functions over the stdlib `email` package
(compat32, which never refuses a header value), deterministic so that a provider's retry
rebuilds the very same bytes and deduplicates even without a Message-ID. Header values that
are ASCII are kept as written; others are RFC 2047-encoded (address headers per display
name), or kept as raw UTF-8 (RFC 6532) where encoding would break them (message ids,
non-ASCII addresses, and address lists the stdlib parser cannot read). An attachment of type
`message/rfc822` is embedded unencoded; other `message/*` and `multipart/*` attachments become
`application/octet-stream`, since the provider took the structure they belonged to apart.

Every input here is sender-controlled, and the stdlib parsers used on it recurse (`json` on
nested arrays, `getaddresses` on nested comments): a payload nested too deep is a
`MalformedPayload`, an address list nested too deep is kept as written.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email import charset as email_charset
from email import encoders
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formataddr, getaddresses

#: Header names and values rebuilt at most, in characters (real mail has a few thousand).
MAX_HEADER_CHARS = 1_048_576
#: How rebuilt messages are written: CRLF line ends, headers folded at 78 characters.
POLICY = compat32.clone(linesep="\r\n")
# Providers hand us the decoded message; these describe an encoding or structure we rebuild.
_STRUCTURE_HEADERS = frozenset({"mime-version", "content-transfer-encoding", "content-length", "lines"})
_ADDRESS_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "sender",
        "resent-from",
        "resent-to",
        "resent-cc",
        "resent-sender",
        "delivered-to",
        "x-original-to",
        "return-path",
    }
)
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references", "resent-message-id"})
_FIELD_NAME = re.compile(r"[!-9;-~]{1,200}\Z")
_TOKEN = re.compile(r"[A-Za-z0-9!#$&^_.+-]{1,100}\Z")
# Everything str.splitlines() breaks on, and the other control characters, become spaces in headers.
_HEADER_BREAKS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
_UTF8_QP = email_charset.Charset("utf-8")
_UTF8_QP.body_encoding = email_charset.QP


class MalformedPayload(ValueError):
    """A provider payload that cannot be turned into a message; the message says what is wrong."""


@dataclass(frozen=True)
class Attachment:
    """A file the provider separated from the message."""

    filename: str
    content_type: str
    data: bytes


def clean_text(value: str) -> str:
    """`value` encodable as UTF-8: lone surrogates (JSON allows them) become U+FFFD."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def text_to_bytes(value: str) -> bytes:
    """A provider's text copy of raw bytes back to bytes; \\udc80-\\udcff stand for the bytes 0x80-0xff."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return clean_text(value).encode("utf-8")


def rebuild_message(
    headers: Iterable[tuple[str, str]],
    text: str | None,
    html: str | None,
    attachments: Sequence[Attachment] = (),
) -> bytes:
    """The message with `headers` (in order) and a body of text, HTML (alternatives) and attachments.

    Headers over MAX_HEADER_CHARS in all are a `MalformedPayload`: real mail has a few
    kilobytes of them, and encoding costs time the webhook's answer must not wait for.
    """
    headers = list(headers)
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_CHARS:
        raise MalformedPayload(f"the headers are longer than {MAX_HEADER_CHARS} characters in all")
    body = _body(text, html, attachments)
    message = Message(policy=POLICY)
    for name, value in headers:
        if _FIELD_NAME.match(name) and not _is_structure(name):
            message[name] = _header_value(name, value)
    message["MIME-Version"] = "1.0"
    for name in ("Content-Type", "Content-Transfer-Encoding"):
        if body[name]:
            message[name] = body[name]
    message.set_payload(body.get_payload())
    return _flatten(message)


class _Generator(BytesGenerator):
    """compat32's generator, also writing the 8-bit bytes of an unencoded message/rfc822 part."""

    def _encode(self, s: str) -> bytes:
        return s.encode("ascii", "surrogateescape")


def _flatten(message: Message) -> bytes:
    out = io.BytesIO()
    _Generator(out, mangle_from_=False, policy=POLICY).flatten(message)
    return out.getvalue()


def _is_structure(name: str) -> bool:
    lowered = name.lower()
    return lowered in _STRUCTURE_HEADERS or lowered.startswith("content-")


def _header_value(name: str, value: str) -> str | Header:
    value = _HEADER_BREAKS.sub(" ", clean_text(value)).strip()
    if value.isascii():
        return value
    lowered = name.lower()
    if lowered in _ADDRESS_HEADERS:
        encoded = _encoded_addresses(value)
        return encoded if encoded is not None else _raw_utf8(value)
    if lowered in _ID_HEADERS:
        return _raw_utf8(value)
    return Header(value, "utf-8", header_name=name)


def _encoded_addresses(value: str) -> str | None:
    """The address list with display names RFC 2047-encoded; None when it cannot be (keep it as written).

    That is when an address itself is not ASCII, or when comments nest deeper than the recursive
    stdlib parser can follow (a sender's "é ((((…").
    """
    try:
        parsed = getaddresses([value])
    except RecursionError:
        return None
    pairs = [(name, address) for name, address in parsed if address]
    if not pairs or not all(address.isascii() for _, address in pairs):
        return None
    return ", ".join(formataddr((name, address)) for name, address in pairs)


def _raw_utf8(value: str) -> str:
    # Surrogate escapes make compat32's BytesGenerator write the UTF-8 bytes as they are.
    return value.encode("utf-8").decode("ascii", "surrogateescape")


def _text_part(content: str, subtype: str) -> MIMEText:
    return _inner(MIMEText(clean_text(content), subtype, _UTF8_QP))


def _inner(part: MIMEBase) -> MIMEBase:
    # MIME-Version belongs to the message, not to each part.
    del part["MIME-Version"]
    return part


def _attachment_part(attachment: Attachment) -> Message:
    maintype, _, subtype = attachment.content_type.partition(";")[0].strip().lower().partition("/")
    if not (_TOKEN.match(maintype) and _TOKEN.match(subtype)) or maintype == "multipart":
        maintype, subtype = "application", "octet-stream"
    if maintype == "message" and subtype != "rfc822":
        maintype, subtype = "application", "octet-stream"
    part = _inner(MIMEBase(maintype, subtype))
    if maintype == "message":
        part.set_payload(attachment.data.decode("ascii", "surrogateescape"))
        part["Content-Transfer-Encoding"] = "7bit" if attachment.data.isascii() else "8bit"
    else:
        part.set_payload(attachment.data)
        encoders.encode_base64(part)
    filename = _HEADER_BREAKS.sub(" ", clean_text(attachment.filename)).strip() or "attachment"
    part.add_header(
        "Content-Disposition",
        "attachment",
        filename=filename if filename.isascii() else ("utf-8", "", filename),
    )
    return part


def _body(text: str | None, html: str | None, attachments: Sequence[Attachment]) -> Message:
    alternatives = []
    if text is not None or html is None:
        alternatives.append(_text_part(text or "", "plain"))
    if html is not None:
        alternatives.append(_text_part(html, "html"))
    body: Message = alternatives[0] if len(alternatives) == 1 else _multipart("alternative", alternatives)
    if not attachments:
        return body
    return _multipart("mixed", [body, *(_attachment_part(a) for a in attachments)])


def _multipart(subtype: str, parts: list[Message]) -> MIMEBase:
    # A boundary made from the parts' own bytes cannot occur in them, and is the same on a retry.
    digest = hashlib.sha256(subtype.encode())
    for part in parts:
        digest.update(hashlib.sha256(_flatten(part)).digest())
    return _inner(MIMEMultipart(subtype, f"=_{subtype}_{digest.hexdigest()[:40]}", parts))


# -- Mailgun -------------------------------------------------------------------------------------------


def mailgun_headers(message_headers: str) -> list[tuple[str, str]]:
    """Mailgun's `message-headers` field: a JSON list of [name, value] pairs, in the message's order."""
    try:
        pairs = json.loads(message_headers)
    except RecursionError:
        raise MalformedPayload("message-headers is nested too deep") from None
    except ValueError:
        raise MalformedPayload("message-headers is not JSON") from None
    if not isinstance(pairs, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair) for pair in pairs
    ):
        raise MalformedPayload("message-headers is not a list of [name, value] pairs")
    return [(name, value) for name, value in pairs]


def from_mailgun(fields: Mapping[str, str], attachments: Sequence[Attachment] = ()) -> bytes:
    """The message of a Mailgun route forward in parsed form (`message-headers`, `body-plain`, …).

    `fields` are the form's text fields; `from` and `subject` stand in for headers that are missing.
    """
    if "message-headers" not in fields:
        raise MalformedPayload("neither body-mime nor message-headers is present")
    headers = mailgun_headers(fields["message-headers"])
    present = {name.lower() for name, _ in headers}
    for name in ("From", "Subject"):
        if name.lower() not in present and fields.get(name.lower()):
            headers.append((name, fields[name.lower()]))
    return rebuild_message(headers, fields.get("body-plain"), fields.get("body-html") or None, attachments)


# -- Postmark ------------------------------------------------------------------------------------------


def _text(payload: Mapping[str, object], name: str) -> str | None:
    value = payload.get(name)
    if value is not None and not isinstance(value, str):
        raise MalformedPayload(f"{name} is not text")
    return value or None


def _list(payload: Mapping[str, object], name: str) -> list[object]:
    value = payload.get(name)
    if value is None:
        return []
    if isinstance(value, Mapping):  # one address where a list was expected
        return [value]
    if not isinstance(value, list):
        raise MalformedPayload(f"{name} is not a list")
    return value


def _postmark_address(entry: object, field: str) -> str | None:
    if not isinstance(entry, Mapping):
        raise MalformedPayload(f"{field} entries must be objects")
    address, name = entry.get("Email") or "", entry.get("Name") or ""
    if not isinstance(address, str) or not isinstance(name, str):
        raise MalformedPayload(f"{field} entries must have a text Email and Name")
    address, name = clean_text(address).strip(), clean_text(name)
    if not address:
        return None
    if not address.isascii():
        return f"{name} <{address}>" if name else address
    return formataddr((name, address))


def _postmark_addresses(payload: Mapping[str, object], full: str, plain: str) -> str | None:
    if payload.get(full) is None:
        return _text(payload, plain)
    addresses = [a for a in (_postmark_address(entry, full) for entry in _list(payload, full)) if a]
    return ", ".join(addresses) or None


def postmark_attachments(payload: Mapping[str, object]) -> list[Attachment]:
    """Postmark's `Attachments`: objects with `Name`, base64 `Content` and `ContentType`."""
    attachments = []
    for index, entry in enumerate(_list(payload, "Attachments"), 1):
        if not isinstance(entry, Mapping):
            raise MalformedPayload(f"attachment {index} is not an object")
        try:
            name, content, content_type = (_text(entry, key) for key in ("Name", "Content", "ContentType"))
        except MalformedPayload as error:
            raise MalformedPayload(f"attachment {index}: {error}") from None
        try:
            data = base64.b64decode((content or "").encode("ascii"))
        except (binascii.Error, UnicodeEncodeError):
            raise MalformedPayload(f"attachment {index}: Content is not base64") from None
        attachments.append(Attachment(name or "attachment", content_type or "application/octet-stream", data))
    return attachments


def from_postmark(payload: Mapping[str, object]) -> bytes:
    """The message of a Postmark inbound webhook without `RawEmail`.

    From, To, Cc, Reply-To, Subject and Date come from the top-level fields (decoded by Postmark),
    every other header from `Headers`; raises `MalformedPayload` for fields of the wrong shape.
    """
    top = {
        "From": _postmark_addresses(payload, "FromFull", "From"),
        "To": _postmark_addresses(payload, "ToFull", "To"),
        "Cc": _postmark_addresses(payload, "CcFull", "Cc"),
        "Reply-To": _text(payload, "ReplyTo"),
        "Subject": _text(payload, "Subject"),
        "Date": _text(payload, "Date"),
    }
    if top["From"] is None:
        raise MalformedPayload("the payload has no sender (FromFull or From)")
    headers = [(name, value) for name, value in top.items() if value is not None]
    for entry in _list(payload, "Headers"):
        if not isinstance(entry, Mapping):
            raise MalformedPayload("Headers entries must be objects")
        name, value = entry.get("Name"), entry.get("Value")
        if not isinstance(name, str) or not isinstance(value, str):
            raise MalformedPayload("Headers entries must have a text Name and Value")
        if name.lower() not in {"from", "to", "cc", "reply-to", "subject", "date"}:
            headers.append((name, value))
    text, html = _text(payload, "TextBody"), _text(payload, "HtmlBody")
    return rebuild_message(headers, text, html, postmark_attachments(payload))
