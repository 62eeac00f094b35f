"""The coordinator dashboard's pages: magic-link login, the programs, a program's mentorships, the export.

Handlers are thin: they check who is asking, call a query or an action, and render.
Every page but the login pages needs a logged-in coordinator (anonymous requests are
redirected to /login), and a coordinator only ever sees the programs they run.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    Flask,
    Response,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from concierge.actions.logins import (
    LINK_LIFETIME,
    log_out_everywhere,
    login_token_usable,
    request_login_email,
    use_login_token,
)
from concierge.dashboard import queries, ratelimit
from concierge.dashboard.export import mentorships_csv
from concierge.db import read_scope, session_scope
from concierge.web import (
    SESSION_KEY,
    csrf_token,
    message_page,
    now,
    protect,
    require_login,
    settings,
    start_session,
)

bp = Blueprint("dashboard", __name__)

PUBLIC_ENDPOINTS = (
    "dashboard.login_form",
    "dashboard.login_request",
    "dashboard.login_link",
    "dashboard.login_with_link",
)
# Login requests: at most this many per address and per IP in each LINK_LIFETIME window.
LOGIN_REQUESTS_PER_WINDOW = 5
MAX_EMAIL_LENGTH = 320


@bp.before_request
def require_coordinator() -> ResponseReturnValue | None:
    """Load the logged-in coordinator into `g`, or send an anonymous visitor to the login page."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_login()


protect(bp)


@bp.get("/login")
def login_form() -> ResponseReturnValue:
    """The login page: one field, the coordinator's email address."""
    if isinstance(session.get(SESSION_KEY), int):
        return redirect(url_for("dashboard.home"))
    return _login_page(None)


@bp.post("/login")
def login_request() -> ResponseReturnValue:
    """Email a login link; the answer is the same whether or not the address is a coordinator's."""
    email = request.form.get("email", "").strip()
    if not email or len(email) > MAX_EMAIL_LENGTH:
        return _login_page("Enter your email address."), 400
    window = int(LINK_LIFETIME.total_seconds())
    minutes = window // 60
    ip = request.remote_addr or "unknown"
    if not ratelimit.allow(settings(), "login-ip", ip, LOGIN_REQUESTS_PER_WINDOW, window):
        reason = f"Too many login requests from your network. Wait {minutes} minutes and try again."
        return _too_many(reason, window)
    if not ratelimit.allow(settings(), "login-address", email.lower(), LOGIN_REQUESTS_PER_WINDOW, window):
        reason = f"Too many login requests for this address. Wait {minutes} minutes and try again."
        return _too_many(reason, window)
    with session_scope(settings()) as db:
        request_login_email(db, settings(), email, now())
    return message_page(
        200,
        "Check your email",
        f"If that address belongs to a coordinator, a link is on its way. "
        f"It works once, for {minutes} minutes.",
    )


def _login_page(error: str | None) -> str:
    return render_template("dashboard/login.html", error=error, dev_outbox=settings().dev_outbox)


def _too_many(reason: str, retry_after: int) -> ResponseReturnValue:
    return message_page(429, "Too many requests", reason, headers={"Retry-After": str(retry_after)})


@bp.get("/login/<token>")
def login_link(token: str) -> ResponseReturnValue:
    """A magic link opened (GET or HEAD): a page with one "Log in" button; nothing is spent.

    Corporate mail scanners fetch every link in an email before a person clicks it, so
    only the POST of the button spends the link.
    """
    with read_scope(settings()) as db:
        usable = login_token_usable(db, token, now())
    if not usable:
        return _link_spent()
    return render_template("dashboard/login_link.html"), 200, {"Cache-Control": "no-store"}


@bp.post("/login/<token>")
def login_with_link(token: str) -> ResponseReturnValue:
    """The "Log in" button (CSRF-protected): spend the link, start the session, go to the dashboard."""
    with session_scope(settings()) as db:
        coordinator = use_login_token(db, token, now())
    if coordinator is None:
        return _link_spent()
    # A fresh session (and CSRF token) at login: nothing carried over from before.
    start_session(coordinator)
    return redirect(url_for("dashboard.home"))


def _link_spent() -> ResponseReturnValue:
    return message_page(
        410,
        "This link has expired",
        "This login link has expired or was already used; ask for a new one. "
        f"Links work once, for {int(LINK_LIFETIME.total_seconds()) // 60} minutes.",
        (url_for("dashboard.login_form"), "Ask for a new link"),
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End this session and every other session of the coordinator (a copied cookie included)."""
    with session_scope(settings()) as db:
        log_out_everywhere(db, g.coordinator.id)
    session.clear()
    return redirect(url_for("dashboard.login_form"))


@bp.get("/")
def home() -> ResponseReturnValue:
    """The programs this coordinator runs."""
    with read_scope(settings()) as db:
        programs = queries.programs_of(db, g.coordinator.id)
    return render_template("dashboard/home.html", programs=programs)


@bp.get("/programs/<ref>")
def program(ref: str) -> ResponseReturnValue:
    """A program's mentorships with their state and health (metadata only)."""
    with read_scope(settings()) as db:
        found = queries.program_of(db, g.coordinator.id, ref)
        if found is None:
            return _no_program()
        summaries = queries.mentorship_summaries(db, found, now())
        attention = queries.people_needing_attention(db, found)
    return render_template(
        "dashboard/program.html",
        program=found,
        summaries=summaries,
        states=queries.state_counts(summaries),
        attention=attention,
    )


@bp.get("/review")
def review() -> ResponseReturnValue:
    """The inbound review queue: failed, rejected, not understood and flagged messages."""
    with read_scope(settings()) as db:
        items = queries.review_queue(db, g.coordinator.id)
    notices = get_flashed_messages()
    return render_template("dashboard/review.html", items=items, notice=notices[0] if notices else None)


@bp.post("/review/<int:inbound_id>/reprocess")
def reprocess(inbound_id: int) -> ResponseReturnValue:
    """Queue one message from the review queue for processing again (effects stay once)."""
    from concierge import queues

    with read_scope(settings()) as db:
        message = queries.reviewable(db, g.coordinator.id, inbound_id)
        if message is None:
            return message_page(
                404, "Not in your review queue", f"Message {inbound_id} is not for you to review."
            )
        if message.raw is None:
            return message_page(
                409, "Cannot reprocess", "Its raw bytes are no longer kept (INBOUND_RETENTION_DAYS)."
            )
    queued = queues.enqueue(settings(), queues.PROCESS_INBOUND, inbound_id, True)
    if not queued:
        return message_page(503, "Try again shortly", "The job queue cannot be reached right now.")
    # Said through the session, not the URL: a link cannot put words on this page.
    flash(f"Message {inbound_id} is queued for processing.")
    return redirect(url_for("dashboard.review"), 303)


@bp.get("/programs/<ref>/mentorships.csv")
def export_mentorships(ref: str) -> ResponseReturnValue:
    """The program's mentorships as CSV (SPEC §4.3)."""
    with read_scope(settings()) as db:
        found = queries.program_of(db, g.coordinator.id, ref)
        if found is None:
            return _no_program()
        data = mentorships_csv(found, queries.mentorship_summaries(db, found, now()))
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{found.slug}-mentorships.csv"'},
    )


def _no_program() -> ResponseReturnValue:
    return message_page(
        404,
        "No such program",
        "There is no program with that id or name among the programs you run.",
        (url_for("dashboard.home"), "Your programs"),
    )


def local_time(value: datetime | None) -> str:
    """A time in the logged-in coordinator's zone, with the zone named ("Tue 1 Dec 2026, 3:00 PM CET")."""
    if value is None:
        return ""
    coordinator = g.get("coordinator")
    try:
        zone = ZoneInfo(coordinator.timezone if coordinator else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = value.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{local:%a} {local.day} {local:%b %Y}, {hour}:{local:%M %p} {local.tzname()}"


def init_app(app: Flask) -> None:
    """Register the dashboard, its template helpers and the session cookie's settings."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["SETTINGS"].base_url.startswith("https://"),
    )
    app.add_template_global(csrf_token)
    app.add_template_filter(local_time, "when")
    app.register_blueprint(bp)
