"""`GET /healthz` per SPEC §4.3: 200 when both parts answer, 503 naming what is down."""

from __future__ import annotations

from concierge import create_app


def test_healthz_ok(settings):
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "ok", "mail": "dev_outbox"}


def test_healthz_redis_down(settings, tmp_path):
    broken = settings.with_(redis_url=f"unix://{tmp_path}/no-such.sock")
    response = create_app(broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "redis": "down", "mail": "dev_outbox"}


def test_healthz_database_down(settings):
    broken = settings.with_(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = create_app(broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "down", "redis": "ok", "mail": "dev_outbox"}


def test_healthz_says_how_mail_leaves(settings):
    smtp = settings.with_(smtp_url="smtp://127.0.0.1:2525")
    assert create_app(smtp).test_client().get("/healthz").get_json()["mail"] == "smtp"
    assert create_app(settings).test_client().get("/healthz").get_json()["mail"] == "dev_outbox"
