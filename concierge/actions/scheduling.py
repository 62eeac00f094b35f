"""Scheduling by plain reply (SPEC §3.1.3, §3.3): proposals, confirmations, invites, moves, cancellations.

A proposal is read in the sender's zone and asked of the other side (the facilitator, in a
circle), who confirms, picks, counter-proposes or declines; on confirmation every member
gets a calendar invite (`method=REQUEST`). With the program's `auto_confirm`, or from a
circle's facilitator, a single proposed time is final at once. Moving a meeting sends an
updated invite (same UID, higher SEQUENCE); cancelling sends `method=CANCEL` (for a series:
the next occurrence, or the whole series). Each action adds to the turn's one answer and to
what the other members are told; every row it writes is keyed to the inbound message.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import func, insert, select

from concierge.actions.conversation import Turn, names_of, time_for
from concierge.inbound.intents import Intent
from concierge.inbound.times import DEFAULT_MINUTES, TOOL_NAMES, Option, repeat_words
from concierge.mail.ics import Attendee, Invite, Method, is_link
from concierge.models import Meeting, MeetingAnswer, MeetingSeries, Person, Proposal
from concierge.when import minutes, zone_of

#: How far ahead a series' occurrences are written as meetings (each briefed and reminded):
#: to the program's end, or this far when it has none.
SERIES_HORIZON = timedelta(weeks=26)
MAX_OCCURRENCES = 60


def _when(turn: Turn, start: datetime, reader: Person) -> str:
    """A time as `reader` reads it (`time_for`)."""
    return time_for(start, reader, _members(turn), turn.program)


def _describe(turn: Turn, option: Option, reader: Person) -> str:
    """The option as `reader` reads it: its time (`_when`), length, place and repeat."""
    text = _when(turn, option.start, reader)
    text += f", {minutes(option.duration)}"
    if option.location:
        text += f" {_place_said(option.location)}"
    if option.repeat:
        text += f", {repeat_words(option.repeat)}"
    return text


def _place_said(location: str) -> str:
    """A meeting's place as an answer says it: "(https://…)", "on Zoom", "by phone", "at the library"."""
    if is_link(location):
        return f"({location})"
    if location == "phone":
        return "by phone"
    return f"on {location}" if location in TOOL_NAMES else f"at {location}"


def _members(turn: Turn) -> list[Person]:
    return [m.person for m in turn.mentorship.members] if turn.mentorship is not None else []


def _names(people: list[Person]) -> str:
    """ "Maya", "Maya and Jo", "Maya, Jo and Kai" (`names_of`), "the others" for nobody."""
    return names_of(people) or "the others"


def _close(turn: Turn, proposal: Proposal, status: str) -> None:
    """A proposal answered (or replaced, or withdrawn) by this reply."""
    proposal.status = status
    proposal.answered_at = turn.now
    proposal.answered_inbound_id = turn.inbound.id


def _facilitator(turn: Turn, meeting: Meeting | None = None) -> Person | None:
    """In a circle, who facilitates `meeting`, or else the next meeting to schedule (SPEC §3.3):
    the members take turns in member order, one meeting each, counting every meeting booked
    (a cancelled one does not count). The facilitator schedules, is briefed, and is asked for
    notes. None in a pair."""
    mentorship = turn.mentorship
    if mentorship is None or turn.program.format != "peer" or not mentorship.members:
        return None
    members = [m.person for m in mentorship.members]
    if meeting is not None:  # its own, or (booked before rotation) the first member, as meeting_mail
        return next((p for p in members if p.id == meeting.facilitator_id), members[0])
    return members[_meetings_booked(turn) % len(members)]


def _meetings_booked(turn: Turn) -> int:
    assert turn.mentorship is not None
    counted = select(func.count()).where(
        Meeting.mentorship_id == turn.mentorship.id, Meeting.status.in_(("confirmed", "held", "missed"))
    )
    return turn.session.scalar(counted) or 0


# ------------------------------------------------------------------------------------------ propose


def propose(turn: Turn, intent: Intent) -> None:
    """Offer the times to the other side, or book one at once when the proposal is final."""
    if turn.mentorship is None or not turn.once("proposal"):
        return
    upcoming, past = _split_past(turn, list(intent.options))
    if not upcoming:
        _say_past(turn, past)
        return
    moving = _meeting_asked_to_move(turn) or _meeting_being_moved(turn)
    _offer(turn, [_keeping_the_answered_place(turn, o) for o in upcoming], moving)


def _keeping_the_answered_place(turn: Turn, option: Option) -> Option:
    """Another time offered in answer to a proposal keeps the place all its options shared
    ("Tuesday 3pm on Zoom?" answered "Wednesday 10am instead?" is still on Zoom), unless it names
    its own."""
    proposal = turn.pending
    if option.location or proposal is None or proposal.proposer_id == turn.sender.id:
        return option
    places = {o.get("location") for o in proposal.options}
    return replace(option, location=places.pop()) if len(places) == 1 else option


def _split_past(turn: Turn, options: list[Option]) -> tuple[list[Option], list[Option]]:
    return [o for o in options if o.start > turn.now], [o for o in options if o.start <= turn.now]


def _say_past(turn: Turn, past: list[Option]) -> None:
    when = _when(turn, past[0].start, turn.sender)
    turn.said.append(
        f"{when} has already passed, so I haven't scheduled anything. Reply with a time that's still "
        "ahead, for example “Tuesday at 3pm”."
    )


def _meeting_asked_to_move(turn: Turn) -> Meeting | None:
    """The meeting someone asked to move without a time yet (the next one, or the one on the day
    they named): the time proposed now is for it. With no meeting ahead, none is looked for."""
    if turn.upcoming is None:
        return None
    if turn.upcoming.move_asked_by_id is not None:
        return turn.upcoming
    return next((m for m in _meetings_ahead(turn) if m.move_asked_by_id is not None), None)


def _meeting_being_moved(turn: Turn) -> Meeting | None:
    """The meeting of a move that waits on the sender: their other time ("Thursday's tough, Friday
    at 10?") is a counter to the move, for the same meeting, not a second meeting."""
    pending = turn.pending
    if (
        pending is None
        or pending.status != "pending"
        or pending.meeting_id is None
        or turn.sender.id not in (pending.asked_ids or [])
    ):
        return None
    meeting = turn.session.get(Meeting, pending.meeting_id)
    return meeting if meeting is not None and meeting.status == "confirmed" else None


_PROPOSALS = Proposal.__table__


def _repeat_moved(turn: Turn, option: Option, moving: Meeting) -> str | None:
    """The repeat of a move said to hold from now on: a series moved keeps its own rule unless
    the reply names another ("going forward" says only weekly: every other week stays every
    other week); a single meeting, or a series with exceptions ahead, moves alone (`_offer`
    says so)."""
    if not option.repeat or moving.series is None or _exceptions_ahead(turn, moving):
        return None
    rule = moving.series.rrule
    # (A rule of named weekdays, "every Monday and Wednesday", is no rule for another day.)
    return rule if option.repeat == "FREQ=WEEKLY" and "BYDAY" not in rule else option.repeat


def _exceptions_ahead(turn: Turn, moving: Meeting) -> bool:
    """Whether a meeting of the series after this one was cancelled or moved on its own: the
    calendars hold those as exceptions of the old times, which a series moved as one would lose."""
    exception = select(Meeting.id).where(
        Meeting.series_id == moving.series_id,
        Meeting.occurrence_of > moving.occurrence_of,
        (Meeting.status != "confirmed") | (Meeting.starts_at != Meeting.occurrence_of),
    )
    return turn.session.scalar(exception.limit(1)) is not None


def _offer(turn: Turn, options: list[Option], moving: Meeting | None) -> None:
    """A proposal to the other side, or (final) a booking now. In a circle the facilitator's time
    is final: for a move, the facilitator of the meeting moved, not of the next one to book."""
    options_said = options
    facilitator = _facilitator(turn, moving)
    if moving is not None:
        # A move keeps the meeting's length unless the reply gives another ("push it an hour"
        # does not make a 30-minute meeting 45); said to hold from now on ("7:30 instead of 7
        # going forward"), it moves a series from this meeting on with the series' own rule
        # (every other week stays every other week), and a single meeting alone.
        options = [
            replace(
                o,
                duration=moving.duration_minutes if o.duration == DEFAULT_MINUTES else o.duration,
                repeat=_repeat_moved(turn, o, moving),
            )
            for o in options
        ]
        if any(o.repeat for o in options) != any(o.repeat for o in options_said):
            turn.said.append(
                "Only this meeting moves: other meetings of the series were moved or called off on "
                "their own, so the series keeps its times."
                if moving.series is not None
                else "Only this meeting moves: to meet at a regular time, reply with it, for example "
                "“every Tuesday at 3pm”."
            )
    # Its own time with another length ("Can we make it 30 minutes instead of 45?"): the meeting
    # stays where it is and only its length changes; asked for the length it has, nothing does.
    resized = len(options) == 1 and _resizes(options[0], moving)
    if resized and moving is not None and options[0].duration == moving.duration_minutes:
        when = _when(turn, moving.starts_at, turn.sender)
        turn.said.append(f"Your meeting stays as it is: {when}, {minutes(moving.duration_minutes)}.")
        return
    final = len(options) == 1 and (
        turn.program.auto_confirm or (facilitator is not None and facilitator.id == turn.sender.id)
    )
    _supersede_pending(turn)
    if final:
        _book(turn, options[0], moving, turn.sender)
        return
    asked = [facilitator] if facilitator is not None and facilitator.id != turn.sender.id else turn.others()
    # One INSERT of its own: added to the session, the new row would cost a flush (README,
    # Benchmarks); nothing in this reply reads it back.
    turn.session.execute(
        insert(_PROPOSALS),
        {
            "mentorship_id": turn.mentorship.id,
            "proposer_id": turn.sender.id,
            "asked_ids": [p.id for p in asked],
            "options": [o.as_json() for o in options],
            "status": "pending",
            "meeting_id": moving.id if moving is not None else None,
            "source_inbound_id": turn.inbound.id,
            "created_at": turn.now,
        },
    )
    for person in asked:
        turn.tell(
            person,
            {
                "kind": "question",
                "from": turn.sender.first_name,
                "options": [_describe(turn, o, person) for o in options],
                "moving": _when(turn, moving.starts_at, person) if moving is not None else None,
                "resized": minutes(moving.duration_minutes) if resized and moving is not None else None,
            },
        )
    described = [_describe(turn, o, turn.sender) for o in options]
    verb = "move your meeting to" if moving is not None else ""
    if resized and moving is not None:
        when = _when(turn, moving.starts_at, turn.sender)
        turn.said.append(
            f"Got it: I've asked {_names(asked)} to make your meeting of {when} "
            f"{minutes(options[0].duration)} instead of {minutes(moving.duration_minutes)}."
        )
        return
    if len(described) == 1:
        turn.said.append(
            f"Got it: {verb + ' ' if verb else ''}{described[0]}. I've asked {_names(asked)} to confirm."
        )
    else:
        listed = "; ".join(f"({n}) {d}" for n, d in enumerate(described, 1))
        turn.said.append(f"Got it: {listed}. I've asked {_names(asked)} to pick one.")


def _resizes(option: Option, moving: Meeting | None) -> bool:
    """Whether `option` is the meeting moved at its own time and place, only its length said anew
    ("Can we make it 30 minutes instead?")."""
    return (
        moving is not None
        and option.start == moving.starts_at
        and option.location in (None, moving.location)
        and not option.repeat
    )


def _supersede_pending(turn: Turn) -> None:
    """A new proposal replaces the one waiting (there is at most one: each replaces the last)."""
    if turn.pending is not None and turn.pending.status == "pending":
        _close(turn, turn.pending, "superseded")


# ------------------------------------------------------------------------------------------ answers


def confirm(turn: Turn, intent: Intent) -> None:
    """Yes to the pending proposal: book it (or, with several options, ask which one)."""
    proposal = turn.pending
    if proposal is None or not turn.once("answer-proposal"):
        return
    options = [Option.from_json(o) for o in proposal.options]
    if len(options) > 1:
        listed = "; ".join(f"({n}) {_describe(turn, o, turn.sender)}" for n, o in enumerate(options, 1))
        turn.said.append(
            f"Which one suits you? {listed}. Reply “the first one”, “the second one”, and so on."
        )
        return
    _accept(turn, proposal, options[0])


def pick(turn: Turn, intent: Intent) -> None:
    """One of the pending proposal's options, by its number: book it."""
    proposal = turn.pending
    if proposal is None or not turn.once("answer-proposal"):
        return
    options = [Option.from_json(o) for o in proposal.options]
    if intent.option is None or not 1 <= intent.option <= len(options):
        turn.said.append(
            f"There were {len(options)} options; reply with the number of the one that suits you."
        )
        return
    _accept(turn, proposal, options[intent.option - 1])


def _accept(turn: Turn, proposal: Proposal, option: Option) -> None:
    if option.start <= turn.now:
        _say_past(turn, [option])
        return
    _close(turn, proposal, "confirmed")
    moving = turn.session.get(Meeting, proposal.meeting_id) if proposal.meeting_id else None
    if moving is not None and moving.status != "confirmed":
        moving = None
    proposer = turn.session.get(Person, proposal.proposer_id) if proposal.proposer_id else None
    _book(turn, option, moving, proposer)


def decline(turn: Turn, intent: Intent) -> None:
    """No to the pending proposal: the proposer is asked for another time."""
    proposal = turn.pending
    if proposal is None or not turn.once("answer-proposal"):
        return
    _close(turn, proposal, "declined")
    proposer = turn.session.get(Person, proposal.proposer_id) if proposal.proposer_id else None
    if proposer is None:
        return
    options = [Option.from_json(o) for o in proposal.options]
    turn.tell(
        proposer,
        {
            "kind": "declined",
            "by": turn.sender.first_name,
            "options": [_describe(turn, o, proposer) for o in options],
        },
    )
    turn.said.append(
        f"OK, I've told {proposer.first_name} that doesn't work for you and asked for another time. "
        "If you have one in mind, just reply with it."
    )


def accept_meeting(turn: Turn, intent: Intent) -> None:
    """Yes to a meeting already confirmed: noted, nothing to send; asked as a question ("Are we
    still on for Friday?"), answered with the meeting as it stands."""
    meeting = turn.upcoming
    if meeting is None:
        return
    if turn.once(f"meeting-answer:{meeting.id}"):
        _record_answer(turn, meeting, "accepted")
    if intent.asks:
        when = _when(turn, meeting.starts_at, turn.sender)
        place = f" {_place_said(meeting.location)}" if meeting.location else ""
        turn.said.append(f"Yes, you're still on: {when}, {minutes(meeting.duration_minutes)}{place}.")


def decline_meeting(turn: Turn, intent: Intent) -> None:
    """No to the next confirmed meeting (see `_decline`)."""
    _decline(turn, turn.upcoming)


def _decline(turn: Turn, meeting: Meeting | None) -> None:
    """No to a confirmed meeting: in a pair it is called off and a new time asked for; in a
    circle the member's decline is noted, and when half the members decline the facilitator
    is asked for another time (SPEC §3.3)."""
    if meeting is None or not turn.once(f"meeting-answer:{meeting.id}"):
        return
    _record_answer(turn, meeting, "declined")
    facilitator = _facilitator(turn, meeting)
    if facilitator is None:
        _cancel_meetings(turn, [meeting], whole_series=None, reason="declined")
        turn.said.append("Please reply with another time that suits you.")
        return
    declined = turn.session.scalars(
        select(MeetingAnswer.person_id).where(
            MeetingAnswer.meeting_id == meeting.id, MeetingAnswer.answer == "declined"
        )
    ).all()
    members = _members(turn)
    noted = f"Noted: you can't make {_when(turn, meeting.starts_at, turn.sender)}."
    turn.said.append(
        noted if facilitator.id == turn.sender.id else f"{noted} I'll let {facilitator.first_name} know."
    )
    if facilitator.id != turn.sender.id:
        turn.tell(
            facilitator,
            {
                "kind": "member_declined",
                "by": turn.sender.first_name,
                "when": _when(turn, meeting.starts_at, facilitator),
                "count": len(set(declined)),
                "members": len(members),
                "ask_new_time": len(set(declined)) * 2 >= len(members),
            },
        )


def _record_answer(turn: Turn, meeting: Meeting, answer: str) -> None:
    existing = turn.session.scalar(
        select(MeetingAnswer).where(
            MeetingAnswer.meeting_id == meeting.id, MeetingAnswer.person_id == turn.sender.id
        )
    )
    if existing is None:
        turn.session.add(
            MeetingAnswer(
                meeting_id=meeting.id,
                person_id=turn.sender.id,
                answer=answer,
                inbound_message_id=turn.inbound.id,
                answered_at=turn.now,
            )
        )
        turn.session.flush()
    else:
        existing.answer, existing.inbound_message_id, existing.answered_at = answer, turn.inbound.id, turn.now


def nothing_to_answer(turn: Turn, intent: Intent) -> None:
    """A yes, no or pick when nothing is waiting for the sender's answer."""
    if turn.pending is not None and turn.pending.proposer_id == turn.sender.id:
        others = [p for p in turn.others() if p.id in (turn.pending.asked_ids or [])]
        turn.said.append(f"I'm still waiting for {_names(others)} to answer your suggestion.")
        return
    turn.said.append("There's nothing waiting for your answer just now. To suggest a time, reply with one, "
                     "for example “Tuesday at 3pm”.")  # fmt: skip


# ---------------------------------------------------------------------------------- moving, vagueness


def reschedule(turn: Turn, intent: Intent) -> None:
    """Move the next meeting: to the time given (asked of the other side), or ask for one."""
    if turn.mentorship is None or not turn.once("reschedule"):
        return
    meeting = _meeting_on(turn, intent.day) if intent.day is not None else turn.upcoming
    upcoming, past = _split_past(turn, list(intent.options))
    if meeting is None and intent.day is not None and turn.upcoming is not None:
        # "move the Dec 17 session" with none on Dec 17: no other meeting is moved in its place.
        example = "“move the Tuesday meeting to Thursday at 2pm”"
        _no_meeting_on(turn, intent.day, turn.upcoming, "move", example, "and the new time")
        return
    if meeting is None:
        if upcoming:
            _offer(turn, upcoming, None)
        elif past:
            _say_past(turn, past)
        else:
            turn.said.append("You have no meeting coming up to move. Reply with a time to schedule one, "
                             "for example “Tuesday at 3pm”.")  # fmt: skip
        return
    if upcoming:
        _offer(turn, [_keeping_place(o, meeting) for o in upcoming], meeting)
        return
    if past:
        _say_past(turn, past)
        return
    facilitator = _facilitator(turn, meeting)
    if facilitator is not None and facilitator.id != turn.sender.id:
        # A circle member who can't make it and has no other time declines (SPEC §3.3: the
        # facilitator is asked for another time when half the members can't come).
        _decline(turn, meeting)
        return
    meeting.move_asked_by_id = turn.sender.id
    when = _when(turn, meeting.starts_at, turn.sender)
    turn.said.append(
        f"Sure. What time would suit instead of {when}? Reply with a day and a time, for example "
        "“Thursday at 2pm”; until then the meeting stays as it is."
    )
    for person in turn.others():
        turn.tell(
            person,
            {
                "kind": "move_asked",
                "by": turn.sender.first_name,
                "when": _when(turn, meeting.starts_at, person),
            },
        )


def _meetings_ahead(turn: Turn) -> list[Meeting]:
    """The mentorship's confirmed meetings still to come, soonest first."""
    assert turn.mentorship is not None
    return list(
        turn.session.scalars(
            select(Meeting)
            .where(
                Meeting.mentorship_id == turn.mentorship.id,
                Meeting.status == "confirmed",
                Meeting.starts_at > turn.now,
            )
            .order_by(Meeting.starts_at)
        )
    )


def _meeting_on(turn: Turn, day: date | None, ahead: list[Meeting] | None = None) -> Meeting | None:
    """The confirmed meeting ahead on `day` of the sender's calendar ("the Jan 4 session"), if any,
    among `ahead` when the caller has read them."""
    if day is None or turn.mentorship is None:
        return None
    meetings = _meetings_ahead(turn) if ahead is None else ahead
    return next((m for m in meetings if m.starts_at.astimezone(turn.situation.zone).date() == day), None)


def _no_meeting_on(
    turn: Turn, day: date, next_meeting: Meeting, verb: str, example: str, also: str = ""
) -> None:
    """Say that no meeting is on the day named, so nothing changed, and how to name one."""
    said = f"{day:%a %b} {day.day}"
    next_one = _when(turn, next_meeting.starts_at, turn.sender)
    turn.said.append(
        f"I couldn't find a meeting on {said} to {verb}, so nothing has changed; the next one is "
        f"{next_one}. Reply with the day of the meeting to {verb}{' ' + also if also else ''}, for "
        f"example {example}."
    )


def ask_exact_time(turn: Turn, intent: Intent) -> None:
    """A time too vague to book ("Thursday afternoon"): ask for the exact time."""
    if turn.mentorship is None:
        return
    turn.said.append(
        "Which exact time would suit you? Reply with a day and a time, for example “Thursday at 2pm” "
        "or “Tue 3pm or Wed 10am”, and I'll check it with "
        f"{_names(turn.others())}."
    )


# ---------------------------------------------------------------------------------------- cancelling


def cancel(turn: Turn, intent: Intent) -> None:
    """Cancel the next meeting, or the one on the day named (or, with "all", each series with one
    CANCEL and every other meeting ahead). A day with no meeting ahead ("skip the 29th") cancels
    nothing and says so: the next meeting is never called off in its place. With no meeting, or
    with `withdraw`, the sender's own waiting proposal is taken back (a meeting booked stays).
    In a circle a member who is not that meeting's facilitator declines it instead, and only
    it, even on "cancel all"."""
    if turn.mentorship is None:
        return
    if intent.withdraw:
        _withdraw(turn)
        return
    meetings = _meetings_ahead(turn)
    if intent.day is not None:
        meant = _meeting_on(turn, intent.day, meetings)
    else:
        meant = meetings[0] if meetings else None
    if meant is None and intent.day is not None and meetings:
        if turn.once(f"cancel:{intent.day}"):
            _no_meeting_on(turn, intent.day, meetings[0], "cancel", "“cancel the Tuesday meeting”")
        return
    facilitator = _facilitator(turn, meant)
    if facilitator is not None and facilitator.id != turn.sender.id and meant is not None:
        # In a circle only the facilitator calls a meeting off (SPEC §3.3): a member's "cancel"
        # is their decline, noted and told to the facilitator.
        _decline(turn, meant)
        return
    # One effect per meeting named: "cancel the sessions on Christmas Day and New Year's Day".
    if not turn.once("cancel" if intent.day is None else f"cancel:{intent.day}"):
        return
    if meant is None:
        _withdraw(turn)
        return
    if not intent.all:
        _cancel_meetings(turn, [meant], whole_series=None, reason="cancelled")
        return
    # Each series ahead goes with one CANCEL of the whole series (its occurrences one by one were
    # an email each to every member), whether or not a single meeting comes first.
    series_ids = list(dict.fromkeys(m.series_id for m in meetings if m.series_id is not None))
    for series_id in series_ids:
        chosen = [m for m in meetings if m.series_id == series_id]
        _cancel_meetings(turn, chosen, whole_series=chosen[0].series, reason="cancelled")
    singles = [m for m in meetings if m.series_id is None]
    if singles:
        _cancel_meetings(turn, singles, whole_series=None, reason="cancelled")


def _close_pending_for(turn: Turn, meetings: list[Meeting]) -> Proposal | None:
    """Close the new time waiting for one of `meetings` ("Monday is no good either, let's just
    cancel Thursday"), so that a later "yes" to it books no meeting called off; the proposal
    closed, if any: declined by whoever it asked, else withdrawn by its proposer."""
    pending = turn.pending
    if pending is None or pending.status != "pending" or pending.meeting_id not in {m.id for m in meetings}:
        return None
    _close(turn, pending, "declined" if turn.sender.id in (pending.asked_ids or []) else "withdrawn")
    return pending


def _keeping_place(option: Option, meeting: Meeting) -> Option:
    """A move keeps the meeting's place unless the reply names another ("on Zoom" stays said)."""
    return replace(option, location=option.location or meeting.location)


def _withdraw(turn: Turn) -> None:
    """Take back the sender's own waiting proposal (once per message, however many cancels)."""
    if not turn.once("withdraw"):
        return
    proposal = turn.pending
    if proposal is not None and proposal.status == "pending" and proposal.proposer_id == turn.sender.id:
        _close(turn, proposal, "withdrawn")
        asked = [p for p in turn.others() if p.id in (proposal.asked_ids or [])]
        for person in asked:
            turn.tell(person, {"kind": "withdrawn", "by": turn.sender.first_name})
        turn.said.append(f"OK, I've withdrawn your suggestion and told {_names(asked)}.")
        return
    turn.said.append("You have no meeting coming up, so there was nothing to cancel.")


def _cancel_meetings(
    turn: Turn, meetings: list[Meeting], whole_series: MeetingSeries | None, reason: str
) -> None:
    """Cancel meetings: each member's calendar gets a CANCEL (one for a whole series), and a new
    time waiting for one of them is closed with them (its proposer is told)."""
    members = _members(turn)
    for meeting in meetings:
        meeting.status = "cancelled"
        meeting.cancelled_at = turn.now
        meeting.sequence += 1
    closed = _close_pending_for(turn, meetings)
    if whole_series is not None:
        whole_series.status = "cancelled"
        whole_series.sequence += 1
        calendars = [_series_calendar(turn, whole_series, "CANCEL")]
    else:
        calendars = [_meeting_calendar(turn, m, "CANCEL") for m in meetings]
    first = meetings[0]
    for person in members:
        when = _when(turn, first.starts_at, person)
        if person.id == turn.sender.id:
            continue
        block = {
            "kind": "cancelled",
            "by": turn.sender.first_name,
            "when": when,
            "all": whole_series is not None or len(meetings) > 1,
            "declined": reason == "declined",
            "their_time_off": closed is not None and closed.proposer_id == person.id,
        }
        turn.tell(person, block, calendars[0])
        for calendar in calendars[1:]:
            turn.tell(person, {"kind": "cancelled_more"}, calendar)
    turn.calendars.extend(calendars)
    when = _when(turn, first.starts_at, turn.sender)
    if whole_series is not None:
        turn.said.append(f"Cancelled: the whole series, from {when}. I've told {_names(turn.others())}.")
    elif len(meetings) > 1:
        turn.said.append(
            f"Cancelled: all {len(meetings)} meetings ahead, from {when}. I've told {_names(turn.others())}."
        )
    else:
        turn.said.append(f"Cancelled: {when}. I've told {_names(turn.others())}.")


# ------------------------------------------------------------------------------------------- booking


def _book(turn: Turn, option: Option, moving: Meeting | None, proposer: Person | None) -> None:
    """Confirm a time: a new meeting (or series), or a meeting moved; invites to every member.
    A series keeps the wall-clock time of whoever proposed it, in their zone (SPEC §3.1.3), not
    of whoever said yes: `proposer`, the sender when they book their own time, None when the
    proposer is no longer known (the program's zone then)."""
    mentorship = turn.mentorship
    assert mentorship is not None
    resized = _resizes(option, moving)
    if moving is not None and moving.series is not None and option.repeat:
        option = _keeping_place(option, moving)
        calendar = _move_series_on(turn, moving.series, moving, option)
        updated = True
    elif moving is not None:
        moving.starts_at = option.start
        moving.duration_minutes = option.duration
        option = _keeping_place(option, moving)  # said with the move, as the invite has it
        moving.location = option.location
        moving.sequence += 1
        moving.move_asked_by_id = None
        calendar = _meeting_calendar(turn, moving, "REQUEST")
        updated = True
    elif option.repeat:
        series = _new_series(turn, option, proposer)
        calendar = _series_calendar(turn, series, "REQUEST")
        updated = False
    else:
        meeting = Meeting(
            mentorship_id=mentorship.id,
            uid=f"meeting-{uuid.uuid4().hex}@{turn.settings.reply_domain}",
            sequence=0,
            starts_at=option.start,
            duration_minutes=option.duration,
            location=option.location,
            status="confirmed",
            facilitator_id=facilitator.id if (facilitator := _facilitator(turn)) is not None else None,
            source_inbound_id=turn.inbound.id,
            created_at=turn.now,
        )
        turn.session.add(meeting)
        turn.session.flush()
        calendar = _meeting_calendar(turn, meeting, "REQUEST")
        updated = False
    if mentorship.state in ("introduced", "stalled"):
        mentorship.state = "active"
        mentorship.nudges_sent = 0
    mentorship.last_activity_at = turn.now
    for person in turn.others():
        turn.tell(
            person,
            {"kind": "confirmed", "when": _describe(turn, option, person), "updated": updated,
             "resized": resized, "by": turn.sender.first_name},
            calendar,
        )  # fmt: skip
    turn.calendars.append(calendar)
    word = "Changed" if resized else "Moved" if updated else "Confirmed"
    turn.said.append(
        f"{word}: {_describe(turn, option, turn.sender)}. The calendar invite is attached, and "
        f"{_names(turn.others())} {'has' if len(turn.others()) == 1 else 'have'} one too."
    )


def _new_series(turn: Turn, option: Option, proposer: Person | None) -> MeetingSeries:
    """A series and its occurrences as meetings, to the program's end or `SERIES_HORIZON`, on
    the wall-clock time of its proposer's zone (the program's, when no proposer is known)."""
    mentorship = turn.mentorship
    assert mentorship is not None
    zone = turn.zone(proposer) if proposer is not None else zone_of(None, turn.program.timezone)
    series = MeetingSeries(
        mentorship_id=mentorship.id,
        rrule=option.repeat,
        uid=f"series-{uuid.uuid4().hex}@{turn.settings.reply_domain}",
        sequence=0,
        zone=zone.key,
        starts_at=option.start,
        duration_minutes=option.duration,
        location=option.location,
        status="confirmed",
        source_inbound_id=turn.inbound.id,
        created_at=turn.now,
    )
    turn.session.add(series)
    turn.session.flush()
    _add_occurrences(turn, series, occurrences(series, turn.program.end_date))
    return series


def _add_occurrences(turn: Turn, series: MeetingSeries, starts: list[datetime]) -> None:
    """Meetings of the series at these starts (in a circle, each facilitated in turn after the
    meetings booked so far)."""
    mentorship = turn.mentorship
    assert mentorship is not None
    if not starts:
        return
    members = [m.person_id for m in mentorship.members] if turn.program.format == "peer" else []
    booked = _meetings_booked(turn) if members else 0
    for number, start in enumerate(starts):
        turn.session.add(
            Meeting(
                mentorship_id=mentorship.id,
                series_id=series.id,
                occurrence_of=start,
                uid=f"{series.uid.split('@')[0]}-{start:%Y%m%dT%H%M%SZ}@{turn.settings.reply_domain}",
                sequence=0,
                starts_at=start,
                duration_minutes=series.duration_minutes,
                location=series.location,
                status="confirmed",
                # In a circle each occurrence has its own facilitator, in turn.
                facilitator_id=members[(booked + number) % len(members)] if members else None,
                created_at=turn.now,
            )
        )
    turn.session.flush()


def _move_series_on(turn: Turn, series: MeetingSeries, moving: Meeting, option: Option) -> Invite:
    """A series moved from one of its meetings on ("could we do 7:30 instead of 7 going
    forward?"): the series starts at the new time (calendars then hold it from there; the
    meetings before it are past or kept as they were), and each of its meetings from the one
    moved on takes the new time in turn; one it no longer reaches is cancelled. An updated
    invite of the whole series (same UID, higher SEQUENCE)."""
    assert option.repeat is not None
    series.starts_at, series.duration_minutes = option.start, option.duration
    series.location, series.rrule = option.location, option.repeat
    series.sequence += 1
    ahead = turn.session.scalars(
        select(Meeting)
        .where(Meeting.series_id == series.id, Meeting.occurrence_of >= moving.occurrence_of)
        .order_by(Meeting.occurrence_of)
    ).all()
    starts = occurrences(series, turn.program.end_date)
    # Each takes its new time in turn; the old times are let go first, so that no two meetings
    # of the series hold one time between the two (a move by whole weeks).
    for meeting in ahead:
        meeting.occurrence_of = None
    turn.session.flush()
    for meeting, start in zip(ahead, starts, strict=False):
        meeting.starts_at = meeting.occurrence_of = start
        meeting.duration_minutes, meeting.location = series.duration_minutes, series.location
        meeting.sequence += 1
        meeting.move_asked_by_id = None
    for meeting in ahead[len(starts) :]:
        meeting.status = "cancelled"
        meeting.sequence += 1
    turn.session.flush()
    _add_occurrences(turn, series, starts[len(ahead) :])
    return _series_calendar(turn, series, "REQUEST")


def occurrences(series: MeetingSeries, end_date: Any = None) -> list[datetime]:
    """The series' starts (UTC) at its wall-clock time in its zone, to the end or the horizon."""
    zone = zone_of(series.zone)
    first = series.starts_at.astimezone(zone).replace(tzinfo=None)
    until = first + SERIES_HORIZON
    if end_date is not None:
        until = min(until, datetime.combine(end_date, datetime.max.time()))
    rule = rrulestr(series.rrule, dtstart=first)
    starts = []
    for local in rule.between(first, until, inc=True):
        starts.append(local.replace(tzinfo=zone).astimezone(UTC))
        if len(starts) >= MAX_OCCURRENCES:
            break
    return starts


# ------------------------------------------------------------------------------------------ calendars


def _attendees(turn: Turn) -> tuple[Attendee, ...]:
    return tuple(Attendee(p.email, p.display_name) for p in _members(turn))


def _summary(turn: Turn) -> str:
    members = _members(turn)
    return f"{turn.program.name}: {' & '.join(p.first_name for p in members)}"


def _description(turn: Turn) -> str:
    return (
        f"A {turn.program.name} meeting, scheduled by Concierge. To move or cancel it, reply to "
        "Concierge's email (“can we move it to Thursday at 2pm?”, “cancel”)."
    )


def _meeting_calendar(turn: Turn, meeting: Meeting, method: Method) -> Invite:
    """The invite for one meeting (or one occurrence of a series)."""
    series = meeting.series
    return Invite(
        method=method,
        uid=series.uid if series is not None else meeting.uid,
        sequence=meeting.invite_sequence,
        start=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        summary=_summary(turn),
        description=_description(turn),
        location=meeting.location,
        attendees=_attendees(turn),
        zone=series.zone if series is not None else None,
        recurrence_id=meeting.occurrence_of if series is not None else None,
    )


def _series_calendar(turn: Turn, series: MeetingSeries, method: Method) -> Invite:
    """The invite for a whole series: its start in its zone and its RRULE, which ends with the
    series' last meeting (UNTIL, in UTC as RFC 5545 asks beside a TZID): Concierge makes the
    meetings to the program's end (or half a year on), and a calendar should not show more."""
    rrule = series.rrule
    last = turn.session.scalar(select(func.max(Meeting.occurrence_of)).where(Meeting.series_id == series.id))
    if last is not None and "UNTIL=" not in rrule and "COUNT=" not in rrule:
        rrule += f";UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return Invite(
        method=method,
        uid=series.uid,
        sequence=series.sequence,
        start=series.starts_at,
        duration_minutes=series.duration_minutes,
        summary=_summary(turn),
        description=_description(turn),
        location=series.location,
        attendees=_attendees(turn),
        rrule=rrule,
        zone=series.zone,
    )
