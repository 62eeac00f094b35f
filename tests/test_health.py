"""`GET /healthz` per SPEC §4.3: 200 when both parts answer, 503 naming what is down."""

from __future__ import annotations

from concierge import create_app


def test_healthz_ok(settings):
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "ok"}


def test_healthz_redis_down(settings, tmp_path):
    broken = settings.with_(redis_url=f"unix://{tmp_path}/no-such.sock")
    response = create_app(broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "ok", "redis": "down"}


def test_healthz_database_down(settings):
    broken = settings.with_(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = create_app(broken).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"database": "down", "redis": "ok"}
