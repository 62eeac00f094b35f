"""The periodic jobs, declared as data, and the sweeps that keep "nothing lost" true (SPEC §5).

Each periodic job takes the time it runs for, selects what is due and not yet done
(never a time window, so a missed run loses nothing) and fans work out as jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from concierge import queues
from concierge.db import session_scope
from concierge.models import InboundMessage, OutboundMessage
from workers.context import job_settings

# A message younger than this is still on its way through the normal enqueue.
GRACE = timedelta(seconds=60)
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
        queues.enqueue(settings, queues.INBOUND, "workers.inbound.process_inbound", inbound_id)
    return len(ids)


def sweep_outbound(at: datetime) -> int:
    """Re-queue outbound mail left `queued`, or `sending` by a worker that died."""
    settings = job_settings()
    with session_scope(settings) as session:
        ids = session.scalars(
            select(OutboundMessage.id).where(
                or_(
                    (OutboundMessage.status == "queued") & (OutboundMessage.created_at <= at - GRACE),
                    (OutboundMessage.status == "sending")
                    & (OutboundMessage.sending_at <= at - STUCK_SENDING),
                )
            )
        ).all()
    for outbound_id in ids:
        queues.enqueue(settings, queues.OUTBOUND, "workers.outbound.send_outbound", outbound_id)
    return len(ids)


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sweep_inbound", sweep_inbound, 60, "pending inbound enqueued"),
    PeriodicJob("sweep_outbound", sweep_outbound, 60, "outbound re-queued"),
)
