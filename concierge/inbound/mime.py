"""Reading raw message bytes: mail-parser underneath, and our own code where it gets mail wrong.

`parse_mail` hands the bytes to `mailparser.parse_from_bytes` (headers, attachments, defects,
and the stdlib `Message` it builds). The rest of this module reads that `Message` where
mail-parser does not do the job, or does it wrong, each named where it is used:

- blank lines before the header (some relays and stored fixtures): mail-parser reads the whole
  message as a body; `parse_mail` skips them first;
- text bodies: mail-parser reads UTF-8 labelled Latin-1 or ASCII as mojibake ("JosÃ©"), reads
  an unknown charset as UTF-8 with replacement characters where Windows-1252 is what such mail
  is, keeps NUL characters (no database stores them), takes a multipart without its boundary
  for "not managed" content, enters attached emails (a bounce's returned message became part
  of the reply), and does not turn HTML into text: `part_text` and `leaf_parts` do;
- display names: mail-parser leaves an encoded-word inside a quoted name undecoded
  (`"Ana =?utf-8?q?Ru=C3=ADz?=" <ana@…>`, as Outlook writes them): `addresses` decodes first;
- a Date without a zone: mail-parser drops it; `parse_date` takes it as UTC;
- headers it has no reading for (Auto-Submitted, delivery reports' fields): `header_text`.

Nothing here raises on bad input: 8-bit header bytes are decoded as UTF-8 or else Windows-1252,
unknown or lying charsets fall back the same way, NUL bytes are dropped, and sizes are bounded.
"""

from __future__ import annotations

import email.header
import email.utils
import logging
import re
from datetime import UTC, datetime
from email.message import Message

import mailparser
from mailparser import MailParser

logging.getLogger("mailparser").setLevel(logging.ERROR)  # see parse_mail

#: Bodies beyond this many characters are cut before any further work.
MAX_BODY_CHARS = 100_000
#: Parts beyond this many are not looked at (a reply has a handful).
MAX_PARTS = 200

_BINARY_MAGIC = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2 compound file: Outlook .msg, old Office documents
    b"PK\x03\x04",  # zip
    b"%PDF-",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"\x1f\x8b",  # gzip
)

#: Headers of which at least one must be present for bytes to count as an email.
_EMAIL_HEADERS = (
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "mime-version",
    "content-type",
    "delivered-to",
    "sender",
    "reply-to",
)


#: Bytes that text does not hold (tab, newlines, form feed and carriage return are text).
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte < 9 or byte > 13)


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are a known binary file format, or mostly control bytes, not a message."""
    if raw.startswith(_BINARY_MAGIC):
        return True
    head = raw[:1024]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return bool(head) and controls * 10 > len(head)


def parse_mail(raw: bytes) -> MailParser | None:
    """mail-parser's reading of the bytes; None when they carry no email header at all.

    Blank lines before the header are skipped first: mail-parser would read the whole message
    as a body. mail-parser's warnings about parts it does not handle (a calendar, say) are kept
    out of the logs (set once, at import): those parts are read here. A multipart that names no
    boundary is read with the one its body opens with (`_with_boundary_found`).
    """
    start = 0
    while start < len(raw) and raw[start : start + 1] in (b"\n", b"\r", b" ", b"\t"):
        start += 1
    raw = raw[start:] if start else raw
    mail = mailparser.parse_from_bytes(raw)
    message = mail.message
    if message is None or not {key.lower() for key in message}.intersection(_EMAIL_HEADERS):
        return None
    if message.get_content_maintype() == "multipart" and not message.is_multipart():
        mail = _with_boundary_found(raw) or mail
    return mail


#: mail-parser (and the email package under it) reads a multipart whose Content-Type names no
#: boundary as one text part, its delimiters and its parts' headers read as the sender's words
#: ("--zzz\nContent-Type: text/plain\n\nThursday at 2pm?"): where its body opens with a
#: delimiter line, that is the boundary the sender meant.
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_OPENING_DELIMITER = re.compile(rb"\s*--([^\s\"]{1,70})[ \t]*\r?\n")  # matched where the body starts
_MULTIPART_TYPE = re.compile(rb"(?im)^(content-type:[ \t]*multipart/[\w.+-]+)")


def _with_boundary_found(raw: bytes) -> MailParser | None:
    """The message read again with the boundary its multipart body opens with, if it is one."""
    end = _HEADER_END.search(raw)
    delimiter = _OPENING_DELIMITER.match(raw, end.end()) if end else None
    if end is None or delimiter is None:
        return None
    boundary = delimiter.group(1)
    header = _MULTIPART_TYPE.sub(
        lambda m: m.group(1) + b'; boundary="' + boundary + b'"', raw[: end.start()], 1
    )
    mail = mailparser.parse_from_bytes(header + raw[end.start() :])
    return mail if mail.message is not None and mail.message.is_multipart() else None


def _from_surrogates(value: str) -> str:
    """Recover 8-bit header bytes that the parser kept as surrogate escapes."""
    try:
        raw = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_bytes(raw, None)


#: Charsets that mislabelled UTF-8 usually claims; valid multi-byte UTF-8 is read as UTF-8 instead.
_LATIN_LABELS = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"})


def decode_bytes(raw: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else Windows-1252; never raises.

    Text labelled ASCII/Latin-1 that is valid multi-byte UTF-8 is read as UTF-8 (a common mislabel).
    """
    if charset and charset.lower() in _LATIN_LABELS and not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return raw.decode(candidate)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return raw.decode("cp1252", errors="replace")


def header_text(message: Message, name: str) -> str:
    """The first `name` header, RFC 2047-decoded, one line, NUL-free; "" when absent."""
    values = header_texts(message, name)
    return values[0] if values else ""


def header_texts(message: Message, name: str) -> list[str]:
    """Every `name` header, decoded as `header_text` does."""
    try:
        values = message.get_all(name) or []
    except Exception:  # noqa: BLE001 - a malformed header must not stop the parse
        return []
    return [_decode_header(value) for value in values]


def _decode_header(value: object) -> str:
    if isinstance(value, email.header.Header):  # compat32 wraps raw 8-bit header bytes in a Header
        try:
            chunks = email.header.decode_header(value)
            value = "".join(
                decode_bytes(chunk, None if charset in (None, "unknown-8bit") else charset)
                if isinstance(chunk, bytes)
                else chunk
                for chunk, charset in chunks
            )
        except Exception:  # noqa: BLE001 - fall back to the lossy string form
            value = str(value)
    text = _from_surrogates(str(value))
    if "=?" in text:
        try:
            parts = email.header.decode_header(text)
            decoded = []
            for chunk, charset in parts:
                decoded.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
            text = "".join(decoded)
        except Exception:  # noqa: BLE001 - an undecodable encoded-word stays as written
            pass
    text = text.replace("\x00", "").replace("\r", " ").replace("\n", " ")
    return " ".join(text.split())


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, bare lowercase address) pairs from address headers; unusable ones dropped."""
    pairs: list[tuple[str, str]] = []
    try:
        parsed = email.utils.getaddresses(values)
    except Exception:  # noqa: BLE001 - an unparseable address list yields nothing
        return pairs
    for name, address in parsed:
        address = address.strip().strip("<>").strip().lower()
        if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
            continue
        pairs.append((name.strip().strip('"').strip(), address))
    return pairs


def bare_addresses(pairs: list[tuple[str, str]]) -> list[str]:
    """The addresses of mail-parser's (name, address) pairs: lowercase, usable ones only, in order,
    without repeats."""
    seen: list[str] = []
    for _, address in pairs or []:
        address = (address or "").strip().strip("<>").strip().lower()
        if "@" not in address or " " in address or address.startswith("@") or address.endswith("@"):
            continue
        if address not in seen:
            seen.append(address)
    return seen


def one_line(value: object) -> str:
    """A header value as one line without NUL ("" for nothing)."""
    text = str(value or "").replace("\x00", "").replace("\r", " ").replace("\n", " ")
    return " ".join(text.split())


def message_ids(value: str) -> list[str]:
    """Message ids from In-Reply-To/References, split on whitespace and commas, without brackets."""
    ids: list[str] = []
    for token in value.replace(",", " ").split():
        token = token.strip().strip("<>").strip()
        if token and token not in ids:
            ids.append(token)
    return ids


def parse_date(value: str) -> datetime | None:
    """An aware datetime from a Date header (naive ones taken as UTC); None when unreadable."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (base64/quoted-printable undone); b"" when there is none."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a broken transfer encoding yields an empty part
        return b""
    return payload if isinstance(payload, bytes) else b""


def part_text(part: Message) -> str:
    """The payload of a text part as str in its declared (or guessed) charset, bounded and NUL-free."""
    raw = part_bytes(part)[: MAX_BODY_CHARS * 4]
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001 - a garbled charset parameter is treated as absent
        charset = None
    text = decode_bytes(raw, charset)[:MAX_BODY_CHARS]
    return text.replace("\x00", "")


def filename(part: Message) -> str | None:
    """The attachment file name of a part, decoded; None when it has none."""
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - a malformed parameter means no name
        return None
    if not name:
        return None
    return _decode_header(name) or None


def leaf_parts(message: Message) -> list[Message]:
    """The non-multipart parts of a message in order (at most `MAX_PARTS`), not entering attached mail."""
    leaves: list[Message] = []
    stack: list[Message] = [message]
    while stack and len(leaves) < MAX_PARTS:
        part = stack.pop(0)
        payload = part.get_payload()
        if content_type(part).startswith("message/"):
            leaves.append(part)  # an attached email or a delivery report: one part, not entered
        elif part.is_multipart() and isinstance(payload, list):
            stack[0:0] = [item for item in payload if isinstance(item, Message)]
        else:
            leaves.append(part)
    return leaves


def content_type(part: Message) -> str:
    """The lowercased content type of a part, "text/plain" when it cannot be read."""
    try:
        return part.get_content_type().lower()
    except Exception:  # noqa: BLE001 - a garbled Content-Type reads as the RFC default
        return "text/plain"


def message_size(part: Message) -> int:
    """The size in bytes of an attached email (a message/rfc822 part); 0 when it cannot be rendered."""
    try:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        return len(inner.as_bytes()) if isinstance(inner, Message) else len(part_bytes(part))
    except Exception:  # noqa: BLE001 - a size is informative only
        return 0


def is_attachment(part: Message) -> bool:
    """True for a part sent as a file rather than as the body."""
    disposition = header_text(part, "Content-Disposition").split(";", 1)[0].strip().lower()
    if disposition == "attachment" or (disposition != "inline" and filename(part)):
        return True
    ctype = content_type(part)
    return not ctype.startswith(("text/", "message/"))
