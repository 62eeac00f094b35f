"""Times as people read them (SPEC §3): in the reader's own zone, with the zone named.

"Tue Dec 8, 3:00 PM ET"; where the other side's zone differs, theirs follows:
"Tue Dec 8, 3:00 PM ET (9:00 PM Berlin time for Maya)". Also times as rows and JSON keep them
(ISO 8601 in UTC, "2026-12-08T20:00:00Z", as `inbound --now` prints them). Pure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The names people use for the zones that have a common short one; elsewhere the zone's own
#: abbreviation when it has letters (CET, GMT, IST), else its city ("Istanbul time").
SHORT_NAMES = {
    "America/New_York": "ET", "America/Toronto": "ET", "America/Detroit": "ET",
    "America/Chicago": "CT", "America/Denver": "MT",
    "America/Los_Angeles": "PT", "America/Vancouver": "PT", "UTC": "UTC", "Etc/UTC": "UTC",
}  # fmt: skip


def iso_utc(moment: datetime) -> str:
    """ "2026-12-08T20:00:00Z"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(value: str) -> datetime:
    """An ISO 8601 time as written by `iso_utc` (or with an offset), aware."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def zone_of(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The zone of an IANA name, or the fallback's when the name is blank or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def zone_name(moment: datetime, zone: ZoneInfo) -> str:
    """The zone as a reader knows it at that moment: "ET", "CET", "GMT", "Berlin time"."""
    key = zone.key
    if key in SHORT_NAMES:
        return SHORT_NAMES[key]
    abbreviation = moment.astimezone(zone).tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    return f"{key.rsplit('/', 1)[-1].replace('_', ' ')} time"


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """ "3:00 PM ET"."""
    local = moment.astimezone(zone)
    noon = "AM" if local.hour < 12 else "PM"
    return f"{local.hour % 12 or 12}:{local.minute:02d} {noon} {zone_name(moment, zone)}"


def day_and_clock(moment: datetime, zone: ZoneInfo) -> str:
    """ "Tue Dec 8, 3:00 PM ET"."""
    local = moment.astimezone(zone)
    return f"{local:%a %b} {local.day}, {clock(moment, zone)}"


def for_reader(moment: datetime, zone: ZoneInfo, other: ZoneInfo | None = None, other_name: str = "") -> str:
    """The time in the reader's zone, and in the other side's when it differs.

    "Tue Dec 8, 3:00 PM ET (12:00 PM PT for Maya)"; the other side's day is named too when it
    is not the reader's ("(Wed Dec 9, 5:00 AM AEDT for Maya)").
    """
    mine = day_and_clock(moment, zone)
    if other is None or _same_offset(moment, zone, other):
        return mine
    same_day = moment.astimezone(zone).date() == moment.astimezone(other).date()
    theirs = clock(moment, other) if same_day else day_and_clock(moment, other)
    return f"{mine} ({theirs}{f' for {other_name}' if other_name else ''})"


def _same_offset(moment: datetime, zone: ZoneInfo, other: ZoneInfo) -> bool:
    return zone.key == other.key or (
        moment.astimezone(zone).utcoffset() == moment.astimezone(other).utcoffset()
        and zone_name(moment, zone) == zone_name(moment, other)
    )


def minutes(duration: int) -> str:
    """ "45 minutes", "1 hour", "1 hour 30 minutes"."""
    hours, rest = divmod(duration, 60)
    if not hours:
        return f"{rest} minutes"
    text = f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{text} {rest} minutes" if rest else text
