"""Bounces and complaints: only reports tied to mail we sent change anything (SPEC §3.4).

Anyone can write "delivery failed", so a report counts only when it is tied to one of our
sends to that address: a VERP envelope sender we signed (`bounce+<id>-<mac>@REPLY_DOMAIN`,
`tokens.verp_address`), a delivery report whose returned headers name a Message-ID we sent
to that address, or an authenticated event of the sending provider (`record_events`).
Other bounce-like mail is kept and flagged (`untrusted_bounce`) and changes nothing.

A hard bounce marks the person `bouncing`, which stops all mail to them; three soft bounces
of different sends within 14 days count as one; a delay warning is only recorded; a spam
complaint (or a provider's unsubscribe event) unsubscribes them from the program of the
send. A later reply from the person, or an operator (`concierge person reactivate`), clears
`bouncing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import find_person, get_person, normalise_email
from concierge.actions.subscriptions import unsubscribe
from concierge.config import Settings
from concierge.db import insert_unless_exists
from concierge.inbound import ParsedMessage, reply_key_candidates
from concierge.inbound.events import DeliveryEvent
from concierge.keys import first_known_key
from concierge.models import (
    DeliveryReport,
    InboundMessage,
    OutboundMessage,
    Person,
    PersonAlias,
    Program,
)
from concierge.tokens import read_send_token, read_verp_address

SOFT_BOUNCES_FOR_HARD = 3
SOFT_BOUNCE_WINDOW = timedelta(days=14)


def _person_at(session: Session, address: str | None) -> Person | None:
    """The person with this address or alias; None for no address, an unknown or a malformed one."""
    try:
        return find_person(session, address) if address else None
    except ActionError:
        return None


def tied_send(
    session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage
) -> OutboundMessage | None:
    """The send of ours a bounce is about, when it proves it: by VERP, else by returned headers.

    Returned headers tie only an RFC 3464 report that names the address that failed, whose
    returned headers carry both the Message-ID of a send of ours to that address and that
    send's signed token (`X-Concierge-Send`). Message-IDs are not secret (a reply quotes them
    in `In-Reply-To` to everyone it goes to); the token is seen only by the send's recipient.
    """
    for address in [message.envelope_recipient, *parsed.to, *parsed.delivered_to, *parsed.x_original_to]:
        outbound_id = read_verp_address(settings, address)
        if outbound_id is not None:
            outbound = session.get(OutboundMessage, outbound_id)
            if outbound is not None and outbound.person_id is not None:
                return outbound
    bounce = parsed.bounce
    if bounce is None or not bounce.message_ids or not bounce.failed_address:
        return None
    failed = _person_at(session, bounce.failed_address)
    tokens = {read_send_token(settings, token) for token in bounce.send_tokens} - {None}
    if failed is None or not tokens:
        return None
    return session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.id.in_(tokens),
            OutboundMessage.message_id.in_([f"<{mid}>" for mid in bounce.message_ids]),
            OutboundMessage.person_id == failed.id,
        )
    )


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
        _flag_for(session, settings, message, parsed)
        return "untrusted_bounce"
    person = session.get(Person, outbound.person_id)
    assert person is not None
    message.person_id = person.id
    message.program_id = outbound.program_id
    message.mentorship_id = outbound.mentorship_id
    kind = "hard" if bounce.hard else "delayed" if bounce.delayed else "soft"
    record_report(
        session,
        settings,
        person=person,
        outbound=outbound,
        kind=kind,
        detail=bounce.diagnostic or bounce.status or f"{kind} bounce",
        occasion=f"inbound:{message.id}",
        inbound=message,
        now=now,
    )
    return "bounce"


def _flag_for(session: Session, settings: Settings, message: InboundMessage, parsed: ParsedMessage) -> None:
    """Whose review queue an untrusted bounce belongs in: the program of the reply key it came in
    on (someone wrote to their own conversation), else the person it names."""
    key = first_known_key(session, reply_key_candidates(parsed, settings.reply_domain))
    if key is not None:
        message.reply_key_id, message.program_id, message.mentorship_id = (
            key.id,
            key.program_id,
            key.mentorship_id,
        )
        return
    named = _person_at(session, parsed.bounce.failed_address if parsed.bounce else None)
    message.person_id = named.id if named is not None else None


#: The reason recorded on a provider's event webhook: its most telling event's, in this order.
EVENT_REASONS = ("complaint", "unsubscribe", "bounce", "delivered", "no_action")
_EVENT_REASON = {"hard": "bounce", "soft": "bounce", "delayed": "bounce", "complaint": "complaint"}


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
    the outbound id in its metadata, else by our Message-ID, when that send went to the same
    address; otherwise it is about the person with that address, and no send. The sends
    and people a batch names are loaded in a fixed number of queries.
    """
    acting = [e for e in events if e.kind not in ("delivered", "none")]
    reasons = {"no_action", *("delivered" for e in events if e.kind == "delivered")}
    sends = _sends_named(session, acting)
    people = _people_at(session, [e.recipient for e in acting if e.recipient])
    acted_on: set[int] = set()
    for position, event in enumerate(events):
        if event.kind in ("delivered", "none"):
            continue
        person = people.get(event.recipient or "")
        outbound = sends.get(("id", event.outbound_id)) or sends.get(("message", event.message_id))
        if outbound is not None and (person is None or outbound.person_id != person.id):
            outbound = None  # the send went to someone else than the address the event names
        if person is None:
            continue  # about nobody we know
        record_report(
            session,
            settings,
            person=person,
            outbound=outbound,
            kind=event.kind,
            detail=event.detail,
            occasion=f"{provider}:{event.event_id}" if event.event_id else f"inbound:{message.id}:{position}",
            inbound=message,
            now=now,
        )
        reasons.add(_EVENT_REASON.get(event.kind, event.kind))
        acted_on.add(person.id)
    if len(acted_on) == 1:
        message.person_id = next(iter(acted_on))
    return next(reason for reason in EVENT_REASONS if reason in reasons)


def _sends_named(session: Session, events: list[DeliveryEvent]) -> dict[tuple[str, object], OutboundMessage]:
    """The sends the events name, by ("id", outbound id) and by ("message", Message-ID without brackets)."""
    ids = {e.outbound_id for e in events if e.outbound_id is not None}
    message_ids = {f"<{e.message_id}>" for e in events if e.message_id}
    found: dict[tuple[str, object], OutboundMessage] = {}
    if ids or message_ids:
        for outbound in session.scalars(
            select(OutboundMessage).where(
                OutboundMessage.id.in_(ids) | OutboundMessage.message_id.in_(message_ids)
            )
        ):
            found[("id", outbound.id)] = outbound
            found[("message", outbound.message_id.strip("<>"))] = outbound
    return found


def _people_at(session: Session, addresses: Iterable[str]) -> dict[str, Person]:
    """The people with these addresses or aliases, by the address as given."""
    normalised: dict[str, str] = {}
    for address in addresses:
        try:
            normalised[address] = normalise_email(address)
        except ActionError:
            continue
    wanted = set(normalised.values())
    if not wanted:
        return {}
    by_email = {p.email: p for p in session.scalars(select(Person).where(Person.email.in_(wanted)))}
    for alias, person in session.execute(
        select(PersonAlias.email, Person).join(Person).where(PersonAlias.email.in_(wanted))
    ):
        by_email.setdefault(alias, person)
    return {given: by_email[email] for given, email in normalised.items() if email in by_email}


def record_report(
    session: Session,
    settings: Settings,
    *,
    person: Person,
    outbound: OutboundMessage | None,
    kind: str,
    detail: str,
    occasion: str,
    inbound: InboundMessage,
    now: datetime,
) -> bool:
    """Record one trusted report about mail to `person` and act on it; False if it was recorded before.

    `kind` is hard, soft, delayed, complaint or unsubscribe; `inbound` is the message (or
    event webhook) that reported it. `outbound` is the send it is about (None when an
    authenticated provider event names an address but no send of ours): a complaint then
    unsubscribes the person from the program of our latest send to them.
    """
    detail = f"{detail} (inbound message {inbound.id})"
    inserted = insert_unless_exists(
        session.connection(),
        DeliveryReport,
        {
            "occasion": occasion[:200],
            "person_id": person.id,
            "outbound_id": outbound.id if outbound is not None else None,
            "inbound_message_id": inbound.id,
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


def _recent_soft_bounces(session: Session, person: Person, now: datetime) -> int:
    """Soft bounces of different sends within the window, since `bouncing` was last cleared."""
    since = now - SOFT_BOUNCE_WINDOW
    if person.bounces_cleared_at is not None and person.bounces_cleared_at > since:
        since = person.bounces_cleared_at
    send = func.coalesce(DeliveryReport.outbound_id, -DeliveryReport.id)
    return (
        session.scalar(
            select(func.count(func.distinct(send))).where(
                DeliveryReport.person_id == person.id,
                DeliveryReport.kind == "soft",
                DeliveryReport.occurred_at > since,
                DeliveryReport.occurred_at <= now,
            )
        )
        or 0
    )


def _programs_of_report(session: Session, person: Person, outbound: OutboundMessage | None) -> list[Program]:
    """The program a complaint is about: that of the send it names, else that of our latest send
    to the person (what they most likely marked as spam)."""
    program_id = outbound.program_id if outbound is not None else None
    if program_id is None:
        program_id = session.scalar(
            select(OutboundMessage.program_id)
            .where(OutboundMessage.person_id == person.id, OutboundMessage.program_id.is_not(None))
            .order_by(OutboundMessage.id.desc())
            .limit(1)
        )
    program = session.get(Program, program_id) if program_id is not None else None
    return [program] if program is not None else []


def _mark_bouncing(person: Person, detail: str) -> None:
    """Stop all mail to the person. Someone who unsubscribed everywhere stays so: that is their
    choice, and a reply later would otherwise make them `active` again."""
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
