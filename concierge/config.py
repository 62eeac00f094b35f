"""Settings read once from the environment (and `.env`), with the embedded defaults of SPEC §4.1.

Every other module takes a `Settings` value; nothing else reads `os.environ`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from redis.connection import parse_url as parse_redis_url
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and why."""


VARIABLES = (
    "INSTANCE_PATH",
    "DATABASE_URL",
    "REDIS_URL",
    "SMTP_URL",
    "MAIL_FROM",
    "REPLY_DOMAIN",
    "BASE_URL",
    "SECRET_KEY",
    "PORT",
    "INBOUND_RETENTION_DAYS",
    "MAILGUN_SIGNING_KEY",
    "POSTMARK_INBOUND_USER",
    "POSTMARK_INBOUND_PASSWORD",
    "SENDGRID_INBOUND_USER",
    "SENDGRID_INBOUND_PASSWORD",
    "INBOUND_TOKEN",
)
DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
DATABASE_URL_FORMS = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/NAME"
REDIS_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True)
class Settings:
    """The installation's configuration; see the table in README.md."""

    instance_path: Path
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    mail_from: str
    reply_domain: str
    base_url: str
    secret_key: str
    port: int = 5000
    inbound_retention_days: int = 30
    mailgun_signing_key: str | None = None
    postmark_inbound_user: str | None = None
    postmark_inbound_password: str | None = None
    sendgrid_inbound_user: str | None = None
    sendgrid_inbound_password: str | None = None
    inbound_token: str | None = None
    #: Test each pooled PostgreSQL connection before use. Workers turn it off: a connection lost
    #: to a restart fails one job, which RQ retries on a fresh one, and the test costs a round
    #: trip on every job (not an environment variable).
    pool_pre_ping: bool = True

    @property
    def is_sqlite(self) -> bool:
        """True when the database is a SQLite file (one machine, one worker)."""
        return self.database_url.startswith("sqlite")

    @property
    def dev_outbox(self) -> bool:
        """True when no SMTP server is configured: mail is stored and shown at /dev/mail."""
        return not self.smtp_url

    @property
    def embedded_redis_path(self) -> Path:
        """The rdb file of the embedded Redis; its `.settings` file lets every process share it."""
        return self.instance_path / "redis.db"

    @property
    def mail_from_address(self) -> str:
        """The bare address of `MAIL_FROM`."""
        return parseaddr(self.mail_from)[1].lower()

    @property
    def mail_from_local_part(self) -> str:
        """The local part of `MAIL_FROM` (a slug may not take it)."""
        return self.mail_from_address.split("@", 1)[0]

    @property
    def dev_outbox_warning(self) -> str | None:
        """What every process says at start when a production database has no SMTP server."""
        if self.dev_outbox and not self.is_sqlite:
            return "mail is not being sent: the dev outbox is on (set SMTP_URL to send mail)"
        return None

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the demo use it)."""
        return replace(self, **changes)


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style `postgres://` URLs and pick the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {raw!r}")
    return value


def _port(value: str, name: str) -> None:
    """Refuse a URL whose port is not a number between 1 and 65535 (`value` is never echoed)."""
    try:
        port = urlsplit(value).port
    except ValueError as exc:  # Python's own words, which never quote the password
        raise ConfigError(f"{name} has an invalid host or port: {exc}") from None
    if port is not None and not 1 <= port <= 65535:
        raise ConfigError(f"{name} has port {port}; a port is between 1 and 65535")


def _directory(path: Path, what: str) -> None:
    """Create the directory `path` if it is missing; a file in the way is a ConfigError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{what} {path} is not a directory") from None
        raise ConfigError(f"{what} {path} cannot be created: {exc.strerror or exc}") from None


def _database_url(raw: str, instance_path: Path) -> str:
    """The SQLAlchemy URL of `DATABASE_URL` (SQLite or PostgreSQL through psycopg 3), checked."""
    if not raw:
        return f"sqlite:///{instance_path / 'concierge.sqlite3'}"
    text = normalise_database_url(raw)
    # The URL's text is never echoed: it may hold a password.
    scheme, separator, _ = text.partition("://")
    if not separator:
        raise ConfigError(f"DATABASE_URL is not a URL; expected {DATABASE_URL_FORMS}")
    if scheme not in DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL must be a SQLite or PostgreSQL URL ({DATABASE_URL_FORMS}), not {scheme[:40]}://…"
        )
    try:
        url = make_url(text)
    except (ArgumentError, ValueError):
        raise ConfigError(
            "DATABASE_URL cannot be parsed: check the host and the port, and %-escape "
            "special characters in the user name and password"
        ) from None
    if url.port is not None and not 1 <= url.port <= 65535:
        raise ConfigError(f"DATABASE_URL has port {url.port}; a port is between 1 and 65535")
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        _directory(Path(url.database).parent.resolve(), "DATABASE_URL's folder")
    return text


def _redis_url(raw: str) -> str | None:
    """`REDIS_URL` checked as redis-py reads it: redis://, rediss:// or unix://, a valid port."""
    if not raw:
        return None
    scheme = raw.partition("://")[0].lower() if "://" in raw else ""
    if scheme not in REDIS_SCHEMES:
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://")
    _port(raw, "REDIS_URL")
    parts = urlsplit(raw)
    if scheme == "unix" and not parts.path:
        raise ConfigError("REDIS_URL must name the socket: unix:///path/to/redis.sock")
    if scheme != "unix" and parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise ConfigError("REDIS_URL's database (its path) must be a number, e.g. redis://host:6379/0")
    try:
        parse_redis_url(raw)
    except ValueError as exc:
        raise ConfigError(f"REDIS_URL is not usable: {exc}") from None
    return raw


def _read_key(key_file: Path) -> str:
    try:
        key = key_file.read_text(encoding="utf-8").strip()
    except IsADirectoryError:
        raise ConfigError(f"{key_file} is a directory; remove it to have a secret key generated") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{key_file} is not UTF-8 text; remove it to have a new one generated") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {key_file}: {exc.strerror or exc}") from None
    if not key:
        raise ConfigError(f"{key_file} is empty; remove it to have a new one generated")
    return key


def _write_new(path: Path, text: str) -> None:
    """Create `path` (FileExistsError if it exists), readable by its owner only, holding `text`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _secret_key(env: Mapping[str, str], instance_path: Path, is_sqlite: bool) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if key:
        return key
    if not is_sqlite:
        raise ConfigError("SECRET_KEY is required when DATABASE_URL is not SQLite")
    key_file = instance_path / "secret_key"
    if key_file.exists() or key_file.is_symlink():
        return _read_key(key_file)
    key = secrets.token_hex(32)
    # Written whole, then linked into place: when two processes start together, the first
    # link wins and the other reads that key, never a half-written file.
    draft = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        _write_new(draft, key)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            return _read_key(key_file)
        except OSError:
            # A file system without hard links: O_EXCL still lets only one process create it.
            try:
                _write_new(key_file, key)
            except FileExistsError:
                return _read_key(key_file)
    except OSError as exc:
        raise ConfigError(f"cannot write {key_file}: {exc.strerror or exc}") from None
    finally:
        draft.unlink(missing_ok=True)
    return key


def _environment(environ: Mapping[str, str] | None, cwd: Path) -> dict[str, str]:
    """`.env` in `cwd` overlaid with the environment; a value that is not UTF-8 is refused."""
    env: dict[str, str] = {}
    dotenv_file = cwd / ".env"
    if dotenv_file.is_file():
        try:
            values = dotenv_values(dotenv_file, encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{dotenv_file} is not UTF-8 text") from None
        except OSError as exc:
            raise ConfigError(f"cannot read {dotenv_file}: {exc.strerror or exc}") from None
        env.update({k: v for k, v in values.items() if v is not None})
    env.update(os.environ if environ is None else environ)
    for name in VARIABLES:
        try:
            env.get(name, "").encode("utf-8")
        except UnicodeEncodeError:
            # Bytes that are not UTF-8 reach Python as surrogate escapes.
            raise ConfigError(f"{name} is not valid UTF-8") from None
    return env


def load_settings(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Read the settings from `environ` (default `os.environ`) over a `.env` file in `cwd`."""
    cwd = cwd or Path.cwd()
    env = _environment(environ, cwd)

    instance_path = Path(env.get("INSTANCE_PATH") or cwd / "instance").resolve()
    given_database_url = env.get("DATABASE_URL", "").strip()
    database_url = _database_url(given_database_url, instance_path)
    is_sqlite = database_url.startswith("sqlite")
    redis_url = _redis_url(env.get("REDIS_URL", "").strip())
    generates_key = is_sqlite and not env.get("SECRET_KEY", "").strip()
    if not given_database_url or not redis_url or generates_key:
        # The embedded database, Redis or generated secret live there.
        _directory(instance_path, "INSTANCE_PATH")

    mail_from = env.get("MAIL_FROM", "").strip() or "Concierge <concierge@localhost>"
    address = parseaddr(mail_from)[1]
    if "@" not in address:
        raise ConfigError(f"MAIL_FROM must contain an email address, got {mail_from!r}")
    reply_domain = env.get("REPLY_DOMAIN", "").strip().lower() or address.split("@", 1)[1].lower()
    base_url = (env.get("BASE_URL", "").strip() or "http://localhost:5000").rstrip("/")
    smtp_url = env.get("SMTP_URL", "").strip() or None
    if smtp_url and not smtp_url.startswith(("smtp://", "smtps://")):
        # Not echoed: it may hold a password.
        raise ConfigError("SMTP_URL must start with smtp:// or smtps://")
    if smtp_url:
        _port(smtp_url, "SMTP_URL")

    def opt(name: str) -> str | None:
        return env.get(name, "").strip() or None

    return Settings(
        instance_path=instance_path,
        database_url=database_url,
        redis_url=redis_url,
        smtp_url=smtp_url,
        mail_from=mail_from,
        reply_domain=reply_domain,
        base_url=base_url,
        secret_key=_secret_key(env, instance_path, is_sqlite),
        port=_int(env, "PORT", 5000, 1, 65535),
        inbound_retention_days=_int(env, "INBOUND_RETENTION_DAYS", 30, 0, 36500),
        mailgun_signing_key=opt("MAILGUN_SIGNING_KEY"),
        postmark_inbound_user=opt("POSTMARK_INBOUND_USER"),
        postmark_inbound_password=opt("POSTMARK_INBOUND_PASSWORD"),
        sendgrid_inbound_user=opt("SENDGRID_INBOUND_USER"),
        sendgrid_inbound_password=opt("SENDGRID_INBOUND_PASSWORD"),
        inbound_token=opt("INBOUND_TOKEN"),
    )
