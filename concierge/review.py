"""The review queue (SPEC §4.2): inbound messages that need a human, as one SQL condition."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_

from concierge.models import InboundMessage

#: Reasons of ignored messages that a coordinator should still see.
FLAGGED = ("spam", "untrusted_bounce")


def in_review() -> ColumnElement[bool]:
    """Failed, rejected (unknown key, foreign sender…), not understood, and flagged: spam and
    bounces that are not tied to mail we sent."""
    reason = func.coalesce(InboundMessage.reason, "")  # NULL would make NOT(...) unknown
    return or_(
        InboundMessage.status.in_(("failed", "rejected")),
        (InboundMessage.status == "processed") & (reason == "not_understood"),
        (InboundMessage.status == "ignored") & reason.in_(FLAGGED),
    )
