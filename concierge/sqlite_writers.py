"""SQLite writers in several processes: queued in the kernel, synced to disk outside the lock.

Every transaction on SQLite starts with `BEGIN IMMEDIATE` (see `concierge.db`), so one
transaction at a time holds the write lock. Two things make that lock costly with several
gunicorn and worker processes, and this module fixes both:

- *Waiting.* SQLite's busy handler polls: a writer that finds the lock taken sleeps 1, 2,
  5, 10… ms and tries again, so the lock is often free while every waiter sleeps. Here a
  connection first takes a POSIX lock on `<database>.writers` (`take_turn`) and only then
  says `BEGIN IMMEDIATE`; the end of its transaction gives the lock back and the kernel
  wakes the next writer at once.
- *Syncing.* With `synchronous=FULL` the commit waits for the disk while it still holds
  the write lock, so commits go one disk flush at a time. Connections run with
  `synchronous=NORMAL` (WAL stays consistent; SQLite syncs the WAL before each checkpoint
  and the database after it) and, once the transaction has ended and the lock is given
  back, `fdatasync` the WAL themselves before `commit()` returns. The flushes of several
  processes overlap (a group commit), and the promise stays the one `FULL` gave: when
  `commit()` returns, the transaction is on disk. The WAL is append-only, so the flush
  also covers every transaction committed before it: a transaction that ends (commit or
  rollback) has everything it read on disk too, and nothing a process does after a
  transaction (answer a webhook, send a mail) can rest on data a power cut would take back.

POSIX locks belong to a process: threads of one process count their holders and the last
one out unlocks (between them SQLite's busy handler still decides). A process that dies
loses its lock; a forked child starts with none. Waiting has no timeout of its own: a
writer waits for the one before it to finish, as it would for SQLite's lock, without
giving up after the busy timeout.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from typing import Any

# fdatasync where the system has it (Linux), else fsync (macOS).
_flush = getattr(os, "fdatasync", os.fsync)
_files: dict[str, _DatabaseFiles] = {}
_files_guard = threading.Lock()


class _DatabaseFiles:
    """This process's share of one database's writers' lock, and the syncing of its WAL."""

    def __init__(self, database: str) -> None:
        self.lock_path = database + ".writers"
        self.wal_path = database + "-wal"
        self._mutex = threading.Lock()
        self._pid = -1
        self._fd = -1
        self._holders = 0
        self._wal_seen: tuple[int, int] | None = None

    def _reset_after_fork(self) -> None:
        if self._pid != os.getpid():
            # A forked child holds none of its parent's POSIX locks and opens its own file.
            self._pid = os.getpid()
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._holders = 0

    def acquire(self) -> None:
        with self._mutex:
            self._reset_after_fork()
            self._holders += 1
            if self._holders > 1:
                return  # another thread of this process holds it (or is queued for it)
            fd = self._fd
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        with self._mutex:
            if self._pid != os.getpid() or self._holders == 0:
                return
            self._holders -= 1
            if self._holders == 0:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def sync_wal(self) -> None:
        """Flush the WAL (and, the first time a WAL file is seen, its directory entry) to disk."""
        try:
            fd = os.open(self.wal_path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # the last connection checkpointed it into the database (synced) and removed it
        try:
            stat = os.fstat(fd)
            if self._wal_seen != (stat.st_dev, stat.st_ino):
                _sync_directory(os.path.dirname(self.wal_path) or ".")
                self._wal_seen = (stat.st_dev, stat.st_ino)
            _flush(fd)
        finally:
            os.close(fd)


def _sync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database_files(database: str) -> _DatabaseFiles:
    path = os.path.abspath(database)
    with _files_guard:
        files = _files.get(path)
        if files is None:
            files = _files[path] = _DatabaseFiles(path)
        return files


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its turn before `BEGIN IMMEDIATE` and syncs after the end.

    Pass it as `factory` to `sqlite3.connect`, open it in autocommit mode
    (`isolation_level = None`) with `synchronous=NORMAL`, and call `take_turn()` right
    before `BEGIN IMMEDIATE`. Commit and rollback give the turn back, then flush the WAL.
    An in-memory database has no files: it neither queues nor syncs.
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        in_memory = name in ("", ":memory:") or name.startswith("file:")
        self._files = None if in_memory else _database_files(name)
        self._holding = False

    def take_turn(self) -> None:
        """Wait until no other process writes; call it right before `BEGIN IMMEDIATE`."""
        if self._files is not None and not self._holding:
            self._files.acquire()
            self._holding = True

    def give_back_turn(self) -> None:
        """Let the next writer in without syncing (when `BEGIN IMMEDIATE` itself failed)."""
        if self._holding:
            self._holding = False
            assert self._files is not None
            self._files.release()

    def _ended(self) -> None:
        if self._holding and not self.in_transaction:
            self.give_back_turn()
            assert self._files is not None
            self._files.sync_wal()

    def commit(self) -> None:
        super().commit()
        self._ended()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._ended()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back_turn()
