"""What the web pages share (the dashboard, the participants' pages, the dev outbox): the
settings, the coordinator's login session, CSRF tokens, message pages and security headers.

CSRF: each browser session holds one random token; every form carries it in a hidden
`csrf_token` field, and every POST to a protected blueprint must send it back.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from concierge.config import Settings
from concierge.db import read_scope
from concierge.models import Coordinator

SESSION_KEY = "coordinator_id"
GENERATION_KEY = "session_generation"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Pages never run scripts, load outside resources or appear inside another site's frames.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)


def settings() -> Settings:
    """The installation's settings, as given to `create_app`."""
    return current_app.config["SETTINGS"]


def now() -> datetime:
    """The current time in UTC, from the app's clock (`create_app(clock=…)`)."""
    return current_app.config["CLOCK"]()


def logged_in_coordinator() -> Coordinator | None:
    """The coordinator this browser session is logged in as, if the session is still valid.

    A session carries the coordinator's id and the session generation it began in;
    logging out moves the generation on, which ends every session of that coordinator.
    """
    coordinator_id = session.get(SESSION_KEY)
    if not isinstance(coordinator_id, int) or not 0 < coordinator_id < 2**31:
        return None
    with read_scope(settings()) as db:
        coordinator = db.get(Coordinator, coordinator_id)
    if coordinator is None or session.get(GENERATION_KEY) != coordinator.session_generation:
        return None
    return coordinator


def require_login() -> ResponseReturnValue | None:
    """A `before_request` for pages of coordinators: the logged-in coordinator in `g.coordinator`,
    or a redirect (302) of an anonymous visitor to the login page."""
    coordinator = logged_in_coordinator()
    if coordinator is None:
        session.clear()  # also a session its coordinator has logged out of elsewhere
        return redirect(url_for("dashboard.login_form"))
    g.coordinator = coordinator
    return None


def start_session(coordinator: Coordinator) -> None:
    """A fresh session (and CSRF token) for `coordinator`: nothing carried over from before."""
    session.clear()
    session[SESSION_KEY] = coordinator.id
    session[GENERATION_KEY] = coordinator.session_generation


def csrf_token() -> str:
    """This browser session's CSRF token (created on first use); forms put it in a hidden field."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def message_page(
    status: int,
    title: str,
    message: str,
    link: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> ResponseReturnValue:
    """A short page that says what happened (errors included), with an optional (url, label) link."""
    page = render_template("web/message.html", title=title, message=message, link=link)
    return page, status, headers or {}


def _check_csrf() -> ResponseReturnValue | None:
    if request.method not in UNSAFE_METHODS:
        return None
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD, "")
    if (
        isinstance(expected, str)
        and expected
        and hmac.compare_digest(expected.encode(), sent.encode("utf-8", "surrogatepass"))
    ):
        return None
    return message_page(
        400,
        "Please try again",
        "This form was missing its security token or it had expired (it is tied to your browser "
        "session). Reload the page and send the form again.",
    )


def _secure(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # Login links carry their token in the URL: never pass it on in a Referer.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def protect(bp: Blueprint, csrf: bool = True) -> None:
    """Give a blueprint's responses the security headers, and (with `csrf`) refuse POSTs without the token."""
    if csrf:
        bp.before_request(_check_csrf)
    bp.after_request(_secure)
