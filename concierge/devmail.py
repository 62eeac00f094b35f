"""`/dev/mail`: the development ingress and outbox (only without SMTP_URL), for a logged-in coordinator.

Lists the emails the worker stored instead of sending, shows one with its headers, text and
HTML, previews every email template with sample data, and composes answers (or takes a
pasted raw message) that go through the same storing and processing as real mail
(`ingress.store.store_inbound`, then the processing job's code in this process). Email HTML
is only ever shown inside a sandboxed iframe (`srcdoc`, escaped): it never runs as part of
this page. The whole blueprint answers 404 once SMTP_URL is set.
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from typing import Any, cast

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from jinja2 import TemplateError
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import normalise_email
from concierge.db import read_scope
from concierge.mail.render import render_parts, template_names
from concierge.models import DevMail, InboundMessage, OutboundMessage
from concierge.scopes import their_inbound, their_programs, their_reply_keys
from concierge.web import message_page, protect, require_login, settings

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
PAGE_SIZE = 100

_PROGRAM = {"program_name": "Women in Tech 2026", "program_slug": "women-in-tech-2026"}
# Every variable each template uses (they render with StrictUndefined); `participant`
# says whether the layout adds the reply marker and privacy line.
SAMPLE_CONTEXTS: dict[str, dict[str, Any]] = {
    "key_expired": {**_PROGRAM, "participant": True, "ended_on": "1 March 2026"},
    "goals_thanks": {
        **_PROGRAM,
        "participant": True,
        "goals": "Lead a team by spring.",
        "paired": False,
        "peer": False,
    },
    "introduction_mentee": {
        **_PROGRAM,
        "participant": True,
        "thread_subject": "Maya, meet your mentor Sam",
        "mentor": {"name": "Sam Okafor", "email": "sam@example.org", "topics": ["leadership", "negotiation"]},
        "topic": "leadership",
        "goals": "Lead a team by spring.",
        "cadence_days": 14,
    },
    "introduction_mentor": {
        **_PROGRAM,
        "participant": True,
        "thread_subject": "Sam, meet your mentee Maya",
        "mentee": {"name": "Maya Lind", "email": "maya@example.org", "topics": ["leadership"]},
        "topic": "leadership",
        "goals": "Lead a team by spring.",
    },
    "introduction_peer": {
        **_PROGRAM,
        "participant": True,
        "thread_subject": "Your peer circle in Women in Tech 2026",
        "peers": [
            {"name": "Ana Ruiz", "email": "ana@example.org", "topics": ["public speaking"]},
            {"name": "Bea Chen", "email": "bea@example.org", "topics": []},
            {"name": "Cleo Diaz", "email": "cleo@example.org", "topics": ["career change"]},
        ],
        "cadence_days": 14,
        "facilitator_is_you": True,
    },
    "not_understood": {
        **_PROGRAM,
        "participant": True,
        "subject": "Re: Maya & Sam: Women in Tech 2026",
        "examples": [
            {"say": "Tuesday at 3pm", "does": "suggest a meeting time"},
            {"say": "cancel", "does": "call off our next meeting"},
            {"say": "stop", "does": "get no more mail from this program"},
        ],
    },
    "login_link": {"participant": False, "link": "http://localhost:5000/login/sample-token"},
    "unsubscribed_notice": {
        **_PROGRAM,
        "participant": False,
        "person_name": "Maya Lind",
        "person_email": "maya@example.org",
        "role": "mentee",
        "mentorship_count": 1,
    },
    "answer": {
        **_PROGRAM,
        "participant": True,
        "subject": "Re: Maya & Sam: Women in Tech 2026",
        "lines": [
            "Got it: Tue Dec 8, 3:00 PM ET (12:00 PM PT for Sam), 45 minutes on Zoom. "
            "I've asked Sam to confirm."
        ],
        "calendar": None,
    },
    "update": {
        **_PROGRAM,
        "participant": True,
        "thread_subject": "Maya & Sam: Women in Tech 2026",
        "calendar": None,
        "blocks": [
            {
                "kind": "question",
                "from": "Maya",
                "options": ["Tue Dec 8, 12:00 PM PT (3:00 PM ET for Maya), 45 minutes on Zoom"],
                "moving": None,
                "resized": None,
            },
            {"kind": "passed_on", "from": "Maya Lind", "text": "Looking forward to it! I'll bring my CV."},
        ],
    },
    **{
        name: {
            **_PROGRAM,
            "participant": True,
            "thread_subject": "Maya & Sam: Women in Tech 2026",
            "when": "Tue Dec 8, 3:00 PM ET (12:00 PM PT for Sam)",
            "minutes": 45,
            "place": "https://zoom.us/j/123456789",
            "others": ["Sam"],
            "with_whom": "Sam",
        }
        for name in ("agenda_prompt", "reminder", "log_prompt")
    },
    "briefing": {
        **_PROGRAM,
        "participant": True,
        "thread_subject": "Maya & Sam: Women in Tech 2026",
        "when": "Tue Dec 8, 12:00 PM PT (3:00 PM ET for Maya)",
        "minutes": 45,
        "place": "https://zoom.us/j/123456789",
        "others": ["Maya"],
        "with_whom": "Maya",
        "askers": [{"name": "Maya", "goals": "Lead my first project\nSpeak at a meetup"}],
        "agenda": "My promotion case, and how to ask for more visible work.",
        "items": [{"number": 1, "text": "Draft the promotion case", "owner": "Maya", "age_days": 9}],
        "last_notes": "We talked about sponsorship and who knows my work.",
        "last_met": "Tue Nov 24, 12:00 PM PT",
        "questions": [
            "What evidence would make your promotion case easy for someone else to argue?",
            "Since we last spoke, what went better than you expected?",
        ],
        "stage": "mid",
    },
    "welcome_mentee": {**_PROGRAM, "participant": True, "goals": ""},
    "welcome_mentor": {**_PROGRAM, "participant": True},
    "welcome_peer": {**_PROGRAM, "participant": True},
}


@dataclass(frozen=True)
class Preview:
    """One template rendered with its sample data, or why it could not be."""

    name: str
    subject: str = ""
    text: str = ""
    html: str = ""
    error: str | None = None


@dataclass(frozen=True)
class Part:
    """A MIME part other than the text and HTML bodies (a calendar invite, an attachment)."""

    content_type: str
    filename: str | None
    text: str | None
    size: int


@bp.before_request
def only_with_dev_outbox() -> ResponseReturnValue | None:
    """404 once SMTP_URL is set; otherwise only for a logged-in coordinator (SPEC §4.3).

    Never trusted by the client's address: behind a reverse proxy on the same host every
    request comes from loopback. A coordinator sees the mail of the programs they run and
    mail to themselves (never another coordinator's login link); anonymous visitors are
    sent to the login page, which says how to print a link.
    """
    if not settings().dev_outbox:
        abort(404)
    return require_login()


def _mail_scope() -> ColumnElement[bool]:
    """The stored emails the viewer may see (an outer join on OutboundMessage is needed)."""
    viewer = g.coordinator
    return or_(
        DevMail.to_email == viewer.email,
        OutboundMessage.program_id.in_(their_programs(viewer.id)),
    )


def _inbound_scope() -> ColumnElement[bool]:
    return their_inbound(g.coordinator.id)


def _visible_mail(db: Session, mail_id: int) -> DevMail | None:
    if not 0 < mail_id < 2**31:
        return None
    return db.scalar(
        select(DevMail)
        .outerjoin(OutboundMessage, OutboundMessage.id == DevMail.outbound_id)
        .where(DevMail.id == mail_id, _mail_scope())
    )


protect(bp)


@bp.get("")
def outbox() -> ResponseReturnValue:
    """Stored emails, newest first, with their outbound status (pages of PAGE_SIZE)."""
    before = request.args.get("before", "")
    query = (
        select(DevMail, OutboundMessage.status)
        .outerjoin(OutboundMessage, OutboundMessage.id == DevMail.outbound_id)
        .where(_mail_scope())
        .order_by(DevMail.id.desc())
        .limit(PAGE_SIZE)
    )
    if before.isascii() and before.isdigit() and len(before) < 10:
        query = query.where(DevMail.id < int(before))
    with read_scope(settings()) as db:
        mails = db.execute(query).all()
        received = db.scalars(
            select(InboundMessage).where(_inbound_scope()).order_by(InboundMessage.id.desc()).limit(20)
        ).all()
    older = mails[-1][0].id if len(mails) == PAGE_SIZE else None
    return render_template("devmail/list.html", mails=mails, older=older, received=received)


@bp.get("/<int:mail_id>")
def show(mail_id: int) -> ResponseReturnValue:
    """One stored email: its headers, its text part, its HTML part (sandboxed) and any other parts."""
    with read_scope(settings()) as db:
        mail = _visible_mail(db, mail_id)
        status = db.get(OutboundMessage, mail.outbound_id).status if mail and mail.outbound_id else None
    if mail is None:
        return message_page(404, "No such email", f"The dev outbox has no email {mail_id}.")
    message = cast(EmailMessage, email.message_from_bytes(mail.raw, policy=policy.default))
    return render_template(
        "devmail/detail.html",
        mail=mail,
        status=status,
        headers=[(name, str(value)) for name, value in message.items()],
        text=_body(message, "plain"),
        html=_body(message, "html"),
        parts=_other_parts(message),
    )


@bp.get("/templates")
def templates() -> ResponseReturnValue:
    """Every email template rendered with sample data."""
    return render_template("devmail/templates.html", previews=[_preview(n) for n in template_names()])


def _preview(name: str) -> Preview:
    sample = SAMPLE_CONTEXTS.get(name)
    if sample is None:
        return Preview(name, error=f"no sample data yet: add {name!r} to SAMPLE_CONTEXTS in {__name__}")
    context = dict(sample, recipient_name="Maya", base_url=settings().base_url)
    try:
        subject, text, html = render_parts(name, context)
    except TemplateError as exc:
        return Preview(name, error=f"{type(exc).__name__}: {exc}")
    return Preview(name, subject, text, html)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body((subtype,))
    if part is None:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError) as exc:
        return f"(cannot decode this part: {exc})"


def _other_parts(message: EmailMessage) -> list[Part]:
    bodies = {id(message.get_body(("plain",))), id(message.get_body(("html",)))}
    found = []
    for part in message.walk():
        if part.is_multipart() or id(part) in bodies:
            continue
        payload = part.get_payload(decode=True) or b""
        text = None
        if part.get_content_maintype() == "text":
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        found.append(Part(part.get_content_type(), part.get_filename(), text, len(payload)))
    return found


@bp.get("/<int:mail_id>/reply")
def compose(mail_id: int) -> ResponseReturnValue:
    """A form to answer a stored email as its recipient (or as anyone, or with a raw message)."""
    with read_scope(settings()) as db:
        mail = _visible_mail(db, mail_id)
    if mail is None:
        return message_page(404, "No such email", f"The dev outbox has no email {mail_id}.")
    return _reply_form(mail, mail.to_email, "", "")


def _reply_form(mail: DevMail, sender: str, body: str, raw: str, error: str | None = None) -> str:
    return render_template(
        "devmail/reply.html",
        mail=mail,
        sender=sender,
        body=body,
        raw=raw,
        error=error,
    )


@bp.post("/<int:mail_id>/reply")
def send_reply(mail_id: int) -> ResponseReturnValue:
    """Send the composed (or pasted raw) reply through the relay's storing and processing."""
    from concierge.ingress.store import MAX_MESSAGE_BYTES, store_inbound
    from concierge.mail.compose import compose_reply
    from workers.inbound import process_now

    with read_scope(settings()) as db:
        mail = _visible_mail(db, mail_id)
    if mail is None:
        return message_page(404, "No such email", f"The dev outbox has no email {mail_id}.")
    sender = request.form.get("sender", "").strip()
    body = request.form.get("body", "")
    raw_text = request.form.get("raw", "")
    if raw_text.strip():
        raw = raw_text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
        refused = _paste_refused(raw)
        if refused is not None:
            status, reason = refused
            return _reply_form(mail, sender, body, raw_text, reason), status
    elif sender:
        try:
            sender = normalise_email(sender)
        except ActionError as error:
            return _reply_form(mail, sender, body, raw_text, f"From: {error}."), 422
        if sender != mail.to_email and not _in_their_programs(mail):
            # Mail to the viewer of a program they do not run: they answer as themselves only.
            refused = f"Outside the programs you run, you can answer only as the recipient, {mail.to_email}."
            return _reply_form(mail, sender, body, raw_text, refused), 403
        raw = compose_reply(mail.raw, sender, body)
    else:
        missing = "Give a From address (and a body), or paste a raw message."
        return _reply_form(mail, sender, body, raw_text, missing), 422
    if len(raw) > MAX_MESSAGE_BYTES:
        return message_page(413, "Too large", f"A message may have at most {MAX_MESSAGE_BYTES} bytes.")
    original = email.message_from_bytes(mail.raw, policy=policy.default)
    recipient = str(original.get("Reply-To") or "") or None
    stored = store_inbound(settings(), raw, recipient if not raw_text.strip() else None, source="dev")
    if not stored.duplicate:
        process_now(settings(), stored.id)
    return redirect(url_for("devmail.received", inbound_id=stored.id), 303)


def _in_their_programs(mail: DevMail) -> bool:
    """True when the email belongs to a program the viewer runs (not only mail to them)."""
    if mail.outbound_id is None:
        return False
    with read_scope(settings()) as db:
        return (
            db.scalar(
                select(OutboundMessage.id).where(
                    OutboundMessage.id == mail.outbound_id,
                    OutboundMessage.program_id.in_(their_programs(g.coordinator.id)),
                )
            )
            is not None
        )


def _paste_refused(raw: bytes) -> tuple[int, str] | None:
    """Why a pasted raw message may not be sent, with the status to answer (None if it may): it
    must be an email addressed to reply addresses of the viewer's programs, and only to those."""
    from concierge.inbound import UnparseableMessage, reply_key_candidates, understand

    domain = settings().reply_domain
    try:
        candidates = reply_key_candidates(understand(raw, reply_domain=domain), domain)
    except UnparseableMessage:
        return 422, "The pasted text is not an email: give headers, a blank line, then the body."
    if not candidates:
        return 403, f"Address the pasted message to a reply address (reply+…@{domain}) of your programs."
    with read_scope(settings()) as db:
        theirs = set(db.scalars(their_reply_keys(g.coordinator.id, candidates)))
    if set(candidates) - theirs:
        return 403, "The pasted message may only go to reply addresses of the programs you run."
    return None


@bp.get("/inbound/<int:inbound_id>")
def received(inbound_id: int) -> ResponseReturnValue:
    """What the inbound path made of a message: status, kind, reason and the trimmed text."""
    with read_scope(settings()) as db:
        message = (
            db.scalar(select(InboundMessage).where(InboundMessage.id == inbound_id, _inbound_scope()))
            if 0 < inbound_id < 2**31
            else None
        )
    if message is None:
        return message_page(404, "No such message", f"No inbound message {inbound_id}.")
    return render_template("devmail/inbound.html", message=message)


def init_app(app: Flask) -> None:
    """Register /dev/mail (it answers 404 unless the dev outbox is on)."""
    app.register_blueprint(bp)
