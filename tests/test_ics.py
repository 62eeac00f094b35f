"""The invites we write, read back by vobject (an independent iCalendar reader), against RFC 5545/5546."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from concierge.mail.ics import Attendee, CalendarEvent, calendar_bytes, invite_filename

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ZOOM = "https://zoom.us/j/123456789?pwd=abc"


def meeting(**changes: object) -> CalendarEvent:
    """A single 45-minute meeting on 1 June 2027 at 15:00 New York time; `changes` override fields."""
    event = CalendarEvent(
        uid="meeting-42@mentoring.example",
        sequence=3,
        stamp=datetime(2027, 5, 20, 8, 30, tzinfo=UTC),
        start=datetime(2027, 6, 1, 15, 0, tzinfo=NEW_YORK),
        duration_minutes=45,
        summary="Mentoring: Maya and Sam",
        description="Goals: promotion case.",
        organizer=Attendee("reply+abcdefghijklmnopqrstuvwxyz@reply.example", "Concierge"),
        attendees=(Attendee("maya@example.org", "Maya Mentee"), Attendee("sam@example.com", "Sam Mentor")),
        location="Room 4",
    )
    return dataclasses.replace(event, **changes)


def biweekly_new_york(**changes: object) -> CalendarEvent:
    """Every other Tuesday at 15:00 New York time from 2 March 2027 (DST starts on 14 March)."""
    series = meeting(
        uid="series-7@mentoring.example",
        start=datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK),
        rrule="FREQ=WEEKLY;INTERVAL=2",
        zone="America/New_York",
    )
    return dataclasses.replace(series, **changes)


def read(data: bytes) -> vobject.base.Component:
    """`data` checked for CRLF lines of at most 75 octets (RFC 5545 §3.1), then parsed by vobject."""
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")
    lines = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    return vobject.readOne(data.decode("utf-8"))


def vevent_lines(data: bytes) -> list[str]:
    """The VEVENT's content lines as written, unfolded (to check parameters exactly as sent)."""
    lines = re.sub(r"\r\n[ \t]", "", data.decode("utf-8")).split("\r\n")
    return lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT")]


def line(data: bytes, name: str) -> str:
    """The VEVENT's one unfolded content line of property `name` (with its parameters)."""
    found = [item for item in vevent_lines(data) if re.match(rf"{name}[;:]", item)]
    assert len(found) == 1, found
    return found[0]


def occurrences(vevent: vobject.base.Component, count: int) -> list[datetime]:
    """The first `count` starts of a series, expanded by vobject/dateutil from its RRULE and zone."""
    ruleset = vevent.getrruleset(addRDate=True)
    return [start for start, _ in zip(ruleset, range(count), strict=False)]


def test_a_request_has_the_calendar_properties_itip_requires():
    calendar = read(calendar_bytes(meeting(), "REQUEST"))

    assert calendar.method.value == "REQUEST"
    assert calendar.prodid.value == "-//Concierge//Mentoring//EN"
    assert calendar.version.value == "2.0"
    assert calendar.calscale.value == "GREGORIAN"
    assert len(calendar.contents["vevent"]) == 1
    vevent = calendar.vevent
    assert vevent.uid.value == "meeting-42@mentoring.example"
    assert vevent.sequence.value == "3"
    assert vevent.dtstamp.value == datetime(2027, 5, 20, 8, 30, tzinfo=UTC)
    assert vevent.summary.value == "Mentoring: Maya and Sam"
    assert vevent.description.value == "Goals: promotion case."
    assert vevent.location.value == "Room 4"
    assert vevent.status.value == "CONFIRMED"
    assert vevent.transp.value == "OPAQUE"


def test_a_single_meeting_is_written_in_utc_without_a_timezone():
    data = calendar_bytes(meeting(), "REQUEST")
    vevent = read(data).vevent

    assert line(data, "DTSTART") == "DTSTART:20270601T190000Z"
    assert line(data, "DTEND") == "DTEND:20270601T194500Z"
    assert line(data, "DTSTAMP") == "DTSTAMP:20270520T083000Z"
    assert vevent.dtstart.value == datetime(2027, 6, 1, 19, 0, tzinfo=UTC)
    assert vevent.dtend.value - vevent.dtstart.value == timedelta(minutes=45)
    assert b"VTIMEZONE" not in data
    assert "rrule" not in vevent.contents
    assert "recurrence-id" not in vevent.contents


def test_organizer_and_attendees_carry_their_names_and_rsvp_parameters():
    vevent = read(calendar_bytes(meeting(), "REQUEST")).vevent

    assert vevent.organizer.value == "mailto:reply+abcdefghijklmnopqrstuvwxyz@reply.example"
    assert vevent.organizer.params["CN"] == ["Concierge"]
    attendees = vevent.contents["attendee"]
    assert [a.value for a in attendees] == ["mailto:maya@example.org", "mailto:sam@example.com"]
    for attendee, name in zip(attendees, ["Maya Mentee", "Sam Mentor"], strict=True):
        assert attendee.params["CN"] == [name]
        assert attendee.params["CUTYPE"] == ["INDIVIDUAL"]
        assert attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
        assert attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
        assert attendee.params["RSVP"] == ["TRUE"]


def test_a_person_without_a_name_is_shown_by_address():
    event = meeting(attendees=(Attendee("maya@example.org"),))
    vevent = read(calendar_bytes(event, "REQUEST")).vevent

    assert vevent.attendee.params["CN"] == ["maya@example.org"]


def test_a_request_reminds_15_minutes_before():
    vevent = read(calendar_bytes(meeting(), "REQUEST")).vevent

    assert len(vevent.contents["valarm"]) == 1
    assert vevent.valarm.action.value == "DISPLAY"
    assert vevent.valarm.trigger.value == timedelta(minutes=-15)
    assert vevent.valarm.description.value == "Mentoring: Maya and Sam"


def test_a_cancel_is_cancelled_and_has_no_reminder():
    data = calendar_bytes(meeting(sequence=4), "CANCEL")
    calendar = read(data)

    assert calendar.method.value == "CANCEL"
    assert calendar.vevent.status.value == "CANCELLED"
    assert calendar.vevent.sequence.value == "4"
    assert calendar.vevent.uid.value == "meeting-42@mentoring.example"
    assert "valarm" not in calendar.vevent.contents
    assert b"VALARM" not in data


def test_a_series_starts_in_local_time_with_its_tzid_and_vtimezone():
    data = calendar_bytes(biweekly_new_york(), "REQUEST")
    calendar = read(data)

    assert line(data, "DTSTART") == "DTSTART;TZID=America/New_York:20270302T150000"
    assert line(data, "DTEND") == "DTEND;TZID=America/New_York:20270302T154500"
    assert line(data, "RRULE") == "RRULE:FREQ=WEEKLY;INTERVAL=2"
    assert [tz.tzid.value for tz in calendar.contents["vtimezone"]] == ["America/New_York"]
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def test_a_series_keeps_its_wall_clock_time_across_the_dst_change_in_new_york():
    vevent = read(calendar_bytes(biweekly_new_york(), "REQUEST")).vevent

    before, after = occurrences(vevent, 2)  # 2 and 16 March 2027; DST starts on the 14th

    assert (before.date().isoformat(), after.date().isoformat()) == ("2027-03-02", "2027-03-16")
    assert before.hour == after.hour == 15
    assert before.utcoffset() == timedelta(hours=-5)
    assert after.utcoffset() == timedelta(hours=-4)
    assert before.astimezone(UTC).hour == 20
    assert after.astimezone(UTC).hour == 19


def test_a_series_keeps_its_wall_clock_time_across_the_dst_end_in_sydney():
    series = meeting(
        uid="series-8@mentoring.example",
        start=datetime(2027, 3, 30, 9, 0, tzinfo=SYDNEY),
        rrule="FREQ=WEEKLY",
        zone="Australia/Sydney",
    )
    data = calendar_bytes(series, "REQUEST")
    calendar = read(data)

    before, after = occurrences(calendar.vevent, 2)  # DST ends on 4 April 2027

    assert line(data, "DTSTART") == "DTSTART;TZID=Australia/Sydney:20270330T090000"
    assert calendar.vtimezone.tzid.value == "Australia/Sydney"
    assert (before.date().isoformat(), after.date().isoformat()) == ("2027-03-30", "2027-04-06")
    assert before.hour == after.hour == 9
    assert before.utcoffset() == timedelta(hours=11)
    assert after.utcoffset() == timedelta(hours=10)


def test_cancelling_one_occurrence_names_it_with_recurrence_id_in_the_series_zone():
    occurrence = datetime(2027, 3, 16, 15, 0, tzinfo=NEW_YORK)
    cancel = biweekly_new_york(sequence=5, start=occurrence, recurrence_id=occurrence)
    data = calendar_bytes(cancel, "CANCEL")
    calendar = read(data)
    vevent = calendar.vevent

    assert calendar.method.value == "CANCEL"
    assert line(data, "RECURRENCE-ID") == "RECURRENCE-ID;TZID=America/New_York:20270316T150000"
    assert line(data, "DTSTART") == "DTSTART;TZID=America/New_York:20270316T150000"
    assert vevent.recurrence_id.value.astimezone(UTC) == datetime(2027, 3, 16, 19, 0, tzinfo=UTC)
    assert vevent.uid.value == "series-7@mentoring.example"
    assert vevent.sequence.value == "5"
    assert vevent.status.value == "CANCELLED"
    assert "rrule" not in vevent.contents
    assert "valarm" not in vevent.contents
    assert calendar.vtimezone.tzid.value == "America/New_York"


def test_cancelling_the_series_names_the_series_without_recurrence_id():
    data = calendar_bytes(biweekly_new_york(sequence=6), "CANCEL")
    vevent = read(data).vevent

    assert vevent.uid.value == "series-7@mentoring.example"
    assert vevent.status.value == "CANCELLED"
    assert "recurrence-id" not in vevent.contents
    assert line(data, "DTSTART") == "DTSTART;TZID=America/New_York:20270302T150000"
    assert line(data, "RRULE") == "RRULE:FREQ=WEEKLY;INTERVAL=2"


def test_a_link_alone_is_the_location_too():
    vevent = read(calendar_bytes(meeting(location=None, url=ZOOM), "REQUEST")).vevent

    assert vevent.location.value == ZOOM
    assert vevent.url.value == ZOOM
    assert vevent.description.value == "Goals: promotion case."


def test_a_place_and_a_link_keep_the_place_as_location_and_the_link_in_the_description():
    vevent = read(calendar_bytes(meeting(location="Zoom", url=ZOOM), "REQUEST")).vevent

    assert vevent.location.value == "Zoom"
    assert vevent.url.value == ZOOM
    assert vevent.description.value == f"Goals: promotion case.\n\n{ZOOM}"


def test_a_link_already_in_the_description_is_not_repeated():
    event = meeting(location="Zoom", url=ZOOM, description=f"Join: {ZOOM}")
    vevent = read(calendar_bytes(event, "REQUEST")).vevent

    assert vevent.description.value == f"Join: {ZOOM}"


def test_non_ascii_names_and_texts_survive_as_utf8():
    event = meeting(
        summary="Mentorat : Zoë & José — «première séance» 会議",
        organizer=Attendee("reply+k@reply.example", "Concierge — Programme été"),
        attendees=(
            Attendee("zoe@example.org", "Zoë Ñúñez-Łukasiewicz"),
            Attendee("jose@example.com", "José"),
        ),
        location="Café Ünter den Linden",
    )
    data = calendar_bytes(event, "REQUEST")
    vevent = read(data).vevent

    assert vevent.summary.value == "Mentorat : Zoë & José — «première séance» 会議"
    assert vevent.location.value == "Café Ünter den Linden"
    assert vevent.organizer.params["CN"] == ["Concierge — Programme été"]
    assert [a.params["CN"] for a in vevent.contents["attendee"]] == [["Zoë Ñúñez-Łukasiewicz"], ["José"]]


def test_a_very_long_description_is_folded_and_read_back_whole():
    description = "\n".join(
        f"{n}. Ask about the promotion case, the feedback from Zoë, and the next step; then agree a date."
        for n in range(1, 80)
    )
    data = calendar_bytes(meeting(description=description), "REQUEST")
    vevent = read(data).vevent

    assert vevent.description.value == description
    assert len(data) > 8000


@pytest.mark.parametrize(
    "event, method",
    [
        (meeting(), "REQUEST"),
        (meeting(), "CANCEL"),
        (biweekly_new_york(), "REQUEST"),
        (
            meeting(summary="Zoë " * 60, description="é" * 500, location=None, url=ZOOM + "&x=" + "y" * 200),
            "REQUEST",
        ),
    ],
    ids=["single", "cancel", "series", "long-non-ascii"],
)
def test_every_line_ends_in_crlf_and_fits_75_octets(event: CalendarEvent, method: str):
    read(calendar_bytes(event, method))  # read() asserts the line ends and lengths


def test_the_attachment_is_named_after_the_method():
    assert invite_filename("REQUEST") == "invite.ics"
    assert invite_filename("CANCEL") == "cancel.ics"


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        calendar_bytes(meeting(start=datetime(2027, 6, 1, 15, 0)), "REQUEST")


def test_a_series_without_its_zone_is_refused():
    with pytest.raises(ValueError, match="zone"):
        calendar_bytes(biweekly_new_york(zone=None), "REQUEST")


def test_an_invite_is_kept_as_json_and_read_back_the_same():
    from concierge.mail.ics import Invite

    invite = Invite(
        method="REQUEST",
        uid="series-7@mentoring.example",
        sequence=2,
        start=datetime(2027, 3, 2, 20, 0, tzinfo=UTC),
        duration_minutes=45,
        summary="Mentoring: Maya and Sam",
        description="",
        location=ZOOM,
        attendees=(Attendee("maya@example.org", "Maya"), Attendee("sam@example.com", None)),
        rrule="FREQ=WEEKLY;INTERVAL=2",
        zone="America/New_York",
        recurrence_id=datetime(2027, 3, 16, 19, 0, tzinfo=UTC),
    )
    assert Invite.from_json(invite.as_json()) == invite
    event = invite.event(Attendee("reply+x@reply.example", "Concierge"), datetime(2027, 1, 1, tzinfo=UTC))
    assert (event.url, event.location) == (ZOOM, None)  # a link is the event's URL


_WHOLE = {
    "method": "CANCEL",
    "uid": "meeting-1@concierge",
    "sequence": 1,
    "start": "2027-03-16T19:00:00Z",
    "duration": 45,
    "summary": "Mentoring",
    "attendees": [["maya@example.com", "Maya"]],
}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {**_WHOLE, "method": "PUBLISH"},
        {**_WHOLE, "sequence": "one"},
        {**_WHOLE, "start": 3},
        {**_WHOLE, "start": "soon"},
        {**_WHOLE, "attendees": [["maya@example.com"]]},
        {**_WHOLE, "zone": 5},
        {**_WHOLE, "location": ["Zoom"]},
        {**_WHOLE, "rrule": {"FREQ": "WEEKLY"}},
    ],
)
def test_what_is_not_an_invite_is_unwritable(data):
    from concierge.mail.ics import Invite, UnwritableInvite

    assert Invite.from_json(_WHOLE).uid == "meeting-1@concierge"  # each case breaks one field of a whole one
    with pytest.raises(UnwritableInvite):
        Invite.from_json(data)


def test_a_zone_unknown_here_is_unwritable():
    from concierge.mail.ics import Invite, UnwritableInvite, invite_bytes

    event = biweekly_new_york()
    invite = Invite(
        method="REQUEST",
        uid=event.uid,
        sequence=0,
        start=event.start,
        duration_minutes=45,
        summary="x",
        description="",
        location=None,
        attendees=event.attendees,
        rrule=event.rrule,
        zone="Mars/Olympus",
    )
    with pytest.raises(UnwritableInvite, match="Mars/Olympus"):
        invite_bytes(invite, event.organizer, event.stamp)
