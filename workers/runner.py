"""Starting RQ workers on the named queues.

A `SimpleWorker` runs jobs in its own process instead of forking one per job: jobs
are short database-and-mail work, a fork per job would cost more than the job, and
pooled database connections must not cross a fork. The one process a worker forks is
RQ's scheduler; on Linux it is told to stop when the worker dies, even by SIGKILL
(RQ would leave it running on its own, holding the scheduler's locks).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import signal
import sys
import time

from redis.client import Pipeline
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.utils import import_attribute
from rq.utils import now as rq_now

from concierge.config import Settings
from concierge.inbound.times import warm_up
from concierge.mail.transport import close_kept, forget_kept
from concierge.queues import JOBS, QUEUE_NAMES, get_redis, process_client_name, queue
from workers.context import use


class Worker(SimpleWorker):
    """RQ's SimpleWorker, with fewer round trips to Redis between two jobs.

    A job that does nothing cost RQ as shipped 21 round trips, then 12 with the heartbeat
    batched, about four times the bare parse of a reply on a 2-core machine (README,
    "Benchmarks"): the inbound goal could not be met with them. Each change below leaves out a
    write that changes nothing anyone reads, or makes it at most once a second;
    `tests/test_processing_cost.py` counts the round trips per job and fails without them.
    """

    _beat_at: float = 0.0
    _beat_timeout: int = 0
    _suspension_checked_at: float = 0.0
    _state_written: str | None = None

    def heartbeat(self, timeout: int | None = None, pipeline: Pipeline | None = None) -> None:
        """Extend the worker's expiry (see RQ's Worker.heartbeat), in at most one round trip a second."""
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)
            return
        effective = timeout or self.worker_ttl + 60
        now = time.monotonic()
        if now - self._beat_at < 1.0 and effective <= self._beat_timeout:
            return
        with self.connection.pipeline() as pipe:
            super().heartbeat(timeout, pipe)
            pipe.execute()
        self._beat_at, self._beat_timeout = now, effective

    def register_birth(self) -> None:
        """Register the worker (see RQ's), which writes its hash anew, without a state."""
        super().register_birth()
        self._state_written = None

    def set_state(self, state: str, pipeline: Pipeline | None = None) -> None:
        """Write the worker's state (see RQ's), unless alone and the one last written: RQ writes
        "idle" once after a job and again before it waits for the next, a round trip each."""
        if pipeline is None and state == self._state_written:
            return
        super().set_state(state, pipeline)
        self._state_written = state

    def check_for_suspension(self, burst: bool) -> None:
        """Look for `rq suspend` (with a heartbeat, one round trip) at most once a second, not
        before every job: a suspension takes effect within the second."""
        now = time.monotonic()
        if now - self._suspension_checked_at < 1.0:
            return
        self._suspension_checked_at = now
        super().check_for_suspension(burst)

    def handle_execution_ended(self, job: Job, job_queue: Queue, heartbeat_ttl: int) -> None:
        """Note when the job ended (see RQ's). RQ also writes the job's `last_heartbeat` on a round
        trip of its own, just before the transaction that records the outcome: no code of RQ 3.0
        decides anything by that field (its registries go by their scores), and the value set
        here is saved with the outcome, so that write is left out."""
        job.ended_at = job.last_heartbeat = rq_now()


def make_worker(settings: Settings, names: tuple[str, ...] = QUEUE_NAMES) -> Worker:
    """A worker on the named queues (by default all, inbound first: people wait for answers).

    Its name marks it as this process's (RQ names one of its Redis connections after it),
    so that the embedded Redis can tell which connections are this process's own.
    """
    settings = settings.with_(pool_pre_ping=False)
    use(settings)
    _keep_smtp_for_this_process()
    # Once per worker process rather than in its first job: the job functions with everything
    # they import (the calendar library, templates' code), and the time library's grammar.
    for job in JOBS:
        if job.queue in names:
            import_attribute(job.function)
    warm_up()
    connection = get_redis(settings)
    return Worker(
        [queue(settings, n) for n in names], connection=connection, name=process_client_name(unique=True)
    )


_smtp_kept_for: list[int] = []


def _keep_smtp_for_this_process() -> None:
    """A worker keeps its SMTP connection between jobs (concierge/mail/transport.py): it says QUIT
    at exit, and a process it forks (RQ's scheduler) starts without it, never writing on the
    worker's session."""
    if os.getpid() in _smtp_kept_for:
        return
    _smtp_kept_for.append(os.getpid())
    atexit.register(close_kept)
    os.register_at_fork(after_in_child=forget_kept)


_PR_SET_PDEATHSIG = 1
_forks_watched: list[int] = []


def _stop_with_parent(parent: int) -> None:
    """In a child the worker forked: SIGTERM (RQ's scheduler stops cleanly) once the worker dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_forks() -> None:
    if sys.platform != "linux" or _forks_watched:
        return
    parent = os.getpid()
    _forks_watched.append(parent)
    os.register_at_fork(after_in_child=lambda: _stop_with_parent(parent))


def run_worker(settings: Settings, burst: bool = False) -> bool:
    """Work until stopped (or, with burst, until the queues are empty)."""
    _watch_forks()
    return make_worker(settings).work(burst=burst, with_scheduler=True, logging_level="WARNING")
