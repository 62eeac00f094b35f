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


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("foo://bar", "SQLite or PostgreSQL URL"),
        ("garbage", "not a URL"),
        ("mysql://u:hunter2@db/concierge", "not mysql://"),
        ("postgresql+psycopg2://u:hunter2@db/concierge", "not postgresql+psycopg2://"),
        ("postgres://u:hunter2@[::1", "cannot be parsed"),
        ("postgres://u:hunter2@db:http/concierge", "cannot be parsed"),
        ("postgres://u:hunter2@db:99999/concierge", "port 99999"),
        ("postgresql://u:hunter2@db:0/concierge", "port 0"),
    ],
)
def test_database_url_must_be_sqlite_or_postgresql(tmp_path, value, message):
    with pytest.raises(ConfigError, match="DATABASE_URL") as refused:
        load_settings({"DATABASE_URL": value, "SECRET_KEY": "k"}, cwd=tmp_path)
    assert message in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgres://u:p@db:5432/concierge", "postgresql+psycopg://u:p@db:5432/concierge"),
        (
            "postgresql+psycopg://u:p@[::1]:5432/c?sslmode=require",
            "postgresql+psycopg://u:p@[::1]:5432/c?sslmode=require",
        ),
        (
            "postgresql:///concierge?host=/run/postgresql",
            "postgresql+psycopg:///concierge?host=/run/postgresql",
        ),
        ("sqlite://", "sqlite://"),
        ("sqlite:///relative/concierge.sqlite3", "sqlite:///relative/concierge.sqlite3"),
    ],
)
def test_valid_database_urls_are_kept(tmp_path, monkeypatch, value, expected):
    monkeypatch.chdir(tmp_path)
    assert load_settings({"DATABASE_URL": value, "SECRET_KEY": "k"}, cwd=tmp_path).database_url == expected


def test_sqlite_file_in_a_file_is_refused(tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(ConfigError, match="DATABASE_URL's folder .* is not a directory"):
        load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'afile' / 'c.sqlite3'}"}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("notaurl", "must start with redis://, rediss:// or unix://"),
        ("http://cache:6379/0", "must start with redis://"),
        ("redis://:hunter2@127.0.0.1:99999/0", "Port out of range"),
        ("redis://:hunter2@cache:http/0", "invalid host or port"),
        ("redis://:hunter2@cache:0/0", "port 0"),
        ("redis://:hunter2@cache:6379/zero", "must be a number"),
        ("unix://", "must name the socket"),
        ("rediss://:hunter2@cache:6380/0?socket_timeout=soon", "socket_timeout"),
    ],
)
def test_redis_url_is_checked(tmp_path, value, message):
    with pytest.raises(ConfigError, match="REDIS_URL") as refused:
        load_settings({"REDIS_URL": value}, cwd=tmp_path)
    assert message in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    "value",
    ["redis://cache", "redis://cache:6379/1", "rediss://:p%40ss@cache:6380/0", "unix:///run/redis.sock?db=2"],
)
def test_valid_redis_urls_are_kept(tmp_path, value):
    assert load_settings({"REDIS_URL": value}, cwd=tmp_path).redis_url == value


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "0"}, "PORT must be between 1 and 65535"),
        ({"PORT": "99999"}, "PORT must be between 1 and 65535"),
        ({"INBOUND_RETENTION_DAYS": "99999999"}, "INBOUND_RETENTION_DAYS must be between 0 and 36500"),
        ({"SMTP_URL": "smtp://mail.example:99999"}, "SMTP_URL has an invalid host or port"),
        ({"SMTP_URL": "smtp://mail.example:0"}, "SMTP_URL has port 0"),
    ],
)
def test_numbers_out_of_range_are_refused(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env, cwd=tmp_path)


def test_port_bounds_are_accepted(tmp_path):
    assert load_settings({"PORT": "1"}, cwd=tmp_path).port == 1
    assert load_settings({"PORT": "65535"}, cwd=tmp_path).port == 65535


def test_instance_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "state").write_text("")
    with pytest.raises(ConfigError, match="INSTANCE_PATH .*state is not a directory"):
        load_settings({"INSTANCE_PATH": str(tmp_path / "state")}, cwd=tmp_path)


def test_instance_path_that_cannot_be_created_is_refused(tmp_path):
    (tmp_path / "state").write_text("")
    with pytest.raises(ConfigError, match="INSTANCE_PATH .* cannot be created: Not a directory"):
        load_settings({"INSTANCE_PATH": str(tmp_path / "state" / "sub")}, cwd=tmp_path)


def test_instance_path_is_left_alone_when_nothing_lives_there(tmp_path):
    env = {
        "INSTANCE_PATH": str(tmp_path / "unused"),
        "DATABASE_URL": "postgresql://h/db",
        "REDIS_URL": "redis://cache:6379/0",
        "SECRET_KEY": "k",
    }
    load_settings(env, cwd=tmp_path)
    assert not (tmp_path / "unused").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.mkdir(), "is a directory"),
        (lambda path: path.write_bytes(b"\xff\xfe key"), "is not UTF-8 text"),
        (lambda path: path.write_text(" \n"), "is empty"),
    ],
    ids=["directory", "not-utf8", "empty"],
)
def test_unusable_secret_key_file_is_refused(tmp_path, make, message):
    (tmp_path / "instance").mkdir()
    make(tmp_path / "instance" / "secret_key")
    with pytest.raises(ConfigError, match=f"secret_key {message}"):
        load_settings({}, cwd=tmp_path)


def test_processes_starting_together_share_one_generated_key(tmp_path):
    child = (
        "from pathlib import Path; from concierge.config import load_settings;"
        f"print(load_settings({{}}, cwd=Path({str(tmp_path)!r})).secret_key)"
    )
    children = [
        subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in children}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert sorted(p.name for p in (tmp_path / "instance").iterdir()) == ["secret_key"]


def test_dotenv_that_is_not_utf8_is_refused_by_name(tmp_path):
    (tmp_path / ".env").write_bytes(b"MAIL_FROM=Caf\xe9 <cafe@example.org>\n")
    with pytest.raises(ConfigError, match=rf"{tmp_path / '.env'} is not UTF-8"):
        load_settings({}, cwd=tmp_path)


def test_value_that_is_not_utf8_is_refused_by_name(tmp_path):
    # Environment bytes that are not UTF-8 reach Python as surrogate escapes.
    with pytest.raises(ConfigError, match="MAIL_FROM is not valid UTF-8"):
        load_settings({"MAIL_FROM": "Caf\udce9 <cafe@example.org>"}, cwd=tmp_path)


def test_malformed_smtp_url_is_not_echoed(tmp_path):
    with pytest.raises(ConfigError, match="SMTP_URL") as refused:
        load_settings({"SMTP_URL": "user:hunter2@mail.example:587"}, cwd=tmp_path)
    assert "hunter2" not in str(refused.value)
