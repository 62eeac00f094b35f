"""Pure: reading the calendar answers people's calendar clients send back (iMIP, RFC 6047).

When someone presses Yes/No/Maybe or "propose a new time" on one of our invites, their client
mails an iTIP REPLY or COUNTER (RFC 5546) to the invite's ORGANIZER, one of our reply
addresses. `read_calendar_answer` takes the `text/calendar` (or `application/ics`) parts of that
message and returns what the answer says: who answered, how, for which event (UID, SEQUENCE,
RECURRENCE-ID) and, for a COUNTER, the proposed times.

Times come back aware in UTC. A TZID is resolved with zoneinfo when it is an IANA name, else
with the calendar's own VTIMEZONE (Outlook writes Windows names such as "W. Europe Standard
Time" and defines them there), else through icalendar's table of Windows names; a TZID none of
these knows leaves the time None. A floating time (no TZID, no `Z`) is read as UTC: a client
that answers in floating time has no zone to tell us, and UTC is the least surprising guess.
A DATE (an all-day event) is no time at all and is left None.

We resolve TZIDs and evaluate VTIMEZONEs ourselves, not with the zones icalendar attaches:
icalendar keeps every VTIMEZONE it parses in one cache for the whole process, keyed by TZID, so
a later message defining the same name differently would be read with the first one's offsets;
and its zones (dateutil's) follow each rule from its DTSTART, so a hostile rule ("every second
since 1601") would keep a worker busy for hours. Ours reads the yearly rules zones use ("the last
Sunday of October") and computes their days for the year asked about and the one before.

Nothing here raises on what a message contains: a part that is too large, not iCalendar,
truncated, or without METHOD or VEVENT is skipped; a property that cannot be read is None.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from icalendar import Calendar, Component, vCalAddress, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

#: Real answers are a few kilobytes and a hundred lines (an Outlook invite with an HTML description,
#: some tens of kilobytes); icalendar takes about 0.1 ms a line, so these caps bound a part's cost.
MAX_PART_BYTES = 256_000
MAX_LINES = 5_000
#: Real answers hold fewer than 25 components; the cap also bounds nesting depth.
MAX_COMPONENTS = 200
#: The attendee methods that answer an invite (accept, decline, maybe, or another time); only for
#: these are the answering ATTENDEE and its PARTSTAT read.
ATTENDEE_ANSWERS = frozenset({"REPLY", "COUNTER"})

#: What icalendar (7.3) raises on input it cannot read: ValueError is its own (InvalidCalendar and
#: subclasses); the others escape from bugs that fuzzing found: AttributeError (a VTIMEZONE with two
#: TZIDs, or closed by another component's END), TypeError (a VTIMEZONE RRULE without FREQ, from
#: dateutil), OSError (a TZID naming a tzdata folder, such as "Europe", from zoneinfo), and
#: AssertionError (an escaped `\N` inside a VTIMEZONE's RRULE, from an `assert` in its writer).
UNREADABLE = (ValueError, AttributeError, TypeError, OSError, AssertionError)

_FOLD = re.compile(r"\r?\n(?:\r?\n)*[ \t]")
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")
_BEGIN = re.compile(r"^BEGIN", re.IGNORECASE | re.MULTILINE)
_BYDAY = re.compile(r"(?P<nth>[+-]?\d{1,2})?(?P<weekday>MO|TU|WE|TH|FR|SA|SU)")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The RRULE parts zone rules use (RFC 5545 §3.6.5); a rule with any other is not followed.
_ZONE_RULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "UNTIL", "WKST", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}
)


@dataclass(frozen=True)
class CalendarAnswer:
    """What one calendar part says; attendee and partstat only for an attendee's answer (REPLY, COUNTER)."""

    method: str
    uid: str | None
    attendee: str | None
    partstat: str | None
    sequence: int | None
    recurrence_id: datetime | None
    start: datetime | None
    end: datetime | None
    comment: str | None


def read_calendar_answer(parts: list[bytes]) -> CalendarAnswer | None:
    """The first of a message's calendar parts (raw, transfer-decoded) with a METHOD and a VEVENT."""
    for part in parts:
        answer = _read_part(part)
        if answer is not None:
            return answer
    return None


def _read_part(data: bytes) -> CalendarAnswer | None:
    """One part's answer, or None when it is not a readable iTIP message."""
    calendar = _parse(data)
    if calendar is None:
        return None
    method = _text(calendar.get("METHOD"))
    event = next((c for c in calendar.subcomponents if c.name == "VEVENT"), None)
    if not method or event is None:
        return None
    method = method.upper()
    attendee = _answering_attendee(event) if method in ATTENDEE_ANSWERS else None
    start = _utc(event, "DTSTART", calendar)
    return CalendarAnswer(
        method=method,
        uid=_text(event.get("UID")),
        attendee=_address(attendee) if attendee is not None else None,
        partstat=_partstat(attendee) if attendee is not None else None,
        sequence=_integer(event.get("SEQUENCE")),
        recurrence_id=_utc(event, "RECURRENCE-ID", calendar),
        start=start,
        end=_end(event, start, calendar),
        comment=_comment(event),
    )


def _parse(data: bytes) -> Calendar | None:
    """The first VCALENDAR in `data`, or None when it is too large, too deep or not iCalendar."""
    if len(data) > MAX_PART_BYTES:
        return None
    text = _decode(data)
    unfolded = _FOLD.sub("", text)
    if unfolded.count("\n") > MAX_LINES or len(_BEGIN.findall(unfolded)) > MAX_COMPONENTS:
        return None
    try:
        components = Calendar.from_ical(text, multiple=True)
    except UNREADABLE:
        return None
    return next((c for c in components if isinstance(c, Calendar) and c.name == "VCALENDAR"), None)


def _decode(data: bytes) -> str:
    """UTF-8 (RFC 5545's charset), else Windows-1252, the usual mislabelled alternative."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _all(value: object) -> list:
    """A property's values as a list, however many times it appears (none: empty)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _first(value: object) -> object:
    """A property that appears more than once comes as a list; the first one counts."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: object) -> str | None:
    """A text property as a stripped string, None when absent or empty."""
    value = _first(value)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _comment(event: Component) -> str | None:
    """The attendee's note: COMMENT, or the X-CALENDARSERVER-PRIVATE-COMMENT Apple clients write."""
    apple = _text(event.get("X-CALENDARSERVER-PRIVATE-COMMENT"))  # unknown to icalendar: still escaped
    return _text(event.get("COMMENT")) or (_text(_unescape(apple)) if apple else None)


def _unescape(text: str) -> str:
    """Undo RFC 5545's TEXT escapes (backslash before a backslash, `;`, `,`, and `n` for a newline)."""
    return _TEXT_ESCAPE.sub(lambda m: "\n" if m[1] in "nN" else m[1], text)


def _integer(value: object) -> int | None:
    """An INTEGER property (SEQUENCE); None when absent or not a number."""
    value = _first(value)
    return int(value) if isinstance(value, int) else None


def _answering_attendee(event: Component) -> vCalAddress | None:
    """The ATTENDEE that answers: the first with a PARTSTAT other than NEEDS-ACTION, else the first.

    A REPLY should carry only the answering attendee, but clients echo the others (with their
    NEEDS-ACTION) often enough.
    """
    attendees = [a for a in _all(event.get("ATTENDEE")) if isinstance(a, vCalAddress)]
    answered = (a for a in attendees if _partstat(a) not in (None, "NEEDS-ACTION"))
    return next(answered, attendees[0] if attendees else None)


def _partstat(attendee: vCalAddress) -> str | None:
    """The PARTSTAT parameter, upper-cased."""
    value = _text(attendee.params.get("PARTSTAT"))
    return value.upper() if value else None


def _address(attendee: vCalAddress) -> str | None:
    """The email address of a calendar user: `mailto:` dropped, lower-cased.

    Some clients write a bare address or a URN with the address in the EMAIL parameter.
    """
    value = str(attendee).strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:") :]
    if "@" not in value:
        value = str(attendee.params.get("EMAIL") or "")
    value = value.strip().lower()
    return value if "@" in value else None


def _utc(event: Component, name: str, calendar: Calendar) -> datetime | None:
    """A DATE-TIME property in UTC; None when absent, unreadable, a DATE or in an unknown zone."""
    prop = _first(event.get(name))
    value = _value(prop)
    if not isinstance(value, datetime):
        return None
    if _is_utc(value):
        return value.astimezone(UTC)
    local = value.replace(tzinfo=None)  # the time as written: the zone icalendar attached is not trusted
    tzid = prop.params.get("TZID")
    if not tzid:
        return local.replace(tzinfo=UTC)  # floating time
    try:
        return _localized(local, str(tzid).strip(), calendar)
    except OverflowError:  # a time in year 1 or 9999 that the offset moves out of range
        return None


def _value(prop: object) -> object:
    """A property's Python value (datetime, date, timedelta, ...); None when absent or broken."""
    try:
        return getattr(prop, "dt", None)
    except ValueError:  # icalendar's BrokenCalendarProperty: the value did not parse
        return None


def _is_utc(value: datetime) -> bool:
    """Whether icalendar read the value as UTC (a `Z` time): then any TZID beside it is ignored."""
    zone = value.tzinfo
    return zone is UTC or (isinstance(zone, ZoneInfo) and zone.key in ("UTC", "Etc/UTC"))


def _end(event: Component, start: datetime | None, calendar: Calendar) -> datetime | None:
    """DTEND in UTC, or DTSTART + DURATION."""
    if event.get("DTEND") is not None:
        return _utc(event, "DTEND", calendar)
    duration = _value(_first(event.get("DURATION")))
    if start is None or not isinstance(duration, timedelta):
        return None
    try:
        return start + duration
    except OverflowError:
        return None


def _localized(local: datetime, tzid: str, calendar: Calendar) -> datetime | None:
    """Wall-clock `local` in the zone `tzid` names, in UTC.

    An IANA name is read with zoneinfo, else the calendar's own VTIMEZONE of that name, else a
    Windows zone name through icalendar's table; None when none of them says.
    """
    if tzid in _iana_names():
        return local.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)
    definition = _definition(calendar, tzid)
    offset = _offset_at(definition, local) if definition is not None else None
    if offset is not None:
        return (local - offset).replace(tzinfo=UTC)
    olson = WINDOWS_TO_OLSON.get(tzid)
    if olson in _iana_names():
        return local.replace(tzinfo=ZoneInfo(olson)).astimezone(UTC)
    return None


def _definition(calendar: Calendar, tzid: str) -> Component | None:
    """The calendar's VTIMEZONE with this TZID."""
    zones = (c for c in calendar.subcomponents if c.name == "VTIMEZONE" and _text(c.get("TZID")) == tzid)
    return next(zones, None)


class _CannotFollow(Exception):
    """A VTIMEZONE we do not evaluate: unreadable, or with a rule that is not a yearly zone rule."""


def _offset_at(definition: Component, local: datetime) -> timedelta | None:
    """The UTC offset a VTIMEZONE gives wall-clock `local`: the observance with the latest onset wins.

    Onsets are compared as wall-clock times, which is exact except within the hour of a change.
    """
    latest: tuple[datetime, timedelta] | None = None
    try:
        for observance in definition.subcomponents:
            if observance.name not in ("STANDARD", "DAYLIGHT"):
                continue
            onset = _latest_onset(observance, local)
            offset = getattr(_first(observance.get("TZOFFSETTO")), "td", None)
            if not isinstance(offset, timedelta) or abs(offset) >= timedelta(hours=24):
                raise _CannotFollow
            if onset is not None and (latest is None or onset > latest[0]):
                latest = (onset, offset)
    except _CannotFollow:
        return None
    return latest[1] if latest else None


def _latest_onset(observance: Component, local: datetime) -> datetime | None:
    """The observance's last onset at or before `local` (DTSTART, RDATEs, RRULEs); None if none yet."""
    start = _wall_clock(_value(_first(observance.get("DTSTART"))))
    if start is None:
        raise _CannotFollow
    if start > local:
        return None
    onsets = [start, *(when for when in _rdates(observance) if when <= local)]
    for rule in _all(observance.get("RRULE")):
        onsets.extend(_yearly_onsets(rule, start, local))
    return max(onsets)


def _rdates(observance: Component) -> list[datetime]:
    """An observance's RDATE onsets (PERIOD values, which no zone uses, are skipped)."""
    values = _all(observance.get("RDATE"))
    dates = (_wall_clock(_value(item)) for value in values for item in getattr(value, "dts", []))
    return [when for when in dates if when is not None]


def _yearly_onsets(rule: object, start: datetime, local: datetime) -> list[datetime]:
    """A yearly RRULE's onsets in `local`'s year and the year before, up to `local`.

    Zone rules say "in this month, on the nth weekday or these days"; we compute those days for
    the two years directly instead of iterating from DTSTART. Other rules are not followed.
    """
    if not isinstance(rule, vRecur) or rule.get("FREQ") != ["YEARLY"] or set(rule) - _ZONE_RULE_PARTS:
        raise _CannotFollow
    interval = _single(rule, "INTERVAL", 1)
    if interval < 1:
        raise _CannotFollow
    until = min(_wall_clock(_first(rule.get("UNTIL"))) or local, local)
    try:
        at = start.time().replace(
            hour=_single(rule, "BYHOUR", start.hour),
            minute=_single(rule, "BYMINUTE", start.minute),
            second=_single(rule, "BYSECOND", start.second),
        )
    except ValueError:
        raise _CannotFollow from None
    years = [year for year in (local.year - 1, local.year) if year >= start.year]
    onsets = (
        datetime.combine(day, at)
        for year in years
        if (year - start.year) % interval == 0
        for day in _rule_days(rule, year, start)
    )
    return [onset for onset in onsets if start <= onset <= until]


def _rule_days(rule: vRecur, year: int, start: datetime) -> list[date]:
    """The days of `year` a yearly zone rule picks: BYMONTH, narrowed by BYMONTHDAY and BYDAY."""
    days: list[date] = []
    for month in _integers(rule.get("BYMONTH")) or [start.month]:
        if not 1 <= month <= 12:
            raise _CannotFollow
        month_days = [date(year, month, day) for day in range(1, monthrange(year, month)[1] + 1)]
        picked = month_days
        monthdays = _integers(rule.get("BYMONTHDAY"))
        if monthdays:
            picked = [d for d in picked if d.day in monthdays or d.day - len(month_days) - 1 in monthdays]
        if rule.get("BYDAY"):
            weekdays = {d for entry in rule["BYDAY"] for d in _weekday_days(str(entry), month_days)}
            picked = [d for d in picked if d in weekdays]
        elif not monthdays:
            picked = [d for d in picked if d.day == start.day]
        days.extend(picked)
    return days


def _weekday_days(entry: str, month_days: list[date]) -> list[date]:
    """The days of a month a BYDAY entry names: every such weekday ("SU"), or the nth ("-1SU")."""
    match = _BYDAY.fullmatch(entry.strip().upper())
    if match is None:
        raise _CannotFollow
    same = [d for d in month_days if d.weekday() == _WEEKDAYS.index(match["weekday"])]
    if not match["nth"]:
        return same
    nth = int(match["nth"])
    if nth == 0 or abs(nth) > len(same):
        return []
    return [same[nth - 1 if nth > 0 else nth]]


def _single(rule: vRecur, part: str, default: int) -> int:
    """A rule part that zone rules give one number for (INTERVAL, BYHOUR, ...), or `default`."""
    values = _integers(rule.get(part))
    if len(values) > 1:
        raise _CannotFollow
    return values[0] if values else default


def _integers(values: list | None) -> list[int]:
    """A rule part's numbers (a leap month such as "5L", from RFC 7529, is not followed)."""
    try:
        return [int(str(value)) for value in values or []]
    except ValueError:
        raise _CannotFollow from None


def _wall_clock(value: object) -> datetime | None:
    """A DATE-TIME value without its zone (observance times are local by definition); a DATE at midnight."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    return None


@cache
def _iana_names() -> frozenset[str]:
    """The zone names zoneinfo knows (read once, on first use)."""
    return frozenset(available_timezones())
