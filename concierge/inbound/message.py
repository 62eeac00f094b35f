"""The values that `understand()` hands to the processing job: a parsed message and its parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from concierge.inbound.calendar import CalendarAnswer

#: ParsedMessage.kind values.
KINDS = ("reply", "auto_reply", "bounce", "own", "spam", "unknown")
#: ParsedMessage.reason values (None is an ordinary reply with new text).
REASONS = ("auto_reply", "bounce", "own_mail", "spam", "nothing_new", "unparseable")


class UnparseableMessage(Exception):
    """The bytes are not an email at all (empty, a binary file such as an Outlook .msg, no header)."""


@dataclass(frozen=True)
class Attachment:
    """A file that came with the message: only what we keep about it, never its content."""

    filename: str | None
    content_type: str
    size: int


@dataclass(frozen=True)
class Bounce:
    """What a delivery report says: permanent (5.x.x) or not, its status, and the address that failed.

    `delayed` is a warning that delivery is still being tried (nothing failed yet). An RFC 3464
    report returns the headers of the message it is about: `message_ids` are their
    Message-IDs (without brackets) and `send_tokens` their `X-Concierge-Send` values, which
    tie the report to one of our sends (SPEC §3.4). Free-text bounces return neither.
    """

    hard: bool
    status: str | None
    failed_address: str | None
    diagnostic: str | None
    delayed: bool = False
    message_ids: tuple[str, ...] = ()
    send_tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedMessage:
    """An inbound email understood: who, to which addresses, in which thread, what is new, what kind.

    `text` is the trimmed reply (only what is new, "" when nothing is); `body_text` the whole text
    body (HTML converted when there is no text part), bounded. `kind` and `reason` say whether the
    message must be acted on; see `concierge.inbound.parse.understand` for the order of the rules.
    """

    sender: str | None
    sender_name: str | None
    to: list[str]
    cc: list[str]
    delivered_to: list[str]
    x_original_to: list[str]
    envelope_recipient: str | None
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    date: datetime | None
    text: str
    body_text: str
    attachments: list[Attachment] = field(default_factory=list)
    calendar_parts: list[bytes] = field(default_factory=list)
    #: A calendar client's answer to one of our invites (iMIP REPLY or COUNTER), when the message is one.
    calendar_answer: CalendarAnswer | None = None
    kind: str = "reply"
    reason: str | None = None
    bounce: Bounce | None = None
    #: mail-parser's defect categories ("NoBoundaryInMultipartDefect", "CharsetDecodeDefect", …).
    defects: tuple[str, ...] = ()
