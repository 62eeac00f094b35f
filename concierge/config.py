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

from dotenv import dotenv_values


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and why."""


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

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the demo use it)."""
        return replace(self, **changes)


def normalise_database_url(url: str) -> str:
    """Accept Heroku-style `postgres://` URLs and pick the psycopg 3 driver for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {raw!r}")
    return value


def _secret_key(env: Mapping[str, str], instance_path: Path, is_sqlite: bool) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if key:
        return key
    if not is_sqlite:
        raise ConfigError("SECRET_KEY is required when DATABASE_URL is not SQLite")
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: when two processes start together, the first one's key wins and both read it.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_settings(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Read the settings from `environ` (default `os.environ`) over a `.env` file in `cwd`."""
    cwd = cwd or Path.cwd()
    env: dict[str, str] = {}
    dotenv_file = cwd / ".env"
    if dotenv_file.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv_file).items() if v is not None})
    env.update(os.environ if environ is None else environ)

    instance_path = Path(env.get("INSTANCE_PATH") or cwd / "instance").resolve()
    database_url = normalise_database_url(env.get("DATABASE_URL", "").strip())
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'concierge.sqlite3'}"
    is_sqlite = database_url.startswith("sqlite")

    mail_from = env.get("MAIL_FROM", "").strip() or "Concierge <concierge@localhost>"
    address = parseaddr(mail_from)[1]
    if "@" not in address:
        raise ConfigError(f"MAIL_FROM must contain an email address, got {mail_from!r}")
    reply_domain = env.get("REPLY_DOMAIN", "").strip().lower() or address.split("@", 1)[1].lower()
    base_url = (env.get("BASE_URL", "").strip() or "http://localhost:5000").rstrip("/")
    smtp_url = env.get("SMTP_URL", "").strip() or None
    if smtp_url and not smtp_url.startswith(("smtp://", "smtps://")):
        raise ConfigError(f"SMTP_URL must start with smtp:// or smtps://, got {smtp_url!r}")

    def opt(name: str) -> str | None:
        return env.get(name, "").strip() or None

    return Settings(
        instance_path=instance_path,
        database_url=database_url,
        redis_url=opt("REDIS_URL"),
        smtp_url=smtp_url,
        mail_from=mail_from,
        reply_domain=reply_domain,
        base_url=base_url,
        secret_key=_secret_key(env, instance_path, is_sqlite),
        port=_int(env, "PORT", 5000),
        inbound_retention_days=_int(env, "INBOUND_RETENTION_DAYS", 30),
        mailgun_signing_key=opt("MAILGUN_SIGNING_KEY"),
        postmark_inbound_user=opt("POSTMARK_INBOUND_USER"),
        postmark_inbound_password=opt("POSTMARK_INBOUND_PASSWORD"),
        sendgrid_inbound_user=opt("SENDGRID_INBOUND_USER"),
        sendgrid_inbound_password=opt("SENDGRID_INBOUND_PASSWORD"),
        inbound_token=opt("INBOUND_TOKEN"),
    )
