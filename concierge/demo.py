"""`concierge demo`: the one-command local run on embedded parts, with a seeded demo program.

The demo program is created through the same actions a coordinator uses (program
create, CSV import, CSV pairing, circle), so its welcomes and introductions are real
emails rendered by the worker into the dev outbox. Web, worker and scheduler run as
children of this process; Ctrl-C stops them all and then the embedded redis-server.
A second run finds the demo program and reuses the data; a second demo of the same
installation while one runs says where that one is and starts nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from concierge.config import Settings
from concierge.db import session_scope

DEMO_SLUG = "demo-mentoring"
DEMO_COORDINATOR = "coordinator@demo.example"
DEMO_PEOPLE = """email,name,role,timezone,topics,goals,capacity
maya.lin@demo.example,Maya Lin,mentor,America/New_York,leadership;career growth,,2
omar.haddad@demo.example,Omar Haddad,mentor,Europe/London,engineering management;public speaking,,2
ana.ruiz@demo.example,Ana Ruiz,mentee,Europe/Madrid,leadership,Become a team lead within a year,
li.wei@demo.example,Li Wei,mentee,Asia/Singapore,public speaking,,
sam.okafor@demo.example,Sam Okafor,mentee,America/Chicago,career growth,Find my next role,
"""
DEMO_PAIRS = """mentor_email,mentee_email
maya.lin@demo.example,ana.ruiz@demo.example
omar.haddad@demo.example,li.wei@demo.example
"""
PEER_SLUG = "demo-peer-circle"
PEER_PEOPLE = """email,name,role,topics
jo.park@demo.example,Jo Park,peer,product
kai.muller@demo.example,Kai Müller,peer,design
rosa.diaz@demo.example,Rosa Díaz,peer,data
"""


def demo_settings(base: Settings, port: int) -> Settings:
    """Embedded database, Redis and dev outbox in INSTANCE_PATH, links to this machine."""
    return base.with_(
        database_url=f"sqlite:///{base.instance_path / 'concierge.sqlite3'}",
        redis_url=None,
        smtp_url=None,
        base_url=f"http://127.0.0.1:{port}",
        port=port,
    )


def seed(settings: Settings) -> bool:
    """Create the demo programs, people and pairs unless they exist; True if created now."""
    from concierge.actions.pairing import circle, pair_csv
    from concierge.actions.people import import_participants
    from concierge.actions.programs import ProgramSpec, create_program, get_program
    from concierge.models import Program

    with session_scope(settings) as session:
        if session.scalar(select(Program.id).where(Program.slug == DEMO_SLUG)):
            return False
        today = date.today()
        formal = create_program(
            session,
            ProgramSpec(
                name="Demo Mentoring",
                format="formal",
                start=today,
                end=today + timedelta(days=180),
                timezone="Europe/London",
                slug=DEMO_SLUG,
            ),
            [DEMO_COORDINATOR],
            settings.mail_from_local_part,
        )
        import_participants(session, settings, formal, DEMO_PEOPLE.encode())
        pair_csv(session, settings, formal, DEMO_PAIRS.encode())
        peers = create_program(
            session,
            ProgramSpec(name="Demo Peer Circle", format="peer", slug=PEER_SLUG),
            [DEMO_COORDINATOR],
            settings.mail_from_local_part,
        )
        import_participants(session, settings, peers, PEER_PEOPLE.encode())
        circle(
            session,
            settings,
            get_program(session, PEER_SLUG),
            [line.split(",")[0] for line in PEER_PEOPLE.splitlines()[1:]],
        )
    return True


@dataclass
class Child:
    """A process the demo started."""

    name: str
    process: subprocess.Popen[bytes]


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment that makes a child use the same embedded installation."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_URL")}
    env.update(
        INSTANCE_PATH=str(settings.instance_path),
        BASE_URL=settings.base_url,
        PORT=str(settings.port),
        MAIL_FROM=settings.mail_from,
        REPLY_DOMAIN=settings.reply_domain,
        SECRET_KEY=settings.secret_key,
    )
    return env


def start_children(settings: Settings) -> list[Child]:
    """Web (gunicorn), a worker and the scheduler, each in its own process."""
    bindir = Path(sys.executable).parent
    env = child_environment(settings)
    commands = {
        "web": [
            str(bindir / "gunicorn"),
            "--bind",
            f"127.0.0.1:{settings.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "concierge:create_app()",
        ],
        "worker": [str(bindir / "concierge"), "worker"],
        "cron": [str(bindir / "concierge"), "cron"],
    }
    return [
        Child(
            name,
            subprocess.Popen(
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                # Ctrl-C reaches the demo alone, which stops its children in order; they still
                # stop if the demo itself is killed (Linux: the parent-death signal).
                start_new_session=True,
                preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
            ),
        )
        for name, command in commands.items()
    ]


def wait_for_web(
    settings: Settings, children: list[Child], stopping: Callable[[], bool], timeout: float = 60
) -> bool:
    """Poll /healthz until the web process answers; False if asked to stop first."""
    deadline = time.monotonic() + timeout
    url = f"{settings.base_url}/healthz"
    while time.monotonic() < deadline:
        if stopping():
            return False
        for child in children:
            if child.process.poll() is not None:
                raise RuntimeError(f"the {child.name} process exited with {child.process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                return True
        time.sleep(0.2)
    raise RuntimeError(f"the web process did not answer {url} within {timeout:.0f} s")


def stop_children(children: list[Child], timeout: float = 20) -> None:
    """SIGTERM every child, then SIGKILL whatever is still running after `timeout`."""
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _stop_with_parent() -> None:
    """In a child, before it runs its command: SIGTERM once the demo dies, however it dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


_PR_SET_PDEATHSIG = 1


class DemoRefused(RuntimeError):
    """The demo cannot start; the message says why in one line."""


@contextmanager
def only_demo(settings: Settings) -> Iterator[None]:
    """Hold the installation's demo lock (`INSTANCE_PATH/demo.lock`) while the demo runs.

    A second demo of the same installation would take the first one's port and, on its way
    out, its embedded Redis: it says where the first one runs and stops before starting
    anything. The lock goes with the process, however it ends.
    """
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.instance_path / "demo.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        running = os.read(fd, 300).decode("utf-8", "replace").strip() or "in this folder"
        os.close(fd)
        raise DemoRefused(
            f"a demo is already running ({running}): use it, or stop it with Ctrl-C in its terminal"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{settings.base_url}/, pid {os.getpid()}".encode())
        yield
    finally:
        os.close(fd)


def check_port_free(port: int) -> None:
    """DemoRefused unless the web process can listen on `port` (as gunicorn will, reusing addresses)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise DemoRefused(f"port {port} is in use: choose another with --port") from None


def run_demo(base: Settings, port: int, echo: Callable[[str], None]) -> int:
    """Seed, start the children, print the URLs, and wait for Ctrl-C; returns the exit code.

    DemoRefused (before anything starts) when a demo of this installation already runs or the
    port is taken.
    """
    from concierge import queues
    from concierge.migrate import upgrade

    settings = demo_settings(base, port)
    with only_demo(settings):
        check_port_free(port)
        upgrade(settings)
        queues.get_redis(settings)  # start the embedded Redis before the children look for it
        created = seed(settings)
        echo("Seeded the demo programs." if created else "Reusing the demo data from the last run.")
        return _serve(settings, echo)


def _serve(settings: Settings, echo: Callable[[str], None]) -> int:
    """Start the children, print where to go, and wait for Ctrl-C; then stop them all."""
    from concierge import queues
    from concierge.actions.logins import create_login_link

    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    children = start_children(settings)
    try:
        if not wait_for_web(settings, children, lambda: stopping):
            return 130
        with session_scope(settings) as session:
            link = create_login_link(session, settings, DEMO_COORDINATOR)
        echo(f"Dashboard: {settings.base_url}/")
        echo(f"Dev outbox: {settings.base_url}/dev/mail")
        echo("Press Ctrl-C to stop.")
        echo(f"Login link: {link}")
        while not stopping:
            for child in children:
                if child.process.poll() is not None:
                    echo(f"The {child.name} process stopped ({child.process.returncode}); shutting down.")
                    stopping = True
            time.sleep(0.2)
        return 0
    finally:
        stop_children(children)
        # The last process out shuts the embedded Redis down: with the children gone, that is us.
        queues.leave_embedded()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        echo("Stopped.")
