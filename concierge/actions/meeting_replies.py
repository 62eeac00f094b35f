"""Acting on replies about one meeting: an agenda prompt's answer becomes the next meeting's
agenda (SPEC §3.1.4); a log prompt's answer becomes the last meeting's notes and marks it held,
or, "we didn't meet", marks it missed and asks for a new time (SPEC §3.1.7). Reading action
items from the notes comes with the next part of the product."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from concierge.actions.conversation import Turn
from concierge.inbound.intents import Intent
from concierge.models import Meeting, Note
from concierge.when import day_and_clock


def _last_meeting(turn: Turn) -> Meeting | None:
    """The meeting the log prompt asked about: the latest that has ended, not called off (one
    still going on was not asked about yet). The log prompt's key names the mentorship, not
    the meeting: a late answer to an older prompt is taken for the latest meeting ended."""
    assert turn.mentorship is not None
    started = turn.session.scalars(
        select(Meeting)
        .where(
            Meeting.mentorship_id == turn.mentorship.id,
            Meeting.status.in_(("confirmed", "held", "missed")),
            Meeting.starts_at <= turn.now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(2)
    ).all()
    ended = [m for m in started if m.starts_at + timedelta(minutes=m.duration_minutes) <= turn.now]
    return ended[0] if ended else (started[0] if started else None)


def agenda(turn: Turn, intent: Intent) -> None:
    """The reply is the next meeting's agenda (in a circle, each member's is added, named)."""
    meeting = turn.upcoming  # the next confirmed meeting (`situation_of`)
    if meeting is None or not turn.once("agenda"):
        if meeting is None:
            turn.said.append("Thanks! No meeting is coming up to add it to: suggest a time first.")
        return
    text = turn.parsed.text.strip()
    several = len(turn.mentorship.members) > 2 if turn.mentorship is not None else False
    entry = f"{turn.sender.first_name}: {text}" if several else text
    meeting.agenda = f"{meeting.agenda}\n\n{entry}" if meeting.agenda and several else entry
    when = day_and_clock(meeting.starts_at, turn.zone(turn.sender))
    turn.said.append(f"Thanks! That's the agenda for {when}; it goes into the briefing before you meet.")


def notes(turn: Turn, intent: Intent) -> None:
    """The reply is the notes of the last meeting, which was held."""
    meeting = _last_meeting(turn) if turn.mentorship is not None else None
    if turn.mentorship is None or meeting is None or not turn.once("notes"):
        return
    turn.session.add(
        Note(
            mentorship_id=turn.mentorship.id,
            meeting_id=meeting.id,
            author_id=turn.sender.id,
            body=turn.parsed.text.strip(),
            inbound_message_id=turn.inbound.id,
        )
    )
    if meeting.status == "confirmed":
        meeting.status = "held"
    turn.said.append("Thanks! I've kept that as the notes of your meeting.")


def missed(turn: Turn, intent: Intent) -> None:
    """The last meeting did not happen: it is marked missed, and the sender asked for a new time."""
    meeting = _last_meeting(turn) if turn.mentorship is not None else None
    if meeting is None or not turn.once("missed"):
        return
    if meeting.status in ("confirmed", "held"):
        meeting.status = "missed"
    turn.said.append(
        "Thanks for letting me know; I've marked it as missed. Reply with a time that suits you, "
        'for example "Tuesday at 3pm", and I will ask the others.'
    )
