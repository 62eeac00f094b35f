"""What the benchmarks share: running a measurement in a child process on PostgreSQL (a schema and
a Redis key prefix of its own, dropped afterwards) or on the embedded parts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_on(script: str, database: str, argv: list[str]) -> dict[str, float]:
    """Run `script --database DATABASE ARGV…` in a child process and return the JSON it prints
    last. PostgreSQL is DATABASE_URL or the local server's `test` database, in a schema of its
    own, with REDIS_URL or the local Redis under its own key prefix; sqlite is the embedded parts."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    sys.path.insert(0, str(ROOT))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if database == "postgresql":
        from concierge.config import normalise_database_url

        base = normalise_database_url(
            os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
        )
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        env["DATABASE_URL"] = url.render_as_string(hide_password=False)
        env["REDIS_URL"] = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
        env["RQ_KEY_PREFIX"] = schema
    try:
        done = subprocess.run(
            [sys.executable, script, "--database", database, *argv], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"the {database} run failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
            import redis

            client = redis.Redis.from_url(env["REDIS_URL"])
            for key in client.scan_iter(f"{schema}:*", count=1000):
                client.delete(key)


#: A row of a benchmark's table: its name, its goal as printed, how a database's figures show
#: in it, and whether they meet the goal.
Row = tuple[str, str, Callable[[dict[str, float]], str], Callable[[dict[str, float]], bool]]


def print_table(figures: dict[str, dict[str, float]], rows: list[Row], judged: tuple[str, ...]) -> bool:
    """Print one line per row with each database's figures; True when the databases in
    `judged` meet every goal."""
    name_width = max(len("measure"), *(len(row[0]) for row in rows)) + 2
    cells = {row[0]: [row[2](figures[d]) for d in figures] for row in rows}
    headers = [
        f"{'PostgreSQL' if d == 'postgresql' else 'SQLite'}{' (goals)' if d in judged else ''}"
        for d in figures
    ]
    cell_width = max(len(c) for c in [*headers, *(c for values in cells.values() for c in values)]) + 2
    goal_width = max(len("goal"), *(len(row[1]) for row in rows)) + 2
    print(
        f"{'measure':<{name_width}}"
        + "".join(f"{h:<{cell_width}}" for h in headers)
        + f"{'goal':<{goal_width}}ok"
    )
    met_all = True
    for name, goal, _shown, met in rows:
        ok = all(met(figures[d]) for d in judged)
        met_all &= ok
        line = f"{name:<{name_width}}" + "".join(f"{c:<{cell_width}}" for c in cells[name])
        print(f"{line}{goal:<{goal_width}}{'yes' if ok else 'NO'}")
    return met_all
