"""Processing costs a constant number of SQL statements per message, however many there are."""

from __future__ import annotations

from sqlalchemy import event, select

from concierge.actions.introductions import send_welcome
from concierge.db import get_engine, session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address
from concierge.models import ReplyKey
from tests import factories
from tests.mail import gmail_reply
from workers.context import job_settings


def replies(settings, count: int, offset: int) -> list[bytes]:
    with session_scope(settings) as s:
        program = factories.program(s)
        for n in range(count):
            send_welcome(
                s, settings, factories.participant(s, program, "mentee", email=f"m{offset + n}@x.org")
            )
    with session_scope(settings) as s:
        keys = s.execute(select(ReplyKey.key, ReplyKey.person_id).order_by(ReplyKey.id.desc()).limit(count))
        from concierge.models import Person

        return [
            gmail_reply(
                sender=s.get(Person, person_id).email,
                to=reply_address(key, settings.reply_domain),
                subject="Re: Welcome",
                body=f"Goal {n}: lead a project.",
                quoted="Welcome!",
                message_id=f"<cost-{offset}-{n}@x.org>",
            )
            for n, (key, person_id) in enumerate(keys)
        ]


def test_sql_statements_per_processed_message_are_constant(settings, work):
    from rq import SimpleWorker

    from concierge import queues

    def process_counting(messages: list[bytes]) -> int:
        for raw in messages:
            store_inbound(settings, raw, None)
        seen: list[int] = []
        engine = get_engine(job_settings())  # the worker's, which may differ from the test's

        def count(*_args) -> None:
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            inbound = queues.queue(settings, queues.INBOUND)
            SimpleWorker([inbound], connection=queues.get_redis(settings)).work(burst=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    small = replies(settings, 2, 0)
    large = replies(settings, 6, 100)
    work()
    few, many = process_counting(small), process_counting(large)
    assert few > 0 and few / 2 == many / 6


def test_a_worker_does_not_test_its_database_connection_before_every_job(settings):
    """Its engine is its own even where the process used the database with the test on (the
    CLI, the demo): the test is a round trip per job, and a lost connection fails one job,
    which RQ retries."""
    from workers.runner import make_worker

    before = get_engine(settings)
    make_worker(settings)
    engine = get_engine(job_settings())
    if settings.is_sqlite:
        assert engine is before  # one file, one pool (SQLite has no connection to lose)
    else:
        assert engine is not before and before.pool._pre_ping and not engine.pool._pre_ping


def test_a_job_costs_few_redis_round_trips(settings, work):
    """The measured problem the worker's overrides solve: RQ as shipped took 21 round trips to
    Redis per job, 12 with the heartbeat batched; each is a good part of a bare parse on a small
    machine (README, "Benchmarks")."""
    from redis import Redis
    from redis.client import Pipeline

    from workers.runner import make_worker

    messages = replies(settings, 10, 200)
    work()  # the welcomes
    for raw in messages:
        store_inbound(settings, raw, None)
    worker = make_worker(settings)
    trips: list[str] = []
    plain, piped = Redis.execute_command, Pipeline.execute

    def command(self, *args, **kwargs):
        trips.append(str(args[0]))
        return plain(self, *args, **kwargs)

    def pipeline(self, *args, **kwargs):
        trips.append("pipeline")
        return piped(self, *args, **kwargs)

    Redis.execute_command, Pipeline.execute = command, pipeline
    try:
        worker.work(burst=True)
    finally:
        Redis.execute_command, Pipeline.execute = plain, piped
    jobs = 10 + 10  # each processed reply, and the answer it sends
    # RQ as shipped: about 21 per job, 9 of them heartbeats; the heartbeat batched, 12; with the
    # repeated state, the suspension check and the job's last heartbeat left out, 9.
    assert len(trips) / jobs <= 10, sorted(trips)


def test_a_suspended_worker_still_stops(settings, work):
    """`rq suspend` is looked for at most once a second, and before the first job: a burst
    worker on a suspended installation leaves its jobs queued (RQ's behaviour)."""
    from rq.suspension import resume, suspend

    from concierge import queues
    from workers.runner import make_worker

    for raw in replies(settings, 2, 300):
        store_inbound(settings, raw, None)
    inbound = queues.queue(settings, queues.INBOUND)
    waiting = inbound.count
    assert waiting
    suspend(queues.get_redis(settings))
    try:
        make_worker(settings).work(burst=True)
        assert inbound.count == waiting
    finally:
        resume(queues.get_redis(settings))
    make_worker(settings).work(burst=True)
    assert inbound.count == 0


def test_a_reply_in_a_mentorship_costs_few_statements(settings, work):
    """A proposal reads the message it claims with the key its envelope names and what answering
    needs (the sender's enrolment, each member's own key of the conversation and their
    enrolment) in one statement, and the mentorship's pending proposal and next meeting in
    another, then writes the proposal, the answer, the other side's question, the effects (one
    statement) and the message's outcome. (Stored without an envelope recipient, as here, the
    message's To address stands for it.)"""
    from sqlalchemy.engine import Engine

    from concierge.models import InboundMessage
    from tests.mail import reply_to_outbound
    from tests.scheduling.helpers import NOW, pair_in_zones, reply
    from workers.inbound import process_now

    pair = pair_in_zones(settings, work)
    reply(settings, pair["mentee_intro"], "Hello!")  # the mentee's key of the conversation exists
    reply(settings, pair["mentor_intro"], "Hello!")  # and the mentor's
    work()
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    raw = reply_to_outbound(settings, pair["mentee_intro"], "Could we meet Tuesday at 3pm?")
    stored = store_inbound(settings, raw, None)
    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = process_now(settings, stored.id, now=NOW)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert [intent["type"] for intent in result.intents] == ["propose"]
    statements = [s for s in seen if not s.startswith("BEGIN")]  # SQLite's own BEGIN IMMEDIATE
    assert len(statements) == 8, "\n".join(s.split("\n")[0] for s in statements)
    with session_scope(settings) as s:
        assert s.get(InboundMessage, stored.id).status == "processed"


def test_an_answer_to_a_welcome_costs_few_statements(settings, work):
    """Goals: the claim reads the message with the key, the enrolment and whether the mentee is
    paired (what the thanks says), then the thanks, the message's outcome and the goals are written."""
    from workers.inbound import process_now

    (raw,) = replies(settings, 1, 400)
    work()  # the welcome
    stored = store_inbound(settings, raw, None)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(get_engine(settings), "before_cursor_execute", count)
    try:
        result = process_now(settings, stored.id)
    finally:
        event.remove(get_engine(settings), "before_cursor_execute", count)
    assert [i["type"] for i in result.intents] == ["goals"]
    statements = [s for s in seen if not s.startswith("BEGIN")]  # SQLite's own BEGIN IMMEDIATE
    assert len(statements) == 4, "\n".join(s.split("\n")[0] for s in statements)


def test_an_answer_to_a_welcome_is_written_without_a_flush(settings, work):
    """Goals read from a reply change the enrolment, and the answer is a new outbound row: each is
    written by a statement of its own, and the commit has nothing left to flush."""
    from sqlalchemy.orm import Session

    from concierge.models import Enrolment
    from workers.inbound import process_now

    (raw,) = replies(settings, 1, 300)
    work()  # the welcome
    stored = store_inbound(settings, raw, None)
    flushes: list[int] = []

    def flushed(*_args) -> None:
        flushes.append(1)

    event.listen(Session, "after_flush", flushed)
    try:
        result = process_now(settings, stored.id)
    finally:
        event.remove(Session, "after_flush", flushed)
    assert [i["type"] for i in result.intents] == ["goals"]
    assert not flushes
    with session_scope(settings) as s:
        assert (
            s.scalar(select(Enrolment.goals).where(Enrolment.goals.is_not(None))) == "Goal 0: lead a project."
        )
