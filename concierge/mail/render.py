"""Pure rendering: an outbound row's template and context → a complete MIME message.

Each `templates/email/<name>.txt` and `.html` extends one shared layout and defines the
blocks `subject` and `body`. Participants' emails carry the reply-above-this-line marker,
the privacy line, their reply address and the list headers of SPEC §3; a coordinator's
email carries none of the list headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from concierge.mail.ics import invite_filename


class CachedHeaderRegistry(HeaderRegistry):
    """The standard header registry, making each header's class once and parsing the value of a
    header that is the same in every message only once.

    The standard registry makes a new class with `type()` every time a header is set or read, and
    parses every value (three quarters of a message's headers are the same in every message:
    From, MIME-Version, the parts' Content-Type and Content-Transfer-Encoding): together the
    larger part of building a message. Header objects are immutable strings, so one may stand in
    several messages. Only the headers named in `REPEATED` are kept (the last `PARSED` values):
    the others (To, Reply-To, List-Unsubscribe, Message-ID) are one person's or one message's,
    would rarely be asked for again, and hold addresses and tokens no cache should keep.
    """

    REPEATED = frozenset(
        {
            "from",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
            "content-disposition",
            "auto-submitted",
            "x-auto-response-suppress",
            "list-unsubscribe-post",
        }
    )
    PARSED = 64

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parse = lru_cache(maxsize=self.PARSED)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._classes.get(name)
        if made is None:
            made = self._classes[name] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> BaseHeader:
        # Only text is cached: an Address or Group set as a value is not hashable.
        if isinstance(value, str) and name.lower() in self.REPEATED:
            return self._parse(name, value)
        return super().__call__(name, value)


TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
MARKER = "-- Reply above this line --"
#: Header lines may be up to 998 characters (RFC 5322): with the default 78, a long token such
#: as List-Unsubscribe's mailto would be written as an RFC 2047 encoded-word, which no mail
#: client reads as a link.
HEADERS_POLICY = policy.default.clone(max_line_length=998, header_factory=CachedHeaderRegistry())


@dataclass(frozen=True)
class Envelope:
    """Everything but the body: addresses, threading and the headers that depend on the recipient."""

    mail_from: str
    to: str
    message_id: str
    date: datetime
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: str | None = None
    auto_submitted: str = "auto-generated"
    unsubscribe_mailto: str | None = None
    unsubscribe_url: str | None = None
    extra_parts: list[tuple[str, str, bytes]] = field(default_factory=list)
    #: An invite or a cancellation: (METHOD, the iCalendar bytes), see `ics.invite_bytes`.
    calendar: tuple[str, bytes] | None = None

    @property
    def participant(self) -> bool:
        """Participants' mail has a reply address; coordinators' login mail does not."""
        return self.reply_to is not None


@cache
def environment() -> Environment:
    """The Jinja environment over templates/email (HTML autoescaped, undefined names fail)."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def template_names() -> list[str]:
    """Every email template (a .txt and .html pair), for previews and tests."""
    return sorted(p.stem for p in TEMPLATES.glob("*.txt") if not p.stem.startswith("_"))


def render_parts(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of template `name` with `context`."""
    env = environment()
    text_template = env.get_template(f"{name}.txt")
    html_template = env.get_template(f"{name}.html")
    full = dict(context, marker=MARKER)
    subject_block = text_template.blocks["subject"]
    subject = " ".join("".join(subject_block(text_template.new_context(full))).split())
    return subject, text_template.render(full), html_template.render(full)


def render_message(name: str, context: dict[str, Any], envelope: Envelope) -> EmailMessage:
    """The complete message: headers of SPEC §3, a text part and an HTML part (and any extras)."""
    participant = envelope.participant
    subject, text, html = render_parts(name, dict(context, participant=participant))
    msg = EmailMessage(policy=HEADERS_POLICY)
    display, address = parseaddr(envelope.mail_from)
    msg["From"] = formataddr((display, address))
    msg["To"] = envelope.to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(envelope.date)
    msg["Message-ID"] = envelope.message_id
    if envelope.reply_to:
        msg["Reply-To"] = envelope.reply_to
    if envelope.in_reply_to:
        msg["In-Reply-To"] = envelope.in_reply_to
    if envelope.references:
        msg["References"] = envelope.references
    msg["Auto-Submitted"] = envelope.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    if participant and envelope.unsubscribe_mailto and envelope.unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{envelope.unsubscribe_mailto}>, <{envelope.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if envelope.calendar is not None:
        # iMIP (RFC 6047): the calendar as an alternative of the body, which Gmail, Outlook and
        # Apple Mail show as an invitation, and once more as a file for the clients that do not.
        method, payload = envelope.calendar
        msg.add_alternative(
            payload,
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "UTF-8"},
            cte="base64",
        )
        msg.add_attachment(payload, maintype="application", subtype="ics", filename=invite_filename(method))  # type: ignore[arg-type]
    for maintype_subtype, filename, payload in envelope.extra_parts:
        maintype, subtype = maintype_subtype.split("/", 1)
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return msg
