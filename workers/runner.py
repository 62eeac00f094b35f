"""Starting RQ workers on the named queues.

A `SimpleWorker` runs jobs in its own process instead of forking one per job: jobs
are short database-and-mail work, a fork per job would cost more than the job, and
pooled database connections must not cross a fork.
"""

from __future__ import annotations

from rq import SimpleWorker

from concierge.config import Settings
from concierge.queues import QUEUE_NAMES, get_redis, queue
from workers.context import use


def make_worker(settings: Settings) -> SimpleWorker:
    """A worker on every queue, inbound first (people are waiting for answers)."""
    use(settings)
    connection = get_redis(settings)
    return SimpleWorker([queue(settings, n) for n in QUEUE_NAMES], connection=connection)


def run_worker(settings: Settings, burst: bool = False) -> bool:
    """Work until stopped (or, with burst, until the queues are empty)."""
    return make_worker(settings).work(burst=burst, with_scheduler=True, logging_level="WARNING")
