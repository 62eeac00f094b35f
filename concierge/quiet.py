"""When mail may reach a person (SPEC §5): quiet hours, 21:00–07:00 in the recipient's zone. Pure.

Meeting mail (agenda prompt, briefing, reminder) is never capped and never waits: due in quiet
hours, it goes at the last 20:59 before its due time if that is still ahead, else at once.
Proactive mail (log prompts now; nudges, check-ins and digests later) waits for 07:00 when
it falls in quiet hours, and for the next day when the person's daily cap is reached.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_FROM, QUIET_UNTIL = time(21, 0), time(7, 0)
#: The last minute before quiet hours, when meeting mail due in them goes instead.
LAST_BEFORE_QUIET = time(20, 59)
#: How long quiet hours last at most (an hour more on the night clocks go back): meeting mail
#: goes at most this much before it is due.
QUIET_LENGTH = timedelta(hours=24 - QUIET_FROM.hour + QUIET_UNTIL.hour + 1)


def in_quiet_hours(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether `moment` is between 21:00 and 07:00 where the recipient is."""
    local = moment.astimezone(zone).time()
    return local >= QUIET_FROM or local < QUIET_UNTIL


def meeting_mail_at(due: datetime, zone: ZoneInfo) -> datetime:
    """When meeting mail due at `due` goes: then, or if that is in quiet hours, the last 20:59
    before it (the evening before, or the same evening for a time before midnight)."""
    if not in_quiet_hours(due, zone):
        return due
    local = due.astimezone(zone)
    day = local.date() if local.time() >= QUIET_FROM else local.date() - timedelta(days=1)
    return datetime.combine(day, LAST_BEFORE_QUIET, tzinfo=zone)


def proactive_at(moment: datetime, zone: ZoneInfo) -> datetime:
    """When proactive mail ready at `moment` goes: then, or the 07:00 that ends its quiet hours."""
    if not in_quiet_hours(moment, zone):
        return moment
    local = moment.astimezone(zone)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_FROM else local.date()
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone)


def local_day_start(moment: datetime, zone: ZoneInfo) -> datetime:
    """The start of the recipient's day that `moment` falls in (their daily cap counts from it)."""
    return datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone)
