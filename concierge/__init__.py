"""Concierge runs a mentoring program by email; `create_app` builds the web app."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from flask import Flask

    from concierge.config import Settings

# SPEC §4.3: a webhook answers 413 for a request body over 26,214,400 bytes, whatever it carries.
# The same limit holds for every route: the dashboard's forms are a few kilobytes.
MAX_REQUEST_BYTES = 26_214_400


def create_app(settings: Settings | None = None, clock: Callable[[], datetime] | None = None) -> Flask:
    """The web app for `settings` (default: read from the environment).

    `clock` gives the current time (default: the system's, in UTC); tests pass a fixed one, so
    that time-dependent answers (a Mailgun timestamp's window, a login link's expiry) are tested
    at chosen times rather than read from the clock inside the code under test.
    """
    from flask import Flask

    from concierge import devmail, pages
    from concierge.config import load_settings
    from concierge.dashboard import views
    from concierge.db import utcnow
    from concierge.ingress import health, webhooks

    settings = settings or load_settings()
    if settings.dev_outbox_warning:
        logging.getLogger(__name__).warning(settings.dev_outbox_warning)
    app = Flask(__name__, template_folder="../templates")
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        CLOCK=clock or utcnow,
    )
    health.init_app(app)
    webhooks.init_app(app)
    pages.init_app(app)
    views.init_app(app)
    devmail.init_app(app)
    return app
