"""Bounces and complaints: only reports tied to mail we sent change anything (SPEC §3.4).

Anyone can write "delivery failed", so a report counts only when it is tied to one of our
sends to that address: a VERP envelope sender we signed (`bounce+<id>-<mac>@REPLY_DOMAIN`,
`tokens.verp_address`), a delivery report whose returned headers name a Message-ID we sent
to that address, or an authenticated event of the sending provider (`record_report` is
called for those with the send they name). Other bounce-like mail is kept and flagged
(`untrusted_bounce`) and changes nothing.

A hard bounce marks the person `bouncing`, which stops all mail to them; three soft bounces
of different sends within 14 days count as one; a delay warning is only recorded; a spam
complaint unsubscribes them from the program of the send. A later reply from the person,
or an operator (`concierge person reactivate`), clears `bouncing`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import find_person, get_person
from concierge.actions.subscriptions import unsubscribe
from concierge.config import Settings
from concierge.db import insert_unless_exists
from concierge.inbound import ParsedMessage
from concierge.inbound.events import DeliveryEvent
from concierge.models import BounceEvent, Enrolment, InboundMessage, OutboundMessage, Person, Program
from concierge.tokens import read_verp_address

SOFT_BOUNCES_FOR_HARD = 3
SOFT_BOUNCE_WINDOW = timedelta(days=14)


def _same_address(session: Session, person: Person, address: str | None) -> bool:
    """True when `address` is the person's address or one of their aliases (or is not given)."""
    if not address:
        return True
    found = _person_at(session, address)
    return found is not None and found.id == person.id


def tied_send(
    session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage
) -> OutboundMessage | None:
    """The send of ours a bounce is about, when it proves it: by VERP, else by returned Message-ID."""
    for address in [message.envelope_recipient, *parsed.to, *parsed.delivered_to, *parsed.x_original_to]:
        outbound_id = read_verp_address(settings, address)
        if outbound_id is not None:
            outbound = session.get(OutboundMessage, outbound_id)
            if outbound is not None and outbound.person_id is not None:
                return outbound
    bounce = parsed.bounce
    if bounce is None or not bounce.message_ids:
        return None
    sends = session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.message_id.in_([f"<{mid}>" for mid in bounce.message_ids]),
            OutboundMessage.person_id.is_not(None),
        )
        .order_by(OutboundMessage.id)
    ).all()
    for outbound in sends:
        person = session.get(Person, outbound.person_id)
        if person is not None and _same_address(session, person, bounce.failed_address):
            return outbound
    return None


def record_bounce(
    session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage, now: datetime
) -> str:
    """Act on a bounce that is tied to one of our sends; the reason to record on the message.

    "bounce" when it was tied (and recorded), "untrusted_bounce" when it was not: then
    nothing changes, and the message names the person it claims to be about, so that their
    coordinators see it flagged in the review queue.
    """
    bounce = parsed.bounce
    assert bounce is not None
    outbound = tied_send(session, settings, message, parsed)
    if outbound is None:
        named = _person_at(session, bounce.failed_address)
        message.person_id = named.id if named is not None else None
        return "untrusted_bounce"
    person = session.get(Person, outbound.person_id)
    assert person is not None
    message.person_id = person.id
    message.program_id = outbound.program_id
    message.mentorship_id = outbound.mentorship_id
    kind = "hard" if bounce.hard else "delayed" if bounce.delayed else "soft"
    detail = bounce.diagnostic or bounce.status or f"{kind} bounce"
    record_report(
        session,
        settings,
        person=person,
        outbound=outbound,
        kind=kind,
        detail=f"{detail} (inbound message {message.id})",
        occasion=f"inbound:{message.id}",
        inbound_id=message.id,
        now=now,
    )
    return "bounce"


def record_report(
    session: Session,
    settings: Settings,
    *,
    person: Person,
    outbound: OutboundMessage | None,
    kind: str,
    detail: str,
    occasion: str,
    inbound_id: int | None,
    now: datetime,
) -> bool:
    """Record one trusted report about mail to `person` and act on it; False if it was recorded before.

    `kind` is hard, soft, delayed, complaint or unsubscribe. `outbound` is the send it is
    about (None when an authenticated provider event names an address but no send of ours):
    a complaint then unsubscribes the person from every program they are in, since we
    cannot tell which one they complained about.
    """
    inserted = insert_unless_exists(
        session.connection(),
        BounceEvent,
        {
            "occasion": occasion[:200],
            "person_id": person.id,
            "outbound_id": outbound.id if outbound is not None else None,
            "inbound_message_id": inbound_id,
            "kind": kind,
            "detail": detail[:2000],
            "occurred_at": now,
        },
        "occasion",
    )
    if inserted is None:
        return False
    if kind == "hard":
        _mark_bouncing(person, detail)
    elif kind == "soft" and _recent_soft_bounces(session, person, now) >= SOFT_BOUNCES_FOR_HARD:
        _mark_bouncing(person, f"{SOFT_BOUNCES_FOR_HARD} soft bounces within 14 days, the last: {detail}")
    elif kind in ("complaint", "unsubscribe"):
        for program in _programs_of_report(session, person, outbound):
            unsubscribe(session, settings, person, program)
    return True


#: The reason recorded on a provider's event webhook: its most telling event first.
EVENT_REASONS = ("complaint", "bounce", "delivered", "no_action")
_EVENT_REASON = {
    "hard": "bounce",
    "soft": "bounce",
    "delayed": "bounce",
    "complaint": "complaint",
    "unsubscribe": "complaint",
    "delivered": "delivered",
}


def record_events(
    session: Session,
    settings: Settings,
    message: InboundMessage,
    provider: str,
    events: list[DeliveryEvent],
    now: datetime,
) -> str:
    """Act on an authenticated provider's events; the reason to record on their message.

    An authenticated event is trusted for the address it names. It is tied to our send by
    the outbound id in its metadata or by our Message-ID, when that send went to the same
    address; otherwise it is about the person with that address, and no send.
    """
    reasons = {"no_action"}
    people: set[int] = set()
    for position, event in enumerate(events):
        if event.kind not in _EVENT_REASON or event.kind == "delivered":
            reasons.add(_EVENT_REASON.get(event.kind, "no_action"))
            continue
        outbound = _event_send(session, event)
        person = session.get(Person, outbound.person_id) if outbound and outbound.person_id else None
        if person is None or not _same_address(session, person, event.recipient):
            outbound, person = None, _person_at(session, event.recipient)
        if person is None:
            continue  # about nobody we know
        occasion = f"{provider}:{event.event_id}" if event.event_id else f"inbound:{message.id}:{position}"
        record_report(
            session,
            settings,
            person=person,
            outbound=outbound,
            kind=event.kind,
            detail=f"{event.detail} (inbound message {message.id})",
            occasion=occasion,
            inbound_id=message.id,
            now=now,
        )
        reasons.add(_EVENT_REASON[event.kind])
        people.add(person.id)
    if len(people) == 1:
        message.person_id = next(iter(people))
    return next(reason for reason in EVENT_REASONS if reason in reasons)


def _event_send(session: Session, event: DeliveryEvent) -> OutboundMessage | None:
    if event.outbound_id is not None and event.outbound_id < 2**31:
        found = session.get(OutboundMessage, event.outbound_id)
        if found is not None:
            return found
    if event.message_id:
        return session.scalar(
            select(OutboundMessage).where(OutboundMessage.message_id == f"<{event.message_id}>")
        )
    return None


def _person_at(session: Session, address: str | None) -> Person | None:
    try:
        return find_person(session, address) if address else None
    except ActionError:
        return None


def _recent_soft_bounces(session: Session, person: Person, now: datetime) -> int:
    """Soft bounces of different sends within the window, since `bouncing` was last cleared."""
    since = now - SOFT_BOUNCE_WINDOW
    if person.bounces_cleared_at is not None and person.bounces_cleared_at > since:
        since = person.bounces_cleared_at
    send = func.coalesce(BounceEvent.outbound_id, -BounceEvent.id)
    return (
        session.scalar(
            select(func.count(func.distinct(send))).where(
                BounceEvent.person_id == person.id,
                BounceEvent.kind == "soft",
                BounceEvent.occurred_at > since,
                BounceEvent.occurred_at <= now,
            )
        )
        or 0
    )


def _programs_of_report(session: Session, person: Person, outbound: OutboundMessage | None) -> list[Program]:
    if outbound is not None and outbound.program_id is not None:
        program = session.get(Program, outbound.program_id)
        return [program] if program is not None else []
    return list(
        session.scalars(
            select(Program).join(Enrolment).where(Enrolment.person_id == person.id).order_by(Program.id)
        )
    )


def _mark_bouncing(person: Person, detail: str) -> None:
    if person.status in ("bouncing", "unsubscribed"):
        return
    person.status = "bouncing"
    person.bounce_reason = detail[:2000]


def clear_bouncing(person: Person, now: datetime) -> bool:
    """Mail to the person may go again (their mail reached us, or the address was fixed).

    True if this changed their status.
    """
    if person.status != "bouncing":
        return False
    person.status = "active"
    person.bounce_reason = None
    person.bounces_cleared_at = now
    return True


def reactivate(session: Session, address: str, now: datetime) -> Person:
    """`concierge person reactivate`: clear `bouncing` for the person with this address or alias."""
    person = get_person(session, address)
    clear_bouncing(person, now)
    session.flush()
    return person
