"""Magic-link login (SPEC §4.3): a link works once for 15 minutes; requests are rate-limited; CSRF."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from concierge import create_app
from concierge.actions import ActionError
from concierge.actions.logins import (
    EMAILS_PER_WINDOW,
    create_login_link,
    hash_token,
    request_login_email,
    use_login_token,
)
from concierge.db import session_scope, utcnow
from concierge.models import LoginToken, OutboundMessage
from tests import factories
from tests.web import csrf_of, follow_login_link

SENT = "If that address belongs to a coordinator, a link is on its way."


def coordinator_email(settings) -> str:
    with session_scope(settings) as s:
        program = factories.program(s)
        return program.coordinators[0].email


def client_for(settings, ip: str | None = None):
    """A test client from its own IP: the rate-limit counters of other tests (same Redis) stay apart."""
    client = create_app(settings).test_client()
    client.environ_base["REMOTE_ADDR"] = ip or f"fd00::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    return client


def csrf(client) -> str:
    client.get("/login")
    with client.session_transaction() as flask_session:
        return flask_session["csrf_token"]


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_link_logs_in_once(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    assert link.startswith("http://concierge.test/login/")
    with session_scope(settings) as s:
        assert use_login_token(s, token_of(link)).email == email
    with session_scope(settings) as s:
        assert use_login_token(s, token_of(link)) is None


def test_link_expires_after_15_minutes(settings):
    email = coordinator_email(settings)
    issued = utcnow()
    with session_scope(settings) as s:
        almost = create_login_link(s, settings, email, now=issued)
        exactly = create_login_link(s, settings, email, now=issued)
    with session_scope(settings) as s:
        assert use_login_token(s, token_of(almost), now=issued + timedelta(minutes=15, seconds=-1))
        assert use_login_token(s, token_of(exactly), now=issued + timedelta(minutes=15)) is None


def test_only_the_hash_of_the_token_is_stored(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        token = token_of(create_login_link(s, settings, email))
    with session_scope(settings) as s:
        row = s.scalar(select(LoginToken))
        assert row.token_hash == hash_token(token) != token
        assert row.expires_at - row.created_at == timedelta(minutes=15)


@pytest.mark.parametrize("address", ["nobody@example.org", "not an address", "", "a\x00@example.org"])
def test_login_link_for_a_non_coordinator_is_refused(settings, address):
    coordinator_email(settings)
    with session_scope(settings) as s, pytest.raises(ActionError):
        create_login_link(s, settings, address)


@pytest.mark.parametrize("token", ["", "x", "a" * 5000, "é☃", "../../etc"])
def test_foreign_tokens_log_nobody_in(settings, token):
    with session_scope(settings) as s:
        assert use_login_token(s, token) is None


def test_login_form_emails_a_link_that_logs_in(settings):
    email = coordinator_email(settings)
    client = client_for(settings)
    response = client.post("/login", data={"email": email.upper(), "csrf_token": csrf(client)})
    assert response.status_code == 200
    assert SENT in response.get_data(as_text=True)
    with session_scope(settings) as s:
        [mail] = s.scalars(select(OutboundMessage)).all()
        assert (mail.template, mail.to_email) == ("login_link", email)
        link = mail.context["link"]
        token_id = s.scalar(select(LoginToken.id))
        assert mail.idempotency_key == f"login:{token_id}"
    response = follow_login_link(client, link, settings.base_url)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_unknown_address_gets_the_same_answer_and_no_mail(settings):
    known = coordinator_email(settings)
    client = client_for(settings)
    token = csrf(client)
    answers = [
        client.post("/login", data={"email": address, "csrf_token": token}).get_data(as_text=True)
        for address in (known, "stranger@example.org", "not-an-address", "nul\x00@example.org")
    ]
    assert answers[0] == answers[1] == answers[2] == answers[3]
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 1


def test_empty_address_is_a_400_with_a_reason(settings):
    client = client_for(settings)
    response = client.post("/login", data={"email": "  ", "csrf_token": csrf(client)})
    assert response.status_code == 400
    assert "Enter your email address" in response.get_data(as_text=True)


def test_opening_a_link_shows_a_log_in_button_and_spends_nothing(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    scanner = client_for(settings)
    for _ in range(3):  # a mail scanner, a link preview, the person's browser
        assert scanner.head(f"/login/{token_of(link)}").status_code == 200
        page = scanner.get(f"/login/{token_of(link)}")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        body = page.get_data(as_text=True)
        assert body.count("<form") == 1 and ">Log in</button>" in body
        assert scanner.get("/").status_code == 302  # opening the link logged nobody in
    with session_scope(settings) as s:
        assert s.scalar(select(LoginToken.used_at)) is None


def test_the_button_spends_the_link_sets_the_session_and_redirects(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    client = client_for(settings)
    assert client.get("/").status_code == 302
    response = follow_login_link(client, link, settings.base_url)
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    page = client.get("/")
    assert page.status_code == 200
    assert email in page.get_data(as_text=True)
    again = client_for(settings)
    assert again.get(f"/login/{token_of(link)}").status_code == 410  # spent: it worked once


@pytest.mark.parametrize("sent", [None, "", "wrong"])
def test_the_button_needs_the_csrf_token_and_spends_nothing_without_it(settings, sent):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    client = client_for(settings)
    client.get(f"/login/{token_of(link)}")
    response = client.post(f"/login/{token_of(link)}", data={} if sent is None else {"csrf_token": sent})
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    assert follow_login_link(client, link, settings.base_url).status_code == 302  # still usable


def test_a_spent_or_expired_link_explains_and_offers_a_new_one(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
        expired = create_login_link(s, settings, email, now=utcnow() - timedelta(minutes=16))
    client = client_for(settings)
    assert follow_login_link(client, link, settings.base_url).status_code == 302
    for path in (
        f"/login/{token_of(link)}",
        f"/login/{token_of(expired)}",
        "/login/nonsense",
        "/login/%E2%98%83",
        "/login/" + "x" * 300,
    ):
        response = client_for(settings).get(path)
        assert response.status_code == 410
        body = response.get_data(as_text=True)
        assert "expired or was already used" in body and 'href="/login"' in body


def test_pressing_the_button_of_a_spent_link_explains(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    first, second = client_for(settings), client_for(settings)
    pages = [c.get(f"/login/{token_of(link)}").get_data(as_text=True) for c in (first, second)]
    assert first.post(f"/login/{token_of(link)}", data={"csrf_token": csrf_of(pages[0])}).status_code == 302
    late = second.post(f"/login/{token_of(link)}", data={"csrf_token": csrf_of(pages[1])})
    assert late.status_code == 410 and second.get("/").status_code == 302


@pytest.mark.parametrize(
    "path", ["/", "/programs/1", "/programs/some-program", "/programs/1/mentorships.csv"]
)
def test_anonymous_requests_are_sent_to_login(settings, path):
    response = client_for(settings).get(path)
    assert (response.status_code, response.headers["Location"]) == (302, "/login")


def test_logout_ends_the_session(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    client = client_for(settings)
    follow_login_link(client, link, settings.base_url)
    with client.session_transaction() as flask_session:
        flask_session["csrf_token"] = token = "known-token"
    response = client.post("/logout", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert client.get("/").status_code == 302


def test_logout_also_ends_a_copied_session_and_the_coordinators_other_sessions(settings):
    email = coordinator_email(settings)
    clients = []
    for _ in range(2):  # two browsers
        with session_scope(settings) as s:
            link = create_login_link(s, settings, email)
        client = client_for(settings)
        follow_login_link(client, link, settings.base_url)
        clients.append(client)
    laptop, phone = clients
    copied = laptop.get_cookie("session").value  # someone copied the laptop's cookie
    with laptop.session_transaction() as flask_session:
        flask_session["csrf_token"] = token = "known-token"
    assert laptop.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = client_for(settings)
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    with session_scope(settings) as s:  # a new login works as before
        link = create_login_link(s, settings, email)
    again = client_for(settings)
    follow_login_link(again, link, settings.base_url)
    assert again.get("/").status_code == 200


@pytest.mark.parametrize("sent", [None, "", "wrong"])
def test_post_without_the_csrf_token_is_refused(settings, sent):
    email = coordinator_email(settings)
    client = client_for(settings)
    csrf(client)
    data = {"email": email} if sent is None else {"email": email, "csrf_token": sent}
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(LoginToken)) == 0


def test_post_from_a_browser_without_a_session_is_refused(settings):
    email = coordinator_email(settings)
    response = client_for(settings).post("/login", data={"email": email, "csrf_token": "guess"})
    assert response.status_code == 400


def test_logout_needs_the_csrf_token(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    client = client_for(settings)
    follow_login_link(client, link, settings.base_url)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_requests_for_one_address_are_limited(settings):
    email = coordinator_email(settings)
    statuses = []
    for n in range(7):
        client = client_for(settings, ip=f"192.0.2.{n + 1}")
        statuses.append(client.post("/login", data={"email": email, "csrf_token": csrf(client)}).status_code)
    assert statuses == [200] * 5 + [429] * 2


def test_requests_from_one_ip_are_limited(settings):
    client = client_for(settings)
    token = csrf(client)
    statuses = [
        client.post("/login", data={"email": f"someone{n}@example.org", "csrf_token": token}).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    response = client.post("/login", data={"email": "late@example.org", "csrf_token": token})
    assert response.status_code == 429
    assert "Too many login requests" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "900"


def test_unknown_addresses_are_limited_like_known_ones(settings):
    stranger = f"Stranger-{secrets.token_hex(4)}@Example.org"
    statuses = []
    for n in range(6):
        client = client_for(settings, ip=f"198.51.100.{n + 1}")
        response = client.post("/login", data={"email": stranger, "csrf_token": csrf(client)})
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429]


def test_mail_per_coordinator_is_capped_even_without_the_web_limits(settings):
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        for _ in range(EMAILS_PER_WINDOW + 3):
            request_login_email(s, settings, email)
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == EMAILS_PER_WINDOW
    later = utcnow() + timedelta(minutes=16)
    with session_scope(settings) as s:
        request_login_email(s, settings, email, now=later)
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == EMAILS_PER_WINDOW + 1


def test_login_request_still_works_when_redis_is_down(settings, tmp_path):
    email = coordinator_email(settings)
    client = client_for(settings.with_(redis_url=f"unix://{tmp_path}/no-such.sock"))
    response = client.post("/login", data={"email": email, "csrf_token": csrf(client)})
    assert response.status_code == 200
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(OutboundMessage)) == 1


def test_the_link_expires_on_the_apps_clock(settings):
    from datetime import UTC, datetime

    issued = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    email = coordinator_email(settings)
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email, now=issued)
    late = create_app(settings, clock=lambda: issued + timedelta(minutes=15)).test_client()
    assert late.get(f"/login/{token_of(link)}").status_code == 410
    in_time = create_app(settings, clock=lambda: issued + timedelta(minutes=14, seconds=59)).test_client()
    assert follow_login_link(in_time, link, settings.base_url).status_code == 302
