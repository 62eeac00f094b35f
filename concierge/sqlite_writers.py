"""SQLite writers in several processes: a fast turn-taking lock, and the WAL flushed outside it.

Every transaction on SQLite starts with `BEGIN IMMEDIATE` (see `concierge.db`), so one
transaction at a time holds the write lock. Two things made that lock costly with
several gunicorn and worker processes, and this module fixes both:

- *Waiting.* SQLite's busy handler sleeps 1, 2, 5, 10… up to 100 ms between tries, so the
  lock is often free while every waiter sleeps. Here a connection first takes a POSIX
  lock on `<database>.writers` (`take_turn`) and only then says `BEGIN IMMEDIATE`; a
  waiter retries every 50–500 µs, and gives up after the busy timeout (5 s) with SQLite's
  own "database is locked", as before.
- *Syncing.* With `synchronous=FULL` a commit waits for the disk while it still holds the
  write lock, so commits go one disk flush at a time. In WAL mode connections run with
  `synchronous=NORMAL` (the WAL stays consistent: SQLite syncs it before each checkpoint,
  and the database after) and, once the transaction has ended and the lock is given back,
  `fdatasync` the WAL themselves before `commit()` returns. The flushes of several
  processes overlap (a group commit), and the promise stays the one FULL gave: when
  `commit()` returns, the transaction is on disk; when it cannot be flushed, `commit()`
  raises a disk I/O error. One flush covers every frame written before it, so a
  transaction that ends by commit or rollback also has on disk everything it read:
  nothing a process does after a transaction (answer a webhook, send a mail after its
  claim) rests on data a power cut would take back. Where WAL mode is not available, or
  the database is not a plain file, connections fall back to `synchronous=FULL`.

POSIX locks belong to a process: the threads of one process count their holders and the
last one out unlocks (between them SQLite's busy handler decides, as before). A process
that dies loses its lock; a forked child starts with none. The lock file gets the
database file's group and other access and its owner, like SQLite's `-wal` and `-shm`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

#: How long a writer waits for its turn before "database is locked" (SQLite's busy timeout).
TURN_TIMEOUT = 5.0
_FIRST_PAUSE, _LONGEST_PAUSE = 0.00005, 0.0005
_BUSY = (errno.EACCES, errno.EAGAIN)

# fdatasync where the system has it (Linux), else fsync (macOS).
_flush = getattr(os, "fdatasync", os.fsync)
_files: dict[str, _DatabaseFiles] = {}
_files_guard = threading.Lock()


class _DatabaseFiles:
    """This process's share of one database's writers' lock, and the flushing of its WAL."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.lock_path = database + ".writers"
        self.wal_path = database + "-wal"
        self._mutex = threading.Lock()
        self._fd = -1
        self._holders = 0
        self._wal_seen: tuple[int, int] | None = None

    def _lock_file(self) -> int:
        if self._fd < 0:
            self._fd = _open_like(self.lock_path, self.database)
        return self._fd

    def acquire(self) -> None:
        """Take this process's turn to write (shared by its threads); "database is locked" after 5 s."""
        with self._mutex:
            self._holders += 1
            if self._holders > 1:
                return  # another thread of this process holds it (or is waiting for it)
            try:
                fd = self._lock_file()
            except OSError as error:
                self._holders -= 1
                raise sqlite3.OperationalError(f"cannot open {self.lock_path}: {error.strerror}") from None
        try:
            _lock_within(fd, TURN_TIMEOUT)
        except BaseException:
            self.release()  # unlocking a lock not taken is harmless
            raise

    def release(self) -> None:
        with self._mutex:
            if self._holders == 0:
                return
            self._holders -= 1
            if self._holders == 0:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def flush_wal(self) -> None:
        """Flush the WAL (and, the first time a WAL file is seen, its directory entry) to disk."""
        try:
            fd = os.open(self.wal_path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                stat = os.fstat(fd)
                if self._wal_seen != (stat.st_dev, stat.st_ino):
                    _flush_directory(os.path.dirname(self.wal_path))
                    self._wal_seen = (stat.st_dev, stat.st_ino)
                _flush(fd)
            finally:
                os.close(fd)
        except OSError as error:
            # A connection in WAL mode is open, so the WAL is there: not finding or not
            # flushing it means the commit is not known to be on disk.
            raise sqlite3.OperationalError(f"disk I/O error: cannot flush {self.wal_path}: {error}") from None

    def close(self) -> None:
        with self._mutex:
            if self._holders == 0 and self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def forget_after_fork(self) -> None:
        """In a forked child: none of the parent's locks, threads or open turns carry over."""
        self._mutex = threading.Lock()
        self._holders = 0
        if self._fd >= 0:
            os.close(self._fd)  # releases no lock of the parent's: POSIX locks are per process
            self._fd = -1


def _lock_within(fd: int, timeout: float) -> None:
    """Take the POSIX lock on `fd`, retrying with short pauses; "database is locked" after `timeout`."""
    deadline = None
    pause = _FIRST_PAUSE
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in _BUSY:
                raise sqlite3.OperationalError(f"cannot lock the writers' file: {error.strerror}") from None
        now = time.monotonic()
        if deadline is None:
            deadline = now + timeout
        elif now >= deadline:
            raise sqlite3.OperationalError("database is locked")
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


def _open_like(path: str, database: str) -> int:
    """Open `path`, creating it with the database file's group and other access and owner.

    Its owner can always read and write it (a database made read-only for a while must
    not leave a lock file nobody can take); an existing file is left as it is.
    """
    reference = os.stat(database)
    mode = reference.st_mode & 0o666 | 0o600
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        return os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it
        if os.geteuid() == 0 and (reference.st_uid, reference.st_gid) != (0, 0):
            os.fchown(fd, reference.st_uid, reference.st_gid)
    except OSError:
        os.close(fd)
        raise
    return fd


def _flush_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database_files(database: str) -> _DatabaseFiles:
    path = os.path.realpath(database)  # SQLite follows symlinks to name its -wal file
    with _files_guard:
        files = _files.get(path)
        if files is None:
            files = _files[path] = _DatabaseFiles(path)
        return files


def close_files() -> None:
    """Close the lock files no transaction holds (with the engines); they reopen when needed.

    The registry keeps one entry per database, so that a process never has two descriptors
    of one lock file (closing either would drop the process's lock).
    """
    with _files_guard:
        for files in _files.values():
            files.close()


def _forget_after_fork() -> None:
    global _files_guard
    _files_guard = threading.Lock()
    for files in _files.values():
        files.forget_after_fork()


os.register_at_fork(after_in_child=_forget_after_fork)


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its turn before `BEGIN IMMEDIATE` and flushes after the end.

    Pass it as `factory` to `sqlite3.connect`, open it in autocommit mode
    (`isolation_level = None`), call `choose_durability()` once the journal mode is set,
    and `take_turn()` right before `BEGIN IMMEDIATE`. Commit and rollback give the turn
    back, then flush the WAL. An in-memory database or a `file:` URI neither queues nor
    flushes (it runs with `synchronous=FULL`).
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fsdecode(database)
        plain_file = name not in ("", ":memory:") and not name.startswith("file:")
        self._files = _database_files(name) if plain_file else None
        self._flushes_wal = False
        self._holding = False

    def choose_durability(self) -> None:
        """`synchronous=NORMAL` with our own flush in WAL mode on a plain file; else `FULL`."""
        journal_mode = self.execute("PRAGMA journal_mode").fetchone()[0]
        self._flushes_wal = self._files is not None and str(journal_mode).lower() == "wal"
        self.execute(f"PRAGMA synchronous={'NORMAL' if self._flushes_wal else 'FULL'}")

    def take_turn(self) -> None:
        """Wait until no other process writes; call it right before `BEGIN IMMEDIATE`."""
        if self._files is not None and not self._holding:
            # Marked first: an exception (a job timeout's signal) landing once the lock is
            # taken still finds the turn to give back on rollback or close.
            self._holding = True
            try:
                self._files.acquire()
            except BaseException:
                self._holding = False
                raise

    def give_back_turn(self) -> None:
        """Let the next writer in without flushing (when `BEGIN IMMEDIATE` itself failed)."""
        if self._holding:
            self._holding = False
            assert self._files is not None
            self._files.release()

    def _ended(self) -> None:
        if self._holding and not self.in_transaction:
            self.give_back_turn()
            if self._flushes_wal:
                assert self._files is not None
                self._files.flush_wal()

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
