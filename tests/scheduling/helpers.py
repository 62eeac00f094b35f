"""Helpers for scheduling tests: replies at an injected time, and the mail and invites they caused."""

from __future__ import annotations

import email
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import vobject
from sqlalchemy import select

from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.models import DevMail, OutboundMessage
from tests import factories
from tests.mail import reply_to_outbound
from workers.inbound import Result, process_now

#: A Friday, 09:47 in New York: the time the case table is written for.
NOW = datetime(2026, 12, 4, 14, 47, tzinfo=UTC)
_ids = itertools.count(1)


def pair_in_zones(
    settings, work, mentee_zone: str = "America/New_York", mentor_zone: str = "America/Los_Angeles", **program
) -> dict:
    """Ana (mentee, New York) and Maya (mentor, Los Angeles) introduced in a formal program: their
    addresses, the ids of the mentorship and of each one's introduction."""
    from concierge.actions.pairing import pair

    with session_scope(settings) as s:
        prog = factories.program(s, timezone="America/New_York", **program)
        factories.participant(
            s, prog, "mentor", email="maya@example.org", name="Maya Chen", timezone=mentor_zone
        )
        factories.participant(
            s, prog, "mentee", email="ana@example.org", name="Ana Ruiz", timezone=mentee_zone
        )
        made = pair(s, settings, prog, "maya@example.org", "ana@example.org")
        ids = {"mentorship": made.id, "program": prog.id}
    work()
    with session_scope(settings) as s:
        for role, address in (("mentee", "ana@example.org"), ("mentor", "maya@example.org")):
            ids[f"{role}_intro"] = s.scalar(
                select(OutboundMessage.id).where(
                    OutboundMessage.to_email == address, OutboundMessage.template == f"introduction_{role}"
                )
            )
    return ids


def reply(settings, outbound_id: int, body: str, now: datetime = NOW, sender: str | None = None) -> Result:
    """Reply to one of our emails as its recipient (or `sender`) and process it at `now`."""
    raw = reply_to_outbound(
        settings, outbound_id, body, sender=sender, message_id=f"<sched-{next(_ids)}@example.org>"
    )
    stored = store_inbound(settings, raw, None, source="relay")
    return process_now(settings, stored.id, now=now)


@dataclass
class Sent:
    """An email the worker sent: its row, its parsed message and its calendar, if any."""

    row: OutboundMessage
    message: EmailMessage

    @property
    def text(self) -> str:
        """The plain-text body."""
        return str(self.message.get_body(("plain",)).get_content())

    @property
    def calendar(self):
        """The invite's VCALENDAR, parsed by vobject (an independent reader), or None."""
        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                return vobject.readOne(part.get_payload(decode=True).decode("utf-8"))
        return None


def sent_since(settings, after_id: int = 0) -> list[Sent]:
    """Every email sent with an outbound id above `after_id`, in order."""
    with session_scope(settings) as s:
        rows = s.execute(
            select(OutboundMessage, DevMail.raw)
            .join(DevMail, DevMail.outbound_id == OutboundMessage.id)
            .where(OutboundMessage.id > after_id)
            .order_by(OutboundMessage.id)
        ).all()
        return [Sent(row, email.message_from_bytes(raw, policy=policy.default)) for row, raw in rows]


def introduction_to(settings, address: str, template: str) -> int:
    """The id of the introduction (`template`) sent to `address`: its key is their conversation's."""
    with session_scope(settings) as s:
        return s.scalar(
            select(OutboundMessage.id).where(
                OutboundMessage.to_email == address, OutboundMessage.template == template
            )
        )


def last_outbound_id(settings) -> int:
    """The id of the newest outbound row (0 when none)."""
    with session_scope(settings) as s:
        return s.scalar(select(OutboundMessage.id).order_by(OutboundMessage.id.desc()).limit(1)) or 0


def answered(settings, work, outbound_id: int, body: str) -> list[Sent]:
    """Reply to one of our emails, run the jobs, and return the emails that reply made."""
    before = last_outbound_id(settings)
    reply(settings, outbound_id, body)
    work()
    return sent_since(settings, before)


def to(sent: list[Sent], address: str) -> list[Sent]:
    """The emails among `sent` that went to `address`."""
    return [s for s in sent if s.row.to_email == address]
