"""Effects once (SPEC §5): processing a reply again — a reprocess, a redelivered webhook, a retried
job — never makes a second meeting, invite, proposal or answer, whatever the reply asked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from concierge.db import session_scope
from concierge.ingress.store import store_inbound
from concierge.keys import reply_address
from concierge.models import InboundMessage, Meeting, MeetingAnswer, OutboundMessage, Proposal, ReplyKey
from tests.mail import reply_to_outbound
from tests.scheduling.helpers import NOW, pair_in_zones, reply, sent_since
from workers.inbound import process, process_now

MAYA = "maya@example.org"


def counts(settings) -> dict[str, int]:
    with session_scope(settings) as s:
        return {
            model.__name__: s.scalar(select(func.count()).select_from(model))
            for model in (OutboundMessage, Meeting, Proposal, MeetingAnswer)
        }


def question_for_maya(settings, work, body="Tuesday at 3pm?", **program) -> int:
    pair = pair_in_zones(settings, work, **program)
    reply(settings, pair["mentee_intro"], body)
    work()
    return next(
        s.row.id for s in sent_since(settings) if s.row.to_email == MAYA and s.row.template == "update"
    )


def invite_for_maya(settings, work, body="Tuesday at 3pm") -> int:
    pair = pair_in_zones(settings, work, auto_confirm=True)
    reply(settings, pair["mentee_intro"], body)
    work()
    return next(s.row.id for s in sent_since(settings) if s.row.to_email == MAYA and s.calendar is not None)


SCENARIOS = {
    "propose": lambda st, w: (pair_in_zones(st, w)["mentee_intro"], "Could we meet Tuesday at 3pm?", None),
    "vague_time": lambda st, w: (pair_in_zones(st, w)["mentee_intro"], "Sometime next week?", None),
    "pass_on": lambda st, w: (pair_in_zones(st, w)["mentee_intro"], "Running 10 minutes late!", None),
    "confirm": lambda st, w: (question_for_maya(st, w), "yes", MAYA),
    "pick": lambda st, w: (question_for_maya(st, w, "Tue 3pm or Wed 10am?"), "the second one", MAYA),
    "decline": lambda st, w: (question_for_maya(st, w), "No, that doesn't work for me", MAYA),
    "reschedule": lambda st, w: (invite_for_maya(st, w), "Can we move it to Thursday at 11am?", MAYA),
    "cancel": lambda st, w: (invite_for_maya(st, w), "cancel please", MAYA),
    "cancel_all": lambda st, w: (invite_for_maya(st, w, "every Tuesday at 3pm"), "cancel all", MAYA),
}


@pytest.mark.parametrize("intent", sorted(SCENARIOS))
def test_processing_a_reply_again_repeats_none_of_its_effects(settings, work, intent):
    outbound_id, body, sender = SCENARIOS[intent](settings, work)
    raw = reply_to_outbound(
        settings, outbound_id, body, sender=sender, message_id=f"<once-{intent}@example.org>"
    )
    # Sent to one of our addresses more (as a reply-all can): each address gets a copy.
    with session_scope(settings) as s:
        keys = s.scalars(select(ReplyKey.key)).all()
    other = reply_address(next(key for key in keys if key.encode() not in raw), settings.reply_domain)
    raw = raw.replace(b"\nSubject:", f"\nCc: {other}\nSubject:".encode(), 1)
    stored = store_inbound(settings, raw, None, source="relay")
    first = process_now(settings, stored.id, now=NOW)
    assert first.status == "processed" and first.intents, first
    work()
    after_first = counts(settings)
    again = store_inbound(settings, raw, None, source="relay")  # a redelivered webhook
    assert again.duplicate and again.id == stored.id
    assert process(settings, stored.id, reprocess=True, now=NOW).intents == first.intents  # a reprocess
    assert process(settings, stored.id, now=NOW) is None  # a retried job finds it done
    copy = store_inbound(settings, raw, other, source="relay")  # the copy to the other address
    assert not copy.duplicate
    assert process_now(settings, copy.id, now=NOW).reason == "duplicate"
    # Had both copies acted (mail handled before the rule), reprocessing one keeps what it did.
    with session_scope(settings) as s:
        s.get(InboundMessage, copy.id).status = "processed"
    assert process(settings, stored.id, reprocess=True, now=NOW).intents == first.intents
    work()
    assert counts(settings) == after_first
    with session_scope(settings) as s:
        assert s.get(InboundMessage, stored.id).attempts == 3


@pytest.mark.parametrize("first_to", ["key", "other"], ids=["key_first", "other_address_first"])
def test_a_copy_delivered_to_an_address_that_is_no_reply_key_acts_once(settings, work, first_to):
    """The email reached us twice: at the sender's reply address and at another address of ours
    (a program's own address in Cc, an archive alias): stored twice, acted on once, in either order."""
    outbound_id = question_for_maya(settings, work)
    raw = reply_to_outbound(settings, outbound_id, "yes", sender=MAYA, message_id="<twice@example.org>")
    raw = raw.replace(b"\nSubject:", b"\nCc: program@mentoring.example\nSubject:", 1)
    with session_scope(settings) as s:
        key = next(key for key in s.scalars(select(ReplyKey.key)) if key.encode() in raw)
    envelopes = {"key": reply_address(key, settings.reply_domain), "other": "program@mentoring.example"}
    order = [first_to, "other" if first_to == "key" else "key"]
    stored = [store_inbound(settings, raw, envelopes[name], source="relay") for name in order]
    assert not stored[1].duplicate
    results = [process_now(settings, copy.id, now=NOW) for copy in stored]
    assert results[0].intents == [{"type": "confirm"}]
    assert results[1].reason == "duplicate"
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Meeting)) == 1


def test_a_copy_another_worker_holds_is_waited_for(settings, work, database_url):
    """A copy claimed by another worker before this one was stored does not take turns on the key:
    this one tries again later (RQ's retry) rather than acting beside it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite lets one writer in at a time")
    from sqlalchemy import create_engine, text

    from workers.inbound import CopyInProgress

    outbound_id = question_for_maya(settings, work)
    raw = reply_to_outbound(settings, outbound_id, "yes", sender=MAYA, message_id="<held@example.org>")
    first = store_inbound(settings, raw, None, source="relay")
    second = store_inbound(settings, raw, "archive@mentoring.example", source="relay")
    other_worker = create_engine(database_url)
    try:
        with other_worker.connect() as held:
            held.execute(text("SELECT id FROM inbound_messages WHERE id = :id FOR UPDATE"), {"id": first.id})
            with pytest.raises(CopyInProgress):
                process(settings, second.id, now=NOW)
        with session_scope(settings) as s:
            assert s.get(InboundMessage, second.id).status == "pending"
    finally:
        other_worker.dispose()
    assert process_now(settings, first.id, now=NOW).intents == [{"type": "confirm"}]
    assert process_now(settings, second.id, now=NOW).reason == "duplicate"
