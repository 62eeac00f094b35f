"""Every scheduling path end to end: raw reply in → rows, emails and .ics out (SPEC §3.1.3, §3.3).

Each .ics sent is read back by vobject, a second iCalendar library, and checked for what RFC
5545/5546 require of an invite: METHOD, a stable UID, SEQUENCE rising with every change, a
single meeting's times in UTC, a series' start with its TZID and VTIMEZONE, a 15-minute
VALARM, the recipient's own reply address as ORGANIZER and both sides as attendees.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from concierge.db import session_scope
from concierge.keys import reply_address
from concierge.models import (
    Enrolment,
    Meeting,
    MeetingSeries,
    Mentorship,
    OutboundMessage,
    Person,
    Program,
    Proposal,
    ReplyKey,
)
from tests.scheduling.helpers import (
    NOW,
    answered,
    introduction_to,
    last_outbound_id,
    pair_in_zones,
    reply,
    sent_since,
    to,
)

ANA, MAYA = "ana@example.org", "maya@example.org"


def propose(settings, work, body="Could we meet next Tuesday at 3pm?", **program):
    pair = pair_in_zones(settings, work, **program)
    result = reply(settings, pair["mentee_intro"], body)
    work()
    question = [s for s in sent_since(settings) if s.row.to_email == MAYA and s.row.template == "update"]
    return pair, result, question


def meetings(settings) -> list[Meeting]:
    with session_scope(settings) as s:
        return list(s.scalars(select(Meeting).order_by(Meeting.starts_at)))


def check_invite(settings, mail, method="REQUEST"):
    """The vobject reading of an email's invite, with what every invite must carry."""
    calendar = mail.calendar
    assert calendar is not None, mail.text
    assert calendar.method.value == method and calendar.version.value == "2.0" and calendar.prodid.value
    event = calendar.vevent
    assert event.uid.value and event.dtstamp.value
    with session_scope(settings) as s:
        key = s.get(ReplyKey, mail.row.reply_key_id)
        own = reply_address(key.key, settings.reply_domain)
    assert event.organizer.value.lower() == f"mailto:{own}"
    attendees = sorted(a.value.lower() for a in event.attendee_list)
    assert attendees == [f"mailto:{ANA}", f"mailto:{MAYA}"]
    alarms = event.contents.get("valarm", [])
    assert (
        (len(alarms) == 1 and alarms[0].trigger.value == -timedelta(minutes=15))
        if method == "REQUEST"
        else not alarms
    )
    return event


def test_propose_then_confirm_sends_both_the_same_invite(settings, work):
    pair, result, question = propose(settings, work)
    assert "Tue Dec 8, 12:00 PM PT (3:00 PM ET for Ana)" in question[0].text
    assert 'Reply "yes"' in question[0].text
    sent = answered(settings, work, question[0].row.id, "Sounds good, see you then!")
    assert sorted(s.row.to_email for s in sent) == [ANA, MAYA]
    events = [check_invite(settings, mail) for mail in sent]
    assert {e.uid.value for e in events} == {meetings(settings)[0].uid}
    assert all(e.dtstart.value.isoformat() == "2026-12-08T20:00:00+00:00" for e in events)
    assert all(e.dtend.value - e.dtstart.value == timedelta(minutes=45) for e in events)
    assert all(int(e.sequence.value) == 0 for e in events)
    with session_scope(settings) as s:
        assert s.get(Mentorship, pair["mentorship"]).state == "active"
        assert s.scalar(select(Proposal.status)) == "confirmed"


def test_options_are_picked_by_position(settings, work):
    _, result, question = propose(settings, work, "Tue 3pm or Wed 10am, whichever suits")
    assert len(result.intents[0]["options"]) == 2
    assert "(1) Tue Dec 8" in question[0].text and "(2) Wed Dec 9" in question[0].text
    reply(settings, question[0].row.id, "The second one please")
    work()
    (meeting,) = meetings(settings)
    assert meeting.starts_at.isoformat() == "2026-12-09T15:00:00+00:00"


@pytest.mark.parametrize(
    ("answer", "understood"),
    [
        ("The second one please. Thanks for the intro to Ana!", ["pick"]),
        ("The second one please. Thanks for introducing me to Sam!", ["pick", "pass_on"]),
    ],
)
def test_thanks_for_an_introduction_is_courtesy_only_when_it_names_the_other_member(
    settings, work, answer, understood
):
    _, _, question = propose(settings, work, "Tue 3pm or Wed 10am, whichever suits")
    result = reply(settings, question[0].row.id, answer)
    assert [i["type"] for i in result.intents] == understood


def test_a_yes_to_several_options_asks_which(settings, work):
    _, _, question = propose(settings, work, "Tue 3pm or Wed 10am?")
    before = last_outbound_id(settings)
    reply(settings, question[0].row.id, "yes")
    work()
    (answer,) = sent_since(settings, before)
    assert answer.row.to_email == MAYA and "Which one suits you?" in answer.text
    assert meetings(settings) == []


def test_a_counter_proposal_goes_back_to_the_proposer(settings, work):
    _, _, question = propose(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, question[0].row.id, "Tuesday doesn't work, but Wednesday at 10 would.")
    assert [i["type"] for i in result.intents] == ["propose"]
    work()
    sent = sent_since(settings, before)
    back = to(sent, ANA)
    assert (
        len(back) == 1
        and "Maya suggested a time" in back[0].text
        and "Wed Dec 9, 1:00 PM ET (10:00 AM PT for Maya)" in back[0].text
    )
    with session_scope(settings) as s:
        statuses = s.scalars(select(Proposal.status).order_by(Proposal.id)).all()
    assert statuses == ["superseded", "pending"]
    reply(settings, back[0].row.id, "yes!")
    work()
    (meeting,) = meetings(settings)
    assert meeting.starts_at.isoformat() == "2026-12-09T18:00:00+00:00"  # 10am Los Angeles


def test_a_decline_asks_the_proposer_for_another_time(settings, work):
    _, _, question = propose(settings, work)
    sent = answered(settings, work, question[0].row.id, "Sorry, that doesn't work for me.")
    assert "can't make" in to(sent, ANA)[0].text and "another time" in to(sent, ANA)[0].text
    assert "asked for another time" in to(sent, MAYA)[0].text
    with session_scope(settings) as s:
        assert s.scalar(select(Proposal.status)) == "declined"
    assert meetings(settings) == []


def test_a_time_in_the_past_is_answered_politely_and_schedules_nothing(settings, work):
    pair = pair_in_zones(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, pair["mentee_intro"], "How about Dec 1 at 3pm?")
    assert result.intents[0]["options"][0]["start"] == "2026-12-01T20:00:00Z"
    work()
    (answer,) = sent_since(settings, before)
    assert answer.row.to_email == ANA and "already passed" in answer.text
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Proposal)) == 0


def test_a_vague_time_is_asked_to_be_exact(settings, work):
    pair = pair_in_zones(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, pair["mentee_intro"], "Sometime next week?")
    assert [i["type"] for i in result.intents] == ["vague_time"]
    work()
    (answer,) = sent_since(settings, before)
    assert answer.row.to_email == ANA and "Which exact time" in answer.text


def test_auto_confirm_books_at_once(settings, work):
    pair = pair_in_zones(settings, work, auto_confirm=True)
    sent = answered(
        settings, work, pair["mentee_intro"], "Tuesday at 3pm for 30 minutes on Zoom https://zoom.us/j/123"
    )
    assert sorted(s.row.to_email for s in sent) == [ANA, MAYA]
    events = [check_invite(settings, mail) for mail in sent]
    assert all(e.url.value == "https://zoom.us/j/123" for e in events)
    assert all(e.dtend.value - e.dtstart.value == timedelta(minutes=30) for e in events)


def test_a_place_in_words_is_said_back_and_is_the_invites_location(settings, work):
    pair = pair_in_zones(settings, work)
    sent = answered(
        settings,
        work,
        pair["mentee_intro"],
        "Could we meet Tuesday at 3pm at the Blue Bottle cafe on Main St?",
    )
    assert "45 minutes at the Blue Bottle cafe on Main St" in to(sent, ANA)[0].text
    assert "45 minutes at the Blue Bottle cafe on Main St" in to(sent, MAYA)[0].text
    before = last_outbound_id(settings)
    reply(settings, to(sent, MAYA)[0].row.id, "yes")
    work()
    events = [check_invite(settings, mail) for mail in sent_since(settings, before)]
    assert len(events) == 2
    assert all(e.location.value == "the Blue Bottle cafe on Main St" for e in events)
    assert all("url" not in e.contents for e in events)


def test_a_call_by_phone_is_said_so(settings, work):
    pair = pair_in_zones(settings, work)
    before = last_outbound_id(settings)
    reply(settings, pair["mentee_intro"], "Could we talk Tuesday at 3pm by phone?")
    work()
    assert "45 minutes by phone" in to(sent_since(settings, before), MAYA)[0].text


def confirmed(settings, work, body="Tuesday at 3pm", **program):
    pair = pair_in_zones(settings, work, auto_confirm=True, **program)
    reply(settings, pair["mentee_intro"], body)
    work()
    invites = {s.row.to_email: s for s in sent_since(settings) if s.calendar is not None}
    return pair, invites


def test_moving_a_meeting_sends_an_update_with_the_same_uid_and_a_higher_sequence(settings, work):
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    result = reply(settings, invites[MAYA].row.id, "Can we push it to Thursday at 11am?")
    assert [i["type"] for i in result.intents] == ["reschedule"]
    work()
    sent = sent_since(settings, before)
    events = [check_invite(settings, mail) for mail in sent]
    assert {e.uid.value for e in events} == {meeting.uid}
    assert all(int(e.sequence.value) == 1 for e in events)
    assert all(e.dtstart.value.isoformat() == "2026-12-10T19:00:00+00:00" for e in events)  # 11am LA
    (moved,) = meetings(settings)
    assert moved.id == meeting.id and moved.sequence == 1


def test_cancelling_a_meeting_takes_the_new_time_waiting_for_it_off_too(settings, work):
    pair, result, question = propose(settings, work)  # Ana proposes Tuesday 3pm; no auto-confirm
    reply(settings, question[0].row.id, "yes")
    work()
    invites = {s.row.to_email: s for s in sent_since(settings) if s.calendar is not None}
    reply(settings, invites[MAYA].row.id, "Can we move it to Thursday at 11am?")
    work()
    (asked,) = [s for s in sent_since(settings) if s.row.to_email == ANA and "move your meeting" in s.text]
    reply(settings, asked.row.id, "Thursday doesn't work, how about Friday at 10am?")
    work()
    (countered,) = [s for s in sent_since(settings) if s.row.to_email == MAYA and "Fri Dec 11" in s.text]
    before = last_outbound_id(settings)
    reply(
        settings,
        countered.row.id,
        "Friday is no good either. Let's just cancel Tuesday, I'll come back with times.",
    )
    work()
    (told,) = to(sent_since(settings, before), ANA)
    assert (
        "cancelled your meeting" in told.text and "The new time you suggested for it is off too." in told.text
    )
    with session_scope(settings) as s:
        # Ana's time, then Maya's move it answered, then Ana's Friday: declined with the cancel.
        assert [p.status for p in s.scalars(select(Proposal).order_by(Proposal.id))] == [
            "confirmed",
            "superseded",
            "declined",
        ]
    # A later "yes" to Ana's Friday books nothing: it is no longer waiting.
    before = last_outbound_id(settings)
    reply(settings, countered.row.id, "yes")
    work()
    assert [m.status for m in meetings(settings)] == ["cancelled"]
    assert all(s.calendar is None for s in sent_since(settings, before))


def test_a_cancel_with_a_reason_passes_the_senders_words_on_and_a_bare_one_does_not(settings, work):
    pair, invites = confirmed(settings, work)
    before = last_outbound_id(settings)
    words = "Unfortunately I have to cancel Tuesday - my daughter is sick. I'll send a new time next week."
    reply(settings, invites[ANA].row.id, words)
    work()
    (told,) = to(sent_since(settings, before), MAYA)
    assert "Ana cancelled your meeting" in told.text and "my daughter is sick" in told.text
    pair, invites = confirmed(settings, work, "Wednesday at 3pm")
    (told,) = to(answered(settings, work, invites[ANA].row.id, "Please cancel Wednesday."), MAYA)
    assert "Ana cancelled your meeting" in told.text and "wrote:" not in told.text


def test_a_move_keeps_and_says_the_meetings_place(settings, work):
    pair, invites = confirmed(settings, work, "Tuesday at 3pm on Zoom")
    sent = answered(settings, work, invites[MAYA].row.id, "Can we push it to Thursday at 11am?")
    assert sorted(mail.row.to_email for mail in sent) == [ANA, MAYA]
    assert all(check_invite(settings, mail).location.value == "Zoom" for mail in sent)
    # Each says where, as the invite does (it had said only "45 minutes").
    assert all("on Zoom" in mail.text for mail in sent)


def test_a_move_without_a_time_asks_for_one_and_the_next_time_moves_it(settings, work):
    pair, invites = confirmed(settings, work)
    sent = answered(settings, work, invites[ANA].row.id, "Can we reschedule?")
    assert "What time would suit instead" in to(sent, ANA)[0].text
    assert "needs to move" in to(sent, MAYA)[0].text
    reply(settings, to(sent, ANA)[0].row.id, "Wednesday at 2pm", now=NOW + timedelta(minutes=5))
    work()
    (meeting,) = meetings(settings)
    assert meeting.starts_at.isoformat() == "2026-12-09T19:00:00+00:00" and meeting.sequence == 1


def test_cancel_sends_a_cancel_to_both(settings, work):
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    sent = answered(settings, work, invites[MAYA].row.id, "I need to cancel, sorry")
    events = [check_invite(settings, mail, "CANCEL") for mail in sent]
    assert sorted(s.row.to_email for s in sent) == [ANA, MAYA]
    assert {e.uid.value for e in events} == {meeting.uid} and all(int(e.sequence.value) == 1 for e in events)
    assert all(e.status.value == "CANCELLED" for e in events)
    assert meetings(settings)[0].status == "cancelled"


def test_a_yes_that_says_more_reaches_the_other_side(settings, work):
    pair, invites = confirmed(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, invites[ANA].row.id, "Yes please, bring it")
    assert [i["type"] for i in result.intents] == ["confirm", "pass_on"]
    work()
    (told,) = to(sent_since(settings, before), MAYA)
    assert "bring it" in told.text
    assert [m.status for m in meetings(settings)] == ["confirmed"]


def test_a_cancel_that_asks_for_another_slot_cancels_and_asks_for_the_exact_time(settings, work):
    pair, invites = confirmed(settings, work)
    before = last_outbound_id(settings)
    result = reply(
        settings, invites[ANA].row.id, "Please cancel Tuesday, could we find another slot next week?"
    )
    assert [i["type"] for i in result.intents] == ["cancel", "vague_time"]
    work()
    sent = sent_since(settings, before)
    assert sorted(s.row.to_email for s in sent) == [ANA, MAYA]  # one email each
    assert all(check_invite(settings, mail, "CANCEL") for mail in sent)
    assert "Which exact time" in to(sent, ANA)[0].text
    assert meetings(settings)[0].status == "cancelled"


def test_a_series_keeps_its_wall_clock_time_and_cancel_takes_the_next_occurrence(settings, work):
    pair, invites = confirmed(settings, work, "every other Tuesday at 3pm")
    event = check_invite(settings, invites[ANA])
    # The rule ends with the last meeting Concierge made (the program ends on March 1).
    assert event.rrule.value == "FREQ=WEEKLY;UNTIL=20270216T200000Z;INTERVAL=2"
    assert str(event.dtstart.value.tzinfo) and event.dtstart.value.hour == 15  # in New York time
    assert invites[ANA].calendar.vtimezone.tzid.value == "America/New_York"
    with session_scope(settings) as s:
        series = s.scalar(select(MeetingSeries))
        starts = s.scalars(
            select(Meeting.starts_at).where(Meeting.series_id == series.id).order_by(Meeting.starts_at)
        ).all()
    # Mar 9 is before the US change to daylight time, Mar 23 after it: 3pm New York both times.
    hours = {start.date().isoformat(): start.hour for start in starts}
    assert hours["2026-12-08"] == 20 and hours["2027-02-16"] == 20 and hours.get("2027-03-02") in (None, 20)
    sent = answered(settings, work, invites[MAYA].row.id, "cancel")
    cancel = check_invite(settings, sent[0], "CANCEL")
    assert cancel.uid.value == series.uid and cancel.recurrence_id.value.hour == 15
    statuses = [m.status for m in meetings(settings)]
    assert statuses[0] == "cancelled" and set(statuses[1:]) == {"confirmed"}


def test_a_monthly_series_on_the_first_tuesday_keeps_to_first_tuesdays(settings, work):
    pair, invites = confirmed(settings, work, "How about the first Tuesday of each month at 3pm?")
    event = check_invite(settings, invites[ANA])
    assert event.rrule.value == "FREQ=MONTHLY;UNTIL=20270202T200000Z;BYDAY=1TU"  # the last made
    # December's first Tuesday (the 1st) is past on December 4: the series starts on January 5.
    assert event.dtstart.value.date().isoformat() == "2027-01-05" and event.dtstart.value.hour == 15
    assert "every month on the first Tuesday" in invites[ANA].text
    with session_scope(settings) as s:
        starts = s.scalars(select(Meeting.starts_at).order_by(Meeting.starts_at)).all()
    # The occurrences made so far: each a first Tuesday at 3pm New York time.
    assert [start.strftime("%Y-%m-%d %H") for start in starts] == ["2027-01-05 20", "2027-02-02 20"]


def test_a_weekly_series_on_two_weekdays_meets_on_both(settings, work):
    pair, invites = confirmed(settings, work, "Every Tuesday and Thursday at 3pm?")
    event = check_invite(settings, invites[ANA])
    assert "every week on Tuesday and Thursday" in invites[ANA].text
    with session_scope(settings) as s:
        starts = s.scalars(select(Meeting.starts_at).order_by(Meeting.starts_at)).all()
    assert event.rrule.value == f"FREQ=WEEKLY;UNTIL={starts[-1]:%Y%m%dT%H%M%SZ};BYDAY=TU,TH"
    # From Friday December 4: Tuesday the 8th, then Thursday the 10th, at 3pm New York time.
    assert [start.strftime("%a %m-%d %H") for start in starts[:4]] == [
        "Tue 12-08 20",
        "Thu 12-10 20",
        "Tue 12-15 20",
        "Thu 12-17 20",
    ]


def test_cancel_all_cancels_the_whole_series(settings, work):
    pair, invites = confirmed(settings, work, "every Tuesday at 3pm")
    sent = answered(settings, work, invites[MAYA].row.id, "Please cancel all our future meetings")
    cancel = check_invite(settings, sent[0], "CANCEL")
    assert not cancel.contents.get("recurrence-id")
    assert {m.status for m in meetings(settings)} == {"cancelled"}
    with session_scope(settings) as s:
        assert s.scalar(select(MeetingSeries.status)) == "cancelled"


def test_the_export_counts_the_meeting_and_shows_the_next_one(settings, work):
    from concierge.dashboard.queries import mentorship_summaries
    from concierge.models import Program

    pair, _ = confirmed(settings, work)
    with session_scope(settings) as s:
        (summary,) = mentorship_summaries(s, s.get(Program, pair["program"]), NOW)
    assert summary.state == "active" and summary.meetings_scheduled == 1
    assert summary.next_meeting_at.isoformat() == "2026-12-08T20:00:00+00:00"


def test_their_time_in_a_circle_is_the_zone_the_other_members_share(settings, work):
    from concierge.actions.pairing import circle
    from tests import factories

    with session_scope(settings) as s:
        prog = factories.program(s, format="peer", timezone="Europe/Berlin")
        facilitator = factories.participant(s, prog, "peer", timezone="America/New_York").person.email
        others = [
            factories.participant(s, prog, "peer", timezone="Europe/London").person.email for _ in range(2)
        ]
        circle(s, settings, prog, [facilitator, *others])
    work()
    intro = introduction_to(settings, facilitator, "introduction_peer")
    reply(settings, intro, "How about Thursday 10am their time?")
    work()
    (meeting,) = meetings(settings)
    assert meeting.starts_at.isoformat() == "2026-12-10T10:00:00+00:00"  # 10am London, not New York


def test_a_circle_facilitators_time_is_final_and_every_member_is_invited(settings, work):
    from concierge.actions.pairing import circle
    from tests import factories

    with session_scope(settings) as s:
        prog = factories.program(s, format="peer", timezone="Europe/Berlin")
        emails = [factories.participant(s, prog, "peer").person.email for _ in range(4)]
        made = circle(s, settings, prog, emails)
        circle_id = made.id
    work()
    intro = introduction_to(settings, emails[0], "introduction_peer")
    sent = answered(settings, work, intro, "Next session Thursday at 6pm on Zoom")
    assert sorted(s.row.to_email for s in sent) == sorted(emails)
    assert all(s.calendar is not None and len(s.calendar.vevent.attendee_list) == 4 for s in sent)
    (meeting,) = meetings(settings)
    assert meeting.mentorship_id == circle_id and meeting.starts_at.isoformat() == "2026-12-10T17:00:00+00:00"
    # A member's "cancel" is their decline, told to the facilitator; the meeting stands for the rest.
    member_invite = to(sent, emails[2])[0]
    sent = answered(settings, work, member_invite.row.id, "Sorry, I have to cancel for Thursday")
    assert sorted(s.row.to_email for s in sent) == sorted([emails[0], emails[2]])
    assert all(s.calendar is None for s in sent)
    assert meetings(settings)[0].status == "confirmed"
    # Nor does a member's "cancel all": it declines their next meeting only.
    sent = answered(
        settings, work, to(sent_since(settings, 0), emails[3])[-1].row.id, "Please cancel all our meetings"
    )
    assert sorted(s.row.to_email for s in sent) == sorted([emails[0], emails[3]])
    assert all(s.calendar is None for s in sent)
    assert [m.status for m in meetings(settings)] == ["confirmed"]
    # The facilitator's move is final: the same meeting, moved, with an update to every member.
    before = last_outbound_id(settings)
    reply(settings, intro, "Need to move our circle to Friday same time", now=NOW + timedelta(minutes=5))
    work()
    sent = sent_since(settings, before)
    assert sorted(s.row.to_email for s in sent if s.calendar is not None) == sorted(emails)
    (moved,) = meetings(settings)
    assert moved.id == meeting.id and moved.starts_at.isoformat() == "2026-12-11T17:00:00+00:00"
    # A member's "an hour later" is asked of the meeting's facilitator, never booked beside it.
    before = last_outbound_id(settings)
    reply(settings, member_invite.row.id, "Could we do it an hour later?", now=NOW + timedelta(minutes=10))
    work()
    sent = sent_since(settings, before)
    assert all(s.calendar is None for s in sent) and to(sent, emails[0])
    assert [m.starts_at.isoformat() for m in meetings(settings)] == ["2026-12-11T17:00:00+00:00"]


def test_every_calendar_a_reply_causes_reaches_everyone(settings, work):
    """One reply can cancel one meeting and book another (auto_confirm): the answer carries the
    first calendar and a second email the next, for the sender as for the other side."""
    pair = pair_in_zones(settings, work, auto_confirm=True)
    reply(settings, pair["mentee_intro"], "Could we meet next Tuesday at 3pm?")
    work()
    before = last_outbound_id(settings)
    # (Another meeting in so many words: "cancel Tuesday, Thursday at 11am works" is a move.)
    reply(
        settings,
        pair["mentee_intro"],
        "I have to cancel Tuesday, sorry. Could we also meet Thursday at 11am?",
    )
    work()
    sent = sent_since(settings, before)
    for person in (ANA, MAYA):
        methods = sorted(mail.calendar.method.value for mail in to(sent, person) if mail.calendar)
        assert methods == ["CANCEL", "REQUEST"], person
    assert [m.status for m in meetings(settings)] == ["cancelled", "confirmed"]


def test_cancel_all_reaches_both_sides_for_every_meeting(settings, work):
    pair = pair_in_zones(settings, work, auto_confirm=True)
    reply(settings, pair["mentee_intro"], "Could we meet next Tuesday at 3pm?")
    reply(settings, pair["mentee_intro"], "And another one on Thursday Dec 17 at 3pm please")
    work()
    assert [m.status for m in meetings(settings)] == ["confirmed", "confirmed"]
    sent = answered(settings, work, pair["mentee_intro"], "Please cancel all our meetings")
    for person in (ANA, MAYA):
        uids = {mail.calendar.vevent.uid.value for mail in to(sent, person) if mail.calendar}
        assert uids == {m.uid for m in meetings(settings)}, person
    assert {m.status for m in meetings(settings)} == {"cancelled"}


def test_an_invite_that_cannot_be_written_fails_its_email_with_the_reason(settings, work):
    pair = pair_in_zones(settings, work, auto_confirm=True)
    reply(settings, pair["mentee_intro"], "Could we meet next Tuesday at 3pm?")
    with session_scope(settings) as s:
        rows = s.scalars(select(OutboundMessage).where(OutboundMessage.status == "queued")).all()
        for row in rows:
            if row.context.get("calendar"):
                calendar = dict(row.context["calendar"], rrule="FREQ=WEEKLY", zone="Mars/Olympus")
                row.context = dict(row.context, calendar=calendar)
    work()
    with session_scope(settings) as s:
        failed = s.scalars(select(OutboundMessage).where(OutboundMessage.status == "failed")).all()
        assert len(failed) == 2 and all("could not be written" in row.error for row in failed)


def test_a_cancellation_names_both_sides_zones(settings, work):
    pair, invites = confirmed(settings, work)
    sent = answered(settings, work, invites[MAYA].row.id, "I need to cancel, sorry")
    assert "12:00 PM PT (3:00 PM ET for Ana)" in to(sent, MAYA)[0].text
    assert "3:00 PM ET (12:00 PM PT for Maya)" in to(sent, ANA)[0].text


def test_the_proposer_can_change_their_own_time_before_it_is_answered(settings, work):
    pair, _, _ = propose(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, pair["mentee_intro"], "Actually, can we do 4pm instead?")
    assert [i["type"] for i in result.intents] == ["propose"]
    work()
    question = to(sent_since(settings, before), MAYA)
    assert len(question) == 1 and "Tue Dec 8, 1:00 PM PT (4:00 PM ET for Ana)" in question[0].text
    with session_scope(settings) as s:
        proposals = s.execute(select(Proposal.status, Proposal.options).order_by(Proposal.id)).all()
    assert [p.status for p in proposals] == ["superseded", "pending"]
    assert proposals[1].options[0]["start"] == "2026-12-08T21:00:00Z"
    reply(settings, question[0].row.id, "yes")
    work()
    (meeting,) = meetings(settings)
    assert meeting.starts_at.isoformat() == "2026-12-08T21:00:00+00:00"


@pytest.mark.parametrize(
    ("move", "moved_to"),
    [
        ("Let's push to 1pm my time", "2026-12-08T21:00:00+00:00"),  # 1pm LA
        # Called off beside another time: moved, not cancelled beside a second meeting.
        ("Let's skip Tuesday, how about Thursday at 3?", "2026-12-10T23:00:00+00:00"),  # 3pm LA
        # The meeting's day refused by its date, then another offered.
        ("Can't do the 8th anymore. How about the 9th at 10am?", "2026-12-09T18:00:00+00:00"),  # 10am LA
        # The day replaced named first, the new one after it; and a day swapped for another.
        ("Instead of Tuesday, Thursday at 10?", "2026-12-10T18:00:00+00:00"),  # 10am LA
        ("Can we swap Tuesday for Wednesday at 2pm?", "2026-12-09T22:00:00+00:00"),  # 2pm LA
    ],
)
def test_a_move_moves_the_meeting_and_never_books_a_second(settings, work, move, moved_to):
    _, _, question = propose(settings, work)
    reply(settings, question[0].row.id, "yes")
    work()
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    result = reply(settings, question[0].row.id, move, now=NOW + timedelta(minutes=5))
    assert [i["type"] for i in result.intents] == ["reschedule"]
    work()
    asked = to(sent_since(settings, before), ANA)
    reply(settings, asked[0].row.id, "yes that works", now=NOW + timedelta(minutes=10))
    work()
    (moved,) = meetings(settings)
    assert moved.id == meeting.id and moved.starts_at.isoformat() == moved_to


def test_a_polite_request_to_unsubscribe_stops_the_programs_mail(settings, work):
    pair = pair_in_zones(settings, work)
    before = last_outbound_id(settings)
    result = reply(settings, pair["mentee_intro"], "Please unsubscribe me from these emails.\n\nThanks,\nAna")
    assert [i["type"] for i in result.intents] == ["stop"]
    work()
    with session_scope(settings) as s:
        enrolment = s.scalar(select(Enrolment).join(Person).where(Person.email == ANA))
        assert enrolment.unsubscribed_at is not None
    assert to(sent_since(settings, before), MAYA) == []  # not passed on to the mentor


def test_the_proposer_can_take_back_their_waiting_time(settings, work):
    pair, _, _ = propose(settings, work)
    before = last_outbound_id(settings)
    result = reply(
        settings, pair["mentee_intro"], "please ignore my suggestion for Tuesday - something came up"
    )
    assert [i["type"] for i in result.intents] == ["cancel"]
    work()
    sent = sent_since(settings, before)
    assert "withdrawn your suggestion" in to(sent, ANA)[0].text
    assert "Ana withdrew the time they suggested" in to(sent, MAYA)[0].text
    with session_scope(settings) as s:
        assert s.scalar(select(Proposal.status)) == "withdrawn"
    assert meetings(settings) == []


def test_cancelling_one_occurrence_of_a_series_by_its_date_cancels_that_one(settings, work):
    pair, invites = confirmed(settings, work, "every other Tuesday at 3pm")
    before = last_outbound_id(settings)
    result = reply(
        settings, invites[MAYA].row.id, "Can't make the Dec 22 one (holidays) - please cancel just that one."
    )
    assert result.intents == [{"type": "cancel", "all": False, "day": "2026-12-22"}]
    work()
    cancel = check_invite(settings, sent_since(settings, before)[0], "CANCEL")
    assert cancel.recurrence_id.value.date().isoformat() == "2026-12-22"
    cancelled = [m.starts_at.date().isoformat() for m in meetings(settings) if m.status == "cancelled"]
    assert cancelled == ["2026-12-22"]


def test_an_offset_or_a_restated_time_never_books_a_second_meeting(settings, work):
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    restated = reply(settings, invites[ANA].row.id, "Still on for Tuesday 3pm? See you then!")
    assert [i["type"] for i in restated.intents] == ["confirm"]
    moved = reply(
        settings, invites[MAYA].row.id, "Can we make it an hour earlier?", now=NOW + timedelta(minutes=5)
    )
    assert [i["type"] for i in moved.intents] == ["reschedule"]
    work()
    (after,) = meetings(settings)  # auto_confirm: moved at once, still one meeting
    assert after.id == meeting.id and after.starts_at.isoformat() == "2026-12-08T19:00:00+00:00"
    assert all(
        check_invite(settings, m).uid.value == meeting.uid for m in sent_since(settings, before) if m.calendar
    )


def test_a_cancel_that_names_today_without_a_meeting_cancels_nothing(settings, work):
    """Today is no exception: "I'm ill today, please cancel" with the meeting on Tuesday asks which
    one (it called off the next meeting until an audit found "cancel tomorrow" calling off one a
    week later, and "cancel today's session" sent after it began calling off the next)."""
    pair, invites = confirmed(settings, work, "every Tuesday at 3pm")
    result = reply(settings, invites[MAYA].row.id, "I'm ill today, please cancel", now=NOW)
    assert result.intents == [{"type": "cancel", "all": False, "day": "2026-12-04"}]  # no meeting then
    work()
    assert {m.status for m in meetings(settings)} == {"confirmed"}


def test_a_series_confirmed_by_the_other_side_keeps_the_proposers_wall_clock(settings, work):
    _, _, question = propose(
        settings, work, "Every Monday at 9am?", mentor_zone="Europe/Berlin", end=date(2027, 6, 30)
    )
    reply(settings, question[0].row.id, "yes")  # Maya, in Berlin
    work()
    with session_scope(settings) as s:
        assert s.scalar(select(MeetingSeries.zone)) == "America/New_York"  # Ana's, who proposed it
    hours = {m.starts_at.date().isoformat(): m.starts_at.hour for m in meetings(settings)}
    # New York is on daylight time from Mar 14 2027, Berlin only from Mar 28: 9am in New York is
    # 13:00Z on Mar 15; Berlin's wall clock (3pm) would have kept it at 14:00Z.
    assert hours["2026-12-07"] == 14 and hours["2027-03-15"] == 13


def test_moving_a_day_without_a_meeting_moves_nothing_and_says_so(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    before = last_outbound_id(settings)
    result = reply(settings, invites[MAYA].row.id, "Could we move the Dec 15 session to Dec 16 at 9am?")
    assert result.intents[0]["day"] == "2026-12-15"  # a Tuesday: the series meets on Mondays
    work()
    (answer,) = sent_since(settings, before)
    assert answer.row.to_email == MAYA and "couldn't find a meeting on Tue Dec 15" in answer.text
    days = [m.starts_at.date().isoformat() for m in meetings(settings) if m.status == "confirmed"]
    assert "2026-12-14" in days and "2026-12-16" not in days


def test_a_dated_move_asked_without_a_time_takes_the_time_given_next(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    asked = reply(settings, invites[MAYA].row.id, "Could we move the Jan 4 session to another day?")
    assert asked.intents == [{"type": "reschedule", "options": [], "day": "2027-01-04"}]
    later = NOW + timedelta(minutes=5)
    reply(settings, invites[MAYA].row.id, "Tuesday Jan 5 at 9am then", now=later)
    work()
    days = [m.starts_at.date().isoformat() for m in meetings(settings) if m.status == "confirmed"]
    assert "2026-12-07" in days and "2027-01-04" not in days and "2027-01-05" in days


def test_moving_one_occurrence_of_a_series_by_its_date_moves_that_one(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    result = reply(
        settings, invites[MAYA].row.id, "Could we move the Jan 4 session to Tuesday Jan 5, same time?"
    )
    assert result.intents[0]["type"] == "reschedule" and result.intents[0]["day"] == "2027-01-04"
    work()
    days = [m.starts_at.date().isoformat() for m in meetings(settings) if m.status == "confirmed"]
    assert "2026-12-07" in days and "2027-01-04" not in days and "2027-01-05" in days


def test_cancelling_a_day_without_a_meeting_cancels_nothing_and_says_so(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    before = last_outbound_id(settings)
    result = reply(settings, invites[MAYA].row.id, "Let's skip the one on the 29th, I'm away.")
    assert result.intents[0] == {"type": "cancel", "all": False, "day": "2026-12-29"}  # a Tuesday
    work()
    (answer,) = sent_since(settings, before)
    assert answer.row.to_email == MAYA and "couldn't find a meeting on Tue Dec 29" in answer.text
    assert all(m.status == "confirmed" for m in meetings(settings))


def test_cancelling_two_occurrences_by_name_cancels_those_two(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    result = reply(settings, invites[MAYA].row.id, "Please cancel the sessions on Dec 28 and Jan 4.")
    assert [i.get("day") for i in result.intents] == ["2026-12-28", "2027-01-04"]
    work()
    cancelled = sorted(m.starts_at.date().isoformat() for m in meetings(settings) if m.status != "confirmed")
    assert cancelled == ["2026-12-28", "2027-01-04"]


def test_declining_a_later_session_by_its_date_cancels_that_one_not_the_next(settings, work):
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    result = reply(settings, invites[MAYA].row.id, "I won't be able to make the January 4th session, sorry.")
    assert result.intents == [{"type": "cancel", "all": False, "day": "2027-01-04"}]
    work()
    cancelled = [m.starts_at.date().isoformat() for m in meetings(settings) if m.status != "confirmed"]
    assert cancelled == ["2027-01-04"]


def test_a_move_keeps_the_meetings_length_unless_another_is_given(settings, work):
    pair, invites = confirmed(settings, work, "Tuesday at 3pm for 30 minutes")
    reply(settings, invites[MAYA].row.id, "Can we push it to Thursday at 11am?")
    work()
    assert [m.duration_minutes for m in meetings(settings)] == [30]
    reply(
        settings,
        invites[MAYA].row.id,
        "Could we move it to Friday at 11am for an hour?",
        now=NOW + timedelta(1),
    )
    work()
    assert [m.duration_minutes for m in meetings(settings)] == [60]


def test_cancel_all_with_a_single_meeting_before_a_series_sends_one_cancel_for_the_series(settings, work):
    """Each member gets the series' CANCEL once and the single meeting's once: not one email for
    every occurrence (a fourth audit counted 54 emails for one "stop the series")."""
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    reply(settings, invites[MAYA].row.id, "Could we also add one on Saturday at 10am?", now=NOW)
    work()
    assert len([m for m in meetings(settings) if m.series_id is None]) == 1  # auto_confirm: booked
    before = last_outbound_id(settings)
    reply(settings, invites[MAYA].row.id, "Please cancel all our meetings.", now=NOW + timedelta(hours=1))
    work()
    sent = sent_since(settings, before)
    assert len(to(sent, ANA)) == 2 and len(to(sent, MAYA)) == 2  # the answer carries one CANCEL
    assert all(m.status == "cancelled" for m in meetings(settings))


def test_taking_back_ones_own_move_leaves_the_meeting_booked(settings, work):
    """With a meeting booked, "nvm, original time is fine" withdraws the sender's waiting move
    (a later yes from the other side moved the meeting anyway) and cancels nothing."""
    pair, invites = confirmed(settings, work)
    with session_scope(settings) as s:
        s.execute(update(Program).values(auto_confirm=False))
    reply(settings, invites[MAYA].row.id, "Can we push it to Thursday at 11am?")
    before = last_outbound_id(settings)
    result = reply(
        settings, invites[MAYA].row.id, "nvm - original time is fine, sorry!", now=NOW + timedelta(minutes=5)
    )
    assert result.intents == [{"type": "cancel", "all": False, "withdraw": True}]
    work()
    sent = sent_since(settings, before)
    assert "withdrawn your suggestion" in to(sent, MAYA)[0].text and to(sent, ANA)
    (meeting,) = meetings(settings)
    assert meeting.status == "confirmed" and meeting.starts_at.isoformat() == "2026-12-08T20:00:00+00:00"
    with session_scope(settings) as s:
        assert s.scalar(select(Proposal.status).order_by(Proposal.id.desc())) == "withdrawn"


@pytest.mark.parametrize(
    "question",
    ["Hi Maya, just checking, are we still on for Tuesday?", "Still on?", "Are we still meeting next week?"],
)
def test_still_on_asked_of_the_booked_meeting_is_answered_with_it(settings, work, question):
    """ "Are we still on for Tuesday?" (or with no day: "Still on?") with nothing pending changes
    nothing and books nothing, but the question gets its answer: the meeting as it stands. A plain
    yes gets none."""
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    asked = reply(settings, invites[ANA].row.id, question)
    assert [i["type"] for i in asked.intents] == ["confirm"]
    work()
    sent = sent_since(settings, before)
    (answer,) = to(sent, ANA)
    assert "Yes, you're still on: Tue Dec 8, 3:00 PM ET" in answer.text and answer.calendar is None
    assert not to(sent, MAYA) and [m.id for m in meetings(settings)] == [meeting.id]
    said = reply(settings, invites[ANA].row.id, "Great, see you Tuesday!", now=NOW + timedelta(minutes=5))
    work()
    assert [i["type"] for i in said.intents] == ["confirm"], said.intents
    assert len(sent_since(settings, before)) == 1


def test_still_on_asked_beside_news_is_answered_and_the_news_passed_on(settings, work):
    """ "Are we still on? My flight got delayed so I may be late" gets the meeting as it stands, and
    the other member gets the news."""
    pair, invites = confirmed(settings, work)
    before = last_outbound_id(settings)
    asked = reply(settings, invites[ANA].row.id, "Are we still on? My flight got delayed so I may be late.")
    assert [i["type"] for i in asked.intents] == ["confirm", "pass_on"]
    work()
    sent = sent_since(settings, before)
    (answer,) = to(sent, ANA)
    assert "Yes, you're still on: Tue Dec 8, 3:00 PM ET" in answer.text
    (passed,) = to(sent, MAYA)
    assert "My flight got delayed so I may be late." in passed.text and passed.calendar is None


def test_calling_the_meeting_off_asked_of_the_other_side_is_passed_on_not_done(settings, work):
    """ "Should we cancel Tuesday given the holiday?" is Maya's to answer: passed on to her, the
    meeting kept and no cancellation sent."""
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    asked = reply(settings, invites[ANA].row.id, "Should we cancel Tuesday given the holiday?")
    assert [i["type"] for i in asked.intents] == ["pass_on"]
    work()
    sent = sent_since(settings, before)
    (passed,) = to(sent, MAYA)
    assert "Should we cancel Tuesday given the holiday?" in passed.text and passed.calendar is None
    assert not to(sent, ANA)
    (kept,) = meetings(settings)
    assert kept.id == meeting.id and kept.status == "confirmed"


def test_a_series_moved_going_forward_keeps_its_rule_and_moves_every_meeting_from_there(settings, work):
    """ "9:30 instead of 9 going forward" on an every-other-week series: every meeting from the next
    on moves, the series keeps every other week, and one updated invite of the series goes out."""
    pair, invites = confirmed(settings, work, "every other Monday at 9am")
    (series_uid,) = {check_invite(settings, mail).uid.value for mail in invites.values()}
    before = last_outbound_id(settings)
    result = reply(settings, invites[ANA].row.id, "Could we do 9:30 instead of 9 going forward?")
    assert [i["type"] for i in result.intents] == ["reschedule"]
    work()
    ahead = [m for m in meetings(settings) if m.status == "confirmed"]
    assert ahead and all(
        m.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "09:30" for m in ahead
    )
    days = [m.starts_at.astimezone(ZoneInfo("America/New_York")).date() for m in ahead]
    assert [(b - a).days for a, b in zip(days, days[1:], strict=False)] == [14] * (len(days) - 1)
    sent = sent_since(settings, before)
    events = [check_invite(settings, mail) for mail in sent if mail.calendar is not None]
    assert events and {e.uid.value for e in events} == {series_uid}
    assert all(int(e.sequence.value) == 1 and "INTERVAL=2" in e.rrule.value for e in events)
    assert {e.dtstart.value.strftime("%H:%M") for e in events} == {"09:30"}  # in the series' zone
    (answer,) = to(sent, ANA)
    assert "every other week" in answer.text and "every week" not in answer.text


def test_a_single_meeting_moved_going_forward_is_moved_alone_and_said_so(settings, work):
    """No series is made of one meeting moved "going forward": it moves alone, and the answer says
    so and how to set a regular time."""
    pair, invites = confirmed(settings, work)
    before = last_outbound_id(settings)
    reply(settings, invites[ANA].row.id, "Could we do 3:30 instead of 3 going forward?")
    work()
    (moved,) = meetings(settings)
    assert moved.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "15:30"
    assert moved.series_id is None
    sent = sent_since(settings, before)
    assert "Only this meeting moves" in to(sent, ANA)[0].text
    assert all("every" not in mail.text for mail in to(sent, MAYA))


def test_a_series_with_a_meeting_cancelled_ahead_is_not_moved_as_one(settings, work):
    """A series whose later meeting was called off on its own moves only the meeting named: moved
    as one, the calendars would lose the exception (and the cancelled meeting its place)."""
    pair, invites = confirmed(settings, work, "every Monday at 9am")
    reply(settings, invites[MAYA].row.id, "Please cancel the session on Dec 21.")
    work()
    before = last_outbound_id(settings)
    reply(
        settings, invites[ANA].row.id, "Could we do 9:30 instead of 9 going forward?", now=NOW + timedelta(1)
    )
    work()
    local = {
        m.starts_at.astimezone(ZoneInfo("America/New_York")).strftime("%m-%d %H:%M"): m.status
        for m in meetings(settings)
    }
    assert local["12-07 09:30"] == "confirmed" and local["12-14 09:00"] == "confirmed"
    assert local["12-21 09:00"] == "cancelled"
    assert "Only this meeting moves" in to(sent_since(settings, before), ANA)[0].text


def test_a_counter_proposal_keeps_the_place_of_the_time_it_answers(settings, work):
    """ "Wednesday at 10 instead?" to "next Tuesday at 3pm on Zoom" is still on Zoom; a place of its
    own wins."""
    _, _, question = propose(settings, work, "Could we meet next Tuesday at 3pm on Zoom?")
    before = last_outbound_id(settings)
    reply(settings, question[0].row.id, "Tuesday doesn't work, but Wednesday at 10 would.")
    work()
    (back,) = to(sent_since(settings, before), ANA)
    assert "Wed Dec 9, 1:00 PM ET (10:00 AM PT for Maya), 45 minutes on Zoom" in back.text
    (again,) = [s for s in sent_since(settings, before) if s.row.to_email == ANA]
    before = last_outbound_id(settings)
    reply(settings, again.row.id, "Thursday at 1pm at the library instead?", now=NOW + timedelta(minutes=5))
    work()
    (last,) = to(sent_since(settings, before), MAYA)
    assert "at the library" in last.text and "Zoom" not in last.text


def test_a_new_length_asked_for_keeps_the_time_and_changes_the_length_once_agreed(settings, work):
    """ "Can we make it 30 minutes instead of 45?" of a booked meeting asks the other side, who
    agrees: the same meeting at the same time, 30 minutes long, in an updated invite. Asked for the
    length it has, nothing is asked of anyone."""
    _, _, question = propose(settings, work)
    reply(settings, question[0].row.id, "yes")
    work()
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    later = NOW + timedelta(minutes=5)
    result = reply(settings, question[0].row.id, "Can we make it 30 minutes instead of 45?", now=later)
    assert [i["type"] for i in result.intents] == ["reschedule"]
    work()
    sent = sent_since(settings, before)
    (said,) = to(sent, MAYA)
    assert (
        "Got it: I've asked Ana to make your meeting of Tue Dec 8, 12:00 PM PT (3:00 PM ET for Ana) "
        "30 minutes instead of 45 minutes." in said.text
    )
    (asked,) = to(sent, ANA)
    changing = (
        "Maya would like to change the length of your meeting of Tue Dec 8, 3:00 PM ET "
        "(12:00 PM PT for Maya), now 45"
    )
    assert f"{changing} minutes:\n  Tue Dec 8, 3:00 PM ET (12:00 PM PT for Maya), 30 minutes\n" in asked.text
    html = str(asked.message.get_body(("html",)).get_content())
    assert changing in html and "Tue Dec 8, 3:00 PM ET (12:00 PM PT for Maya), 30 minutes" in html
    reply(settings, asked.row.id, "yes that works", now=NOW + timedelta(minutes=10))
    work()
    (after,) = meetings(settings)
    assert after.id == meeting.id and after.starts_at == meeting.starts_at and after.duration_minutes == 30
    assert after.sequence == meeting.sequence + 1
    booked = sent_since(settings, before)[2:]
    assert all("Changed: Tue Dec 8" in mail.text for mail in booked) and len(booked) == 2
    event = check_invite(settings, booked[0])
    assert event.dtend.value - event.dtstart.value == timedelta(minutes=30)
    before = last_outbound_id(settings)
    same = reply(
        settings, question[0].row.id, "Could we keep it to 30 minutes?", now=NOW + timedelta(minutes=15)
    )
    assert [i["type"] for i in same.intents] == ["reschedule"]
    work()
    (unchanged,) = sent_since(settings, before)
    assert unchanged.row.to_email == MAYA and "Your meeting stays as it is" in unchanged.text


def test_another_time_asked_in_answer_to_the_invite_moves_the_meeting(settings, work):
    """ "Could we do Monday the 14th at 3?" in answer to the invite, nothing said to keep the
    meeting: the meeting moves there (it had been booked as a second meeting beside it); with
    "also" another meeting is asked for, and the first stays."""
    pair, invites = confirmed(settings, work)
    (meeting,) = meetings(settings)
    before = last_outbound_id(settings)
    moved = reply(
        settings,
        invites[ANA].row.id,
        "Oh no, I just realized Tuesday is the first night of Hanukkah. Could we do Monday the 14th at 3?",
    )
    assert [i["type"] for i in moved.intents] == ["reschedule"]
    work()
    (after,) = meetings(settings)  # auto_confirm: moved at once, still one meeting
    assert after.id == meeting.id and after.starts_at.isoformat() == "2026-12-14T20:00:00+00:00"
    assert all(
        check_invite(settings, m).uid.value == meeting.uid for m in sent_since(settings, before) if m.calendar
    )
    added = reply(
        settings,
        invites[ANA].row.id,
        "Could we also meet Friday the 18th at 3?",
        now=NOW + timedelta(minutes=5),
    )
    assert [i["type"] for i in added.intents] == ["propose"]
    work()
    assert len(meetings(settings)) == 2
