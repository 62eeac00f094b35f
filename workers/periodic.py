"""The periodic jobs, declared as data, and the sweeps that keep "nothing lost" true (SPEC §5).

Each periodic job takes the time it runs for, selects what is due and not yet done
(never a time window, so a missed run loses nothing) and fans work out as jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from concierge.db import session_scope
from concierge.ingress.store import enqueue_processing
from concierge.models import InboundMessage, OutboundMessage
from concierge.outbox import enqueue_send
from concierge.review import in_review
from workers.context import job_settings
from workers.meeting_mail import find_due

# A message younger than this is still on its way through the normal enqueue.
GRACE = timedelta(seconds=60)
# Longer than the last of the send job's retry intervals (1 h) plus slack.
RETRIES_HORIZON = timedelta(hours=2)
# A send that has been `sending` this long lost its worker (SPEC §5: re-sent once).
STUCK_SENDING = timedelta(minutes=10)


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every `interval` seconds; `run(at)` returns how much it did."""

    name: str
    run: Callable[[datetime], int]
    interval: int
    unit: str


def sweep_inbound(at: datetime) -> int:
    """Enqueue processing for inbound messages still `pending` (e.g. Redis was down)."""
    settings = job_settings()
    with session_scope(settings) as session:
        ids = session.scalars(
            select(InboundMessage.id).where(
                InboundMessage.status == "pending", InboundMessage.received_at <= at - GRACE
            )
        ).all()
    for inbound_id in ids:
        enqueue_processing(settings, inbound_id)
    return len(ids)


def sweep_outbound(at: datetime) -> int:
    """Re-queue outbound mail left `queued`, or `sending` by a worker that died (re-sent once)."""
    settings = job_settings()
    stuck_before = at - STUCK_SENDING
    with session_scope(settings) as session:
        # Never tried (its enqueue was lost), or tried and then left longer than RQ's last
        # retry would wait (its retry was lost): mail waiting on a scheduled retry is left alone.
        queued = session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.status == "queued",
                or_(
                    (OutboundMessage.attempts == 0) & (OutboundMessage.created_at <= at - GRACE),
                    OutboundMessage.sending_at <= at - RETRIES_HORIZON,
                ),
            )
        ).all()
        stuck = session.scalars(
            select(OutboundMessage.id).where(
                OutboundMessage.status == "sending",
                OutboundMessage.sending_at <= stuck_before,
                OutboundMessage.resent.is_(False),
            )
        ).all()
    for outbound_id in queued:
        enqueue_send(settings, outbound_id)
    for outbound_id in stuck:
        enqueue_send(settings, outbound_id, stuck_before=stuck_before)
    return len(queued) + len(stuck)


def purge_raw(at: datetime) -> int:
    """Delete raw bytes older than INBOUND_RETENTION_DAYS, except what is failed or in review.

    The record and its extracted text stay; one set-based UPDATE, whatever the volume.
    """
    settings = job_settings()
    cutoff = at - timedelta(days=settings.inbound_retention_days)
    table = InboundMessage.__table__
    with session_scope(settings) as session:
        return session.execute(
            update(table)
            .where(
                table.c.raw.is_not(None),
                table.c.received_at <= cutoff,
                table.c.status.in_(("processed", "ignored", "rejected", "failed")),
                ~in_review(),
            )
            .values(raw=None, raw_deleted_at=at)
        ).rowcount


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Every minute, so that mail moved to 20:59 by quiet hours goes before 21:00.
    PeriodicJob("meeting_mail", find_due, 60, "meeting emails due"),
    PeriodicJob("sweep_inbound", sweep_inbound, 60, "pending inbound enqueued"),
    PeriodicJob("sweep_outbound", sweep_outbound, 60, "outbound re-queued"),
    PeriodicJob("purge_raw", purge_raw, 3600, "raw inbound messages deleted"),
)
