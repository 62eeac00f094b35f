"""Helpers for tests of the web pages: logging in through a real magic link and its button."""

from __future__ import annotations

import re
import secrets

from concierge import create_app
from concierge.actions.logins import create_login_link
from concierge.db import session_scope


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def follow_login_link(client, link: str, base_url: str):
    """Open a magic link and press its "Log in" button; the button's response."""
    path = link.removeprefix(base_url)
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_of(page.get_data(as_text=True))})


def logged_in(settings, email: str):
    """A test client logged in as the coordinator with `email`, through a real magic link."""
    client = create_app(settings).test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.7"
    with session_scope(settings) as s:
        link = create_login_link(s, settings, email)
    assert follow_login_link(client, link, settings.base_url).status_code == 302
    return client
