"""Engine, sessions and the declarative base; `session_scope()`, `read_scope()`, `statement_scope()`
and after-commit hooks.

SQLite runs the platform's way: WAL mode (readers never wait for the writer), `synchronous=FULL`
(a commit returns once it is on disk), a 5 s busy timeout, and `BEGIN IMMEDIATE` for every
transaction that may write, so that two writers queue on the lock instead of failing half-way.
Read-only work (pages, `/healthz`) runs in deferred transactions that take no lock
(`read_scope`); on PostgreSQL those transactions are READ ONLY.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql.dml import Insert

from concierge.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


_engines: dict[tuple[str, bool, bool], Engine] = {}
_engines_lock = threading.Lock()


#: The database is down, refuses us, or has no connection to spare: worth trying again later.
DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeoutError)

#: The execution option that marks a connection's transactions as read-only.
READ_ONLY = "concierge_read_only"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event say how each transaction begins, not pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_engine(database_url: str, pool_pre_ping: bool = True, autocommit: bool = False) -> Engine:
    """A new engine for `database_url`, configured for SQLite or PostgreSQL (`autocommit`: its
    connections commit each statement as it runs, PostgreSQL only; see `statement_scope`)."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 5})
        _configure_sqlite(engine)
        return engine
    return create_engine(
        database_url,
        pool_pre_ping=pool_pre_ping,
        connect_args={"connect_timeout": 5},
        isolation_level="AUTOCOMMIT" if autocommit else None,
    )


def get_engine(settings: Settings, autocommit: bool = False) -> Engine:
    """The process-wide engine for the configured database (created on first use); `autocommit`
    (PostgreSQL): an engine of its own, whose connections stay in autocommit (switching a pooled
    connection in and out of it on every use costs more than the round trips it saves)."""
    with _engines_lock:
        # Keyed by the test too: a worker that turns it off gets an engine of its own even where
        # its process used the database before it started (the CLI, the demo, a benchmark).
        pre_ping = settings.pool_pre_ping and not settings.is_sqlite
        autocommit = autocommit and not settings.is_sqlite  # SQLite's writes want BEGIN IMMEDIATE
        key = (settings.database_url, pre_ping, autocommit)
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(settings.database_url, pre_ping, autocommit)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (after a fork, and in test teardown)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _factories.clear()


_factories: dict[tuple[int, bool], sessionmaker[Session]] = {}


def read_only_engine(settings: Settings) -> Engine:
    """The configured engine for read-only work: deferred transactions on SQLite (no lock), READ ONLY
    ones on PostgreSQL. It shares the engine's pool."""
    options: dict[str, Any] = {READ_ONLY: True}
    if not settings.is_sqlite:
        options["postgresql_readonly"] = True
    return get_engine(settings).execution_options(**options)


def session_factory(
    settings: Settings, read_only: bool = False, autocommit: bool = False
) -> sessionmaker[Session]:
    """A sessionmaker bound to the configured database; objects stay usable after commit.

    `read_only`: see `read_only_engine`; `autocommit` (PostgreSQL): each statement commits as it
    runs, see `statement_scope`.
    """
    engine = get_engine(settings, autocommit)
    factory = _factories.get((id(engine), read_only))
    if factory is None or factory.kw["bind"].engine is not engine:
        bind = read_only_engine(settings) if read_only else engine
        factory = _factories[(id(engine), read_only)] = sessionmaker(bind=bind, expire_on_commit=False)
    return factory


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """One transaction: commit on success, roll back on error, then run after-commit hooks."""
    session = session_factory(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def statement_scope(settings: Settings) -> Iterator[Session]:
    """A session for work done one statement at a time, each safe to stand alone (the send job's
    claim and record): on PostgreSQL each statement commits as it runs (autocommit: no
    BEGIN and COMMIT round trips, a third of a send's); on SQLite, where a write wants its
    `BEGIN IMMEDIATE`, the statements share one transaction, as in `session_scope`. Statements and
    reads only: an object added or changed would be lost on PostgreSQL (nothing is flushed or
    committed at the end), so the scope refuses to end with one (use `session_scope`)."""
    if settings.is_sqlite:
        with session_scope(settings) as session:
            yield session
            _statements_only(session)
        return
    with session_factory(settings, autocommit=True)() as session:
        yield session
        _statements_only(session)


def _statements_only(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("statement_scope runs statements only: objects were added or changed")


@contextmanager
def read_scope(settings: Settings) -> Iterator[Session]:
    """One read-only transaction (a page, a health check): it takes no write lock and never commits."""
    session = session_factory(settings, read_only=True)()
    try:
        yield session
    finally:
        session.close()  # ends the transaction; the objects read stay usable, detached


@functools.cache
def _insert_unless_exists_statement(dialect_name: str, table: Table, unique: str | tuple[str, ...]) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    columns = [unique] if isinstance(unique, str) else list(unique)
    return dialect.insert(table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)


def insert_unless_exists(
    connection: Connection, model: type[Base], values: dict[str, Any], unique: str | tuple[str, ...]
) -> int | None:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING id: the new id, or None if it exists.

    `unique` names the column, or the columns, of the unique constraint.

    One statement, safe when two transactions insert the same key at once (no savepoint,
    no lookup first); PostgreSQL and SQLite (3.35+) both speak it. The statement is built
    once and takes `values` as parameters (a session passes `session.connection()`).
    """
    statement = _insert_unless_exists_statement(connection.dialect.name, model.__table__, unique)
    return connection.execute(statement, values).scalar()


def insert_all_unless_exist(
    connection: Connection, model: type[Base], rows: list[dict[str, Any]], unique: str | tuple[str, ...]
) -> None:
    """Several rows in one INSERT … ON CONFLICT (unique) DO NOTHING: those that exist are skipped.
    The rows go as parameters of the statement built once (SQLAlchemy sends them as one
    multi-row INSERT, its "insertmanyvalues"), not as a new statement per call."""
    if rows:
        statement = _insert_unless_exists_statement(connection.dialect.name, model.__table__, unique)
        connection.execute(statement, rows)


def after_commit(session: Session, callback: Callable[[], Any]) -> None:
    """Run `callback` once the session's current transaction has committed (never on rollback).

    Registered inside a savepoint (`begin_nested`), it waits for the outermost commit, and
    is dropped if that savepoint, or any transaction around it, rolls back.
    """
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault("after_commit", []).append((transaction, callback))


@dataclass(frozen=True)
class _Together:
    """One item of `after_commit_together`: `callback` gets every item of its `name` at once."""

    name: str
    item: Any
    callback: Callable[[list[Any]], Any]


def after_commit_together(
    session: Session, name: str, item: Any, callback: Callable[[list[Any]], Any]
) -> None:
    """Like `after_commit`, for work better done in one go: after the commit, `callback` runs once
    with every `item` registered under `name` in the transaction (the first callback registered
    for the name is the one run), except those of savepoints that rolled back."""
    after_commit(session, _Together(name, item, callback))  # type: ignore[arg-type]


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    pending = session.info.get("after_commit", [])
    released = session.get_nested_transaction()
    if released is not None:
        # A savepoint was released: its callbacks now belong to the transaction around it.
        session.info["after_commit"] = [
            (released.parent if transaction is released else transaction, callback)
            for transaction, callback in pending
        ]
        return
    session.info.pop("after_commit", None)
    # Every callback runs even when one fails (the others' work is committed too); the first
    # error is raised once all have run.
    errors: list[Exception] = []

    def attempt(callback: Callable[..., Any], *args: Any) -> None:
        try:
            callback(*args)
        except Exception as exc:
            errors.append(exc)

    together: dict[str, tuple[Callable[[list[Any]], Any], list[Any]]] = {}
    for _transaction, callback in pending:
        if isinstance(callback, _Together):
            together.setdefault(callback.name, (callback.callback, []))[1].append(callback.item)
        else:
            attempt(callback)
    for run, items in together.values():
        attempt(run, items)
    if errors:
        raise errors[0]


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get("after_commit", [])
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)
        return
    session.info["after_commit"] = [
        (transaction, callback)
        for transaction, callback in pending
        if not _within(transaction, previous_transaction)
    ]
