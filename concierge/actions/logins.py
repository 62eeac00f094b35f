"""Coordinators' magic login links: valid 15 minutes, usable once; only a hash of the token is kept.

The link itself is the credential, so the database holds nothing that could be replayed
if it leaked, and using a link is one conditional UPDATE: two concurrent clicks on the
same link cannot both log in. Opening a link only reads: mail scanners fetch every link
in an email, so the link is spent by the POST of the page's "Log in" button.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import normalise_email
from concierge.config import Settings
from concierge.db import utcnow
from concierge.models import Coordinator, LoginToken
from concierge.outbox import queue_email

LINK_LIFETIME = timedelta(minutes=15)
# At most this many emailed links per coordinator per LINK_LIFETIME: a backstop to the web
# rate limit, so a flood of requests cannot flood a coordinator's inbox even without Redis.
EMAILS_PER_WINDOW = 5
# Longer "tokens" are not ours; they are refused without touching the database.
MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    """The hex SHA-256 of a login token: what the database stores and looks up."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def find_coordinator(session: Session, email: str) -> Coordinator | None:
    """The coordinator with this address (normalised), or None for unknown or malformed addresses."""
    if any(ord(c) < 32 or ord(c) == 127 for c in email):
        return None  # control characters are in no address (and PostgreSQL refuses NUL in text)
    try:
        address = normalise_email(email)
    except ActionError:
        return None
    return session.scalar(select(Coordinator).where(Coordinator.email == address))


def _issue(
    session: Session, settings: Settings, coordinator: Coordinator, now: datetime
) -> tuple[LoginToken, str]:
    token = secrets.token_urlsafe(32)
    row = LoginToken(
        token_hash=hash_token(token),
        coordinator_id=coordinator.id,
        created_at=now,
        expires_at=now + LINK_LIFETIME,
    )
    session.add(row)
    session.flush()
    return row, f"{settings.base_url}/login/{token}"


def create_login_link(session: Session, settings: Settings, email: str, now: datetime | None = None) -> str:
    """A new one-time login link for the coordinator with `email`; ActionError if there is none."""
    coordinator = find_coordinator(session, email)
    if coordinator is None:
        raise ActionError(f"no coordinator with address {email.strip()}")
    _, link = _issue(session, settings, coordinator, now or utcnow())
    return link


def request_login_email(
    session: Session, settings: Settings, email: str, now: datetime | None = None
) -> None:
    """Email a login link to the coordinator with `email`.

    Does nothing, silently, for an address that is not a coordinator's (so the login form
    does not tell who is one) and when the coordinator already got EMAILS_PER_WINDOW links
    in the last 15 minutes.
    """
    now = now or utcnow()
    coordinator = find_coordinator(session, email)
    if coordinator is None:
        return
    recent = session.scalar(
        select(func.count())
        .select_from(LoginToken)
        .where(LoginToken.coordinator_id == coordinator.id, LoginToken.created_at > now - LINK_LIFETIME)
    )
    if (recent or 0) >= EMAILS_PER_WINDOW:
        return
    row, link = _issue(session, settings, coordinator, now)
    queue_email(
        session,
        settings,
        template="login_link",
        occasion=f"login:{row.id}",
        to=coordinator,
        context={"link": link},
        secrets=("link",),
    )


def _usable(token: str, now: datetime) -> ColumnElement[bool] | None:
    """The condition a login token's row meets while the link works; None for text that is no token."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        (LoginToken.token_hash == hash_token(token))
        & LoginToken.used_at.is_(None)
        & (LoginToken.expires_at > now)
    )


def login_token_usable(session: Session, token: str, now: datetime | None = None) -> bool:
    """True when the token is valid, unexpired and unused; reads only (a GET of the link spends nothing)."""
    usable = _usable(token, now or utcnow())
    return usable is not None and session.scalar(select(LoginToken.id).where(usable)) is not None


def use_login_token(session: Session, token: str, now: datetime | None = None) -> Coordinator | None:
    """The coordinator a valid, unexpired, unused token belongs to (the token is then used); else None."""
    now = now or utcnow()
    usable = _usable(token, now)
    if usable is None:
        return None
    # The WHERE clause is the check: of two concurrent clicks only one UPDATE matches a row.
    coordinator_id = session.scalar(
        update(LoginToken).where(usable).values(used_at=now).returning(LoginToken.coordinator_id)
    )
    return session.get(Coordinator, coordinator_id) if coordinator_id is not None else None


def log_out_everywhere(session: Session, coordinator_id: int) -> None:
    """End every dashboard session of the coordinator: sessions carry the generation they began in."""
    session.execute(
        update(Coordinator)
        .where(Coordinator.id == coordinator_id)
        .values(session_generation=Coordinator.session_generation + 1)
    )
