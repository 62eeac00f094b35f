"""Reading calendar answers: real clients' iMIP mail from the public corpus, hostile input, our own invites.

The corpus (../shared/corpus/calendar, see its SOURCES.md) holds replies, counters, requests and
cancellations from Google, Outlook, Apple, Thunderbird, Android and others; expectations.json
says what each one contains, extracted independently of the code under test.
"""

from __future__ import annotations

import dataclasses
import email
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject

from concierge.inbound.calendar import MAX_LINES, MAX_PART_BYTES, CalendarAnswer, read_calendar_answer
from concierge.mail.ics import Attendee, CalendarEvent, calendar_bytes
from tests.inbound.helpers import deadline

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CALENDAR_CORPUS = CORPUS / "calendar"
CALENDAR_TYPES = ("text/calendar", "application/ics")
#: Windows zone names in the corpus, mapped by hand from CLDR's windowsZones.xml (territory 001).
WINDOWS_ZONES = {
    "Sarajevo, Skopje, Warsaw, Zagreb": "Europe/Warsaw",
    "Romance Standard Time": "Europe/Paris",
    "W. Europe Standard Time": "Europe/Berlin",
}


def corpus_entries() -> list[dict]:
    """expectations.json, one entry per corpus file; empty when the corpus is absent."""
    expectations = CALENDAR_CORPUS / "expectations.json"
    return json.loads(expectations.read_text()) if expectations.is_file() else []


needs_corpus = pytest.mark.skipif(
    not CALENDAR_CORPUS.is_dir(), reason=f"public calendar corpus not found at {CALENDAR_CORPUS}"
)


def calendar_parts(path: Path) -> list[bytes]:
    """A corpus file's calendar parts: the whole file for a bare .ics, else its text/calendar parts."""
    raw = path.read_bytes()
    if path.suffix == ".ics":
        return [raw]
    message = email.message_from_bytes(raw)
    return [
        part.get_payload(decode=True) for part in message.walk() if part.get_content_type() in CALENDAR_TYPES
    ]


def expected_start(dtstart_line: str) -> datetime | None:
    """The UTC instant of an expectations.json `dtstart_line`, worked out without icalendar."""
    match = re.fullmatch(
        r'DTSTART(?:;VALUE=(?P<value>[A-Z-]+))?(?:;TZID="?(?P<tzid>[^":]+)"?)?:(?P<when>\S+)', dtstart_line
    )
    assert match, dtstart_line
    if match["value"] == "DATE":
        return None
    when = match["when"]
    if when.endswith("Z"):
        return datetime.strptime(when, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    zone = ZoneInfo(WINDOWS_ZONES.get(match["tzid"], match["tzid"]))
    return datetime.strptime(when, "%Y%m%dT%H%M%S").replace(tzinfo=zone).astimezone(UTC)


def bare_address(value: str | None) -> str | None:
    """An expectations.json address as the reader returns it: no `mailto:`, lower case."""
    return re.sub(r"(?i)^mailto:", "", value).lower() if value else None


@needs_corpus
@pytest.mark.parametrize("entry", corpus_entries(), ids=lambda entry: entry["file"])
def test_real_clients_answers_read_as_the_corpus_says(entry: dict):
    answer = read_calendar_answer(calendar_parts(CALENDAR_CORPUS / entry["file"]))

    assert answer is not None
    assert answer.method == entry["method"]
    assert answer.uid == entry["uid"]
    assert answer.start == expected_start(entry["dtstart_line"])
    assert answer.sequence == (int(entry["sequence"]) if entry["sequence"] is not None else None)
    assert answer.recurrence_id is None  # no corpus answer is about one occurrence of a series
    assert entry["recurrence_id"] is None
    if entry["method"] in ("REPLY", "COUNTER"):
        assert answer.partstat == entry["partstat"]
        assert answer.attendee == bare_address(entry["attendee"])
    else:
        assert answer.partstat is None and answer.attendee is None


@needs_corpus
def test_the_corpus_covers_every_answer_a_client_sends():
    methods = {(entry["method"], entry["partstat"]) for entry in corpus_entries()}

    assert {
        ("REPLY", "ACCEPTED"),
        ("REPLY", "DECLINED"),
        ("REPLY", "TENTATIVE"),
        ("COUNTER", "TENTATIVE"),
    } <= methods


@needs_corpus
def test_a_google_counter_proposes_its_new_time_as_start_and_end():
    answer = read_calendar_answer(calendar_parts(CALENDAR_CORPUS / "bluemind__google_counter.eml"))

    assert answer is not None and answer.method == "COUNTER"
    assert answer.start == datetime(2021, 1, 13, 18, 45, tzinfo=UTC)
    assert answer.end == datetime(2021, 1, 13, 19, 45, tzinfo=UTC)


@needs_corpus
def test_apples_note_to_the_organizer_is_the_comment():
    answer = read_calendar_answer(calendar_parts(CALENDAR_CORPUS / "bluemind__counter_ios.ics"))

    assert answer is not None and answer.comment is not None
    assert "Can we move this event to tomorrow at 09:30?" in answer.comment


@needs_corpus
def test_an_outlook_windows_zone_is_read_from_the_calendars_own_vtimezone():
    answer = read_calendar_answer(calendar_parts(CALENDAR_CORPUS / "bluemind__outlook.reply.accept.eml"))

    assert answer is not None
    assert answer.start == datetime(2012, 5, 29, 7, 30, tzinfo=UTC)  # 09:30 CEST


# Hand-written answers, for the cases the corpus does not have or that must not raise.


def reply(*event_lines: str, method: str = "REPLY", head: tuple[str, ...] = ()) -> bytes:
    """A minimal iTIP message with `event_lines` in its VEVENT (CRLF, UTF-8)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//Test//EN",
        *([f"METHOD:{method}"] if method else []),
        *head,
        "BEGIN:VEVENT",
        "UID:meeting-42@mentoring.example",
        "DTSTAMP:20270520T083000Z",
        *event_lines,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


ACCEPTED = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:Maya@Example.org"


def vtimezone(tzid: str, offset: str) -> tuple[str, ...]:
    """A VTIMEZONE with one fixed offset."""
    return (
        "BEGIN:VTIMEZONE",
        f"TZID:{tzid}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{offset}",
        f"TZOFFSETTO:{offset}",
        "END:STANDARD",
        "END:VTIMEZONE",
    )


def club_time(*observance: str) -> tuple[str, ...]:
    """A VTIMEZONE named "Club Time" (not an IANA name, so icalendar builds a zone from it)."""
    return ("BEGIN:VTIMEZONE", "TZID:Club Time", *observance, "END:VTIMEZONE")


def standard(*extra: str) -> tuple[str, ...]:
    """A STANDARD observance at +01:00 with `extra` lines."""
    return (
        "BEGIN:STANDARD",
        "DTSTART:19700101T030000",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        *extra,
        "END:STANDARD",
    )


IN_CLUB_TIME = "DTSTART;TZID=Club Time:20270601T090000"


def test_no_parts_is_no_answer():
    assert read_calendar_answer([]) is None


@pytest.mark.parametrize(
    "part",
    [
        b"",
        b"\x00\xff\xfe garbage \x89PNG\r\n\x1a\n" * 50,
        bytes(range(256)) * 10,
        b"Hello, see you on Tuesday!\r\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n",
        reply(ACCEPTED, method=""),
        b"END:VEVENT\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\n" * 5000,
    ],
    ids=["empty", "binary", "all-bytes", "prose", "no-vevent", "no-method", "only-ends", "deep"],
)
def test_what_is_not_an_itip_message_is_no_answer(part: bytes):
    assert read_calendar_answer([part]) is None


def test_a_huge_part_is_skipped_quickly():
    blob = reply(ACCEPTED, "DESCRIPTION:" + "a" * 5_000_000)
    assert len(blob) > MAX_PART_BYTES

    began = time.perf_counter()
    assert read_calendar_answer([blob]) is None
    assert time.perf_counter() - began < 0.5


def test_an_answer_of_too_many_lines_is_skipped_quickly():
    part = reply(ACCEPTED, *["X-FILLER:a"] * (MAX_LINES + 1))
    assert len(part) < MAX_PART_BYTES

    began = time.perf_counter()
    assert read_calendar_answer([part]) is None
    assert time.perf_counter() - began < 0.5


def test_a_truncated_answer_never_raises():
    whole = reply(ACCEPTED, "DTSTART:20270601T190000Z", "DTEND:20270601T194500Z", "SEQUENCE:3")
    for cut in range(len(whole)):
        answer = read_calendar_answer([whole[:cut]])
        assert answer is None or answer.method == "REPLY"


def test_an_answer_without_its_end_lines_is_no_answer():
    whole = reply(ACCEPTED, "DTSTART:20270601T190000Z")
    assert read_calendar_answer([whole.replace(b"END:VEVENT\r\nEND:VCALENDAR\r\n", b"")]) is None


def test_an_unreadable_part_is_skipped_for_the_next_one():
    answer = read_calendar_answer([b"\xff\xfe garbage", reply(ACCEPTED)])

    assert answer is not None and answer.partstat == "ACCEPTED"


def test_a_reply_names_its_attendee_and_answer():
    answer = read_calendar_answer(
        [reply(ACCEPTED, "SEQUENCE:3", "DTSTART:20270601T190000Z", "DURATION:PT45M", "COMMENT:See you then!")]
    )

    assert answer == CalendarAnswer(
        method="REPLY",
        uid="meeting-42@mentoring.example",
        attendee="maya@example.org",
        partstat="ACCEPTED",
        sequence=3,
        recurrence_id=None,
        start=datetime(2027, 6, 1, 19, 0, tzinfo=UTC),
        end=datetime(2027, 6, 1, 19, 45, tzinfo=UTC),
        comment="See you then!",
    )


def test_the_answering_attendee_is_the_one_who_answered():
    answer = read_calendar_answer(
        [
            reply(
                "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:sam@example.com",
                "ATTENDEE:mailto:lee@example.com",
                "ATTENDEE;PARTSTAT=declined:MAILTO:maya@example.org",
            )
        ]
    )

    assert answer is not None
    assert (answer.attendee, answer.partstat) == ("maya@example.org", "DECLINED")


def test_an_attendee_without_mailto_is_read_from_its_address_or_email_parameter():
    bare = read_calendar_answer([reply("ATTENDEE;PARTSTAT=ACCEPTED:maya@example.org")])
    urn = read_calendar_answer([reply("ATTENDEE;PARTSTAT=ACCEPTED;EMAIL=Maya@Example.org:urn:uuid:1234")])

    assert bare is not None and bare.attendee == "maya@example.org"
    assert urn is not None and urn.attendee == "maya@example.org"


def test_a_request_names_no_answering_attendee():
    answer = read_calendar_answer([reply(ACCEPTED, method="request")])

    assert answer is not None and answer.method == "REQUEST"
    assert (answer.attendee, answer.partstat) == (None, None)


def test_an_all_day_date_leaves_the_times_empty():
    answer = read_calendar_answer(
        [reply(ACCEPTED, "DTSTART;VALUE=DATE:20270601", "DTEND;VALUE=DATE:20270602")]
    )

    assert answer is not None and answer.partstat == "ACCEPTED"
    assert (answer.start, answer.end) == (None, None)


@pytest.mark.parametrize("tzid", ["Mars/Olympus_Mons", "Europe", "../../etc/passwd", "x" * 300])
def test_an_unknown_zone_leaves_the_time_empty(tzid: str):
    answer = read_calendar_answer([reply(ACCEPTED, f"DTSTART;TZID={tzid}:20270601T150000")])

    assert answer is None or answer.start is None
    if answer is not None:
        assert answer.partstat == "ACCEPTED"


def test_a_floating_time_is_read_as_utc():
    answer = read_calendar_answer([reply(ACCEPTED, "DTSTART:20270601T150000", "DTEND:20270601T154500")])

    assert answer is not None
    assert answer.start == datetime(2027, 6, 1, 15, 0, tzinfo=UTC)
    assert answer.end == datetime(2027, 6, 1, 15, 45, tzinfo=UTC)


def test_an_iana_zone_is_resolved_with_zoneinfo():
    answer = read_calendar_answer([reply(ACCEPTED, "DTSTART;TZID=America/New_York:20270316T150000")])

    assert answer is not None and answer.start == datetime(2027, 3, 16, 19, 0, tzinfo=UTC)


def test_a_windows_zone_without_a_definition_is_resolved_by_its_name():
    answer = read_calendar_answer([reply(ACCEPTED, "DTSTART;TZID=W. Europe Standard Time:20270601T090000")])

    assert answer is not None and answer.start == datetime(2027, 6, 1, 7, 0, tzinfo=UTC)


def test_each_calendar_is_read_with_its_own_definition_of_a_zone():
    first = reply(ACCEPTED, "DTSTART;TZID=Club Time:20270601T090000", head=vtimezone("Club Time", "+0100"))
    second = reply(ACCEPTED, "DTSTART;TZID=Club Time:20270601T090000", head=vtimezone("Club Time", "+0500"))

    answers = [read_calendar_answer([first]), read_calendar_answer([second])]

    assert [answer.start for answer in answers if answer] == [
        datetime(2027, 6, 1, 8, 0, tzinfo=UTC),
        datetime(2027, 6, 1, 4, 0, tzinfo=UTC),
    ]


def corpus_vtimezone(file: str, tzid: str) -> tuple[str, ...]:
    """The VTIMEZONE a corpus file defines, unfolded, renamed `tzid` (so that only it can resolve it)."""
    text = b"".join(calendar_parts(CALENDAR_CORPUS / file)[:1]).decode("utf-8")
    lines = re.sub(r"\r?\n[ \t]", "", text).splitlines()
    block = lines[lines.index("BEGIN:VTIMEZONE") : lines.index("END:VTIMEZONE") + 1]
    return tuple(f"TZID:{tzid}" if line.startswith("TZID") else line for line in block)


@needs_corpus
@pytest.mark.parametrize(
    "file, zone",
    [
        ("nylas__icloud_cancelled2.ics", "Europe/Paris"),  # iCloud: the zone's history, RDATEs and UNTILs
        ("bluemind__counter_ios.ics", "Europe/Berlin"),  # iOS: the two current rules
        ("ccs-calendarserver__good_reply", "America/Los_Angeles"),  # iCal 3 (2008): US rules since 2007
        ("tine20__invitation.eml", "Europe/Berlin"),  # Thunderbird
        ("bluemind__outlook.invite.new.eml", "Europe/Warsaw"),  # Outlook: rules from 1601
        ("nextcloud-mail__request_outlook_com.txt", "Europe/Berlin"),  # Outlook.com
    ],
)
def test_a_clients_own_zone_definition_gives_the_offsets_zoneinfo_gives(file: str, zone: str):
    definition = corpus_vtimezone(file, "Their Zone")
    middays = [datetime(year, month, 15, 12, 0) for year in (2026, 2031) for month in range(1, 13)]
    for local in middays:  # the 15th is never a day on which these zones change
        answer = read_calendar_answer(
            [reply(ACCEPTED, f"DTSTART;TZID=Their Zone:{local:%Y%m%dT%H%M%S}", head=definition)]
        )
        assert answer is not None
        assert answer.start == local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC), local


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=SECONDLY",
        "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;BYHOUR=" + ",".join(map(str, range(24))),
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYWEEKNO=1,2,3,4,5,6,7,8,9,10;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;COUNT=5000000;BYMONTH=10;BYDAY=-1SU",
        "FREQ=YEARLY;BYMONTH=5L",
        "FREQ=YEARLY;BYMONTH=0",
        "FREQ=YEARLY;INTERVAL=0;BYMONTH=10;BYDAY=-1SU",
    ],
)
def test_a_hostile_zone_rule_is_not_followed_and_costs_nothing(rule: str):
    definition = club_time(*standard(f"RRULE:{rule}", "DTSTART:16010101T030000"))
    with deadline(5):
        answer = read_calendar_answer([reply(ACCEPTED, IN_CLUB_TIME, head=definition)])

    assert answer is not None and answer.partstat == "ACCEPTED"
    assert answer.start in (None, datetime(2027, 6, 1, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "lines",
    [
        ("DTSTART;TZID=America/New_York:00010101T000000",),
        ("DTSTART:99991231T235959Z", "DURATION:P2D"),
        ("DTSTART;TZID=Club Time:99991231T233000",),
    ],
    ids=["year-1-in-a-zone", "end-after-year-9999", "year-9999-in-a-zone"],
)
def test_times_at_the_ends_of_the_calendar_do_not_overflow(lines: tuple[str, ...]):
    answer = read_calendar_answer([reply(ACCEPTED, *lines, head=club_time(*standard()))])

    assert answer is not None and answer.partstat == "ACCEPTED"
    assert answer.end is None


def test_a_broken_property_is_left_empty():
    answer = read_calendar_answer([reply(ACCEPTED, "SEQUENCE:three", "DTSTART:soon", "DTEND:later")])

    assert answer is not None and answer.partstat == "ACCEPTED"
    assert (answer.sequence, answer.start, answer.end) == (None, None, None)


def test_a_windows_1252_answer_is_read():
    part = reply('ATTENDEE;CN="José";PARTSTAT=TENTATIVE:mailto:jose@example.com', "COMMENT:Peut-être")
    answer = read_calendar_answer([part.decode("utf-8").encode("cp1252")])

    assert answer is not None and answer.partstat == "TENTATIVE"
    assert answer.comment == "Peut-être"


@pytest.mark.parametrize(
    "part",
    [
        reply(
            ACCEPTED, IN_CLUB_TIME, head=("BEGIN:VTIMEZONE", "TZID:Club Time", "TZID:Other", "END:VTIMEZONE")
        ),
        reply(ACCEPTED, IN_CLUB_TIME, head=club_time(*standard("RRULE:BYMONTH=10;BYDAY=-1SU"))),
        reply(ACCEPTED, IN_CLUB_TIME, head=club_time(*standard("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMO\\NTH=10"))),
        reply(ACCEPTED, IN_CLUB_TIME, head=club_time()),
        reply(ACCEPTED, "DTSTART;TZID=Europe:20270601T090000"),
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nTZID:Club Time\r\n"
        b"BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VTIMEZONE\r\n",
    ],
    ids=[
        "two-tzids",
        "rrule-without-freq",
        "escaped-newline-in-rrule",
        "no-observance",
        "tzdata-folder",
        "wrong-end",
    ],
)
def test_input_that_breaks_the_library_is_no_answer_rather_than_an_error(part: bytes):
    """Each of these made icalendar 7.3 raise something other than its ValueError (found by fuzzing)."""
    answer = read_calendar_answer([part])

    assert answer is None or answer.start is None


MUTATION_TOKENS = (
    b"BEGIN:VTIMEZONE\r\n",
    b"END:VTIMEZONE\r\n",
    b"TZID:A\r\nTZID:B\r\n",
    b"RRULE:BYMONTH=3\r\n",
    b";TZID=Europe",
    b";VALUE=DATE",
    b"\\N",
    b"\r\n ",
    b"\x00",
    b"\xff",
    b'"',
    b";",
    b":",
    b",",
)


def mutated(data: bytes, rng: random.Random) -> bytes:
    """`data` with a few bytes dropped, tokens inserted, the tail cut or a line doubled."""
    mutant = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(mutant) + 1)
        choice = rng.random()
        if choice < 0.3:
            del mutant[at : at + rng.randint(1, 40)]
        elif choice < 0.8:
            mutant[at:at] = rng.choice(MUTATION_TOKENS)
        elif choice < 0.9:
            del mutant[at:]
        else:
            lines = bytes(mutant).split(b"\n")
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))
            mutant = bytearray(b"\n".join(lines))
    return bytes(mutant)


def test_mutated_answers_never_raise():
    seeds = [part for entry in corpus_entries() for part in calendar_parts(CALENDAR_CORPUS / entry["file"])]
    seeds.append(reply(ACCEPTED, IN_CLUB_TIME, head=club_time(*standard("RRULE:FREQ=YEARLY;BYMONTH=10"))))
    rng = random.Random(20270601)
    for _ in range(400):
        read_calendar_answer([mutated(rng.choice(seeds), rng)])


# Round trip: our own invite, answered by another client.

NEW_YORK = ZoneInfo("America/New_York")
OUR_INVITE = CalendarEvent(
    uid="series-7@mentoring.example",
    sequence=2,
    stamp=datetime(2027, 2, 20, 9, 0, tzinfo=UTC),
    start=datetime(2027, 3, 2, 15, 0, tzinfo=NEW_YORK),
    duration_minutes=45,
    summary="Mentoring: Zoë and Sam",
    organizer=Attendee("reply+abcdefghijklmnopqrstuvwxyz@reply.example", "Concierge"),
    attendees=(Attendee("zoe@example.org", "Zoë Ñúñez"), Attendee("sam@example.com", "Sam")),
    rrule="FREQ=WEEKLY;INTERVAL=2",
    zone="America/New_York",
)


def answered(invite: bytes, email_address: str, partstat: str) -> bytes:
    """`invite` answered by vobject as a client would: METHOD:REPLY, only the answering attendee."""
    calendar = vobject.readOne(invite.decode("utf-8"))
    calendar.method.value = "REPLY"
    vevent = calendar.vevent
    for attendee in list(vevent.contents["attendee"]):
        if attendee.value.lower() != f"mailto:{email_address}":
            vevent.remove(attendee)
    vevent.attendee.params["PARTSTAT"] = [partstat]
    for alarm in list(vevent.contents.get("valarm", [])):
        vevent.remove(alarm)
    return calendar.serialize().encode("utf-8")


def test_a_reply_to_our_invite_reads_back():
    part = answered(calendar_bytes(OUR_INVITE, "REQUEST"), "zoe@example.org", "ACCEPTED")

    answer = read_calendar_answer([part])

    assert answer == CalendarAnswer(
        method="REPLY",
        uid="series-7@mentoring.example",
        attendee="zoe@example.org",
        partstat="ACCEPTED",
        sequence=2,
        recurrence_id=None,
        start=datetime(2027, 3, 2, 20, 0, tzinfo=UTC),
        end=datetime(2027, 3, 2, 20, 45, tzinfo=UTC),
        comment=None,
    )


def test_a_reply_to_one_occurrence_of_our_series_names_it():
    occurrence = datetime(2027, 3, 16, 15, 0, tzinfo=NEW_YORK)  # after the DST change
    invite = dataclasses.replace(OUR_INVITE, start=occurrence, recurrence_id=occurrence)
    part = answered(calendar_bytes(invite, "REQUEST"), "sam@example.com", "DECLINED")

    answer = read_calendar_answer([part])

    assert answer is not None
    assert (answer.attendee, answer.partstat) == ("sam@example.com", "DECLINED")
    assert answer.recurrence_id == datetime(2027, 3, 16, 19, 0, tzinfo=UTC)
    assert answer.start == datetime(2027, 3, 16, 19, 0, tzinfo=UTC)
    assert answer.end == answer.start + timedelta(minutes=45)
