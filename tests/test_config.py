"""Configuration per SPEC §4.1: defaults, `.env`, URL forms, the generated secret, the embedded Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from concierge.config import ConfigError, load_settings
from concierge.db import get_engine


def test_defaults_use_embedded_parts(tmp_path):
    settings = load_settings({}, cwd=tmp_path)
    assert settings.instance_path == tmp_path / "instance"
    assert settings.database_url == f"sqlite:///{tmp_path / 'instance' / 'concierge.sqlite3'}"
    assert settings.redis_url is None and settings.smtp_url is None and settings.dev_outbox
    assert settings.mail_from == "Concierge <concierge@localhost>"
    assert settings.reply_domain == "localhost"
    assert settings.base_url == "http://localhost:5000"
    assert settings.port == 5000 and settings.inbound_retention_days == 30
    assert settings.mailgun_signing_key is None and settings.inbound_token is None


def test_dotenv_is_read_and_environment_wins(tmp_path):
    (tmp_path / ".env").write_text("MAIL_FROM=Mentoring <hello@mentoring.example>\nPORT=8000\n")
    settings = load_settings({"PORT": "9000"}, cwd=tmp_path)
    assert settings.mail_from_address == "hello@mentoring.example"
    assert settings.reply_domain == "mentoring.example"
    assert settings.port == 9000


def test_every_variable_is_read(tmp_path):
    env = {
        "INSTANCE_PATH": str(tmp_path / "state"),
        "DATABASE_URL": "postgres://u:p@db/concierge",
        "REDIS_URL": "redis://cache:6379/1",
        "SMTP_URL": "smtps://u:p@mail:465",
        "MAIL_FROM": "Mentoring Concierge <concierge@mentoring.example>",
        "REPLY_DOMAIN": "Reply.Mentoring.Example",
        "BASE_URL": "https://mentoring.example/",
        "SECRET_KEY": "s3cret",
        "PORT": "8080",
        "INBOUND_RETENTION_DAYS": "7",
        "MAILGUN_SIGNING_KEY": "mg",
        "POSTMARK_INBOUND_USER": "pu",
        "POSTMARK_INBOUND_PASSWORD": "pp",
        "SENDGRID_INBOUND_USER": "su",
        "SENDGRID_INBOUND_PASSWORD": "sp",
        "INBOUND_TOKEN": "tok",
    }
    s = load_settings(env, cwd=tmp_path)
    assert s.instance_path == tmp_path / "state"
    assert s.database_url == "postgresql+psycopg://u:p@db/concierge"
    assert (s.redis_url, s.smtp_url) == ("redis://cache:6379/1", "smtps://u:p@mail:465")
    assert s.reply_domain == "reply.mentoring.example"
    assert (s.base_url, s.secret_key, s.port, s.inbound_retention_days) == (
        "https://mentoring.example",
        "s3cret",
        8080,
        7,
    )
    assert (s.mailgun_signing_key, s.inbound_token) == ("mg", "tok")
    assert (s.postmark_inbound_user, s.postmark_inbound_password) == ("pu", "pp")
    assert (s.sendgrid_inbound_user, s.sendgrid_inbound_password) == ("su", "sp")


def test_postgresql_url_gets_psycopg_driver(tmp_path):
    s = load_settings({"DATABASE_URL": "postgresql://h/db", "SECRET_KEY": "k"}, cwd=tmp_path)
    assert s.database_url == "postgresql+psycopg://h/db"


def test_secret_key_is_generated_once_for_sqlite(tmp_path):
    first = load_settings({}, cwd=tmp_path).secret_key
    second = load_settings({}, cwd=tmp_path).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0


def test_secret_key_required_when_not_sqlite(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings({"DATABASE_URL": "postgresql://h/db"}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"INBOUND_RETENTION_DAYS": "-1"}, "INBOUND_RETENTION_DAYS"),
        ({"SMTP_URL": "mail.example:25"}, "SMTP_URL"),
        ({"MAIL_FROM": "Concierge"}, "MAIL_FROM"),
    ],
)
def test_malformed_values_are_refused(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env, cwd=tmp_path)


def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path):
    settings = load_settings({}, cwd=tmp_path)
    with get_engine(settings).connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_embedded_redis_is_shared_by_every_process(tmp_path):
    from concierge import queues

    settings = load_settings({}, cwd=tmp_path)
    conn = queues.get_redis(settings)
    try:
        conn.set("from-parent", "1")
        child = (
            "from pathlib import Path; from concierge.config import load_settings;"
            "from concierge.queues import get_redis;"
            f"c = get_redis(load_settings({{}}, cwd=Path({str(tmp_path)!r})));"
            "print(c.get('from-parent').decode()); c.set('from-child', '2')"
        )
        out = subprocess.run(
            [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, cwd=tmp_path
        )
        assert out.stdout.strip() == "1", out.stderr
        # The child left, but the server stays up while this process still uses it.
        assert conn.get("from-child") == b"2"
    finally:
        server = queues.embedded_server(settings)
        pidfiles = list(Path(server.redis_dir).glob("*.pid")) if server.redis_dir else []
        queues.forget_connections()
        server._cleanup()
        for pidfile in pidfiles:
            try:
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, ValueError):
                pass
