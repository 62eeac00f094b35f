"""`GET /healthz`: whether the database and Redis answer, and whether mail goes out (SPEC §4.3)."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from concierge.config import Settings
from concierge.db import read_only_engine
from concierge.queues import redis_ok

bp = Blueprint("health", __name__)


def database_ok(settings: Settings) -> bool:
    """True when the database answers a trivial query."""
    try:
        with read_only_engine(settings).connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database and Redis answer, else 503 naming what is down; and how mail leaves."""
    settings: Settings = current_app.config["SETTINGS"]
    parts = {
        "database": "ok" if database_ok(settings) else "down",
        "redis": "ok" if redis_ok(settings) else "down",
    }
    status = 200 if all(v == "ok" for v in parts.values()) else 503
    return jsonify({**parts, "mail": "dev_outbox" if settings.dev_outbox else "smtp"}), status


def init_app(app: Flask) -> None:
    """Register the health check."""
    app.register_blueprint(bp)
