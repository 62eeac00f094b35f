"""`concierge tick`: every periodic job once, for a given time, then a burst worker for its fan-out."""

from __future__ import annotations

from datetime import UTC, datetime

from concierge.config import Settings
from workers.context import use
from workers.periodic import PERIODIC_JOBS
from workers.runner import run_worker


def parse_at(text: str | None) -> datetime:
    """The time to run for: now, or ISO 8601 text (UTC when it has no offset)."""
    if not text:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"--at must be an ISO 8601 time, not {text!r}") from None
    if not 1970 <= at.year <= 9998:
        raise ValueError(f"--at must be between 1970 and 9998, not {text!r}")
    return at


def run_tick(settings: Settings, at: datetime) -> list[str]:
    """Run each periodic job for `at`, then work the queues empty; one line per job."""
    use(settings)
    lines = []
    for job in PERIODIC_JOBS:
        count = job.run(at)
        lines.append(f"{job.name}: {count} {job.unit}")
    run_worker(settings, burst=True)
    return lines
