"""Tick benchmark: finding meeting mail due over 1,000 and 10,000 mentorships, printed as a table;
exits 1 when a goal is missed. Run by hand, not in CI: `.venv/bin/python bench/tick.py`.

For each size, on PostgreSQL (DATABASE_URL, or the local server's `test` database in a schema
of its own, with REDIS_URL or the local Redis) and on the embedded SQLite: a program of that
many mentorships in a realistic mix (a third with a meeting in the next three days, a sixth
with one that ended in the last hour, a sixth with one cancelled, the rest none; some people
paused or unsubscribed), then the `meeting_mail` job at one moment:

- SQL statements in its due-selection phase (goal: the same at both sizes);
- the time ratio t(10k) / t(1k) of that phase (goal <= 12);
- emails enqueued per second by the whole job (selection and one enqueue per email).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row, print_table, run_on  # noqa: E402
from concierge.config import Settings  # noqa: E402

AT = datetime(2027, 2, 2, 15, 0, tzinfo=UTC)


def build(settings: Settings, size: int, tag: str) -> None:
    """A program of `size` mentorships in the mix above, written in bulk."""
    from concierge.actions.programs import ProgramSpec, create_program
    from concierge.db import session_scope
    from concierge.models import Enrolment, Meeting, Mentorship, MentorshipMember, Person

    with session_scope(settings) as s:
        program = create_program(s, ProgramSpec(name=f"Bench {tag}", format="formal"), [], "concierge")
        people = [
            {
                "email": f"{role}{n}-{tag}@example.org",
                "display_name": f"{role.title()} {n}",
                "timezone": ("America/New_York", "Europe/Berlin", "Asia/Tokyo")[n % 3],
                "status": "paused" if n % 29 == 0 else "unsubscribed" if n % 31 == 0 else "active",
                "topics": [],
            }
            for n in range(size)
            for role in ("mentor", "mentee")
        ]
        ids = s.scalars(insert(Person).returning(Person.id), people).all()
        s.execute(
            insert(Enrolment),
            [
                {"program_id": program.id, "person_id": pid, "role": ("mentor", "mentee")[i % 2]}
                for i, pid in enumerate(ids)
            ],
        )
        mentorships = s.scalars(
            insert(Mentorship).returning(Mentorship.id),
            [{"program_id": program.id, "state": "active"} for _ in range(size)],
        ).all()
        s.execute(
            insert(MentorshipMember),
            [
                {
                    "mentorship_id": mid,
                    "person_id": ids[2 * n + k],
                    "role": ("mentor", "mentee")[k],
                    "position": k,
                }
                for n, mid in enumerate(mentorships)
                for k in (0, 1)
            ],
        )
        meetings = []
        for n, mid in enumerate(mentorships):
            kind = n % 6
            if kind in (0, 1):
                start, status = AT + timedelta(hours=1 + (n * 7) % 72), "confirmed"
            elif kind == 2:
                start, status = AT - timedelta(minutes=45 + n % 60), "confirmed"
            elif kind == 3:
                start, status = AT + timedelta(hours=5), "cancelled"
            else:
                continue
            meetings.append(
                {
                    "mentorship_id": mid,
                    "uid": f"bench-{uuid.uuid4().hex}@x",
                    "starts_at": start,
                    "duration_minutes": 45,
                    "status": status,
                    "sequence": 0,
                }
            )
        s.execute(insert(Meeting), meetings)


def measure(args: argparse.Namespace) -> dict[str, float]:
    os.environ.setdefault("SECRET_KEY", "bench")
    folder = Path(tempfile.mkdtemp(prefix="concierge-bench-tick-"))
    os.environ["INSTANCE_PATH"] = str(folder)
    from concierge.actions.meeting_mail import due_meeting_mail
    from concierge.config import load_settings
    from concierge.db import session_scope
    from concierge.migrate import upgrade
    from workers.context import use
    from workers.meeting_mail import find_due

    figures: dict[str, float] = {}
    try:
        settings = load_settings()
        upgrade(settings)
        use(settings)
        size = args.size
        build(settings, size, str(size))
        gc.collect()  # what building left behind is not counted in what follows
        seen: list[int] = []

        def count(*_args, seen=seen) -> None:
            seen.append(1)

        event.listen(Engine, "before_cursor_execute", count)
        started = time.perf_counter()
        with session_scope(settings) as s:
            due = due_meeting_mail(s, AT)
        elapsed = time.perf_counter() - started
        event.remove(Engine, "before_cursor_execute", count)
        started = time.perf_counter()
        enqueued = find_due(AT)
        job = time.perf_counter() - started
        figures[f"statements_{size}"] = len(seen)
        figures[f"seconds_{size}"] = elapsed
        figures[f"due_{size}"] = len(due)
        figures[f"enqueued_per_second_{size}"] = enqueued / job if job else 0.0
    finally:
        from concierge import queues as q

        q.leave_embedded()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument(
        "--database", choices=("postgresql", "sqlite"), help="Measure one database, print JSON."
    )
    parser.add_argument("--size", type=int, help="With --database: the one size to measure.")
    args = parser.parse_args()
    if args.database:
        if args.size is None:
            parser.error("--database needs --size")
        print(json.dumps(measure(args)))
        return 0
    figures: dict[str, dict[str, float]] = {}
    for database in ("postgresql", "sqlite"):
        for size in (args.small, args.large):
            figures.setdefault(database, {}).update(run_on(__file__, database, ["--size", str(size)]))
    small, large = args.small, args.large
    rows: list[Row] = [
        (
            f"due-selection statements, {small:,} vs {large:,} mentorships",
            "equal",
            lambda f: f"{f[f'statements_{small}']:.0f} vs {f[f'statements_{large}']:.0f}",
            lambda f: f[f"statements_{small}"] == f[f"statements_{large}"],
        ),
        (
            f"due-selection time, t({large:,}) / t({small:,})",
            "<= 12",
            lambda f: f"{f[f'seconds_{large}'] / f[f'seconds_{small}']:.1f} ({f[f'seconds_{large}']:.2f} s)",
            lambda f: f[f"seconds_{large}"] / f[f"seconds_{small}"] <= 12,
        ),
        (
            f"emails enqueued per second, {large:,} mentorships",
            "(reported)",
            lambda f: f"{f[f'enqueued_per_second_{large}']:.0f} ({f[f'due_{large}']:.0f} due)",
            lambda f: True,
        ),
    ]
    return 0 if print_table(figures, rows, judged=("postgresql", "sqlite")) else 1


if __name__ == "__main__":
    sys.exit(main())
