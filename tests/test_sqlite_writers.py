"""SQLite writers across processes: the kernel queue before BEGIN IMMEDIATE, the WAL flushed after it.

These run on a SQLite file of their own, whatever DATABASE_URL says: the embedded
default is what they are about.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from concierge import sqlite_writers
from concierge.db import make_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "writers.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rows (id INTEGER PRIMARY KEY, worker INTEGER, n INTEGER)")
    yield path, engine
    engine.dispose()


def lock_is_free(path: Path) -> bool:
    """Whether another process could take the writers' turn right now (it does not wait)."""
    probe = textwrap.dedent(
        f"""
        import fcntl, os, sys
        fd = os.open({str(path) + ".writers"!r}, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            sys.exit(1)
        """
    )
    return subprocess.run([sys.executable, "-c", probe], timeout=60).returncode == 0


def test_a_transaction_holds_the_writers_turn_until_it_ends(database):
    path, engine = database
    assert lock_is_free(path)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO rows (worker, n) VALUES (0, 1)"))
        assert not lock_is_free(path)
    assert lock_is_free(path)
    with engine.connect() as connection:  # a reading transaction takes its turn too, and ends
        assert connection.execute(text("SELECT count(*) FROM rows")).scalar() == 1
        assert not lock_is_free(path)
    assert lock_is_free(path)


def test_a_failed_transaction_gives_the_turn_back(database):
    path, engine = database
    with pytest.raises(ZeroDivisionError), engine.begin() as connection:
        connection.execute(text("INSERT INTO rows (worker, n) VALUES (0, 1)"))
        1 / 0  # noqa: B018
    assert lock_is_free(path)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM rows")).scalar() == 0


def test_threads_of_one_process_share_the_turn_and_the_last_one_out_unlocks(database):
    path, _engine = database
    files = sqlite_writers._database_files(str(path))
    files.acquire()
    files.acquire()
    files.release()
    assert not lock_is_free(path)
    files.release()
    assert lock_is_free(path)


def test_every_transaction_ends_with_the_wal_on_disk_after_the_turn_is_given_back(database, monkeypatch):
    """What synchronous=FULL promised (commit returns once on disk), with the flush outside the lock."""
    path, engine = database
    files = sqlite_writers._database_files(str(path))
    wal = Path(str(path) + "-wal")
    flushed: list[tuple[str, int]] = []
    real_flush = sqlite_writers._flush

    def flush(fd: int) -> None:
        named = "wal" if os.fstat(fd).st_ino == wal.stat().st_ino else "another file"
        flushed.append((named, files._holders))
        real_flush(fd)

    monkeypatch.setattr(sqlite_writers, "_flush", flush)
    with engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        connection.execute(text("INSERT INTO rows (worker, n) VALUES (0, 1)"))
        assert flushed == []
    assert flushed == [("wal", 0)]
    with engine.connect() as connection:  # what a reader saw is on disk before it acts on it
        connection.execute(text("SELECT count(*) FROM rows")).scalar()
    assert flushed == [("wal", 0)] * 2


def test_writers_in_several_processes_all_commit(database):
    path, engine = database
    script = textwrap.dedent(
        f"""
        import sys
        from sqlalchemy import text
        from concierge.db import make_engine

        engine = make_engine({f"sqlite:///{path}"!r})
        worker = int(sys.argv[1])
        for n in range(100):
            with engine.begin() as connection:
                row = {{"w": worker, "n": n}}
                connection.execute(text("INSERT INTO rows (worker, n) VALUES (:w, :n)"), row)
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(worker)], cwd=ROOT) for worker in range(4)]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT worker, count(*) FROM rows GROUP BY worker")).all()
    assert sorted(counts) == [(0, 100), (1, 100), (2, 100), (3, 100)]
    assert lock_is_free(path)


def test_an_in_memory_database_neither_queues_nor_syncs():
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()
