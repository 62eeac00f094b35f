"""`concierge cron`: RQ's cron scheduler enqueuing every periodic job on its interval, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from rq.cron import CronScheduler

from concierge.config import Settings
from concierge.queues import RUN_PERIODIC, get_redis
from workers.context import use
from workers.periodic import PERIODIC_JOBS


def run_periodic(name: str) -> int:
    """The job the scheduler enqueues: run one periodic job for the current time."""
    job = next(j for j in PERIODIC_JOBS if j.name == name)
    return job.run(datetime.now(UTC))


def make_scheduler(settings: Settings) -> CronScheduler:
    """A cron scheduler with every periodic job registered."""
    use(settings)
    scheduler = CronScheduler(connection=get_redis(settings), logging_level="WARNING")
    for job in PERIODIC_JOBS:
        scheduler.register(
            run_periodic, RUN_PERIODIC.queue, args=(job.name,), interval=job.interval, name=job.name
        )
    return scheduler


def run_cron(settings: Settings) -> None:
    """Run the scheduler until SIGINT or SIGTERM."""
    scheduler = make_scheduler(settings)
    names = ", ".join(job.name for job in PERIODIC_JOBS)
    print(f"cron: scheduling {names}", flush=True)
    scheduler.start()
