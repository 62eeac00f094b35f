"""Send benchmark: queued emails sent by one worker to a local SMTP server, against a bare `smtplib`
loop sending the same rendered messages; prints a table and exits 1 when the goal is missed.
Run by hand, not in CI: `.venv/bin/python bench/send.py`.

- the worker: `--emails` (2,000) reminders queued through the outbox, then one burst worker on
  the outbound queue (claim, render, SMTP, record), on PostgreSQL and on the embedded SQLite;
- the bare loop: the same messages rendered beforehand, each sent by `smtplib` over a
  connection of its own (goal: the worker <= 3x this), and all over one connection (reported).

The SMTP server is aiosmtpd on loopback, accepting everything (a development dependency).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import smtplib
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row, print_table, run_on  # noqa: E402

GOAL = 3.0


class Accept:
    """An aiosmtpd handler that takes every message and keeps nothing."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        return "250 OK"


def queue_reminders(settings, count: int) -> list[int]:
    """`count` reminders to 100 people, queued (and their send jobs enqueued) as the product does."""
    from concierge.actions.people import ParticipantRow, enrol
    from concierge.actions.programs import ProgramSpec, create_program
    from concierge.db import session_scope
    from concierge.outbox import queue_email

    ids = []
    with session_scope(settings) as session:
        program = create_program(session, ProgramSpec(name="Send bench", format="formal"), [], "concierge")
        people = [
            enrol(session, program, ParticipantRow(email=f"p{n}@example.org", role="mentee", name=f"P {n}"))[
                0
            ].person
            for n in range(100)
        ]
        for n in range(count):
            row = queue_email(
                session,
                settings,
                template="reminder",
                occasion=f"bench:{n}",
                to=people[n % len(people)],
                program=program,
                thread="mentorship",
                context={
                    "program_name": program.name,
                    "thread_subject": "Bench",
                    "when": "Tue Dec 8, 3:00 PM ET",
                    "minutes": 45,
                    "place": "",
                    "others": ["Maya"],
                    "with_whom": "Maya",
                },
                now=datetime(2026, 12, 8, tzinfo=UTC),
            )
            assert row is not None
            ids.append(row.id)
    return ids


def measure(args: argparse.Namespace) -> dict[str, float]:
    from aiosmtpd.controller import Controller

    from concierge.db import session_scope
    from concierge.models import OutboundMessage
    from concierge.queues import OUTBOUND
    from tests.conftest import free_port
    from workers.outbound import build_message, read_outgoing
    from workers.runner import make_worker

    folder = Path(tempfile.mkdtemp(prefix="concierge-bench-send-"))
    port = free_port()
    controller = Controller(Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
            "MAIL_FROM": "Concierge <concierge@mentoring.example>",
        }
    )
    from concierge.config import load_settings
    from concierge.migrate import upgrade

    try:
        settings = load_settings()
        upgrade(settings)
        ids = queue_reminders(settings, args.emails)
        with session_scope(settings) as session:
            messages = [build_message(settings, read_outgoing(session, outbound_id)) for outbound_id in ids]
        started = time.perf_counter()
        make_worker(settings, (OUTBOUND,)).work(burst=True, logging_level="ERROR")
        worker = time.perf_counter() - started
        with session_scope(settings) as session:
            sent = session.query(OutboundMessage).filter(OutboundMessage.status == "sent").count()
        assert sent == args.emails, f"only {sent} of {args.emails} were sent"
        started = time.perf_counter()
        for msg in messages:
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.ehlo()
                client.send_message(msg, from_addr="bounce@mentoring.example")
        each = time.perf_counter() - started
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.ehlo()
            for msg in messages:
                client.send_message(msg, from_addr="bounce@mentoring.example")
        one = time.perf_counter() - started
    finally:
        controller.stop()
        from concierge import queues

        queues.leave_embedded()
        shutil.rmtree(folder, ignore_errors=True)
    count = args.emails
    return {"worker_ms": worker / count * 1000, "each_ms": each / count * 1000, "one_ms": one / count * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument(
        "--database", choices=("postgresql", "sqlite"), help="Measure one database, print JSON."
    )
    args = parser.parse_args()
    if args.database:
        print(json.dumps(measure(args)))
        return 0
    figures = {d: run_on(__file__, d, ["--emails", str(args.emails)]) for d in ("postgresql", "sqlite")}

    def shown(key: str) -> Callable[[dict[str, float]], str]:
        return lambda f: f"{f['worker_ms']:.2f} vs {f[key]:.2f} ms: {f['worker_ms'] / f[key]:.1f}x"

    rows: list[Row] = [
        (
            "one worker vs smtplib, a connection per message",
            f"<= {GOAL:g}x",
            shown("each_ms"),
            lambda f: f["worker_ms"] / f["each_ms"] <= GOAL,
        ),
        ("one worker vs smtplib, one connection for all", "(reported)", shown("one_ms"), lambda f: True),
    ]
    return 0 if print_table(figures, rows, judged=("postgresql", "sqlite")) else 1


if __name__ == "__main__":
    sys.exit(main())
