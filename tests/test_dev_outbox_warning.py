"""Every long-running process says in one line at start when mail would stay in the dev outbox
on a production database (SPEC §4.3)."""

from __future__ import annotations

import logging

import pytest

from concierge import create_app

WARNING = "mail is not being sent: the dev outbox is on"
PRODUCTION_DB = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def test_the_web_app_warns_once_at_start(settings, caplog):
    with caplog.at_level(logging.WARNING):
        create_app(settings.with_(database_url=PRODUCTION_DB))
    assert [r.getMessage() for r in caplog.records if WARNING in r.getMessage()] == [
        "mail is not being sent: the dev outbox is on (set SMTP_URL to send mail)"
    ]


@pytest.mark.parametrize(
    ("db", "smtp_url"),
    [("sqlite:///{tmp}/trial.sqlite3", None), (PRODUCTION_DB, "smtp://127.0.0.1:2525")],
    ids=["sqlite-demo-or-trial", "smtp-configured"],
)
def test_no_warning_on_sqlite_or_with_smtp(settings, caplog, tmp_path, db, smtp_url):
    with caplog.at_level(logging.WARNING):
        create_app(settings.with_(database_url=db.format(tmp=tmp_path), smtp_url=smtp_url))
    assert not [r for r in caplog.records if WARNING in r.getMessage()]


def test_the_worker_warns_in_one_line(settings, cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PRODUCTION_DB)
    result = cli("worker", "--burst")
    assert result.code == 0, result
    assert result.stderr.count(WARNING) == 1 and result.stderr.count("\n") == 1
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:2525")
    assert WARNING not in cli("worker", "--burst").stderr
