"""`/dev/mail` (SPEC §4.3, §5): the dev outbox's emails and template previews, shown safely, off with SMTP."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from concierge import create_app
from concierge.db import session_scope
from concierge.devmail import SAMPLE_CONTEXTS
from concierge.mail.render import render_parts, template_names
from concierge.models import Coordinator, DevMail, ProgramCoordinator
from concierge.outbox import queue_email
from tests import factories
from tests.web import logged_in


def send_welcome(settings, work) -> int:
    """Queue a welcome email and let the worker store it in the dev outbox; the DevMail id."""
    with session_scope(settings) as s:
        program = factories.program(s, name="Women in Tech")
        enrolment = factories.participant(s, program, "mentee", email="ana@example.org", name="Ana Ruiz")
        queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion="welcome:devmail",
            to=enrolment.person,
            program=program,
            context={"program_name": program.name, "goals": ""},
        )
    work()
    with session_scope(settings) as s:
        [mail] = s.scalars(select(DevMail)).all()
        return mail.id


VIEWER = "lead@example.org"


def viewer(settings):
    """A client logged in as VIEWER, who coordinates the program `send_welcome` makes (if any)."""
    from concierge.actions.programs import add_coordinator
    from concierge.models import Program

    with session_scope(settings) as s:
        add_coordinator(s, VIEWER, list(s.scalars(select(Program).where(Program.name == "Women in Tech"))))
    return logged_in(settings, VIEWER)


def stored(settings, html: str, subject: str = "Hostile", to: str = VIEWER) -> int:
    msg = EmailMessage()
    msg["To"], msg["Subject"] = to, subject
    msg.set_content("plain text")
    msg.add_alternative(html, subtype="html")
    with session_scope(settings) as s:
        mail = DevMail(to_email=to, subject=subject, raw=msg.as_bytes())
        s.add(mail)
        s.flush()
        return mail.id


def test_the_outbox_lists_stored_mail_newest_first(settings, work):
    first = send_welcome(settings, work)
    second = stored(settings, "<p>hi</p>", subject="Second one")
    page = viewer(settings).get("/dev/mail").get_data(as_text=True)
    assert "ana@example.org" in page and "Welcome to Women in Tech" in page and "sent" in page
    assert page.index(f"/dev/mail/{second}") < page.index(f"/dev/mail/{first}")


def test_an_email_shows_headers_text_and_sandboxed_html(settings, work):
    mail_id = send_welcome(settings, work)
    response = viewer(settings).get(f"/dev/mail/{mail_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "List-Unsubscribe" in page and "Reply-To" in page
    assert "Welcome to Women in Tech! As a mentee you drive the relationship" in page
    [frame] = re.findall(r"<iframe sandbox srcdoc=\"([^\"]*)\"", page)
    assert frame.startswith("&lt;!doctype html&gt;")
    assert "max-width:560px" not in page.replace(frame, "")


def test_hostile_html_never_runs_in_the_page(settings):
    mail_id = stored(settings, '"><script>alert(1)</script><img src=x onerror=alert(2)>')
    page = viewer(settings).get(f"/dev/mail/{mail_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_email_is_404(settings):
    client = viewer(settings)
    assert client.get("/dev/mail/12345").status_code == 404
    assert client.get("/dev/mail/99999999999999999999").status_code == 404
    assert client.get("/dev/mail?before=abc").status_code == 200


def test_every_template_is_previewed(settings):
    response = viewer(settings).get("/dev/mail/templates")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in template_names():
        assert f'id="{name}"' in page
    assert 'class="error"' not in page
    assert "Your Concierge login link" in page and "Maya Lind unsubscribed from Women in Tech 2026" in page


@pytest.mark.parametrize("name", template_names())
def test_each_template_has_complete_sample_data(name):
    assert name in SAMPLE_CONTEXTS, f"add sample data for {name} to SAMPLE_CONTEXTS"
    subject, text, html = render_parts(
        name, dict(SAMPLE_CONTEXTS[name], recipient_name="Maya", base_url="http://x")
    )
    assert subject and text and html


@pytest.mark.parametrize("path", ["/dev/mail", "/dev/mail/1", "/dev/mail/templates"])
def test_dev_mail_is_off_when_smtp_is_configured(settings, path):
    stored(settings, "<p>hi</p>")
    client = create_app(settings.with_(smtp_url="smtp://127.0.0.1:2525")).test_client()
    assert client.get(path).status_code == 404


def test_the_dev_outbox_answers_only_a_logged_in_coordinator_whatever_their_address(settings, work):
    mail_id = send_welcome(settings, work)
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1", "203.0.113.9"):
        client = create_app(settings).test_client()
        client.environ_base["REMOTE_ADDR"] = address  # a reverse proxy on this host is loopback too
        for path in (
            "/dev/mail",
            f"/dev/mail/{mail_id}",
            "/dev/mail/templates",
            f"/dev/mail/{mail_id}/reply",
        ):
            response = client.get(path)
            assert (response.status_code, response.headers.get("Location")) == (302, "/login"), path
        refused = client.post(f"/dev/mail/{mail_id}/reply", data={"sender": "ana@example.org"})
        assert (refused.status_code, refused.headers.get("Location")) == (302, "/login")
    with session_scope(settings) as s:
        from concierge.models import InboundMessage

        assert s.scalar(select(InboundMessage.id)) is None


def test_the_login_page_says_no_mail_leaves_and_how_to_print_a_link(settings):
    page = create_app(settings).test_client().get("/login").get_data(as_text=True)
    assert "No mail leaves this machine" in page and "concierge login-link" in page
    smtp = create_app(settings.with_(smtp_url="smtp://127.0.0.1:2525")).test_client()
    assert "No mail leaves this machine" not in smtp.get("/login").get_data(as_text=True)


def test_a_coordinator_sees_only_their_programs_mail_and_their_own(settings, work):
    from concierge.actions.logins import request_login_email

    ours = send_welcome(settings, work)
    with session_scope(settings) as s:
        mine = s.scalar(select(ProgramCoordinator.coordinator_id))  # of send_welcome's program
        other = factories.program(s, name="Elsewhere")
        other_email = other.coordinators[0].email
        mine_email = s.get(Coordinator, mine).email
        request_login_email(s, settings, other_email)
        request_login_email(s, settings, mine_email)
    work()
    with session_scope(settings) as s:
        theirs_link = s.scalar(select(DevMail.id).where(DevMail.to_email == other_email))
        my_link = s.scalar(select(DevMail.id).where(DevMail.to_email == mine_email))
    client = logged_in(settings, mine_email)
    listing = client.get("/dev/mail").get_data(as_text=True)
    assert f"/dev/mail/{ours}" in listing and f"/dev/mail/{my_link}" in listing
    assert f"/dev/mail/{theirs_link}" not in listing
    assert client.get(f"/dev/mail/{theirs_link}").status_code == 404  # never another's login link
    assert client.get(f"/dev/mail/{theirs_link}/reply").status_code == 404
    assert client.get(f"/dev/mail/{my_link}").status_code == 200
    other_client = logged_in(settings, other_email)
    assert other_client.get(f"/dev/mail/{ours}").status_code == 404
    assert other_client.get(f"/dev/mail/{theirs_link}").status_code == 200


def test_a_coordinator_who_no_longer_exists_is_sent_to_login(settings):
    client = create_app(settings).test_client()
    with client.session_transaction() as flask_session:
        flask_session["coordinator_id"] = 999_999
        flask_session["session_generation"] = 0
    assert client.get("/dev/mail").status_code == 302
