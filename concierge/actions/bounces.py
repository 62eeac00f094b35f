"""Bounces: a hard bounce marks the person `bouncing`, which stops mail to them (SPEC §3.4).

The failed address comes from the DSN (`Final-Recipient`, else `Original-Recipient`); where
our own mail server kept the VERP envelope sender (`bounce+<outbound id>@REPLY_DOMAIN`),
that names the exact send.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import find_person
from concierge.config import Settings
from concierge.inbound import ParsedMessage
from concierge.models import InboundMessage, OutboundMessage, Person

VERP_RE = re.compile(r"^bounce\+(\d{1,18})@(.+)$", re.IGNORECASE)


def verp_outbound_id(address: str | None, reply_domain: str) -> int | None:
    """The outbound id in a VERP address at our domain, else None."""
    match = VERP_RE.match((address or "").strip())
    if not match or match.group(2).lower() != reply_domain.lower():
        return None
    return int(match.group(1))


def bounced_person(
    session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage
) -> Person | None:
    """The participant a bounce is about: by VERP when present, else by the failed address."""
    for address in [message.envelope_recipient, *parsed.to, *parsed.delivered_to]:
        outbound_id = verp_outbound_id(address, settings.reply_domain)
        if outbound_id is not None:
            outbound = session.get(OutboundMessage, outbound_id)
            if outbound is not None and outbound.person_id is not None:
                return session.get(Person, outbound.person_id)
    failed = parsed.bounce.failed_address if parsed.bounce else None
    if failed and "@" in failed:
        try:
            return find_person(session, failed)
        except ActionError:
            return None
    return None


def record_bounce(
    session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage
) -> Person | None:
    """Mark the person `bouncing` on a hard bounce (soft bounces are only recorded)."""
    person = bounced_person(session, settings, message, parsed)
    if person is None or parsed.bounce is None:
        return None
    message.person_id = person.id
    if parsed.bounce.hard and person.status != "bouncing":
        person.status = "bouncing"
        detail = parsed.bounce.diagnostic or parsed.bounce.status or "hard bounce"
        person.bounce_reason = f"{detail} (inbound message {message.id})"[:2000]
    return person
