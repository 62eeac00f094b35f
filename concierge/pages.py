"""Participants' pages: the links in their emails that open in a browser (they never log in).

`GET|POST /unsubscribe/<token>`: a confirmation page and the RFC 8058 one-click unsubscribe.
The signed token in the link names (person, program); unsubscribing stops that program's
mail to that person and tells the program's coordinators. Repeating it is harmless: the
answer is the same page.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.actions.subscriptions import unsubscribe
from concierge.db import read_scope, session_scope
from concierge.models import Enrolment, Person, Program
from concierge.tokens import read_unsubscribe_token
from concierge.web import message_page, protect, settings

bp = Blueprint("pages", __name__)
# Tokens are a few dozen characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 200


def _target(db: Session, token: str) -> tuple[Person, Program] | None:
    ids = read_unsubscribe_token(settings(), token) if len(token) <= MAX_TOKEN_LENGTH else None
    if ids is None:
        return None
    person, program = db.get(Person, ids[0]), db.get(Program, ids[1])
    if person is None or program is None:
        return None
    return person, program


def _invalid() -> ResponseReturnValue:
    return message_page(
        404,
        "Link not recognised",
        "This unsubscribe link is not valid: it may have been cut short when it was copied, "
        "or the program no longer exists. Reply “stop” to any email from the program instead.",
    )


@bp.get("/unsubscribe/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """Name the program and offer the button (a GET never unsubscribes: link scanners follow GETs)."""
    with read_scope(settings()) as db:
        target = _target(db, token)
        if target is None:
            return _invalid()
        person, program = target
        unsubscribed_at = db.scalar(
            select(Enrolment.unsubscribed_at).where(
                Enrolment.person_id == person.id, Enrolment.program_id == program.id
            )
        )
    return render_template(
        "pages/unsubscribe.html", program_name=program.name, already=unsubscribed_at is not None
    )


# Exempt from CSRF by design: RFC 8058 one-click unsubscribe is a POST that mail providers
# send themselves (body `List-Unsubscribe=One-Click`), without our cookies or a form token.
# The signed token in the URL is the authority: whoever has it may unsubscribe that person.
@bp.post("/unsubscribe/<token>")
def one_click(token: str) -> ResponseReturnValue:
    """Unsubscribe (idempotent) and say so."""
    with session_scope(settings()) as db:
        target = _target(db, token)
        if target is None:
            return _invalid()
        person, program = target
        unsubscribe(db, settings(), person, program)
        program_name = program.name
    return render_template("pages/unsubscribed.html", program_name=program_name)


# The security headers of every page; no CSRF check, for the one-click POST above.
protect(bp, csrf=False)


def init_app(app: Flask) -> None:
    """Register the participants' pages."""
    app.register_blueprint(bp)
