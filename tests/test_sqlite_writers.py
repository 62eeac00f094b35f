"""SQLite writers across processes: the kernel queue before BEGIN IMMEDIATE, the WAL flushed after it.

These run on a SQLite file of their own, whatever DATABASE_URL says: the embedded
default is what they are about.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

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


@contextmanager
def turn_held_by_another_process(path: Path) -> Iterator[None]:
    """Another process holds the writers' turn until the block ends."""
    script = textwrap.dedent(
        f"""
        import fcntl, os, sys
        fd = os.open({str(path) + ".writers"!r}, os.O_RDWR | os.O_CREAT)
        fcntl.lockf(fd, fcntl.LOCK_EX)
        print("locked", flush=True)
        sys.stdin.read()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_writer_gives_up_after_the_busy_timeout_as_sqlite_would(database, monkeypatch):
    path, engine = database
    monkeypatch.setattr(sqlite_writers, "TURN_TIMEOUT", 0.05)
    with turn_held_by_another_process(path):
        with pytest.raises(OperationalError, match="database is locked"), engine.begin():
            pass
        assert sqlite_writers._database_files(str(path))._holders == 0
    with engine.begin() as connection:  # and the next transaction goes ahead
        connection.execute(text("INSERT INTO rows (worker, n) VALUES (0, 1)"))


def test_a_commit_that_cannot_be_flushed_fails_as_a_disk_error(database, monkeypatch):
    _path, engine = database

    def broken_disk(_fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(sqlite_writers, "_flush", broken_disk)
    with pytest.raises(OperationalError, match="disk I/O error"), engine.begin() as connection:
        connection.execute(text("INSERT INTO rows (worker, n) VALUES (0, 1)"))


def test_a_database_reached_through_a_symlink_flushes_the_real_wal(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link.sqlite3").symlink_to(real / "target.sqlite3")
    engine = make_engine(f"sqlite:///{tmp_path / 'link.sqlite3'}")
    flushed: list[int] = []
    real_flush = sqlite_writers._flush

    def flush(fd: int) -> None:
        flushed.append(os.fstat(fd).st_ino)
        real_flush(fd)

    monkeypatch.setattr(sqlite_writers, "_flush", flush)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    engine_wal = real / "target.sqlite3-wal"
    assert flushed == [engine_wal.stat().st_ino]
    assert (real / "target.sqlite3.writers").exists()
    engine.dispose()


def database_without_lock_file(path: Path) -> None:
    """A database with a table `t`, and no lock file yet (as if no process had written)."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    engine.dispose()
    sqlite_writers.close_files()
    Path(str(path) + ".writers").unlink()


def test_the_lock_file_gets_the_database_files_permissions(tmp_path):
    path = tmp_path / "shared.sqlite3"
    database_without_lock_file(path)
    path.chmod(0o660)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO t DEFAULT VALUES")
    assert Path(str(path) + ".writers").stat().st_mode & 0o777 == 0o660
    engine.dispose()


def test_a_uri_database_keeps_sqlites_own_full_sync(tmp_path):
    engine = make_engine(f"sqlite:///file:{tmp_path / 'uri.sqlite3'}?mode=rwc&uri=true")
    with engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def test_a_read_only_database_does_not_leave_a_lock_file_its_owner_cannot_take(tmp_path):
    path = tmp_path / "readonly.sqlite3"
    database_without_lock_file(path)
    path.chmod(0o444)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    assert Path(str(path) + ".writers").stat().st_mode & 0o777 == 0o644
    engine.dispose()
    path.chmod(0o644)
