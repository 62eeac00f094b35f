"""Pure: the calendar invites we send (iCalendar, RFC 5545; iTIP REQUEST/CANCEL, RFC 5546).

`calendar_bytes` turns a `CalendarEvent` into the UTF-8 bytes of one VCALENDAR with one VEVENT,
written by the `icalendar` library (CRLF lines folded at 75 octets). Each recipient gets their
own copy: the ORGANIZER is that recipient's reply address, so the answer their calendar client
sends (iMIP REPLY or COUNTER) comes back to us with their key, and `inbound.calendar` reads it.

How the caller carries it (iMIP, RFC 6047):

- The calendar goes in the message as a `text/calendar; method=REQUEST; charset=UTF-8` part
  (`method=CANCEL` for a cancellation; the parameter must equal the METHOD inside), next to the
  text and HTML bodies in the `multipart/alternative`. This part is what Gmail turns into its
  invitation card with Yes/No/Maybe, what Outlook turns into a meeting request (Outlook ignores
  an .ics that is only attached, and needs the `method` parameter), and what Apple Mail shows
  as an invitation.
- Optionally the same bytes again as an attachment, `application/ics; name="invite.ics"`
  (`invite_filename`), as Google's own invitations do: clients that do not read the
  alternative (and people who want to import it by hand) get a file. Use `application/ics`,
  not a second `text/calendar`, so that Outlook does not show two meeting requests.
- Base64 transfer encoding keeps the CRLF line ends and the UTF-8 intact through relays.
- The recipient must be one of the ATTENDEEs and not the ORGANIZER, or Gmail and Apple show no
  answer buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event, vCalAddress, vRecur

from concierge.when import from_iso, iso_utc

PRODID = "-//Concierge//Mentoring//EN"
REMINDER = timedelta(minutes=15)
#: VTIMEZONE definitions span the series' first year and this many after it: a mentoring series
#: lasts a term, and a shorter span keeps the invite small (one RDATE per DST change and year).
ZONE_YEARS = 10

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Attendee:
    """A calendar user: an email address and the name to show for it."""

    email: str
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class CalendarEvent:
    """One meeting, one series, or one occurrence of a series, as sent to one recipient.

    Times are aware datetimes. A single meeting is written in UTC. A series (`rrule`) and an
    occurrence of one (`recurrence_id`) are written in `zone`'s wall-clock time, with its TZID
    and VTIMEZONE, so that the series keeps its local time across DST changes; `zone` is
    required for them. With `recurrence_id`, `start` is that occurrence's start.
    """

    uid: str
    sequence: int
    stamp: datetime
    start: datetime
    duration_minutes: int
    summary: str
    description: str = ""
    organizer: Attendee
    attendees: tuple[Attendee, ...]
    location: str | None = None
    url: str | None = None
    rrule: str | None = None
    zone: str | None = None
    recurrence_id: datetime | None = None


def _text_or_none(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


class UnwritableInvite(Exception):
    """An invite that cannot be written here: its zone unknown on this machine, a rule the library
    refuses, or what an outbox row holds not an invite. Sending again would not help."""


@dataclass(frozen=True, kw_only=True)
class Invite:
    """An invite or cancellation as an action decides it, before it is written for a recipient.

    An action puts it in the outbox row (`as_json`); the send job writes it for that row's
    recipient, whose reply address is the ORGANIZER (`invite_bytes`). `location` is a place, a
    tool's name or a link; a link is also the event's URL.
    """

    method: Method
    uid: str
    sequence: int
    start: datetime
    duration_minutes: int
    summary: str
    description: str
    location: str | None
    attendees: tuple[Attendee, ...]
    rrule: str | None = None
    zone: str | None = None
    recurrence_id: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The invite as an outbox row keeps it (times ISO 8601 UTC)."""
        return {
            "method": self.method,
            "uid": self.uid,
            "sequence": self.sequence,
            "start": iso_utc(self.start),
            "duration": self.duration_minutes,
            "summary": self.summary,
            "description": self.description,
            "location": self.location,
            "attendees": [[a.email, a.name] for a in self.attendees],
            "rrule": self.rrule,
            "zone": self.zone,
            "recurrence_id": iso_utc(self.recurrence_id) if self.recurrence_id else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Invite:
        """The invite `as_json` wrote; `UnwritableInvite` when `data` is not one."""
        try:
            method = data["method"]
            if method not in ("REQUEST", "CANCEL"):
                raise ValueError(f"method {method!r}")
            return cls(
                method=method,
                uid=str(data["uid"]),
                sequence=int(data["sequence"]),
                start=from_iso(data["start"]),
                duration_minutes=int(data["duration"]),
                summary=str(data["summary"]),
                description=str(data.get("description") or ""),
                location=_text_or_none(data.get("location")),
                attendees=tuple(Attendee(email, name) for email, name in data["attendees"]),
                rrule=_text_or_none(data.get("rrule")),
                zone=_text_or_none(data.get("zone")),
                recurrence_id=from_iso(data["recurrence_id"]) if data.get("recurrence_id") else None,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise UnwritableInvite(f"not an invite: {type(error).__name__}: {error}") from error

    def event(self, organizer: Attendee, stamp: datetime) -> CalendarEvent:
        """The event as one recipient gets it: `organizer` is their own reply address."""
        link = self.location if is_link(self.location) else None
        return CalendarEvent(
            uid=self.uid,
            sequence=self.sequence,
            stamp=stamp,
            start=self.start,
            duration_minutes=self.duration_minutes,
            summary=self.summary,
            description=self.description,
            organizer=organizer,
            attendees=self.attendees,
            location=None if link else self.location,
            url=link,
            rrule=self.rrule,
            zone=self.zone,
            recurrence_id=self.recurrence_id,
        )


def is_link(location: str | None) -> bool:
    """A meeting's place given as a link (a video call) rather than a place or a tool's name."""
    return bool(location) and location.lower().startswith(("http://", "https://"))


def invite_bytes(invite: Invite, organizer: Attendee, stamp: datetime) -> bytes:
    """`calendar_bytes` of the invite as `organizer`'s copy; `UnwritableInvite` when it cannot be."""
    try:
        return calendar_bytes(invite.event(organizer, stamp), invite.method)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnwritableInvite(f"invite {invite.uid}: {type(error).__name__}: {error}") from error


def calendar_bytes(event: CalendarEvent, method: Method) -> bytes:
    """The iCalendar object (UTF-8, CRLF) inviting to `event` (REQUEST) or cancelling it (CANCEL)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_vevent(event, method))
    if _zone(event) is not None:
        first = min(event.start, event.recurrence_id or event.start)
        calendar.add_missing_timezones(
            first_date=date(first.year, 1, 1), last_date=date(first.year + ZONE_YEARS, 1, 1)
        )
    return calendar.to_ical()


def invite_filename(method: Method) -> str:
    """The attachment's file name: `invite.ics` for a REQUEST, `cancel.ics` for a CANCEL."""
    return "cancel.ics" if method == "CANCEL" else "invite.ics"


def _vevent(event: CalendarEvent, method: Method) -> Event:
    """The VEVENT: identity, times, texts, people, status and (on REQUEST) the reminder."""
    for moment in (event.stamp, event.start, event.recurrence_id):
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"naive datetime in event {event.uid}: {moment}")
    zone = _zone(event)
    start = event.start.astimezone(zone or UTC)
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.stamp.astimezone(UTC))
    vevent.add("dtstart", start)
    vevent.add("dtend", start + timedelta(minutes=event.duration_minutes))
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", event.recurrence_id.astimezone(zone))
    elif event.rrule:
        vevent.add("rrule", vRecur.from_ical(event.rrule))
    vevent.add("summary", event.summary)
    description = _description(event)
    if description:
        vevent.add("description", description)
    location = event.location or event.url
    if location:
        vevent.add("location", location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("organizer", _address(event.organizer))
    for attendee in event.attendees:
        vevent.add("attendee", _address(attendee, invited=True))
    vevent.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    if method == "REQUEST":
        vevent.add_component(_reminder(event.summary))
    return vevent


def _zone(event: CalendarEvent) -> ZoneInfo | None:
    """The zone a series (or an occurrence of one) is written in; None for a single meeting."""
    if not (event.rrule or event.recurrence_id):
        return None
    if not event.zone:
        raise ValueError(f"event {event.uid} is part of a series and needs its zone")
    return ZoneInfo(event.zone)


def _description(event: CalendarEvent) -> str:
    """The description, with the link added when LOCATION names a place and no client would show it.

    Google and Outlook show neither URL nor a link they cannot see in LOCATION, so a link that
    is only in URL would be lost when the location is a place or tool name.
    """
    if event.url and event.location and event.url not in event.description:
        return f"{event.description}\n\n{event.url}".strip()
    return event.description


def _address(person: Attendee, *, invited: bool = False) -> vCalAddress:
    """ORGANIZER or ATTENDEE value: `mailto:` address, CN, and for attendees the RSVP parameters."""
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name or person.email
    if invited:
        address.params["CUTYPE"] = "INDIVIDUAL"
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "TRUE"
    return address


def _reminder(summary: str) -> Alarm:
    """A display alarm 15 minutes before the start."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER)
    alarm.add("description", summary)
    return alarm
