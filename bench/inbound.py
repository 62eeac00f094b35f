"""Inbound benchmark: ratios measured in one run, printed as a table; exits 1 when a goal is missed.

(a) throughput of `POST /inbound/raw` against `GET /healthz` on the same gunicorn server at the
    same concurrency (goal >= 0.5);
(b) end-to-end processing of realistic replies by one worker against a bare
    `mailparser.parse_from_bytes` loop over the same bytes (ms per email; goal <= 15x);
(c) SQL statements per processed message, for a small and a large batch (goal: constant).

The goals are measured on PostgreSQL, the production database (DATABASE_URL, or the local
server's `test` database, in a schema of its own, with REDIS_URL or the local Redis); the
embedded SQLite's figures are reported beside them, not judged. Run by hand before resolving
inbound work (not in CI): `.venv/bin/python bench/inbound.py`.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import mailparser
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Row, print_table, run_on  # noqa: E402
from concierge.config import Settings, load_settings  # noqa: E402
from concierge.db import session_scope  # noqa: E402

TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_installation(folder: Path) -> Settings:
    """Settings for a throwaway installation (embedded parts unless the environment says otherwise)."""
    env = {
        "INSTANCE_PATH": str(folder),
        "INBOUND_TOKEN": TOKEN,
        "MAIL_FROM": "Concierge <concierge@mentoring.example>",
        "SECRET_KEY": "bench",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    os.environ.update(env)
    from concierge.migrate import upgrade

    settings = load_settings()
    upgrade(settings)
    return settings


def seed(settings: Settings, mentees: int) -> list[tuple[str, str]]:
    """A program with `mentees` welcomed mentees, each paired with a mentor: (address, reply key)
    pairs, each mentee's welcome key then the key of their mentorship's conversation."""
    from concierge.actions.pairing import pair_csv
    from concierge.actions.people import import_participants
    from concierge.actions.programs import ProgramSpec, create_program
    from concierge.models import Person, ReplyKey

    people = "".join(
        f"mentee{i}@example.org,Mentee {i},mentee,America/New_York\n"
        f"mentor{i}@example.org,Mentor {i},mentor,Europe/London\n"
        for i in range(mentees)
    )
    pairs = "".join(f"mentor{i}@example.org,mentee{i}@example.org\n" for i in range(mentees))
    with session_scope(settings) as session:
        program = create_program(session, ProgramSpec(name="Bench", format="formal"), [], "concierge")
        import_participants(session, settings, program, ("email,name,role,timezone\n" + people).encode())
        pair_csv(session, settings, program, ("mentor_email,mentee_email\n" + pairs).encode())
    with session_scope(settings) as session:
        rows = session.execute(
            ReplyKey.__table__.select()
            .with_only_columns(Person.email, ReplyKey.key, ReplyKey.thread)
            .join(Person.__table__, Person.id == ReplyKey.person_id)
            .where(Person.email.like("mentee%"))
            .order_by(Person.email, ReplyKey.thread.desc())
        ).all()
        # A live database has statistics (autovacuum analyses a table once enough of it changed,
        # within a minute): gathered now, so the plans measured are the ones it would use.
        session.execute(text("ANALYZE"))
    return [(email, key) for email, key, _thread in rows]


#: Replies as mentees write them: goals to their welcome, and in their mentorship times to meet,
#: options, a message for their mentor, and a quote with nothing new.
WELCOME_BODIES = [
    "I'd like to get better at giving feedback and to lead my first project.",
    "Goals:\n- negotiate my next raise\n- speak at a meetup\n- find a sponsor",
]
MENTORSHIP_BODIES = [
    "Thanks for the intro! Could we meet next Tuesday at 3pm? I'd like to talk about my promotion case.",
    "Tue 3pm or Wed 10am, whichever suits you better. I'll bring the draft.",
    "Running 10 minutes late, sorry! Thanks for the article you sent, really useful.",
    "How about Thursday at noon for 30 minutes on Zoom https://zoom.us/j/123456789?",
    "",  # a reply that is only the quote: nothing new
]


def realistic_reply(n: int, address: str, key: str) -> bytes:
    """A Gmail-style reply (text + HTML) quoting our email, to a real reply key. The keys of `seed`
    alternate welcome, mentorship: an even `n` answers a welcome, an odd one a mentorship."""
    bodies = WELCOME_BODIES if n % 2 == 0 else MENTORSHIP_BODIES
    body = bodies[(n // 2) % len(bodies)]
    quote = "\n".join(
        f"> {line}"
        for line in (
            "-- Reply above this line --",
            "",
            "Hi there,",
            "Welcome to Bench! As a mentee you drive the relationship: you suggest the meeting",
            "times, bring what you want to talk about, and follow up on what you agree.",
            "To start: what would you like to get out of this program?",
        )
    )
    msg = EmailMessage()
    msg["From"] = f"Mentee <{address}>"
    msg["To"] = f"reply+{key}@mentoring.example"
    msg["Subject"] = "Re: Welcome to Bench"
    msg["Message-ID"] = f"<bench-{n}-{time.time_ns()}@mail.example.org>"
    msg["Date"] = "Thu, 26 Nov 2026 10:15:00 +0000"
    msg.set_content(
        f"{body}\n\nOn Thu, Nov 26, 2026 at 9:00 AM Concierge <concierge@mentoring.example> wrote:\n{quote}\n"
    )
    msg.add_alternative(
        f'<div dir="ltr">{body}</div><blockquote class="gmail_quote">{quote}</blockquote>', subtype="html"
    )
    return msg.as_bytes()


class StatementCounter:
    """Counts SQL statements sent on every engine of this process (a worker has its own)."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


def store_all(settings: Settings, messages: list[bytes]) -> None:
    from concierge.ingress.store import store_inbound

    for raw in messages:
        store_inbound(settings, raw, None)


def drain_inbound(settings: Settings) -> None:
    """One worker, in this process, on the inbound queue, until it is empty."""
    from concierge.queues import INBOUND
    from workers.runner import make_worker

    make_worker(settings, (INBOUND,)).work(burst=True, logging_level="ERROR")


def bench_processing(
    settings: Settings, pairs: list[tuple[str, str]], count: int, rounds: int = 10
) -> dict[str, float]:
    """Both loops over the same bytes, interleaved in `rounds` slices so drift hits both alike."""
    messages = [realistic_reply(n, *pairs[n % len(pairs)]) for n in range(count)]
    bare = full = 0.0
    size = max(1, count // rounds)
    for start in range(0, count, size):
        chunk = messages[start : start + size]
        started = time.perf_counter()
        for raw in chunk:
            mailparser.parse_from_bytes(raw)
        bare += time.perf_counter() - started
        store_all(settings, chunk)
        started = time.perf_counter()
        drain_inbound(settings)
        full += time.perf_counter() - started
    return {"bare_ms": bare / count * 1000, "full_ms": full / count * 1000, "ratio": full / bare}


def statements_per_message(settings: Settings, pairs: list[tuple[str, str]], count: int) -> float:
    messages = [realistic_reply(n, *pairs[n % len(pairs)]) for n in range(count)]
    store_all(settings, messages)
    counter = StatementCounter()
    drain_inbound(settings)
    event.remove(Engine, "before_cursor_execute", counter._seen)
    return counter.count / count


def hammer(
    port: int, method: str, path: str, bodies: list[bytes] | None, total: int, concurrency: int
) -> float:
    """Requests per second for `total` requests over `concurrency` keep-alive connections."""
    counter = iter(range(total))
    lock = threading.Lock()
    errors: list[str] = []

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            headers = {}
            body = None
            if bodies is not None:
                body = bodies[n]
                headers = {"Content-Type": "message/rfc822", "Authorization": f"Bearer {TOKEN}"}
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{method} {path}: {response.status}")
        conn.close()

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"requests failed: {errors[:3]}")
    return total / elapsed


def bench_http(
    settings: Settings,
    pairs: list[tuple[str, str]],
    total: int,
    concurrency: int,
    workers: int,
    threads: int,
    rounds: int = 5,
) -> dict[str, float]:
    port = free_port()
    env = dict(os.environ)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "concierge:create_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        hammer(port, "GET", "/healthz", None, 200, concurrency)  # warm up
        bodies = [realistic_reply(n, *pairs[n % len(pairs)]) for n in range(total)]
        # Interleaved in `rounds` slices, so that drift on a shared machine hits both alike.
        health_seconds = raw_seconds = 0.0
        size = max(1, total // rounds)
        for start in range(0, total, size):
            chunk = bodies[start : start + size]
            health_seconds += len(chunk) / hammer(port, "GET", "/healthz", None, len(chunk), concurrency)
            raw_seconds += len(chunk) / hammer(port, "POST", "/inbound/raw", chunk, len(chunk), concurrency)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    health, raw = total / health_seconds, total / raw_seconds
    return {"healthz_rps": health, "raw_rps": raw, "ratio": raw / health}


def measure(args: argparse.Namespace) -> dict[str, float]:
    """The figures of (a), (b) and (c) on the database the environment names."""
    folder = Path(tempfile.mkdtemp(prefix="concierge-bench-"))
    try:
        settings = make_installation(folder)
        pairs = seed(settings, 200)
        http_figures = (
            {"healthz_rps": 1.0, "raw_rps": 0.0, "ratio": 0.0}
            if args.skip_http
            else bench_http(
                settings, pairs, args.requests, args.concurrency, args.web_workers, args.web_threads
            )
        )
        drain_inbound(settings)  # what the HTTP run stored, out of the way
        processing = bench_processing(settings, pairs, args.messages)
        small = statements_per_message(settings, pairs, 20)
        large = statements_per_message(settings, pairs, 200)
    finally:
        from concierge import queues

        queues.leave_embedded()
        shutil.rmtree(folder, ignore_errors=True)
    return {
        **{f"http_{k}": v for k, v in http_figures.items()},
        **{f"processing_{k}": v for k, v in processing.items()},
        "statements_small": small,
        "statements_large": large,
    }


GOALS = (
    ("(a) POST /inbound/raw vs GET /healthz", ">= 0.5", lambda f: f["http_ratio"] >= 0.5),
    ("(b) processing replies vs parse_from_bytes", "<= 15x", lambda f: f["processing_ratio"] <= 15),
    (
        "(c) SQL statements per processed message",
        "constant",
        lambda f: abs(f["statements_large"] - f["statements_small"]) < 0.5,
    ),
)


def shown(name: str, f: dict[str, float]) -> str:
    if name.startswith("(a)"):
        return f"{f['http_raw_rps']:.0f} vs {f['http_healthz_rps']:.0f} req/s: {f['http_ratio']:.2f}"
    if name.startswith("(b)"):
        return (
            f"{f['processing_full_ms']:.2f} vs {f['processing_bare_ms']:.2f} ms: {f['processing_ratio']:.1f}x"
        )
    return f"{f['statements_small']:.1f} (20) vs {f['statements_large']:.1f} (200)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument(
        "--web-workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers for (a) (default: gunicorn's advice, 2 x cores + 1).",
    )
    parser.add_argument("--web-threads", type=int, default=1, help="threads per gunicorn worker for (a).")
    parser.add_argument("--skip-http", action="store_true", help="Leave out (a) (while tuning (b)).")
    parser.add_argument(
        "--database", choices=("postgresql", "sqlite"), help="Measure this database only and print JSON."
    )
    args = parser.parse_args()
    if args.database:
        import json

        print(json.dumps(measure(args)))
        return 0
    argv = sys.argv[1:]
    figures = {database: run_on(__file__, database, argv) for database in ("postgresql", "sqlite")}
    rows: list[Row] = [(name, goal, lambda f, name=name: shown(name, f), met) for name, goal, met in GOALS]
    return 0 if print_table(figures, rows, judged=("postgresql",)) else 1


if __name__ == "__main__":
    sys.exit(main())
