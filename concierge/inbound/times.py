"""Reading meeting times in a reply: exact options, vague mentions, durations, places and repeats.

Pure: text in, values out. The library chosen by measurement (../shared/TIME-PARSING.md),
timefhuman, finds the spans that name a day or a time and gives a first reading of them; the
small rules here settle what a person means, where the library reads it otherwise:

- a bare hour 1–7 is in the afternoon ("Tuesday at 3" → 15:00), and so is "4:15";
- a weekday is the first such day strictly after today ("Friday" said on a Friday is next
  week's); "Tuesday next week" is the Tuesday of the next calendar week;
- a date without a year is its next occurrence, unless it fell in the last 30 days (then it is
  a time in the past, which the caller answers politely);
- a zone written beside the time wins over the sender's ("3pm ET", "10am London time",
  "3pm your time"); abbreviations name the region's zone in every season;
- a part of the day or a day alone is vague ("Thursday afternoon", "sometime next week");
- sentences about the past or about other commitments ("I was busy on Tuesday", "my review is
  on Friday at 2pm") hold no proposal, nor do numbers that only look like times (phone
  numbers, versions, scores, "9-5", "24/7", "1:1");
- a duration ("for 30 minutes") applies to every option, and a range ("3-3:30") to its own (each
  option its range's length when every option is one); a video link, a named tool
  or a place in words ("at the library") is the place; "every other Tuesday" is a repeat (an RRULE).

The library and its grammar load once per process (`warm_up()` at worker start).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from lark.exceptions import LarkError
from timefhuman import tfhConfig, timefhuman
from timefhuman.lalr import get_lalr_parser

from concierge.when import from_iso, iso_utc


def same_moment(one: datetime, other: datetime) -> bool:
    """Two times within a minute of each other: the same time, as people write it."""
    return abs((one - other).total_seconds()) < 60


def at_word_start(
    *alternatives: str, starts: str, anchored: tuple[str, ...] = (), flags: int = 0
) -> re.Pattern[str]:
    """One pattern matching any of `alternatives` where a word starts (or any of `anchored`,
    which place themselves): one `\\b` tried before the list, not one per alternative, and only
    where one of `starts` (the characters the alternatives can start with) stands, which makes a
    long list of phrases about three times faster to search. A test reads every such class
    against its phrases (tests/inbound/test_pattern_dispatch.py)."""
    listed = rf"(?=[{starts}])\b(?:" + "|".join(alternatives) + ")"
    return re.compile("|".join((*anchored, listed)), flags)


DEFAULT_MINUTES = 45
#: The most times one reply offers: beyond a handful it is a list, not a choice to put to someone.
MAX_OPTIONS = 6
#: A range or duration longer than this is not a meeting's length ("9-5", "a 12-hour shift").
LONGEST_MEETING = 8 * 60
#: A date without a year that fell this recently is read as meant (and in the past); older
#: ones are next year's ("Jan 6" said in December).
RECENT_PAST = timedelta(days=30)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: A weekday's English name in full, as a pattern ("tuesday", "Thursday").
WEEKDAY_IN_FULL = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
#: A weekday's place in its month, as said, and its number (-1: the last); each number as said.
_NTH = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1}
_NTH_SAID = "|".join(_NTH)
_NTH_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
#: The weekdays as an RRULE writes them (BYDAY), Monday first.
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_RRULE_DAY = "(?:" + "|".join(_RRULE_DAYS) + ")"

#: The hours in words ("at two").
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")

#: Zone names people write beside a time, to the zone they mean in every season.
ZONES = {
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "eastern": "America/New_York", "eastern time": "America/New_York", "new york time": "America/New_York",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago", "central": "America/Chicago",
    "central time": "America/Chicago", "chicago time": "America/Chicago",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver", "mountain": "America/Denver",
    "mountain time": "America/Denver", "denver time": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "california time": "America/Los_Angeles", "sf time": "America/Los_Angeles",
    "utc": "UTC", "gmt": "Europe/London", "bst": "Europe/London", "uk time": "Europe/London",
    "london time": "Europe/London", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "central european time": "Europe/Berlin", "berlin time": "Europe/Berlin", "paris time": "Europe/Paris",
    "madrid time": "Europe/Madrid", "amsterdam time": "Europe/Amsterdam", "eet": "Europe/Athens",
    "ist": "Asia/Kolkata", "india time": "Asia/Kolkata", "sgt": "Asia/Singapore",
    "singapore time": "Asia/Singapore", "jst": "Asia/Tokyo", "tokyo time": "Asia/Tokyo",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "sydney time": "Australia/Sydney",
    "melbourne time": "Australia/Melbourne", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "auckland time": "Pacific/Auckland", "nz time": "Pacific/Auckland", "brt": "America/Sao_Paulo",
    "sao paulo time": "America/Sao_Paulo", "toronto time": "America/Toronto", "dublin time": "Europe/Dublin",
    "sast": "Africa/Johannesburg", "hkt": "Asia/Hong_Kong", "kst": "Asia/Seoul", "pht": "Asia/Manila",
    "wib": "Asia/Jakarta", "msk": "Europe/Moscow", "hst": "Pacific/Honolulu", "akst": "America/Anchorage",
    "akdt": "America/Anchorage", "awst": "Australia/Perth", "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide", "nzt": "Pacific/Auckland", "aet": "Australia/Sydney",
    **{f"{city} time": "Asia/Kolkata" for city in (
        "mumbai", "delhi", "new delhi", "bangalore", "bengaluru", "chennai", "hyderabad", "pune",
        "kolkata")},
    **{f"{city} time": "Asia/Shanghai" for city in ("beijing", "shanghai", "shenzhen", "china")},
    **{f"{city} time": "America/New_York" for city in (
        "boston", "dc", "miami", "atlanta", "philadelphia", "east coast")},
    **{f"{city} time": "America/Chicago" for city in ("dallas", "houston", "austin", "minneapolis")},
    **{f"{city} time": "America/Los_Angeles" for city in (
        "san francisco", "seattle", "la", "los angeles", "portland", "west coast", "bay area")},
    **{f"{city} time": f"Europe/{city.title()}" for city in (
        "rome", "vienna", "stockholm", "oslo", "copenhagen", "brussels", "warsaw", "prague", "lisbon",
        "helsinki", "athens", "zurich", "moscow", "istanbul", "budapest")},
    "munich time": "Europe/Berlin", "german time": "Europe/Berlin", "hong kong time": "Asia/Hong_Kong",
    "seoul time": "Asia/Seoul", "korea time": "Asia/Seoul", "japan time": "Asia/Tokyo",
    "manila time": "Asia/Manila", "jakarta time": "Asia/Jakarta", "bangkok time": "Asia/Bangkok",
    "dubai time": "Asia/Dubai", "tel aviv time": "Asia/Jerusalem", "israel time": "Asia/Jerusalem",
    "cairo time": "Africa/Cairo", "lagos time": "Africa/Lagos", "nairobi time": "Africa/Nairobi",
    "johannesburg time": "Africa/Johannesburg", "cape town time": "Africa/Johannesburg",
    "south africa time": "Africa/Johannesburg", "mexico city time": "America/Mexico_City",
    "bogota time": "America/Bogota", "lima time": "America/Lima", "santiago time": "America/Santiago",
    "buenos aires time": "America/Argentina/Buenos_Aires", "vancouver time": "America/Vancouver",
    "montreal time": "America/Toronto", "phoenix time": "America/Phoenix", "arizona time": "America/Phoenix",
    "hawaii time": "Pacific/Honolulu", "perth time": "Australia/Perth", "brisbane time": "Australia/Brisbane",
    "adelaide time": "Australia/Adelaide", "edinburgh time": "Europe/London",
    "manchester time": "Europe/London",
    # Written out whole, as calendars and signatures give them.
    **{f"{name} {kind} time": zone for name, zone in (
        ("eastern", "America/New_York"), ("central", "America/Chicago"), ("mountain", "America/Denver"),
        ("pacific", "America/Los_Angeles"), ("alaska", "America/Anchorage"), ("hawaii", "Pacific/Honolulu"),
        ("atlantic", "America/Halifax"), ("australian eastern", "Australia/Sydney"),
        ("australian central", "Australia/Adelaide"), ("australian western", "Australia/Perth"),
        ("new zealand", "Pacific/Auckland"), ("central european", "Europe/Berlin"),
        ("eastern european", "Europe/Athens")) for kind in ("standard", "daylight", "summer")},
    "indian standard time": "Asia/Kolkata", "india standard time": "Asia/Kolkata",
    "japan standard time": "Asia/Tokyo", "china standard time": "Asia/Shanghai",
    "korea standard time": "Asia/Seoul", "singapore standard time": "Asia/Singapore",
    "greenwich mean time": "Europe/London", "british summer time": "Europe/London",
    "british time": "Europe/London", "irish standard time": "Europe/Dublin",
    "western european time": "Europe/Lisbon", "new zealand time": "Pacific/Auckland",
}  # fmt: skip
#: Cities that name their zone without "time" too, written right after the time ("8pm London",
#: "9am Berlin"; not "3pm, Chicago is fine"); not those more often a person's first name
#: ("Tuesday 3pm Sydney and I are free", Austin, Vienna): they need "time".
CITIES = (
    "london", "berlin", "amsterdam", "madrid", "dublin", "new york", "toronto", "singapore", "tokyo",
    "auckland", "mumbai", "bangalore", "bengaluru", "delhi", "new delhi", "beijing", "shanghai",
    "hong kong", "seoul", "dubai", "stockholm", "oslo", "copenhagen", "brussels", "warsaw", "prague",
    "lisbon", "helsinki", "zurich", "munich", "johannesburg", "nairobi", "lagos", "cairo",
    "mexico city", "sao paulo", "buenos aires", "vancouver", "manila", "jakarta", "bangkok", "san francisco",
    "seattle", "los angeles", "boston", "chicago", "paris", "rome",
)  # fmt: skip
ZONES.update({city: ZONES[f"{city} time"] for city in CITIES})
_CITY_SET = frozenset(CITIES)
MY_ZONE, YOUR_ZONE = "my time", "your time"
#: The other side named in the third person ("10am his time") means their zone, as "your time" does.
THEIR_ZONES = ("his time", "her time", "their time")
_ZONE_WORDS = sorted(
    [*ZONES, MY_ZONE, YOUR_ZONE, *THEIR_ZONES, "my timezone", "your timezone", "my tz", "your tz"], key=len
)
#: An offset from UTC as people write it: "UTC+5:30", "GMT+1", "(UTC-03:00)", "UTC +2",
#: "GMT+5.5". Not the end of a range ("10:00 UTC-11:00 UTC") nor a sum ("GMT + 2 more people").
_OFFSET = r"(?:utc|gmt)\s?[+\-−–]\d{1,2}(?:[:.]?\d\d|\.5)?(?![\d.:])(?!\s*(?:utc|gmt|[ap]\.?m)\b)"
_NAMED_ZONE = "|".join(re.escape(z).replace(r"\ ", r"\s+") for z in reversed(_ZONE_WORDS))
#: A zone named or an offset (not after an apostrophe: French "c'est" is no EST).
_ZONE_RE = re.compile(
    rf"(?=[(abcdeghijklmnoprstuvwyz])(?<!['’])\(?\b({_OFFSET}|{_NAMED_ZONE})(?:\b|(?<=\d))\)?"
)

#: Video links and tools, by what people write.
#: Video-call services: a link to one is where the meeting is (any other link is something to read).
MEETING_HOSTS = (
    "zoom.us", "zoom.com", "meet.google.com", "teams.microsoft.com", "teams.live.com", "webex.com",
    "whereby.com", "meet.jit.si", "gotomeet.me", "gotomeeting.com", "around.co", "discord.gg", "chime.aws",
    "bluejeans.com",
)  # fmt: skip
MEETING_HOST = r"(?:[\w-]+\.)*(?:" + "|".join(re.escape(host) for host in MEETING_HOSTS) + ")"
MEETING_LINK = re.compile(rf"https?://{MEETING_HOST}/\S*", re.IGNORECASE)
#: Meeting tools named in words, each a group named by what the tool is called.
_TOOLS = re.compile(
    r"(?=[abcghmoprstvwz])\b(?:(?P<Zoom>zoom)|(?P<Google_Meet>google\s+meet|g\s?meet|hangouts?)|"
    r"(?P<Microsoft_Teams>ms\s+teams|microsoft\s+teams|on\s+teams|via\s+teams|a\s+teams\s+call|(?-i:Teams))|"
    r"(?P<Webex>webex)|(?P<phone>(?:by|on\s+the|over\s+the|via)\s+phone|phone\s+call|call\s+me\s+on|ring\s+me|"
    # the phone said to do ("Phone is fine, I'll call you"; not "my phone is fine")
    r"(?<!my\s)(?<!the\s)(?<!your\s)phone\s+(?:is|would\s+be)\s+(?:fine|good|ok|okay|great|easiest|best|easier)"
    r"(?!\s*,?\s*but\b)|"
    # the call asked for in German or Dutch ("… für eine Stunde telefonieren?", "Zullen we … bellen?")
    r"(?-i:telefonieren|bellen)(?=\s*\?)))\b",
    re.IGNORECASE,
)

#: The nouns that make "at/in (the) …" a place to meet ("at the Blue Bottle cafe", "in the
#: 3rd floor kitchen", "in room 4B"), not a time ("at noon", "in the afternoon"); several in a
#: row are one place ("the hotel lobby", "the library cafe").
_PLACE_NOUN = (
    r"(?:caf[eé]s?|coffee\s*(?:shop|house|place)|coffeeshop|office|library|lobby|kitchen|canteen|"
    r"cafeteria|lounge|reception|restaurant|bistro|diner|bakery|pub|bar|park|garden|"
    r"(?:conference|meeting|board|break)?\s*room|boardroom|atrium|terrace|food\s+court|"
    r"co-?working(?:\s+space)?|hub|studio|campus|hq|headquarters|hotel|gym|auditorium|classroom|lab)"
)
#: A word of a place's name between its article and its noun: not a preposition, a possessive
#: or a time.
_PLACE_WORD = (
    r"(?!(?i:at|in|on|of|for|and|or|to|with|by|from|until|around|about|my|your|our|his|her|their)\b)"
    r"(?:[^\W\d_][\w'’&.-]*|\d+(?:st|nd|rd|th))"
)
_DAY_AND_MONTH_WORDS = "|".join(
    [
        *WEEKDAYS,
        *(day[:3] for day in WEEKDAYS),
        "tues",
        "thur",
        "thurs",
        *MONTHS,
        *(m[:3] for m in MONTHS),
        "sept",
    ]
)
#: A capitalised word of a place's name: not a day's or month's, "I", "Let", "Thanks" (a sentence
#: going on without its full stop), nor capitals alone ("ET", "OK", "ASAP"); a number ("Room 4").
_NAME_WORD = (
    rf"(?!(?i:{_DAY_AND_MONTH_WORDS}|i|today|tomorrow|tonight|next|this|let'?s?|thanks?|please|pls|"
    r"see|cheers|best|ok|okay)\b)(?:[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ][\w'’&.-]*|[A-Z]?\d+[A-Za-z]?|[A-Z])(?=[\s.,;:!?)]|$)"
)
#: A name's small words between its capitalised ones ("Unter den Linden", "Parque de la Paz").
_NAME_JOIN = r"(?:de|den|der|del|la|le|da|di|van|von|of|to|and|&)"
#: The few common words a place is said to be by ("by the river", "on the 4th floor").
_LANDMARK = (
    r"(?:\d+(?:st|nd|rd|th)\s+)?(?:floor|station|river|park|square|mall|fountain|lake|beach|corner|entrance|"
    r"bridge|market|library|museum|canal|harbou?r|waterfront)"
)
#: Where it is, in capitalised words, a numbered street or a landmark ("on Main St", "near Union
#: Square", "on 5th Ave", "of Building 5", "across from the station").
_STREET = (
    r"(?i:street|st|avenue|ave|road|rd|square|sq|lane|blvd|plaza|building|tower|centre|center|hall)\b\.?"
)
_PLACE_WHERE = (
    r"(?:\s+(?i:on|near|by|opposite|next\s+to|across\s+from|off|of)\s+"
    rf"(?:(?:the\s+)?{_LANDMARK}\b|(?:the\s+)?(?:{_NAME_WORD}|\d+(?:st|nd|rd|th)(?:\s+{_STREET})?)"
    rf"(?:\s+(?:{_NAME_JOIN}\s+)?(?:{_NAME_WORD}|{_STREET})){{0,3}}))?"
)
#: A place's floor, after it ("the office, 3rd floor", "the WeWork on 5th Ave, ground floor").
_FLOOR = (
    r"(?:(?:\s*,\s*|\s+)(?i:on\s+)?(?i:the\s+)?(?:\d+(?:st|nd|rd|th)|(?i:ground|top|first|second|third|fourth|fifth|"
    r"sixth|seventh|eighth|ninth|tenth))\s+(?i:floor)\b)?"
)
#: A street address: its number, up to three words of its name and the street's word ("221B Baker
#: Street", "315 Linden St", "1600 Amphitheatre Pkwy"), said after a place's name ("at Blue Bottle,
#: 315 Linden St", "the cafe at 221 Baker Street") or alone ("Tue 3pm, 221 Baker Street").
_ADDRESS = (
    rf"\d{{1,5}}[A-Za-z]?\s+(?:{_NAME_WORD}\s+){{1,3}}(?:{_STREET}|(?i:way|drive|dr|boulevard|place|pl|"
    r"parkway|pkwy|court|ct|terrace|crescent|row|close)\b\.?)"
)
_AFTER_A_PLACE = (
    rf"(?:(?:\s*,\s*|\s+(?i:at|on)\s+){_ADDRESS}|"
    # a street named without its word, with a number no hour has ("the WeWork at 115 Broadway")
    rf"\s+(?i:at)\s+\d{{3,5}}[A-Za-z]?(?:\s+{_NAME_WORD}){{1,3}})?"
)
#: A place to meet in words: "at/in", an article (never "my"/"your": whose office that is the
#: other side could not tell), up to four words of its name, its noun (or nouns), its name or
#: number after it ("Café Hugo", "room 4B", "Conference Room B"), where it is and its floor.
_PLACE = re.compile(
    rf"(?=[aAiI])\b(?i:at|in)\s+(?P<place>(?:(?i:the|a)\s+)?(?:{_PLACE_WORD}\s+){{0,4}}?(?i:{_PLACE_NOUN}"
    rf"(?:\s+{_PLACE_NOUN})*)\b(?:\s+{_NAME_WORD}){{0,3}}{_PLACE_WHERE}{_FLOOR}{_AFTER_A_PLACE})"
)
#: A place named by its name alone after "at" ("at Starbucks", "at Joe's on Main St", "at the WeWork"):
#: one to three capitalised words, the first a word (not "at 3", "at A"), none a day's, a month's
#: a time's or a meal's word ("at Noon", "at Three", "at Lunch"), nor whose place it is ("at
#: Home", "at Mine"); a zone ("at Eastern", "at London time") is left out by `_places_in`.
_NAMED_PLACE = re.compile(
    r"\b(?i:at)\s+(?P<place>(?!(?i:noon|midnight|midday|lunch|breakfast|dinner|work|home|school|mine|yours|"
    rf"ours|theirs|hers|his|christmas|easter|thanksgiving|latest|earliest|moment|end|start|weekend|same|{'|'.join(_NUMBERS)})\b)(?:(?i:the)\s+)?"
    rf"(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]){_NAME_WORD}(?:\s+(?:{_NAME_JOIN}\s+)?{_NAME_WORD}){{0,2}}{_PLACE_WHERE}{_FLOOR}{_AFTER_A_PLACE})"
)
#: A street address alone, where to meet: after "at" or a comma ("Tue 3pm, 221 Baker Street").
_ADDRESS_PLACE = re.compile(rf"(?:\b(?i:at)\s+|,\s*)(?P<place>{_ADDRESS}{_FLOOR})")
#: A street address anywhere, whose number is no hour ("at 10 Downing Street"); its name is
#: capitalised, so it is looked for in the text as written.
_STREET_ADDRESS = re.compile(rf"\b{_ADDRESS}")
#: Where someone is, works or was, or a place refused, not where to meet ("I'm in the office until
#: 5", "I'll be at the gym before", "my wife works at the bakery", "not at the library").
_NOT_TO_MEET = re.compile(
    r"(?:\b(?:i'?m|i\s+am|we'?re|we\s+are|i'?ll\s+be|i\s+will\s+be|we'?ll\s+be|is|are|was|were|work|works|"
    r"worked|live|lives|sit|sits|based|stuck|working|usually|not|rather\s+than|instead\s+of|than|"
    r"congrats|talk|meetup)\b|n't)\s+(?:\w+\s+){0,2}$"
)
#: A sentence without a time that says where to meet ("Let's meet at the library.").
_MEET_AT = re.compile(
    r"\b(?:meet|meet\s+(?:me|you|up)|see\s+you|join\s+me|"
    # "we could grab a table at …" (not "I'll grab coffee at Starbucks beforehand")
    r"(?:we\s+(?:could|can|should)|let'?s|shall\s+we|can\s+we|could\s+we)\s+(?:\w+\s+)?(?:grab|get)\s+"
    r"(?:a\s+)?(?:table|coffee|tea|lunch|breakfast|bite|drink|seat))\s+$"
)


_TWO_WEEKS = (
    r"every\s+(?:other|second|2nd|two\s+weeks|2\s+weeks|fortnight)|bi-?weekly|fortnightly|every\s+14\s+days"
)
_REPEAT_BIWEEKLY = re.compile(r"\b(?:" + _TWO_WEEKS + r")\b")
_REPEAT_WEEKLY = re.compile(
    r"\b(?:every\s+(?:week|(?!month)(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)|"
    r"each\s+(?:week|(?!month)(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)|"
    rf"weekly|once\s+a\s+week|going\s+forward|moving\s+forward|recurring|from\s+now\s+on|from\s+here\s+on|"
    r"for\s+(?:all\s+)?(?:the\s+|our\s+)?(?:future|upcoming|remaining)\s+(?:sessions|meetings|calls)|"
    rf"{WEEKDAY_IN_FULL}s)\b",
)  # fmt: skip
#: A clause that only says the time after it holds from now on ("From now on, could we do 9:30?").
_FROM_NOW_ON = re.compile(
    r"\W*(?:from\s+now\s+on|going\s+forward|moving\s+forward|from\s+here\s+on(?:\s+out)?|"
    r"(?:for\s+)?(?:all\s+)?(?:the\s+)?future\s+(?:sessions|meetings))\W*"
)
_REPEAT_MONTHLY = re.compile(r"\b(?:monthly|(?:every|each)\s+month|once\s+a\s+month)\b")
_SERIES_START = re.compile(
    r"\b(?:(?:starting|beginning|commencing)\s*(?:on\s+|in\s+)?(?:the\s+)?|(?:from|as\s+of)\s*(?:on\s+)?|"
    # "Every other Wednesday at 9, first one on January 13"
    r"(?:the\s+)?first\s+(?:one|session|meeting|call|chat)\s+(?:is\s+|will\s+be\s+|would\s+be\s+|being\s+)?"
    r"(?:on\s+)?(?:the\s+)?)$"
)

#: The spaces or hyphens between words said as one number ("forty five", "forty-five").
_NUMBER_WORD_GAP = re.compile(r"[\s-]+")


#: Counts said in words ("a week", "two weeks", "an hour").
_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}


def _count(word: str) -> int:
    """A count said in words or digits ("a" → 1, "two" → 2, "14" → 14)."""
    return _COUNTS.get(word.lower()) or int(word)


def _number_said(words: str) -> str:
    """Words said as one number, as the tables of them list it ("Forty-five" → "forty five")."""
    return _NUMBER_WORD_GAP.sub(" ", words.lower())


#: A meeting's length in words ("thirty minutes").
_MINUTES_IN_WORDS = {
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty five": 45,
    "forty": 40,
    "sixty": 60,
    "ninety": 90,
}
_MINUTE_WORDS = "|".join(word.replace(" ", "[\\s-]") for word in _MINUTES_IN_WORDS)
_DURATION = re.compile(
    r"(?=[\dahoftsn])\b(?:(?P<half>half\s+an?\s+hour)|(?P<hour_half>an?\s+hour\s+and\s+a\s+half|1\.5\s*(?:hours?|hrs?|h))|"
    rf"(?P<words>{_MINUTE_WORDS})\s+(?:minutes?|mins?)\b|"
    r"(?P<an>an|one|(?<!need\sfor\s)(?<=for\s)(?:the|a)\s+(?:full|whole))\s+hour(?!\s+(?:earlier|later|before|after))|"
    # "block two hours", "for two hours?" (not "three hours apart", "up for two hours by then")
    r"(?:(?<=ock\s|ook\s)(?P<hours>two)\s+hours|(?<=for\s)(?P<for_hours>two)\s+hours(?=\s*(?:$|[?.!,]|on\b|at\b|if\b)))|"
    # "a quick 20" (not "I have a quick 15 with my manager")
    r"(?<!have\s)(?<!grab\s)a\s+quick\s+(?P<quick>[1-5][05])\b"
    r"(?!\s*(?::|am|pm|minutes?|mins?|hours?|with|before|beforehand|after|first)\b)|"
    r"(?P<n>\d{1,3})\s*(?:-\s*)?(?P<unit>minutes?|mins?|m\b|hours?|hrs?|h\b)(?!\s+(?:earlier|later|before|after|ago)))",
)  # fmt: skip
#: What people call a meeting when they move it or name it ("push our session", "the Jan 7 one").
MEETING_NOUNS = r"(?:meeting|session|call|chat|catch-?up|one)"
_AMOUNT = r"an?|one|two|half\s+an|\d{1,3}"
_UNIT = r"days?|hours?|hrs?|h|minutes?|mins?"
# "an hour earlier", "push it back by 30 minutes", "a day later": a move relative to the meeting
# being answered.
_SHIFT = re.compile(
    rf"(?=[\dabdhmopst])\b(?:(?P<amount>{_AMOUNT})\s*(?P<unit>{_UNIT})\s+(?P<way>earlier|later)|"
    r"(?P<verb>push(?:ed)?|bump|move|shift|bring|pull)\s+"
    rf"(?:it|this|that|the\s+\w+|our\s+\w+|(?:tomorrow|today)(?:'s\s+\w+)?|{MEETING_NOUNS})?\s*"
    rf"(?P<dir>back|forward|out|up|later|earlier)\s+(?:by\s+)?(?P<amount2>{_AMOUNT})\s*(?P<unit2>{_UNIT})|"
    # Later, without saying so: "postpone by a day", "push it a day".
    rf"(?:postpone|delay|push)\s+(?:it|this|that|(?:the|our)\s+{MEETING_NOUNS})?\s*(?:by\s+)?"
    rf"(?P<amount3>{_AMOUNT})\s*(?P<unit3>{_UNIT}))\b",
)
#: A week on from the anchor: "the following week, same day and time", "a week later".
_WEEK_SHIFT = re.compile(
    r"\b(?:(?:the\s+)?(?:following|next)\s+week,?\s+(?:on\s+)?(?:the\s+)?same\s+(?:day\s+and\s+(?:the\s+)?)?time|"
    r"same\s+(?:day\s+and\s+)?time\s+(?:the\s+)?(?:following|next)\s+week|a\s+week\s+later)\b"
)
#: The day after or before the anchor, asked for in so many words ("can we do the day after?",
#: "how about the day before at 4pm?"), not a day said of something else ("my review is the day
#: after", "the day after Easter").
_DAY_BESIDE = re.compile(
    r"(?:^\W*|\b(?:do\s+(?:it\s+)?|make\s+it\s+|meet\s+|move\s+it\s+to\s+|how\s+about\s+|what\s+about\s+|or\s+|is\s+|"
    r"(?:actually|maybe|perhaps),?\s+))the\s+(?:next\s+)?day\s+(after|before)"
    r"(?=\s*(?:$|[,.;:!?)]|(?:at|instead|same|then|please|if|or|for|ok|okay|works?|would|suits?|better)\b))"
)
#: A move by days is asked for ("could we…", "let's…", "please…") and not refused ("I can't do the
#: day after"); "I get my results 2 days later" moves nothing.
_ASKS = re.compile(
    r"\?|\b(?:can|could|would|shall|let'?s|how\s+about|what\s+about|please|instead|move|push|shift)\b"
)
_REFUSED = re.compile(r"\b(?:not|never|cannot)\b|n't\b")

#: The sender having to leave the meeting ("hard stop", "I need to leave", "got to hop off").
LEAVING = (
    r"(?:hard\s+stop|(?:(?:need|have|got)\s+to|must|gotta)\s+"
    r"(?:(?:drop|hop|jump|duck|head)\s+(?:off|out)|leave|go))"
)
#: Words beside an offset that are not about the meeting's time: being late to it ("I'll join 10
#: minutes later"), or something else done earlier ("send the agenda an hour earlier").
_SHIFT_NOT_OURS = re.compile(
    r"\b(?:join|joining|arrive|arriving|be\s+there|be\s+late|running|log\s+on|dial\s+in|send|share|finish|leave|"
    # the sender's own day ("I start 30 minutes later on Thursdays")
    r"i\s+(?:start|begin|finish|get\s+off|get\s+in))\b"
)
#: Words beside an offset or "same time" that ask for another meeting besides the one booked
#: ("a follow-up the following week, same day and time", "another one a week later").
ANOTHER_MEETING = re.compile(
    r"\b(?:follow-?up|another\s+(?:one|meeting|session|call)|add|book\s+a|again|as\s+well|also|too)\b"
)


def _shift_in(low: str) -> timedelta | None:
    """The offset from the anchor a clause asks for ("an hour earlier", "push it back by 30
    minutes", "a day later", "the following week, same day and time"), if any; not a lateness
    note."""
    match = _SHIFT.search(low)
    if (
        match is not None
        and not _SHIFT_NOT_OURS.search(low)
        and (not _unit_of(match).startswith("d") or _asks_for_days(low))
    ):
        return _shift_of(match)
    if (
        " day " in low
        and (next_day := _DAY_BESIDE.search(low)) is not None
        and _asks_for_days(low)
        and not _SHIFT_NOT_OURS.search(low)
    ):
        return timedelta(days=-1 if next_day.group(1) == "before" else 1)
    if "week" in low and _WEEK_SHIFT.search(low):
        return timedelta(days=7)
    if "weeks" in low and (weeks := _WEEKS_SHIFT.search(low)) is not None:
        return timedelta(weeks=_count(next(g for g in weeks.groups() if g)))
    return None


#: Two or three weeks on from the anchor, at its time: "in two weeks, same time", "same time in 2
#: weeks", "two weeks later, same time".
_WEEKS_SHIFT = re.compile(
    r"\b(?:in\s+(two|2|three|3)\s+weeks(?:'?\s+time)?|(two|2|three|3)\s+weeks\s+later),?\s+(?:at\s+)?(?:the\s+)?same\s+time\b|"
    r"\bsame\s+time\s+(?:in\s+)?(two|2|three|3)\s+weeks(?:\s+later|\s+from\s+then)?\b(?!\s+(?:after\s+that|as\s+well|too))"
)


def _asks_for_days(low: str) -> bool:
    """Whether a move by days is asked for, not said of something else or refused (`_ASKS`)."""
    return bool(_ASKS.search(low)) and not _REFUSED.search(low)


#: "Same time", as people say it.
SAME_TIME_WORDS = r"same\s+(?:time|hour|timing)"
_SAME_TIME = re.compile(rf"\b(?:{SAME_TIME_WORDS}|(?:the|our)\s+usual\s+time)\b")
#: The words that name an option by its place ("the second one").
ORDINAL_WORDS = r"first|1st|second|2nd|third|3rd|fourth|4th"
#: After "same time": the option offered whose time is meant ("… as the first one"), its word a group.
AS_AN_OPTION = (
    rf"\s+as\s+(?:the\s+)?({ORDINAL_WORDS}|last|latter|former)"
    r"(?:\s+(?:one|option|slot|time|suggestion))?\b"
)
#: "The same time as the second one": an option named, whose words name no date ("2nd") and tell
#: of no past ("the last one").
SAME_TIME_AS_AN_OPTION = re.compile(rf"\b{SAME_TIME_WORDS}{AS_AN_OPTION}")
#: A clause that only keeps the time ("Same time,", "Can we keep the same time"; not "I can't do the
#: same time", "two jobs at the same time").
_SAME_TIME_KEPT = re.compile(
    r"\W*(?:ideally\s+)?(?:(?:can|could|shall)\s+we\s+|let'?s\s+|we\s+(?:can|could)\s+)?"
    rf"(?:keep|do|stick\s+(?:with|to)|make\s+it)?\s*(?:the\s+)?{SAME_TIME_WORDS}(?:{AS_AN_OPTION})?"
    r"(?:\s+(?:as\s+usual|please|works(?:\s+for\s+(?:me|us))?|is\s+(?:fine|good|great|perfect|ok(?:ay)?)|"
    r"would\s+be\s+(?:great|good|perfect|ideal|best)))?\W*"
)
#: A condition on the time before, not a refusal of this one ("If that doesn't work, Friday at
#: 9:15 is my backup").
_IF_NOT = re.compile(
    r"\bif\s+(?:that|this|it|those|neither|none)\s+(?:doesn'?t|does\s+not|don'?t|do\s+not|won'?t|isn'?t)\s+"
    r"(?:work|suit|fit|good|possible)\w*(?:\s+for\s+(?:you|u))?"
)

# Sentences that tell of the past, or of something else the person has on, hold no proposal.
_PAST = re.compile(
    r"(?=[acdefghlmstuwy])\b(?:was|were|had|did|didn'?t|went|met|won|lost|last(?!\s+\w+\s+(?:of|in)\s+(?:each|every|the)\s+month)|ago|yesterday|earlier\s+today|used\s+to|got\s+back|"
    r"came\s+back|happened|spent|finished|saved|thanks?\s+(?:again\s+)?for|thank\s+you\s+for|since)\b",
)
#: What people have on, by name (a clause led by one, or "3pm is my dentist", is no offer).
_ENGAGEMENTS = (
    r"(?:interview|appointment|dentist|doctor|doctor's|exam|surgery|flight|presentation|offsite|conference|"
    r"wedding|funeral|recital|concert|lecture|webinar|deadline|(?:board|team|staff|client|all-hands|budget|sales)\s+meeting|"
    r"stand-?up|town\s*hall|review|demo|class|training|workshop)s?\b"
)
_BUSY = re.compile(
    r"(?=['abcdfhimnortw])\b(?:(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|we'?re|we\s+are)\s+(?:\w+\s+)?"
    r"(?:busy|booked|out|away|travell?ing|flying|unavailable|not\s+(?:free|available|around|in)|"
    r"in\s+(?:a\s+)?meetings?|at\s+(?:(?:a|the)\s+\w+|uni|university|school|college|work|class)\b|"
    r"on\s+(?:leave|holiday|vacation|a\s+flight|call))|"
    r"(?:can'?t|cannot|can\s+not|couldn'?t|won'?t\s+be\s+able\s+to)\s+(?:do|make|meet|manage|join)|"
    r"i\s+work\s+(?:on\s+)?(?:weekends|evenings|nights|saturdays|sundays)\b|"
    # a standing meeting of the sender's ("My other mentor and I meet Tuesdays at 4")
    r"and\s+i\s+(?:already\s+|usually\s+|always\s+)?(?:meet|catch\s+up|have\s+(?:a|our))\b|"
    r"(?:doesn'?t|does\s+not|won'?t|will\s+not|wouldn'?t|isn'?t|is\s+not)\s+(?:work|suit|good|great|possible|ideal)|"
    r"not\s+(?:possible|ideal|good|great)|no\s+good|conflict|clash|"
    r"(?:is|'s)\s+(?:a\s+bit\s+|really\s+|pretty\s+)?(?:tough|tricky|difficult|hard|rough|impossible|bad)\b|"
    r"^not\b|\b(?:is|'s|are)\s+(?:a\s+bit|bit|rather|quite|a\s+little|way|much)\s+(?:too\s+)?(?:late|early)\b|"
    r"(?<!not\s)\btoo\s+(?:late|early)\s+for\s+me\b|"
    r"(?:my|our|the|a|an|his|her|their)\s+(?!(?:\w+\s+)?(?:slot|time|option|window|gap|availability|opening|choice)s?\b|"
    r"(?<=my\s)(?:preference|suggestion|proposal|idea)s?\b|(?<=the\s)best\s+for\s+(?:me|us)\b)"
    r"(?:[\w'-]+\s+){0,3}(?:is|are|was|starts?|begins?|ends?|runs?|"
    r"happens?|lands?|departs?|leaves?|closes?|(?<!is\s)(?<!are\s)(?<!wide\s)opens?|turns?)\s+"
    r"(?:on|at|from|this|next|tomorrow|today|tonight|every|"
    r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|\d)|"
    r"(?:my|our|his|her|their)\s+(?:[\w'-]+\s+){0,2}(?:wants?|asked|scheduled|booked|called|set|has|have|"
    r"needs?|invited|moved)\b|"
    r"(?:i\s+have\s+(?:a|an|my|the|another|\d)|i'?ve\s+got\s+(?:a|an|my))\b(?!\s+(?:free\s+|open\s+|spare\s+)?"
    r"(?:opening|window|slot|gap|availability|free|spot|opportunity)\b)|deadline|due\b|"
    # what the sender gives or goes to ("I'm giving a talk to the leadership team on Friday at 10am")
    r"(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|we'?re|we\s+are)\s+(?:giving|presenting|hosting|teaching|attending|"
    rf"pitching|speaking\s+at)\s+(?:a|an|my|our|the|\w+'s)\b(?!\s+(?:\w+\s+)?(?:{MEETING_NOUNS}|catch-?up)\b)|"
    r"(?<!after\s)(?<!outside\s)(?<!outside\sof\s)(?:office|opening|business|working)\s+hours|train\b|bus\b|flight\b(?<!before\sflight)(?<!after\sflight)"
    r"(?<!before\smy\sflight)(?<!after\smy\sflight)(?<!before\sthe\sflight)(?<!after\sthe\sflight)|"
    r"(?:will|'ll)\s+(?:join|be\s+there|arrive|dial\s+in)\s+(?:at|by|around)|"
    # the sender's own start ("I start on January 4 at 9am", "I'm starting my new job Monday";
    # "Começo …", "Ich fange … an"), not one offered ("I can start at 9")
    r"i(?<!can\si)(?<!could\si)(?<!would\si)(?<!should\si)(?<!shall\si)(?<!may\si)(?<!if\si)(?<!so\si)"
    r"\s+(?:start|begin)\s+(?:(?:my|the|a)\s+(?:new\s+)?(?:job|role|position|internship|course|class|program|"
    r"programme|placement|contract|rotation|residency|degree)|work|school|uni|on\s+(?:the\s+\d|[a-z]+\s+\d))|"
    r"(?:i'?m|i\s+am|we'?re|we\s+are)\s+starting\s+(?:my|our|the|a)\s+|"
    r"come[çc]o\b|ich\s+fange\b|"
    # an event's own times: "doors open at 7", "tickets are $45"
    r"doors\s+(?:open|close)\b|tickets?\s+(?:are|is|costs?)\b|"
    r"(?:running|be|i'?m|am)\s+(?:\w+\s+){0,3}late\b|running\s+(?:a\s+(?:bit|little)\s+)?behind\b|"
    r"(?:is|'s|are)\s+(?:my|our|his|her|their)\s+(?:[\w'-]+\s+)?"
    + _ENGAGEMENTS
    + r"|"
    # "my 2pm client call tends to run over": the sender's own engagement at that hour
    r"\bmy\s+\d{1,2}(?::\d\d)?\s*(?:am|pm|o'?clock)?\s+(?:[\w-]+\s+)?(?:call|meeting|sync|stand-?up|class|"
    r"appointment|lecture|interview|review|demo|flight|train)s?\b)",
)  # fmt: skip
# What makes a clause with an exact time an offer of it (broad), and what makes a day or a part
# of a day alone a (vague) offer (narrow: "Great session today" offers nothing).
#: The sender's own proposal in so many words ("I'm proposing …"; not "my doctor is suggesting …").
_PROPOSING = r"(?:i'?m|i\s+am|we'?re|we\s+are)\s+(?:proposing|suggesting)"
_CUE = re.compile(
    r"\?|(?=[abcdefghilmnoprstuw])\b(?:how\s+about|what\s+about|could|can|shall|should|would|will|let'?s|lets|maybe|perhaps|"
    r"works?|working|suits?|suit|free|available|around|open|prefer|propose|suggest|meet|meeting|chat|"
    + _PROPOSING
    + r"|"
    r"catch\s+up|sync|talk|speak|connect|book|schedule|pencil|plan|ok|okay|good|fine|best|great|perfect|"
    r"please|another|make\s+it|(?:i'?d|i\s+would|we'?d)\s+rather|i\s+can|i\s+could|we\s+can|we\s+could|up\s+for|happy\s+to|let\s+me\s+know|either|or|instead|"
    r"then|is\s+that|does\s+that|do\s+you|are\s+you|move|push|bump|shift|reschedule|postpone|bring|"
    r"sounds?|right|session|call|next\s+circle|convenient|possible|every|each|weekly|biweekly|fortnightly|monthly|slot|window|"
    r"opening|choice|preference|ideal|ideally|if\s+(?:that|this|it)(?:'s|\s+is)?|too\s+(?:late|early)\s+for\s+you)\b",
)  # fmt: skip
_OFFER = re.compile(
    r"\?|(?=[abcefghilopsuw])\b(?:how\s+about|what\s+about|could\s+(?:we|you)|can\s+(?:we|you)|shall\s+we|should\s+we|"
    r"would\s+(?:\w+\s+){0,4}(?:work|suit|be\s+(?:ok|okay|fine|possible|convenient|better|good))|works?\s+for|"
    r"suits?|i'?m\s+(?:free|available|around|open)|free|available|let'?s|i\s+can\s+do|we\s+can\s+do|i\s+could\s+do|"
    r"(?:is|are)\s+(?:wide\s+)?open|"
    r"(?:is|sounds|looks)\s+(?:also\s+|still\s+|totally\s+|really\s+)?(?:perfe?ct|great|fine|good|ok(?:ay)?)\b|"
    r"up\s+for|possible|prefer|(?:i'?d|i\s+would|we'?d)\s+rather|propose|suggest|"
    + _PROPOSING
    + r"|instead|works?\b|would\s+be\s+(?:better|best|ideal|great)|"
    r"any\s*time|anytime|whenever|(?:fine|good|ok|okay|best|great|better|easiest)\s+(?:by|for|with)\s+(?:me|us)|"
    r"flexible|convenient|aim\s+for|(?:is|are)\s+(?:usually\s+|generally\s+|often\s+|mostly\s+)?(?:open|better)\b|"
    r"(?<!what\s)(?<!which\s)(?:is|are)\s+(?:usually\s+|generally\s+|always\s+|often\s+)?(?:best|ideal|easiest)"
    r"(?:\s+for\s+(?:me|us))?(?=\s*(?:[.!,;]|$)))",
)  # fmt: skip
_NOT_AN_OFFER = re.compile(
    r"\bbefore\s+we\s+meet\b(?=.*\b(?:could|can|would)\s+you\b)|\b(?:do|would)\s+you\s+prefer\b|"
    r"\bsee\s+(?:you|u|everyone|y'all|all)\b|\bhave\s+a\s+(?:great|good|nice)\b|\blooking\s+forward\b|"
    # a time the sender does not want to offer ("I don't want to propose something at 3am for you")
    r"\b(?:don'?t|do\s+not|wouldn'?t)\s+want\s+to\s+(?:propose|suggest|pick|book|offer)\b",
)
# A time as the edge of a window ("after 3pm", "between 2 and 5", "anytime Wednesday") is not
# a meeting time: the person is saying when they are free, and is asked for the exact time.
_WINDOW = re.compile(
    r"(?=[abfntuw])\b(?:any\s*time|anytime|whenever|after(?!\s+tomorrow|\s+that\b)|before(?!\s+that\b)|between|until|till|"
    r"not\s+before|not\s+after|"
    r"from\s+\S+\s+on(?:wards?)?|"
    # "from 2, say 2:30": from when the sender is free, the time named after it
    r"from(?=\s+\d{1,2}(?::\d\d)?\s*(?:am|pm)?\s*,?\s*(?:say|ideally|preferably)\b))\b",
)
#: So is a range of two hours or more ("I'm free Thursday from 2 to 5pm", "10am-12pm"): a
#: mentoring meeting is shorter, so that is when the person is free; a shorter range is a
#: meeting's length ("Could we meet from 3 to 4pm?").
_AVAILABLE_RANGE = re.compile(
    r"(?<![\d:.])\b(\d{1,2})(?::\d\d)?\s*(?:am|pm)?\s*(?:-|to|till|until)\s*(\d{1,2})(?![\d.])"
)
#: The shortest range that is a window, in whole hours on the clock face.
WINDOW_HOURS = 2


def _windows(low: str) -> list[int]:
    """Where each window of a clause starts (`_WINDOW`, and long enough `_AVAILABLE_RANGE`s)."""
    starts = [w.start() for w in _WINDOW.finditer(low)]
    ranged = "-" in low or " to " in low or "til" in low
    for match in _AVAILABLE_RANGE.finditer(low) if ranged else ():
        if (int(match.group(2)) - int(match.group(1))) % 12 >= WINDOW_HOURS:
            starts.append(match.start())
    return starts


_NAMED_IN_WINDOW = re.compile(r"\b(?:say|ideally|preferably)\W+\d")
#: How far before a time its "say"/"ideally" is looked for ("…, say 3pm").
_NAMED_REACH = 12
#: Another option turned to after a comma ("…, or Wednesday at 12:30").
_COMMA_OR = re.compile(r",\s*or\b")
_VAGUE = re.compile(
    r"(?=[abdefilmnstw])\b(?:(?:some\s*time|any\s*time|anytime|early|late|later|mid|end\s+of|beginning\s+of|"
    r"(?:first|second|latter)\s+half\s+of)\s+"
    r"(?:next|this|in)?\s*(?:the\s+)?(?:week|month|january|february|march|april|may|june|july|august|september|"
    r"october|november|december)|next\s+week|this\s+week|the\s+week\s+after|next\s+month|this\s+month|"
    r"(?:later|earlier)\s+(?:in|this|next)\s+(?:the\s+)?week|another\s+(?:day|time)|a\s+different\s+(?:day|time)|"
    r"any\s+other\s+(?:day|time)|the\s+week\s+of|"
    r"after\s+the\s+holidays|in\s+the\s+new\s+year|(?:this|next)\s+weekend|the\s+weekend|"
    r"(?:any|some)\s+(?:morning|afternoon|evening|day)|mornings|afternoons|evenings|weekends|in\s+the\s+(?:morning|afternoon|evening)|"
    r"after\s+(?:office|work|business|working)\s+hours|"
    r"(?:in|during)\s+(?:january|february|march|april|june|july|august|september|october|november|december)|"
    r"(?:early|late|mid)[\s-](?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december))\b",
)  # fmt: skip
_PART_OF_DAY = re.compile(
    r"\b(?:morning|afternoon|evening|night|tonight|lunch\s*time|lunchtime|over\s+lunch|at\s+lunch|"
    r"after\s+work|before\s+work|end\s+of\s+(?:the\s+)?day|eod|am|pm)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a|p)\b|\b\d{1,2}:\d{2}\b|\bnoon\b|\bmidday\b|\bmidnight\b",
    re.IGNORECASE,
)
_BARE_HOUR = re.compile(
    r"(?=[@abfmtu])\b(?:at|@|around|by|from|after|make\s+it|to|till|until)\s+(\d{1,2})(?::(\d{2}))?\b"
    r"(?!\s*(?:am|pm|a\b|p\b|[:/.-]\d|%|people|persons|of\b|minutes?\b|mins?\b|hours?\b|hrs?\b|days|weeks|months|sessions?\b|"
    r"meetings?\b|calls?\b|times\b|per\b|each\b))",
    re.IGNORECASE,
)
#: An hour asked about without a preposition, the question ending there: "Would 9 work on
#: Wednesday?", "Does 4 suit you?" (not "Would 2 work as the number of sessions?").
_BARE_HOUR_ASKED = re.compile(
    r"(?=[cdiw])\b(?:would|could|does|will|is)\s+(\d{1,2})(?::(\d{2}))?\s+(?=(?:work|suit|be\s+(?:ok|okay|fine|good|possible)|do)"
    r"(?:\s+(?:for\s+(?:you|me|us)|instead|then|on\s+\w+|tomorrow|today))?\s*(?:[?.!,]|$))",
    re.IGNORECASE,
)
_ASKED_VERBS = (" work", " suit", " be ", " do")  # what `_BARE_HOUR_ASKED` needs, looked for first
#: What a number counts when it is no hour ("4 instead of 6 sessions").
_COUNTED = (
    r"(?:sessions?|meetings?|calls?|people|times|minutes|mins|hours|days|weeks|months|topics|questions)\b"
)
#: An hour asked after "say", "do" or "maybe" (read "perhaps" by then): "Let's say 11?", "Could we do 5
#: instead?", "do 4 then?", "later today, maybe 4?", "a bit earlier, like 2?"
#: (not "do 2 sessions", "I can do 2.", "Let's say 10, that's plenty", "do 4 instead of 6").
_BARE_HOUR_SAID = re.compile(
    r"(?:\b(?:say|do|how\s+about|what\s+about|perhaps)|\b(?:earlier|later|sooner|\w+day|tomorrow),?\s+like|^\W*like)"
    r"\s+(\d{1,2})(?::(\d{2}))?"
    r"(?=(?:\s*ish\b)?\s*(?:"
    rf"instead\b(?!\s+of\s+\d+\s+{_COUNTED})|then\b|that\s+day\b|tomorrow\b|today\b|"
    r"(?:on\s+|,\s*)?(?:this\s+|next\s+)?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|(?:for\s+(?:you|me|us)\s*)?\?))",
    re.IGNORECASE,
)
#: What `_BARE_HOUR_SAID` and `_BARE_HOUR_BETTER` need, looked for first.
_SAID_WORDS = ("say ", "do ", "Say ", "Do ", "about ", "perhaps ", "Perhaps ", "like ")
_BETTER_WORDS = ("better", "best", "easier", " work", "suit")
#: An hour preferred in so many words, opening its phrase: "5 would be better", "…; 4 works
#: better", "or 10 is easier" (not "2 would be better as the number of sessions": it ends there).
_BARE_HOUR_BETTER = re.compile(
    r"(?:^|[;,]\s*|\b(?:or|maybe|perhaps|but)\s+)(\d{1,2})(?::(\d{2}))?\s+(?=(?:(?:would|might|could)\s+"
    r"(?:be\s+)?(?:better|work|suit|easier|best)|works?\s+(?:better|best)|is\s+(?:better|best|easier))"
    r"(?:\s+(?:for\s+(?:you|me|us)|than\s+\d{1,2}(?::\d\d)?|though|then|instead|if\s+(?:possible|you\s+can)))*"
    r"\s*(?:[?!.,;]|$))",
    re.IGNORECASE,
)
#: A weekday as people write it ("Tuesday", "Tue", "Tues", "Thurs."), its first three letters
#: captured; for other modules' patterns too.
_DAY_STEMS, _DAY_ENDINGS = r"mon|tue|wed|thu|fri|sat|sun", r"(?:day|s|sday|nesday|rsday|urday|\.)?"
WEEKDAY_WORD = rf"({_DAY_STEMS}){_DAY_ENDINGS}"
#: The same, capturing nothing.
WEEKDAY_NAME = rf"(?:{_DAY_STEMS}){_DAY_ENDINGS}"
_WEEKDAY = re.compile(rf"(?=[fmstw])\b{WEEKDAY_WORD}\b", re.IGNORECASE)
_NEXT_WEEK_DAY = re.compile(
    r"(?=[fmnstw])(?:\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+(?:of\s+)?next\s+week\b|\bnext\s+week(?:'s)?\s*,?\s*(?:on\s+)?"
    r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)",
    re.IGNORECASE,
)
_MONTH = re.compile(
    r"(?=[adfjmnos])\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*\d|"
    r"\d(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?\b")
_ORDINAL_DAY = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_PLURAL_DAY = re.compile(rf"\b({WEEKDAY_IN_FULL})s\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(day\s+after\s+tomorrow|today|tonight|tomorrow)\b", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
#: Day ranges ("Mon–Fri 9-5"): working hours, not a day.
_DAY_RANGE = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*(?:-|to|through|thru)\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b",
)
#: Numbers that are not times: phone numbers, versions, money, percentages, scores, years' digits,
#: rooms and floors, streets. Each alternative is tried only where its first character can start
#: it (a digit or a sign, or one of the words' letters): the same matches, three times faster.
_JUNK_DIGITS = (
    r"\+?\d[\d\s().-]{7,}\d|\d+\.\d+\.\d+\b|[$€£¥]\s?\d+(?:[.,]\d+)?|\d+(?:\.\d+)?\s?%|"
    r"(?<![:\d])\b\d{1,2}-\d{1,2}\b(?!\s*(?:am|pm|[ap]\b|:))|\b24/7\b|\b1:1s?\b|\b(?!20[2-9]\d\b)\d{3,}\b(?!\s*(?:am|pm|h\b))|"
    r"\b\d+(?:st|nd|rd|th)\s+(?:floor|street|st\b|avenue|ave\b|road|rd\b|boulevard|blvd|lane|place)\b|\b\d+\s*-\s*a\s*-\s*side\b|"
    # a number below zero ("temps hit -20 today"), not a range's second half ("3-4pm")
    r"(?<![\w:.-])-\d+(?:[.,]\d+)?"
)
_JUNK_WORDS = (
    r"\bv\d+(?:\.\d+)*\b|\b(?:room|floor|building|gate|flight|ext|extension|no\.?|number)\s*\w*\d[\w.:-]*|"
    r"(?<=\w)#\s*\w*\d[\w.:-]*|\b(?:python|java|node|ios|android|windows|version|release)\s+\d+(?:[.:]\d+)*"
)
_JUNK = re.compile(rf"(?=[\d+$€£¥-])(?:{_JUNK_DIGITS})|(?=[vrfbgenpjiwoa#])(?:{_JUNK_WORDS})")


@dataclass(frozen=True)
class Option:
    """One time a person offers: its start (UTC), length, place or link, and repeat (RRULE)."""

    start: datetime
    duration: int = DEFAULT_MINUTES
    location: str | None = None
    repeat: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The option as SPEC §4.2 prints it (times ISO 8601 UTC)."""
        return {
            "start": iso_utc(self.start),
            "duration": self.duration,
            "location": self.location,
            "repeat": self.repeat,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Option:
        """An option as `as_json` wrote it (a proposal keeps its options so)."""
        return cls(
            from_iso(data["start"]),
            int(data.get("duration") or DEFAULT_MINUTES),
            data.get("location"),
            data.get("repeat"),
        )


@dataclass
class Clause:
    """A sentence or part of one (split where it turns: "…, but Wednesday works") and its times."""

    start: int
    end: int
    text: str
    #: The text in lower case, letter for letter: the patterns of words are matched on it.
    low: str = ""
    #: Exact times offered here, in order (aware, in the zone they were read in).
    times: list[datetime] = field(default_factory=list)
    #: A day or part of a day offered without an exact time ("Thursday afternoon?").
    vague: bool = False
    #: The clause speaks of the past or of another commitment: nothing here is offered.
    unavailable: bool = False
    #: Days and times named here at all, offered or not.
    mentions: int = 0
    #: The days named here, offered or not, as the sender's calendar dates.
    days: list[date] = field(default_factory=list)
    #: The clause only names the zone of the times offered before it ("(UK time)").
    zone_note: bool = False


@dataclass(frozen=True)
class Reading:
    """What a reply says about times: its clauses and, gathered, the exact options offered."""

    text: str
    clauses: list[Clause]
    options: list[Option]
    vague: bool
    #: An option is the anchor moved by an offset ("an hour earlier", "the following week,
    #: same day and time"): it moves what the email being answered was about.
    shifted: bool = False


def warm_up() -> None:
    """Load the library's grammar and zone tables now (once per process), not in the first job:
    phrases that take each of its paths (its fast path, and its LALR parser)."""
    timefhuman("Tuesday at 3pm", config=tfhConfig(now=datetime(2026, 1, 1), infer_datetimes=False))
    get_lalr_parser()  # the grammar the fast path falls back to, built on first use otherwise


# --------------------------------------------------------------------------------------- normalising

_TYPO_TARGETS = ("tomorrow", "second", "reschedule", "cancel", *WEEKDAYS, *MONTHS)
_KNOWN_WORDS = frozenset(
    {"money", "mondays", "monkey", "sunny", "friend", "friends", "fried", "marching", "mayday", "junior",
     "satisfy", "thursdays", "tuesdays", "fridays", "sundays", "saturdays", "wednesdays", "decision",
     "decembers", "another", "tomorrows", "janitor", "octopus", "novel", "sunset", "summary", "season",
     "marcher", "marche", "juniper", "setup", "sometime", "tomato", "monthly", "monster", "fridge", "sundry",
     "thanks", "tuned", "decent", "novice", "octave", "jumbo", "sunder", "satire", "jungle", "nobody",
     "decades", "decade", "marched", "mayors", "satin", "sunlit", "frida", "mondo", "tuesday's", "cancer",
     "cancels", "canceled", "secure", "seconds", "seconded", "rescheduled", "reschedules", "secondary"}
)  # fmt: skip
_SPELLINGS = {
    "tmrw": "tomorrow", "tmw": "tomorrow", "tmr": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow",
    "tomoz": "tomorrow", "weds": "wed", "thur": "thu", "thurs": "thu", "tues": "tue", "tu": "tue",
    "th": "thu", "noonish": "noon", "midday": "noon", "u": "you", "pls": "please", "plz": "please",
    "arvo": "afternoon",
    "cancle": "cancel", "cancell": "cancel", "cancl": "cancel", "cansel": "cancel", "resched": "reschedule",
    "wk": "week", "wks": "weeks", "r": "are", "wfm": "works for me", "yse": "yes", "ys": "yes",
    "thx": "thanks", "mtg": "meeting", "mtgs": "meetings", "moev": "move", "mvoe": "move",
    "ealier": "earlier", "eariler": "earlier", "earlir": "earlier", "latr": "later", "srry": "sorry",
    "sry": "sorry", "tysm": "thank you so much",
}  # fmt: skip


def _distance(a: str, b: str) -> int:
    """Damerau–Levenshtein distance (adjacent swaps count once), enough for typos of one word."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


@functools.lru_cache(maxsize=8192)
def _fix_word(word: str) -> str:
    """A day, a month or "tomorrow" as meant, when the word is one typo away from it."""
    lower = word.lower()
    if lower in _SPELLINGS and (lower not in ("tu", "th") or word[0].isupper()):
        return _SPELLINGS[lower]
    if len(lower) < 5 or lower in _KNOWN_WORDS or lower in _TYPO_TARGETS or not lower.isalpha():
        return word
    if lower in _FOREIGN_MONTHS:  # a month of another language, read as such (`_FOREIGN_MONTH_SAID`)
        return word
    for target in _TYPO_TARGETS:
        if target[0] != lower[0] or lower == target:
            continue
        allowed = 2 if len(target) >= 8 else 1
        if abs(len(target) - len(lower)) <= allowed and _distance(lower, target) <= allowed:
            return target
    return word


_WORDISH = re.compile(r"[A-Za-z][A-Za-z']+|\b(?:tu|th|tmr|tmw|u|r)\b")


def _has_typos(text: str) -> bool:
    """Whether a word needs `_fix_word` (a look costing half the rewrite, which is then rare)."""
    return any(_fix_word(word) != word for word in _WORDISH.findall(text))


_NUMBER_WORD = re.compile(
    rf"\b(?:at|past|to|half|quarter)\s+({'|'.join(_NUMBERS)})\b|"
    rf"\b({'|'.join(_NUMBERS)})(?=\s+(?:o'?\s*clock|in\s+the|am\b|pm\b|thirty|fifteen|forty))",
    re.IGNORECASE,
)
_IN_THE_AFTERNOON = re.compile(
    r"\b(\d{1,2}(?::\d{2})?)\s+(?:in\s+the\s+(?:afternoon|evening)|at\s+night|of\s+the\s+(?:afternoon|evening))\b",
    re.IGNORECASE,
)
_HOLIDAY = re.compile(
    r"\b(?:the\s+)?(christmas\s+eve|christmas(?:\s+day)?|new\s+year'?s\s+eve|new\s+year'?s(?:\s+day)?)\b",
    re.IGNORECASE,
)
_HOLIDAYS = {
    "christmas eve": "December 24", "christmas": "December 25", "christmas day": "December 25",
    "new years eve": "December 31", "new years": "January 1", "new years day": "January 1",
}  # fmt: skip


def _number_word(match: re.Match[str]) -> str:
    """ "at two", "quarter past two", "two o'clock": the hour written as a number."""
    word = match.group(1) or match.group(2)
    return match.group(0).replace(word, str(_NUMBERS.index(word.lower()) + 1))


def _holiday(match: re.Match[str]) -> str:
    """A holiday on a fixed date, as its date ("Christmas Eve" → "December 24")."""
    name = re.sub(r"\s+", " ", match.group(1).lower().replace("'", ""))
    return _HOLIDAYS.get(name, match.group(0))


def _dotted_date(match: re.Match[str]) -> str:
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    written_year = f" {year if len(year) == 4 else '20' + year}" if year else ""
    return f"{day} {MONTHS[month - 1].title()}{written_year}"


#: What says a day.month without the year's dot is a date (`_DAY_DOT_MONTH`): a time after it, or
#: a word before it that goes before a date, not an hour.
_TIME_AFTER = (
    r"\s+(?:(?:at|um|à|a\s+las|om|alle|às|@)\s*\d{1,2}(?:[:.h]\d\d)?|o\s+\d{1,2}:\d\d|\d{1,2}:\d\d)(?![\d.:])|"
    r"\s+\d{1,2}(?:[:.]\d\d)?\s*(?:[ap]m|uhr|h)\b"
)
_DATE_WORDS = ("on", "el", "le", "am", "den", "dem", "vom", "bis", "zum", "il", "al", "del", "dia")
_DATE_WORD_BEFORE = "|".join(rf"(?<=\b{word}\s)" for word in _DATE_WORDS)
_DAY_DOT_MONTH = re.compile(
    # (not right after "at": "a las 10.10 o 11.10" is two times)
    r"(?<![\d.$€£v])(?<!version\s)(?<!release\s)(?<!\bat\s)(?<!\bum\s)(?<!\bom\s)\b"
    rf"(?:(?:{_DATE_WORD_BEFORE})(?=[0-3]?\d\.[01]\d(?![\d.:]))|(?=[0-3]?\d\.[01]\d(?:{_TIME_AFTER})))"
    r"([0-3]?\d)\.([01]\d)()",  # (no year: its group is left empty for `_dotted_date`)
    re.IGNORECASE,
)


def _iso_date(match: re.Match[str]) -> str:
    month = int(match.group(2))
    if not 1 <= month <= 12:
        return match.group(0)
    return f"{MONTHS[month - 1].title()} {int(match.group(3))}, {match.group(1)}"


_DAY_MONTH_YEAR = re.compile(
    r"\b([0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+"
    r"(20\d\d)\b(\s*,\s*(?=\d))?",
    re.IGNORECASE,
)


def _month_number(word: str) -> int:
    """1-12 for a month's English name or its first three letters ("Jan", "january")."""
    return [m[:3] for m in MONTHS].index(word.lower()[:3]) + 1


def _month_first(match: re.Match[str]) -> str:
    """ "12 January 2027, 16:00" → "January 12, 2027 at 16:00", as the library reads it."""
    month = _month_number(match.group(2))
    time_follows = " at " if match.group(4) else ""
    return f"{MONTHS[month - 1].title()} {int(match.group(1))}, {match.group(3)}{time_follows}"


def _quarter_to(match: re.Match[str]) -> str:
    return f"{(int(match.group(1)) - 2) % 12 + 1}:45"


def _meridiem(match: re.Match[str]) -> str:
    return f"{match.group(1)}{(match.group(2) or match.group(3)).lower()}m"


def _french_hour(match: re.Match[str]) -> str:
    return f"{match.group(1)}:{match.group(2) or '00'}"


_I = re.IGNORECASE


#: Weekdays in the languages mentors and mentees most often mix into English ("is it ok for you
#: mardi 15h?", "Dienstag 10 Uhr", "martes a las 3"), which the library would read as months
#: ("mar…" as March) or not at all. Portuguese with "-feira" here ("segunda" is also "second"; the
#: short forms are read only before an hour, `_FOREIGN_TIME_WORDS`).
_FOREIGN_WEEKDAYS = {
    **dict.fromkeys(("lundi", "montag", "lunes", "lunedi", "lunedì", "maandag", "segunda-feira"), "Monday"),
    **dict.fromkeys(
        ("mardi", "dienstag", "martes", "martedi", "martedì", "dinsdag", "terça-feira", "terca-feira"),
        "Tuesday",
    ),
    **dict.fromkeys(
        (
            "mercredi",
            "mittwoch",
            "miercoles",
            "miércoles",
            "mercoledi",
            "mercoledì",
            "woensdag",
            "quarta-feira",
        ),
        "Wednesday",
    ),
    **dict.fromkeys(
        ("jeudi", "donnerstag", "jueves", "giovedi", "giovedì", "donderdag", "quinta-feira"), "Thursday"
    ),
    **dict.fromkeys(
        ("vendredi", "freitag", "viernes", "venerdi", "venerdì", "vrijdag", "sexta-feira"), "Friday"
    ),
    **dict.fromkeys(("samedi", "samstag", "sabado", "sábado", "zaterdag"), "Saturday"),
    **dict.fromkeys(("dimanche", "sonntag", "domingo", "domenica", "zondag"), "Sunday"),
    # Polish, Turkish, Indonesian ("Czy pasuje wtorek o 15:00?", "Perşembe saat 14:00", "Kamis jam 10")
    **dict.fromkeys(("poniedziałek", "pazartesi"), "Monday"),
    **dict.fromkeys(("wtorek", "salı", "selasa"), "Tuesday"),
    **dict.fromkeys(("środa", "środę", "çarşamba"), "Wednesday"),
    **dict.fromkeys(("czwartek", "perşembe"), "Thursday"),
    **dict.fromkeys(("piątek", "jumat", "jum'at"), "Friday"),
    **dict.fromkeys(("sobota", "sobotę", "cumartesi"), "Saturday"),
    **dict.fromkeys(("niedziela", "niedzielę"), "Sunday"),
}
_FOREIGN_WEEKDAY = re.compile(
    rf"(?<![\w-])(?:{'|'.join(map(re.escape, _FOREIGN_WEEKDAYS))})(?![\w-])", re.IGNORECASE
)
#: The same looked for first among the reply's words (`_words_of`): each name's first word
#: ("segunda" of "segunda-feira"), which a name found stands as.
_FOREIGN_WEEKDAY_WORDS = frozenset(re.match(r"[^\W\d_]+", day).group(0) for day in _FOREIGN_WEEKDAYS)


#: Months in the same languages, as written with a day ("10. Dezember", "10 de diciembre", "le 10
#: décembre", "10 grudnia"), after "in" ("im Januar", "en enero", "w styczniu") or after "early",
#: "mid" or "late" ("Anfang Januar", "principios de enero", "début janvier"). Read only there:
#: several are words too ("mars", "mai", "fine").
_FOREIGN_MONTH_NAMES = (
    "januar janvier enero janeiro gennaio januari stycznia styczniu ocak",
    "februar février fevrier febrero fevereiro febbraio februari lutego lutym şubat subat",
    "märz maerz mars marzo março marco maart marca marcu mart",
    "avril abril aprile kwietnia kwietniu nisan",
    "mai mayo maio maggio mei maja maju mayıs mayis",
    "juni juin junio junho giugno czerwca czerwcu haziran",
    "juli juillet julio julho luglio lipca lipcu temmuz",
    "août aout agosto augustus sierpnia sierpniu ağustos agustos agustus",
    "septembre septiembre setembro settembre września wrzesnia wrześniu wrzesniu eylül eylul",
    "oktober octobre octubre outubro ottobre października pazdziernika październiku pazdzierniku ekim",
    "novembre noviembre novembro listopada listopadzie kasım kasim nopember",
    "dezember décembre decembre diciembre dezembro dicembre grudnia grudniu aralık aralik desember",
)
_FOREIGN_MONTHS = {
    name: MONTHS[index].title() for index, names in enumerate(_FOREIGN_MONTH_NAMES) for name in names.split()
}
_FOREIGN_MONTH = "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True))
#: "Anfang", "principios de", "début", "início de", "inizio", "begin" … as early, mid and late.
_MONTH_PARTS = (
    ("early", r"anfang|principios\s+de|comienzos\s+de|d[ée]but(?:\s+d[e'])?|in[ií]cio\s+de|come[cç]o\s+de|"
     r"inizio(?:\s+di)?|begin|pocz[aą]tek|pocz[aą]tkiem"),
    ("mid", r"mitte|mediados\s+de|mi-|meados\s+de|met[àa]\s+di|half|połowa|polowa|połowie|polowie"),
    ("late", r"ende|finales\s+de|fines\s+de|fin(?:\s+d[e'])?|final\s+de|fim\s+de|fine(?:\s+di)?|eind|koniec|"
     r"końcem"),
)  # fmt: skip
_MONTH_PART_OF = [(re.compile(f"(?:{words})$", re.IGNORECASE), part) for part, words in _MONTH_PARTS]
_FOREIGN_MONTH_SAID = re.compile(
    # a day before it ("10. Dezember", "10 de diciembre")
    rf"\b([0-3]?\d)(?:\.\s*|\s+(?:de\s+)?)({_FOREIGN_MONTH})\b|"
    rf"\b({'|'.join(words for _part, words in _MONTH_PARTS)})\s*({_FOREIGN_MONTH})\b|"
    rf"\b(?:im|en|em|nel|in|w|au\s+mois\s+d[e'])\s+({_FOREIGN_MONTH})\b",
    re.IGNORECASE,
)


_LETTERS = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=16)
def _words_of(low: str) -> frozenset[str]:
    """The words of a lower-cased text, for the looks of the rewrites that need one of a set of
    words (made once for the looks that ask in turn about the same text). A Turkish capital İ
    lowers to "i" and a dot above: read as "i", as the patterns do ("İptal")."""
    return frozenset(_LETTERS.findall(low.replace("i\u0307", "i") if "\u0307" in low else low))


def _foreign_month_look(text: str) -> bool:
    """Whether `text` says a month in another language (`_FOREIGN_MONTH_SAID`), looked for first."""
    return not _FOREIGN_MONTHS.keys().isdisjoint(_words_of(text.lower()))


#: A month spelled as in English after a German "10." or "Anfang" ("am 12. december", "Anfang
#: November"): lower case after the dot, as typed in those languages ("Tuesday at 4. December is
#: busy" is two sentences), and not before a day ("2. December 10" is a list's item 2).
_MONTH_AS_IN_ENGLISH = re.compile(
    rf"\b([0-3]?\d)\.\s*((?-i:{'|'.join(MONTHS)}))\b(?!\s+\d)|\b(anfang|mitte|ende)\s+({'|'.join(MONTHS)})\b",
    re.IGNORECASE,
)


def _month_part(part: str) -> str:
    """ "Anfang", "mediados de", "fin" … as "early", "mid" or "late" (`_MONTH_PARTS`)."""
    return next(name for pattern, name in _MONTH_PART_OF if pattern.match(part))


def _month_as_in_english(match: re.Match[str]) -> str:
    day, month, part, parted = match.groups()
    if day is not None:
        return f"{day} {month.title()}"
    return f"{_month_part(part)} {parted.title()}"


def _foreign_month(match: re.Match[str]) -> str:
    day, month, part, parted, after_in = match.groups()
    english = _FOREIGN_MONTHS[(month or parted or after_in).lower()]
    if day is not None:
        return f"{day} {english}"
    if part is not None:
        return f"{_month_part(part)} {english}"
    return f"in {english}"


def _hours_moved(match: re.Match[str]) -> str:
    """ "um eine Stunde nach hinten" → "an hour later", "um 2 Stunden früher" → "2 hours earlier"."""
    amount = "an hour" if match.group(1).lower() == "eine" else f"{match.group(1)} hours"
    later = match.group(2).lower() in ("nach hinten", "später")
    return f"{amount} {'later' if later else 'earlier'}"


#: What says no, or that it does not suit, in the languages of `_FOREIGN_TIME_WORDS` ("no me
#: funciona", "tampoco me viene bien", "passt mir schlecht", "niet goed", "ni el martes ni …"); not
#: Portuguese "no" before a noun ("no sábado": on Saturday), nor "no problem" in them.
_NO_IN_THOSE_LANGUAGES = re.compile(
    r"\b(?:no(?!\s+(?:dia|s[aá]bado|domingo|mesmo|hor[aá]rio|fim|final|come[cç]o|in[ií]cio|m[eê]s|ano|"
    rf"{WEEKDAY_IN_FULL})\b)|n[ãa]o|"
    r"nao|non|nicht(?!\s+wahr)|niet|nie|kein\w*|geen|tampoco|nunca|jamais|pas|ni|nem|weder|né|fatal|schlecht|"
    r"ningun[ao]?|nenhum[a]?|nessun[ao]?|aucun[e]?|mal|sei|sé|weiß|weiss|sais|ob|whether|"
    r"imposible|impossibile|imposs[ií]vel|dif[ií]cil|difficile|schwierig|lastig|peggio|peor|pior)\b",
    re.IGNORECASE,
)
_NO_PROBLEM = re.compile(
    r"\b(?:no\s+hay|sin|kein|pas\s+de|non\s+c'?è|nessun|geen|sem|n[ãa]o\s+h[aá])\s+"
    r"(?:problemas?|problemi|problem|probleem|souci|soucis|stress|pressa|prisa)\b",
    re.IGNORECASE,
)
#: Where a clause of those languages ends: a stop (not of "z.B.", "p.ej.", "Sr.", "e.g."), a comma,
#: a question or exclamation mark (Spanish ones open theirs), a semicolon, or a blank line.
_CLAUSE_EDGE = re.compile(
    r"(?<!\bz\.b)(?<!\bp\.ej)(?<!\be\.g)(?<!\bi\.e)(?<!\bsr)(?<!\bsra)(?<!\bdr)(?<!\bbzw)(?<!\bca)(?<!\bvs)"
    r"\.(?!\w)|[!?;,¿¡]|\n\s*\n",
    re.IGNORECASE,
)


#: "…, but not for me" in the languages read ("maar voor mij niet", "aber für mich nicht").
_NOT_FOR_ME = (
    r"(?:maar|aber|pero|mais|mas|ma|but)\s+(?:voor\s+mij|für\s+mich|para\s+m[ií]|pour\s+moi|per\s+me|"
    r"for\s+me|para\s+mim)\s+(?:niet|nicht|no|non|pas|n[ãa]o|not)"
)
#: A Portuguese offer's opening ("Que tal …", "Pode ser …", "Podemos …", "Vamos …").
_ASKED_IN_PORTUGUESE = re.compile(r"\b(?:que\s+tal|pode\s+ser|podemos|vamos|proponho|sugiro)\b", _I)


def _said_without_no(match: re.Match[str], english: str) -> str:
    """`english` for what `match` says, if its clause says no nowhere and asks nothing ("Passt
    dir Dienstag?", "El martes me va a ser imposible", "El miércoles es difícil, pero …" keeps its
    "but" in one clause); else the words as written."""
    text = match.string
    start, stop = -1, len(text)
    for edge in _CLAUSE_EDGE.finditer(text):
        if edge.start() >= match.end():
            stop = edge.start()
            break
        if edge.start() < match.start():
            start = edge.start()
    clause = _NO_PROBLEM.sub(" ", text[start + 1 : stop])
    asks = text[stop : stop + 1] == "?" or (start >= 0 and text[start] == "¿")
    # "Beide opties zijn prima voor Maya, maar voor mij niet": the no is the clause after, of the sender.
    not_mine = _BUT_NOT_FOR_ME.match(text, stop) is not None
    return match.group(0) if asks or not_mine or _NO_IN_THOSE_LANGUAGES.search(clause) else english


_BUT_NOT_FOR_ME = re.compile(rf"\W*{_NOT_FOR_ME}\b", re.IGNORECASE)


#: A part of the day in those languages: afternoon, morning or evening (the group that matched);
#: "sera" and "rano" only in lower case ("Tuesday Sera", "Thursday Rano" are names; German writes
#: "Dienstag Abend").
_PARTS_OF_DAY = (
    r"(?:(?P<afternoon>apr[eè]s-midi|nachmittag|pomeriggio|tarde|middag|południu)|"
    r"(?P<morning>matin(?:ée)?|ma[nñ]ana|manh[aã]|vormittag|morgen|mattin[ao]|ochtend|(?-i:rano))|"
    r"(?P<evening>soir(?:ée)?|abend|(?-i:sera)|noche|noite|avond|wieczorem))"
)


def _part_of_day(match: re.Match[str]) -> str:
    """The English part of the day a `_PARTS_OF_DAY` match names."""
    return next(part for part in ("afternoon", "morning", "evening") if match.group(part))


class _ForeignRule(NamedTuple):
    """A rule of `_FOREIGN_TIME_WORDS`: a pattern and its English (a replacement or a function of
    the match), tried only on a text that holds one of `words`, or where `also` finds what no word
    of its own says: every text the pattern changes does."""

    words: frozenset[str]
    also: re.Pattern[str] | None
    pattern: re.Pattern[str]
    english: str | Callable[[re.Match[str]], str]

    def wanted(self, low: str, words: frozenset[str]) -> bool:
        """Whether the rule is tried on a text, given in lower case and as its words."""
        return not self.words.isdisjoint(words) or (
            self.also is not None and self.also.search(low) is not None
        )


def _foreign(
    look: str | re.Pattern[str] | tuple[str, re.Pattern[str]],
    pattern: re.Pattern[str],
    english: str | Callable[[re.Match[str]], str],
) -> _ForeignRule:
    """A rule from what it looks for (its words, what else names it, or both) and what it does."""
    if isinstance(look, re.Pattern):
        return _ForeignRule(frozenset(), look, pattern, english)
    words, also = look if isinstance(look, tuple) else (look, None)
    return _ForeignRule(frozenset(words.split()), also, pattern, english)


#: The words of `_PARTS_OF_DAY`, each also with the "s" it may take ("nachmittags", "abends").
_PART_OF_DAY_SINGULARS = (
    "après apres nachmittag pomeriggio tarde middag południu matin matinée mañana manana manhã manha "
    "vormittag morgen mattina mattino ochtend rano soir soirée abend sera noche noite avond wieczorem"
)
_PART_OF_DAY_WORDS = " ".join(f"{word} {word}s" for word in _PART_OF_DAY_SINGULARS.split())
#: What some rules read that is no word of their own language: a weekday and its part of the day
#: in one word ("donderdagmiddag", "Mittwochabend"), Polish "o" before an hour ("o 15:00"), French
#: "c'est"; these three also open the look (`_foreign_time_look`). And English phrases a rule
#: reads beside its own words, but only in a reply the look found in another language ("…, but
#: for me not", "le second créneau").
_COMPOUND_PART_OF_DAY = re.compile(rf"(?:dag|tag|woch){_PARTS_OF_DAY}")
_O_BEFORE_AN_HOUR = re.compile(r"\bo\s+\d")
_C_EST = re.compile(r"c'est")
_NOT_FOR_ME_LOW = re.compile(rf"\b{_NOT_FOR_ME}\b")
_SECOND = re.compile(r"\bsecond\b")


#: All the meetings, as other languages say it ("todas las sesiones", "alle Termine").
_ALL_THE_MEETINGS = (
    r"(?:tod[ao]s\s+(?:l[ao]s\s+|[ao]s\s+)?(?:(?:nuestr|noss|vuestr)[ao]s\s+)?"
    r"(?:sesiones|sess[õo]es|reuniones|reuni[õo]es|encuentros|encontros)|"
    r"toutes\s+(?:les\s+|nos\s+)?(?:s[ée]ances|r[ée]unions|sessions)|tous\s+(?:les\s+|nos\s+)?rendez-vous|"
    r"(?:alle|al\s+onze)\s+(?:unsere\s+|onze\s+)?(?:termine|sitzungen|treffen|sessies|afspraken|gesprekken)|"
    r"tutt[ei]\s+(?:le\s+|i\s+|gli\s+)?(?:nostr[ei]\s+|vostr[ei]\s+)?(?:sessioni|riunioni|incontri|appuntamenti))\b"
)
#: German and Dutch hours in words ("fünf", "vijf"), for "halb fünf" (half past four).
_HOUR_WORDS = {
    word: hour
    for hour, words in enumerate(
        (
            (), ("eins", "een"), ("zwei", "twee"), ("drei", "drie"), ("vier",), ("fünf", "funf", "vijf"),
            ("sechs", "zes"), ("sieben", "zeven"), ("acht",), ("neun", "negen"), ("zehn", "tien"), ("elf",),
            ("zwölf", "zwolf", "twaalf"),
        )
    )
    for word in words
}  # fmt: skip


def _half_hour_of(word: str) -> int:
    """The number written after "halb" or "half", in digits or a German or Dutch word ("fünf": 5,
    of "halb fünf", 4:30)."""
    return int(word) if word.isdigit() else _HOUR_WORDS[word.lower()]


#: Time words of the languages programs run in, put in English before anything reads them, in
#: this order (each rule relies on those before it): hours moved ("um eine Stunde nach hinten");
#: "halb 3" and "om half 4" (half past two, three; "half 4" alone is British, 4:30); "por la mañana"
#: (in the morning, not tomorrow) and "por la tarde"; Indonesian hours with their part of the day;
#: weekdays that are also words or names, only before an hour; the hour's preposition ("a las 5",
#: "um 14", "om 10", "alle 18", "às 10h", "o 15:00", "saat 14:00", "jam 7"); "Uhr"/"uur" after it;
#: the part of the day after it ("5 de la tarde"); "tomorrow", "today", "next week"; "dia 15" (the
#: 15th); "the same time"; the verbs of calling off and moving a meeting; and, last, after the
#: refusals, being free and a time suiting said in a clause that says no nowhere
#: (`_said_without_no`). Each rule names the words it needs (`_ForeignRule`), and
#: tests/inbound/test_foreign_words.py holds an example of each.
_FOREIGN_TIME_WORDS: tuple[_ForeignRule, ...] = (
    # The writer's or the other side's clock, said right after a time ("às 13h no meu horário",
    # "a las 10 tu hora", "um 10 Uhr deiner Zeit", "à 10h votre heure", "om 10 uur jouw tijd"),
    # not a time of one's own ("a las 13 es mi hora de comer").
    _foreign(
        "meu minha seu sua teu tua mi tu su mein meiner meine dein deiner deine ihrer mon ton votre mijn "
        "jouw uw mio tuo",
        re.compile(
            r"(?<=\d)(?P<gap>\s*(?:h|uhr|uur)?\s*[(,]?\s*)(?:(?:no|na|en|nach|à|in|op)\s+)?"
            r"(?:(?P<mine>meu|minha|mi|mein(?:er|e)?|mon|mijn|mio)|seu|sua|teu|tua|tu|su|dein(?:er|e)?|ihrer|ton|"
            r"votre|jouw|uw|tuo)\s+(?:fuso(?:\s+hor[áa]rio)?|hor[áa]rio|hora|zeit|heure|tijd|orario)\b(?!\s+de\b)",
            _I,
        ),
        lambda m: f"{m['gap']}{'my' if m['mine'] else 'your'} time",
    ),
    # "um eine Stunde nach hinten verschieben": an hour later (before "um" is read as "at")
    _foreign(
        "stunde stunden",
        re.compile(r"\bum\s+(eine|\d{1,2})\s+stunden?\s+(nach\s+hinten|später|nach\s+vorne|früher)", _I),
        _hours_moved,
    ),
    _foreign(
        "halb om",
        re.compile(
            rf"\b(?:(?:um\s+)?halb|om\s+half)\s+(\d{{1,2}}|{'|'.join(_HOUR_WORDS)})\b",
            _I,
        ),  # ("um half 4" is English "um, half 4")
        lambda m: f"at {(_half_hour_of(m.group(1)) - 2) % 12 + 1}:30",
    ),
    _foreign(
        "mañana manana manhã manha morgen",
        re.compile(r"\b(?:por|en|de)\s+la\s+ma[nñ]ana\b|\bpela\s+manh[aã]\b|\bam\s+morgen\b", _I),
        "in the morning",
    ),
    _foreign(
        "tarde nachmittag",
        re.compile(r"\b(?:por|en)\s+la\s+tarde\b|\b[àa]\s+tarde\b|\bam\s+nachmittag\b", _I),
        "in the afternoon",
    ),
    # Indonesian: the hour and its part of the day ("jam 7 pagi", "jam 8 malam"; English "sore" is no pm)
    _foreign(
        "jam pukul", re.compile(r"\b(?:jam|pukul)\s+(\d{1,2}(?::\d\d)?)\s+(?:sore|malam)\b", _I), r"at \1pm"
    ),
    _foreign("jam pukul", re.compile(r"\b(?:jam|pukul)\s+(\d{1,2}(?::\d\d)?)\s+pagi\b", _I), r"at \1am"),
    # Portuguese weekdays without "-feira", before an hour ("quinta às 10h") or after the words that
    # put a day ("na quinta", "até terça", "próxima sexta"; "segunda" is also "second", "Quinta" a
    # restaurant: not "a segunda opção"), and the Indonesian and Turkish ones that are also names
    _foreign(
        "segunda terça terca quarta quinta sexta",
        re.compile(
            r"(?<!\bat\s)\b(segunda|ter[cç]a|quarta|quinta|sexta)"
            r"(?=,?\s+(?:às|as\s+\d|at\s+\d|à\s+tarde|in\s+the\s+afternoon|de\s+manh|dia\s+\d|\d{1,2}h|"
            r"no\s+mesmo\s+hor|na\s+mesma\s+hora|[àa]\s+noite))"
            rf"(?!.{{0,40}}\b{WEEKDAY_IN_FULL}\b)|"
            r"(?:(?<=\bna\s)|(?<=\bnesta\s)|(?<=\bnessa\s)|(?<=\bpróxima\s)|(?<=\bproxima\s)|(?<=\baté\s)|(?<=\bate\s)|"
            r"(?<=\bpara\s))"
            r"(segunda|ter[cç]a|quarta|quinta|sexta)\b(?!\s*-|\s+(?:op[çc][ãa]o|vez|semana|pessoa|parte|coisa)\b)",
            _I,
        ),
        lambda m: _PORTUGUESE_DAYS[(m.group(1) or m.group(2)).lower()],
    ),
    _foreign(
        "senin rabu kamis cuma sabtu",
        re.compile(r"\b(senin|rabu|kamis|cuma|sabtu)(?=\s+(?:(?:jam|pukul|saat|at)\s+\d|gün))", _I),
        lambda m: _FOREIGN_NAMED_DAYS[m.group(1).lower()],
    ),
    # the part of a day named ("jeudi après-midi", "Donnerstag nachmittag", "quinta de manhã",
    # "giovedì pomeriggio", "donderdagmiddag"): before "morgen" is read as "tomorrow"
    _foreign(
        _PART_OF_DAY_WORDS,
        re.compile(
            rf"\b({WEEKDAY_NAME})\s+(?:(?:de|à|a|la|el|al|am|in\s+de|di|nel|po)\s+)?(?:l')?{_PARTS_OF_DAY}s?\b",
            _I,
        ),
        lambda m: f"{m.group(1)} {_part_of_day(m)}",
    ),
    _foreign(
        _COMPOUND_PART_OF_DAY,
        re.compile(
            r"\b((?:maan|dins|woens|donder|vrij|zater|zon)dag|(?:mon|diens|donners|frei|sams|sonn)tag|mittwoch)"
            rf"{_PARTS_OF_DAY}s?\b",
            _I,
        ),
        lambda m: f"{_FOREIGN_WEEKDAYS[m.group(1).lower()]} {_part_of_day(m)}",
    ),
    _foreign(
        ("las la às saat jam pukul alle um om vers", _O_BEFORE_AN_HOUR),
        # the hour's preposition, not a count ("um 2 Stunden verschieben", "alle 14 Tage")
        re.compile(
            r"\b(?:a\s+las|a\s+la|às|saat|jam|pukul)\s+(?=\d)|"
            # words English has too: not before a count ("um, 12 slides", "um 2 Stunden", "alle 14 Tage")
            r"(?:\b(?:alle|um|om|vers)|(?<=\s)(?-i:o))\s+(?=\d)"
            r"(?!\d+\s*(?:[a-z]{3,}s|stunden?|std|minuten|min|tage[n]?|wochen|monate|people|personen|d[ií]as|horas|"
            r"minutos|giorni|ore|minuti|dagen)\b)",
            _I,
        ),
        "at ",
    ),
    _foreign(
        "uhr uur",
        re.compile(r"\b(\d{1,2})(?:[:.](\d\d))?\s*(?:uhr|uur)\b", _I),
        lambda m: f"{m.group(1)}:{m.group(2) or '00'}",
    ),
    _foreign(
        "tarde noche noite pomeriggio sera abends nachmittags soir après apres",
        re.compile(
            r"\b(\d{1,2}(?::\d\d)?)\s+(?:de\s+la\s+(?:tarde|noche)|da\s+(?:tarde|noite)|di\s+(?:pomeriggio|sera)|"
            r"del\s+pomeriggio|della\s+sera|abends|nachmittags|du\s+soir|de\s+l'apr[eè]s-midi)\b",
            _I,
        ),
        r"\1pm",
    ),
    _foreign(
        "mañana manana manhã manha mattina mattino morgens vormittags matin",
        re.compile(
            r"\b(\d{1,2}(?::\d\d)?)\s+(?:de\s+la\s+ma[nñ]ana|da\s+manh[aã]|di\s+mattina|del\s+mattino|morgens|"
            r"vormittags|du\s+matin)\b",
            _I,
        ),
        r"\1am",
    ),
    _foreign("morgen", re.compile(r"\b[Mm]orgen\s+fr(?:ü|ue)h\b"), "tomorrow morning"),
    # "tomorrow"; German "morgen" in lower case, or opening a question about a time ("Morgen um 10?"),
    # not "Guten Morgen" nor a Ms Morgen
    _foreign(
        "mañana manana demain amanhã amanha domani jutro yarın yarin besok morgen",
        re.compile(
            r"\b(?:ma[nñ]ana|demain|amanh[aã]|domani|jutro|yar[ıi]n|besok)\b|(?<!guten\s)(?<!am\s)\b(?-i:morgen)\b|"
            r"^\W*Morgen\b(?=\s+(?:um|at\s+\d|früh|vormittag|nachmittag|abend|\d|passt|geht|kann|ginge))",
            _I,
        ),
        "tomorrow",
    ),
    # "today" ("hoy" in lower case or before Spanish: "Hoy!" is a greeting, Hoy a name)
    _foreign(
        "aujourd hoje oggi heute vandaag dzisiaj dziś bugün hari hoy",
        re.compile(
            r"\b(?:aujourd'hui|hoje|oggi|heute|vandaag|dzisiaj|dziś|bugün|hari\s+ini)(?!\w)|\b(?-i:hoy)\b|"
            r"\bHoy\b(?=\s+(?:no|a|por|mismo|en|es|tengo|puedo)\b)",
            _I,
        ),
        "today",
    ),
    _foreign(
        "semana semaine woche volgende settimana tygodniu",
        re.compile(
            r"\b(?:la\s+semana\s+que\s+viene|la\s+pr[oó]xima\s+semana|la\s+semaine\s+prochaine|n[äa]chste\s+woche|"
            r"(?:a\s+)?pr[oó]xima\s+semana|volgende\s+week|la\s+prossima\s+settimana|przyszłym\s+tygodniu)\b",
            _I,
        ),
        "next week",
    ),
    # another day, this week, any day, and "from" an hour ("¿otro día de esta semana?", "cualquier día a
    # partir de las 17", "ab 17 Uhr")
    _foreign(
        "otro outro autre anderen altro andere",
        re.compile(
            r"\b(?:otro\s+d[ií]a|outro\s+dia|un\s+autre\s+jour|einen?\s+anderen\s+tag|un\s+altro\s+giorno|"
            r"een\s+andere\s+dag)\b",
            _I,
        ),
        "another day",
    ),
    _foreign(
        "esta cette diese questa deze",
        re.compile(
            r"\b(?:(?:de\s+)?esta\s+semana|(?:de\s+)?cette\s+semaine|diese\s+woche|(?:di\s+)?questa\s+settimana|"
            r"deze\s+week)\b",
            _I,
        ),
        "this week",
    ),
    _foreign(
        "cualquier qualquer importe jeden qualsiasi elke",
        re.compile(
            r"\b(?:cualquier\s+d[ií]a|qualquer\s+dia|n'importe\s+quel\s+jour|jeden\s+tag|qualsiasi\s+giorno|"
            r"elke\s+dag)\b",
            _I,
        ),
        "any day",
    ),
    _foreign(
        "partir depois dopo ab",
        re.compile(
            r"\b(?:a\s+partir\s+de\s+las?|depois\s+das?|à\s+partir\s+de|dopo\s+le)\s+(?=\d)|\bab\s+(?=\d{1,2}:\d\d)",
            _I,
        ),
        "after ",
    ),
    _foreign(
        "dia día",
        re.compile(r"\bd[ií]a\s+(\d{1,2})\b(?!\s*(?:de\s+)?(?:horas?|d[ií]as))", _I),
        lambda m: _the_day_nth(m),
    ),
    _foreign(
        "misma mesmo mesma zelfde même meme gleiche gleichen selbe selben stessa aynı ayni",
        re.compile(
            r"\b(?:a\s+)?la\s+misma\s+hora|\bno\s+mesmo\s+hor[aá]rio|\b(?:à\s+)?mesma\s+hora|\bzelfde\s+tijd|"
            r"\b(?:à\s+la\s+)?m[eê]me\s+heure|\b(?:zur\s+)?(?:gleichen?|selben?)\s+(?:uhr)?zeit|\b(?:alla\s+)?stessa\s+ora|"
            r"\bayn[ıi]\s+saat\w*",
            _I,
        ),
        "same time",
    ),
    # a length ("media hora", "für eine Stunde", "een halfuurtje")
    _foreign(
        "media meia demi mezz mezzora uur uurtje halfuur halfuurtje halbe",
        re.compile(
            r"(?:\bmedia\s+hora\b|\bmeia\s+hora\b|\bdemi-heure\b|\bmezz'?\s*ora\b|\b(?:een\s+)?half\s*uur(?:tje)?\b|"
            r"\beine\s+halbe\s+stunde\b)(?!\s+(?:antes|despu[ée]s|tarde|de\s+retraso|prima|dopo|di\s+ritardo|eerder|"
            r"later|te\s+laat|avant|apr[èe]s|de\s+retard|fr[üu]her|sp[äa]ter|depois|atrasad[oa]|in\b|de\s+atraso))",
            _I,
        ),
        "half an hour",
    ),
    _foreign(
        "stunde hora heure ora unora uur uurtje",
        re.compile(
            r"(?:\bfür\s+eine\s+stunde\b|\bpor\s+una\s+hora\b|\bpendant\s+une\s+heure\b|\bper\s+un'?\s*ora\b|"
            r"\bvoor\s+een\s+uur(?:tje)?\b)(?=\s*(?:$|[.,!?;]|telefonieren|bellen|sprechen|reden|hablar|parler|"
            r"parlare|praten|treffen|vernos|nous\s+voir|vederci|afspreken))",
            _I,
        ),
        "for an hour",
    ),
    # none of the options offered ("Aucune des deux ne me convient", "Ninguna de las dos me sirve")
    _foreign(
        "ninguna ninguno aucune aucun nenhum nenhuma nessuno nessuna geen keine keiner keinen beide",
        re.compile(
            r"\bningun[ao]\s+de\s+(?:las|los)\s+dos\b|\baucun[e]?\s+des\s+deux\b|\bnenhum[a]?\s+(?:dos|das)\s+"
            r"(?:dois|duas)\b|\bnessun[oa]\s+(?:dei|delle)\s+due\b|\bgeen\s+van\s+(?:beide|de\s+twee)\b|"
            r"\bkeine[rn]?\s+der\s+beiden\b|\bbeide\s+(?:termine\s+|opties\s+)?(?:passen|gehen|gaan|zijn)\s+"
            r"(?:mir\s+|bei\s+mir\s+|voor\s+mij\s+)?(?:leider\s+|helaas\s+)?(?:nicht|niet)\b",
            _I,
        ),
        "none of those",
    ),
    # any of the options offered ("Beide opties zijn prima", "Cualquiera de las dos me sirve")
    _foreign(
        "beide beides cualquiera ambas ambos dos dois duas qualquer deux vanno entrambi entrambe tutti",
        re.compile(
            r"\bbeide\s+(?:opties\s+|tijden\s+|momenten\s+)?(?:zijn\s+)?(?:prima|goed|oké|ok)\b|"
            r"\bbeides?\s+(?:termine\s+)?(?:passt|passen|geht|gehen|sind\s+(?:gut|ok))\b|"
            r"\bcualquiera\s+(?:de\s+(?:las|los)\s+dos\s+)?(?:me\s+)?(?:sirve|va\s+bien|funciona|est[áa]\s+bien)\b|"
            r"\b(?:ambas|ambos|las\s+dos|los\s+dos|os\s+dois|as\s+duas)\s+(?:me\s+)?(?:sirven|van\s+bien|funcionan|"
            r"est[áa]n\s+bien|servem|funcionam)\b|\bqualquer\s+(?:um|uma)(?:\s+(?:dos|das)\s+(?:dois|duas))?\s+"
            r"(?:serve|funciona)\b|\bles\s+deux\s+(?:me\s+)?(?:vont|conviennent)\b|"
            r"\bvanno\s+bene\s+(?:entrambi|entrambe|tutti\s+e\s+due)\b|"
            r"\b(?:entrambi|entrambe|tutti\s+e\s+due)\s+vanno\s+bene\b",
            _I,
        ),
        lambda m: _said_without_no(m, "either works"),
    ),
    # a rhythm ("tous les quinze jours", "cada dos semanas", "todos los lunes", "jeden Montag"), the weekdays
    # already in English, and where a series starts ("empezando el 14")
    _foreign(
        "quinze toutes cada alle quinzenalmente ogni",
        re.compile(
            r"\btous\s+les\s+quinze\s+jours\b|\btoutes\s+les\s+deux\s+semaines\b|\bcada\s+(?:dos|2)\s+semanas\b|"
            r"\bcada\s+quince\s+d[ií]as\b|\balle\s+(?:zwei|2)\s+wochen\b|\balle\s+14\s+tage\b|"
            r"\ba\s+cada\s+(?:duas|2)\s+semanas\b|\bquinzenalmente\b|\bogni\s+due\s+settimane\b",
            _I,
        ),
        "every other week",
    ),
    _foreign(
        "todos todas toda todo cada jeden tous ogni elke",
        re.compile(
            rf"\b(?:todos\s+los|todas\s+as|toda|todo|cada|jeden|tous\s+les|ogni|elke)\s+(?={WEEKDAY_IN_FULL}\s+(?:at\s+)?\d)",
            _I,
        ),
        "every ",
    ),
    _foreign(
        "empezando comenzando começando partir",
        re.compile(
            r"\b(?:empezando|comenzando|começando|a\s+partir\s+do)\s+(?:el\s+|dia\s+)?(\d{1,2})\b(?![:.h\d])",
            _I,
        ),
        lambda m: f"starting {_the_day_nth(m)}",
    ),
    # all the meetings, called off in the same sentence ("cancela todas las sesiones", "bitte alle
    # Termine absagen"), not those of one day or week ("todas las reuniones de esta semana", "alle
    # Termine am Donnerstag") nor all of them praised ("Todas las sesiones han sido muy útiles")
    _foreign(
        "alle al todos todas toutes tous tutti tutte",
        re.compile(
            rf"\b(?P<verb>(?:cancel|absag|annul|afzeg|disdi|annull|stornier|desmarc)\w*\s+(?:\w+\s+){{0,3}})?"
            rf"{_ALL_THE_MEETINGS}"
            rf"(?(verb)|(?=[^.!?]*\b(?:cancel|absag|annul|afzeg|disdi|annull|stornier|desmarc|ab\b)))"
            rf"(?![^.!?]*\b(?:semana|woche|semaine|settimana|week|hoy|heute|aujourd'hui|oggi|vandaag|{WEEKDAY_NAME}|"
            r"tomorrow|today|morgen|ma[nñ]ana|demain|domani)\b)",
            _I,
        ),
        lambda m: f"{m['verb'] or ''}all future meetings",
    ),
    # all the meetings to come ("alle weiteren Termine absagen", "todas las sesiones futuras")
    _foreign(
        "alle todos todas toutes tutti",
        re.compile(
            r"\b(?:alle\s+(?:weiteren|künftigen|zukünftigen|restlichen|kommenden)\s+(?:termine|treffen|sitzungen)|"
            r"tod[ao]s\s+(?:las|los|as|os)\s+(?:sesiones|reuniones|sess[õo]es|reuni[õo]es)\s+(?:futur[ao]s|próxim[ao]s|"
            r"restantes|que\s+quedan)|"
            r"tod[ao]s\s+(?:las|los|as|os)\s+(?:próxim[ao]s|futur[ao]s|demás)\s+(?:sesiones|reuniones|sess[õo]es|"
            r"reuni[õo]es|encuentros|encontros)|toutes\s+les\s+(?:prochaines|futures)\s+(?:séances|seances|réunions|"
            r"reunions|sessions|rencontres)|tutti\s+gli\s+(?:incontri|appuntamenti)\s+futuri|"
            r"alle\s+(?:volgende|toekomstige)\s+(?:afspraken|sessies|gesprekken))",
            _I,
        ),
        "all future meetings",
    ),
    # a refusal of the time asked about ("Leider kann ich da nicht", "esa hora no me viene bien",
    # "não vou conseguir nesse horário", "nie dam rady", "dinsdag lukt niet")
    _foreign(
        (
            "kann viene puedo va não nao rady posso riesco peux pourrai niet nicht convient maar aber "
            "pero mais mas ma pas klappt funciona tampoco queda passt sono estoy estou suis frei",
            _NOT_FOR_ME_LOW,
        ),
        re.compile(
            r"\bkann\s+ich\s+(?:da\s+|dann\s+|leider\s+)?nicht\b|\bno\s+(?:me\s+viene\s+bien|puedo|me\s+va\s+bien)\b|"
            r"\bn[ãa]o\s+(?:vou\s+conseguir|posso|d[aá]|fica\s+bom)\b|\bn[ãa]o\s+consigo(?=\s+(?:n[ea]ss[ea]|"
            r"n[ea]st[ea]|ir\b|participar|comparecer))|\bnie\s+dam\s+rady\b|\bnon\s+(?:posso|riesco|mi\s+va)\b|"
            r"\bje\s+ne\s+(?:peux|pourrai)\s+pas\b|\b(?:lukt|past)\s+(?:me\s+|mij\s+)?(?:(?:helaas|toch|echt|dan)\s+){0,2}niet\b|"
            r"\bik\s+kan\s+(?:(?:dan|helaas|toch|echt|juist)\s+){0,2}niet\b|"
            r"(?<!\bmeer\s)\bkan\s+ik\s+(?:(?:dan|helaas|toch|echt|juist)\s+){0,2}niet\b(?!\s+(?:vragen|wachten|geloven)\b)|"
            r"\bgeht\s+(?:bei\s+mir\s+)?(?:leider\s+)?nicht\b|\bne\s+me\s+(?:convient|va)\s+pas\b|"
            # "…, maar voor mij niet", "…, aber für mich nicht": not for the sender
            rf"\b{_NOT_FOR_ME}\b|"
            # "(Am Dienstag) klappt es (bei mir) leider nicht mehr" (not "das Büro klappt nicht mehr")
            r"(?:^|(?<=day\s)|(?<=tomorrow\s))klappt\s+(?:es\s+)?(?:bei\s+mir\s+)?(?:leider\s+)?nicht(?:\s+mehr)?\b(?!\s+(?:so|mit|wegen)\b)|"
            r"\bce\s+n'est\s+pas\s+(?:bon|possible)\b|\bça\s+ne\s+marche\s+pas\b|"
            # "no me funciona", "tampoco me viene bien", "me va fatal", "passt mir schlecht"
            # (not "si no me funciona", "no me va mal", "no estoy libre hasta las 20")
            r"(?<!\bsi\s)(?<!\bse\s)\b(?:no|n[ãa]o)\s+(?:me\s+)?funciona\b(?!\s+mal\b)|"
            r"\btampoco\s+me\s+(?:viene|va)\s+bien\b|(?<!\bno\s)\bme\s+va\s+(?:fatal|mal)\b|\bno\s+me\s+queda\b|"
            r"\bpasst\s+(?:mir\s+)?(?:eher\s+|leider\s+|ganz\s+)?schlecht\b|"
            r"(?<!\bsi\s)(?<!\bse\s)(?:\bnon\s+sono\s+liber[oa]|\bno\s+estoy\s+libre|\bn[ãa]o\s+estou\s+livre|"
            r"\bje\s+ne\s+suis\s+pas\s+(?:dispo\w*|libre)|\bich\s+bin\s+(?:leider\s+)?nicht\s+frei)\b"
            r"(?!\s+(?:hasta|antes|fino|prima|vor|bis|avant|até|ate|until|before)\b)",
            _I,
        ),
        "can't make it",
    ),
    # missing the meeting or its day: "vou ter que faltar na quinta", "tengo que faltar el jueves"
    # (the weekdays already in English; not "não vou faltar", nor "vou faltar à aula amanhã")
    _foreign(
        "faltar",
        re.compile(
            r"(?<!\bn[ãa]o\s)(?<!\bno\s)(?:\b(?:(?:vou|vamos|voy\s+a|vamos\s+a)\s+(?:ter|tener)|tenho|temos|tengo|tenemos)"
            r"\s+(?:que|de)\s+faltar|\b(?:vou|voy\s+a)\s+faltar|\b(?:vou|vamos)\s+precisar\s+faltar)\b"
            rf"(?=\s+(?:(?:na|no|el|la|o|a|à|ao|en)\s+)?(?:{WEEKDAY_IN_FULL}|amanh[ãa]|hoje|mañana|hoy|"
            r"(?:esta|essa|nesta|nessa)\s+semana|(?:à|a|la)\s+(?:reuni[ãaó]o?n?|sess[ãa]o|sesi[óo]n|mentoria))\b|\W*$)",
            _I,
        ),
        "I'll have to miss",
    ),
    # what the sender has on ("que el miércoles tengo clase": "as on Wednesday I have a class"), the
    # weekdays already in English
    _foreign(
        "tengo tenho",
        re.compile(
            rf",\s*que\s+(?:el\s+|la\s+|o\s+|a\s+|na\s+|no\s+)?({WEEKDAY_IN_FULL})\s+(?:tengo|tenho)\s+(?:una?\s+|uma?\s+)?",
            _I,
        ),
        r", as on \1 I have a ",
    ),
    # "auf Mittwoch, 16 Uhr ausweichen": a move to a day or time (not "auf Zoom ausweichen")
    _foreign(
        "ausweichen",
        re.compile(
            rf"\b(auf\s+(?:den\s+)?(?:{WEEKDAY_IN_FULL}|tomorrow|today|\d|abend|morgen|nachmittag|vormittag)"
            r"[^.?!]{0,30}?)\s+ausweichen\b",
            _I,
        ),
        r"\1 reschedule",
    ),
    # "so" after a comma, where what the sender has on turns to a time ("lavoro dalle 9 alle 18,
    # quindi martedì alle 19?", "ik werk tot 17:00, dus dinsdag om 17:30?")
    _foreign(
        "quindi dunque dus donc entonces así daher deshalb então portanto",
        re.compile(r",\s*(?:quindi|dunque|dus|donc|entonces|así\s+que|daher|deshalb|então|portanto)\s+", _I),
        ", so ",
    ),
    # "a partir de 1 de fevereiro" (the month already in English): where a series starts
    _foreign(
        "partir", re.compile(r"\ba\s+partir\s+de\s+(?=\d{1,2}\s+(?:of\s+)?[A-Z][a-z]+)", _I), "starting "
    ),
    # "todas as segundas às 8h30": every Monday (the plural, which the weekday table does not hold)
    _foreign(
        "todas",
        re.compile(r"\btodas\s+as\s+(segunda|ter[cç]a|quarta|quinta|sexta)s\b", _I),
        lambda m: (
            "every " + _PORTUGUESE_DAYS[m.group(1).lower()]
            if _ASKED_IN_PORTUGUESE.search(m.string, max(0, m.start() - 25), m.start())
            else m.group(0)  # a habit said ("faço ginástica todas as segundas às 8h"), not an offer
        ),
    ),
    # "but" after a comma, where a refusal turns to another time ("Dienstag geht nicht, aber Mittwoch?")
    _foreign(
        "aber pero mais mas maar ma ale ama tapi",
        re.compile(r",\s*(?:aber|pero|mais|mas|maar|ma|ale|ama|tapi)\s+", _I),
        ", but ",
    ),
    # an option picked by its place ("la segunda opción", "a segunda opção", "le premier créneau")
    _foreign(
        (
            "primer primera primero premier premiere première premièr erste ersten erster eerste prima "
            "primo segunda segundo seconde secondo deuxieme deuxième zweite zweiten zweiter tweede seconda "
            "tercera tercero terceira troisieme troisième dritte dritten dritter derde terza terzo",
            _SECOND,
        ),
        # (with the option named, or alone at the end of its sentence: "Oui, le deuxième", "La
        # segunda."; not Portuguese "a segunda" alone, which is Monday)
        re.compile(
            r"\b(?:(?:la|a|le|die|das|de|il|der|den|el|o|lo|het)\s+(?P<named>primer[ao]?|premi[eè]re?|erste[nr]?|"
            r"eerste|prim[ao]|segund[ao]|second[eao]?|deuxi[eè]me|zweite[nr]?|tweede|terc(?:er[ao]|eira)|"
            r"troisi[eè]me|dritte[nr]?|derde|terz[ao])\s+(?:opci[oó]n|op[cç][aã]o|option|cr[eé]neau|horario|"
            r"hor[aá]rio|termin|optie|opzione|alternativa)|"
            r"(?:la|le|die|der|den|el|o|lo|il|het)\s+(?P<alone>primer[ao]?|premi[eè]re?|erste[nr]?|eerste|prim[ao]|"
            r"segund[ao]|second[eao]?|deuxi[eè]me|zweite[nr]?|tweede|terc(?:er[ao]|eira)|troisi[eè]me|"
            r"dritte[nr]?|derde|terz[ao])(?=\s*(?:[.!?;]|$|,\s*(?:gracias|merci|danke|grazie|bedankt|obrigad[oa]))))",
            _I,
        ),
        lambda m: f"the {_FOREIGN_ORDINALS[(m['named'] or m['alone']).lower()[:4]]} option",
    ),
    _foreign(
        (
            "cancelar cancelo cancelamos cancela cancele cancelen desmarcar desmarque annuler annule annulez "
            "absagen abzusagen stornieren storniere annullare annullo annulla annulliamo cancellare cancella "
            "disdire afzeggen annuleren annuleer odwołać anulować iptal batalkan"
        ),
        re.compile(
            r"\b(?:cancelar|cancelo|cancelamos|cancela|cancele|cancelen|desmarcar|desmarque|annuler|annule|annulez|"
            r"absagen|abzusagen|stornieren|storniere|annullare|"
            r"annullo|annulla|annulliamo|cancellare|cancella|disdire|afzeggen|annuleren|annuleer|"
            r"odwołać|anulować|iptal(?:\s+(?:etmem|etmek|edelim|edebilir\w*|ediyorum|edin|edilsin))?|batalkan)\b",
            _I,
        ),
        "cancel",
    ),
    _foreign(
        (
            "cambiar reprogramar décaler decaler verschieben verlegen spostare rimandare remarcar "
            "adiar verzetten przełożyć ertelemek jadwal mover pasar mudar reporter cambiarla cambiarlo "
            "cambiarlas moverla moverlo pasarla pasarlo reprogramarla reprogramarlo spostarla spostarlo "
            "rimandarla rimandarlo"
        ),
        # moving a meeting (not "our mover", "the reporter": the verb before its object)
        re.compile(
            r"\b(?:cambiar|reprogramar|d[ée]caler|verschieben|verlegen|spostare|rimandare|remarcar|adiar|"
            r"verzetten|przełożyć|ertelemek|jadwal\s+ulang)\b|\bmover(?=\s+(?:la|el|a|o|nuestra|nossa)\b)|"
            # with "it" joined on ("¿Podemos cambiarla al viernes?", "possiamo spostarlo a venerdì?")
            r"\b(?:cambiar|reprogramar|mover|pasar|spostar|rimandar)l[ao]s?\b|"
            # "¿Podemos pasar la sesión del jueves al viernes?"
            r"\bpasar(?=\s+(?:la|el|nuestra|nuestro)\s+(?:sesi[oó]n|reuni[oó]n|llamada|cita|encuentro)\b(?!\s+con\b))|"
            # "mudar" of a meeting or to a day ("mudar para quinta"; not "mudar para Lisboa", "mudar o voo")
            r"\bmudar(?=\s+(?:(?:(?:a|o)\s+)?(?:(?:nossa|nosso|minha|meu)\s+)?(?:reuni|sess|encontro|chamada|call|hor|"
            r"dia|data|mentoria|conversa)|"
            r"para\s+(?:(?:a|o|as|às|à)\s+)?(?:segunda|ter[cç]a|quarta|quinta|sexta|s[aá]bado|domingo|amanh|hoje|outr|"
            rf"\d|mais\s+(?:tarde|cedo)|pr[oó]xim|{WEEKDAY_IN_FULL}|tomorrow|today|next|at\s+\d)))|"
            r"\breporter(?=\s+(?:la|le|notre|nos|l'|à|au)\b)",
            _I,
        ),
        "reschedule",
    ),
    # "instead of" a meeting's day ("el jueves a las 10 en vez del viernes", "Donnerstag statt
    # Freitag", "au lieu de vendredi", "Cuma yerine": the weekdays already in English), and
    # "instead" alone ("stattdessen", "invece", "in plaats daarvan"): a move, as in English
    _foreign(
        "vez lugar lieu statt anstatt anstelle invece plaats zamiast invés",
        re.compile(
            r"\b(?:en\s+(?:vez|lugar)\s+del?|em\s+vez\s+d[eoa]|ao\s+inv[ée]s\s+d[eoa]|no\s+lugar\s+d[eoa]|"
            r"au\s+lieu\s+(?:de|du|d')|(?:an)?statt(?!dessen)|anstelle\s+von|invece\s+(?:di|del|della)|"
            r"in\s+plaats\s+van|zamiast)\b\s*",
            _I,
        ),
        "instead of ",
    ),
    _foreign(
        "stattdessen invece plaats",
        re.compile(r"\b(?:stattdessen|invece|in\s+plaats\s+daarvan)\b", _I),
        "instead",
    ),
    # another option offered ("Alternativ ginge auch Mittwoch um 9:30", "Woensdag kan ook",
    # "También podría el miércoles", "Também posso na quarta", "Je pourrais aussi mercredi")
    _foreign(
        "ginge geht wäre würde kan zou podría podria puedo posso pourrais peux",
        re.compile(
            r"\b(?:(?:es\s+)?(?:ginge|geht)\s+(?:(?:bei\s+mir\s+)?(?:aber\s+)?auch|ebenfalls)|"
            r"(?:wäre|würde)\s+(?:mir\s+)?(?:auch|ebenfalls)\s+(?:möglich|gehen|passen)|"
            r"(?:kan|zou)\s+(?:ik\s+)?ook(?:\s+kunnen)?|"
            r"tambi[ée]n\s+(?:podr[ií]a|puedo)|tamb[ée]m\s+(?:poderia|posso)|je\s+(?:pourrais|peux)\s+aussi)\b"
            # (not "geht auch nicht", "kan ook niet": a refusal too)
            r"(?!\s+(?:(?:ik|ich|es)\s+)?(?:nicht|niet|no|não|nao|pas)\b)",
            _I,
        ),
        "I could also do",
    ),
    # whether a meeting still stands, asked ("Gaat donderdag nog door?", "¿Seguimos en pie para el
    # martes?", "Bleibt es bei Freitag?", "On est toujours bon pour mercredi ?", "A reunião de
    # quinta ainda está de pé?")
    _foreign(
        "gaat seguimos bleibt toujours pé",
        re.compile(
            r"\bgaat\s+(?P<gaat>[^?.!]{1,40}?)\s+nog\s+(?:steeds\s+)?door\b|"
            r"\bseguimos\s+en\s+pie(?:\s+para)?|\bbleibt\s+es\s+(?:bei|am)|"
            r"\b(?:on\s+est\s+)?toujours\s+(?:bon|ok|d'accord)\s+pour|(?P<pe>\b(?:ainda\s+)?est[áa]\s+de\s+p[ée]\b)",
            _I,
        ),
        lambda m: f"still on for {m['gaat']}" if m["gaat"] else "still on" if m["pe"] else "still on for",
    ),
    _foreign(
        "yerine",
        # ("Cuma", Friday, is also a name: read only here and before an hour)
        re.compile(rf"\b(?:({WEEKDAY_IN_FULL})|cuma)\s+yerine\b", _I),
        lambda m: f"instead of {m.group(1) or 'Friday'}",
    ),
    # being free ("je suis dispo", "estoy libre", "sono libera", "ik ben vrij"), a time suiting ("me
    # viene bien", "va bene", "ça me va", "passt mir", "funciona") and "I can", after the refusals
    # above, and only in a clause that says no nowhere and asks nothing
    _foreign(
        "suis estoy estou frei verfügbar sono vrij beschikbaar jestem",
        re.compile(
            r"\bje\s+suis\s+(?:dispo(?:nible)?|libre)\b|\b(?:estoy|estou)\s+(?:libre|livre|disponible|dispon[ií]vel)\b|"
            r"\bich\s+bin\s+(?:frei|verfügbar)\b|\bsono\s+(?:abbastanza\s+)?(?:liber[oa]|disponibile)\b|"
            r"\bik\s+ben\s+(?:vrij|beschikbaar)\b|\bjestem\s+woln[ya]\b",
            _I,
        ),
        lambda m: _said_without_no(m, "I'm free"),
    ),
    _foreign(
        (
            "viene va queda sirve bene convient marche fica está esta tá ta pode funciona uitkomen goed "
            "prima lukt passt klappt fechado combinado wäre ware",
            _C_EST,
        ),
        re.compile(
            r"\b(?:me\s+(?:viene|va|queda)\s+(?:bien|perfecto|genial|de\s+maravilla)|me\s+sirve|va\s+bene|"
            r"(?:ça|cela)\s+me\s+va|me\s+convient|c'est\s+(?:bon|parfait|ok)|ça\s+marche|"
            r"(?:fica|est[áa]|t[áa])\s+(?:ótimo|otimo|[óo]tima|bom|perfeito|bem)|pode\s+ser\s+sim|fechado|combinado|"
            r"funciona|(?:zou\s+)?(?:mij\s+)?goed\s+uitkomen|(?:is|lijkt\s+me)\s+(?:goed|prima)|"
            r"lukt\s+(?:me\s+|mij\s+)?(?:wel|prima|goed)|"
            r"passt(?:\s+(?:es\s+)?mir)?|klappt(?:\s+(?:bei\s+mir|für\s+mich))?|"
            r"w[äa]re\s+(?:super|toll|gut|perfekt|prima|ideal|klasse))\b",
            _I,
        ),
        lambda m: _said_without_no(m, "works for me"),
    ),
    _foreign(
        "kann kan posso puedo peux könnte konnte kunnen podría podria poderia pourrais potrei",
        re.compile(
            r"\b(?:ich\s+kann|ik\s+kan|kann\s+ich|kan\s+ik|posso|puedo|je\s+peux|ich\s+k[öo]nnte|k[öo]nnte\s+ich|"
            r"ik\s+zou\s+kunnen|podr[íi]a|poderia|je\s+pourrais|potrei)\b",
            _I,
        ),
        lambda m: _said_without_no(m, "I can do"),
    ),
    # a time proposed in so many words ("Quiero proponer el viernes 11 a las 9:00", "Je propose …")
    _foreign(
        "proponer propongo proponho propor propose proposer proporre vorschlagen schlage voorstellen stel",
        re.compile(
            r"\b(?:(?:quiero|quisiera|queria|quero|gostaria\s+de|je\s+voudrais|vorrei|ich\s+m[öo]chte|ik\s+wil)\s+"
            r"(?:proponer|propor|proposer|proporre|vorschlagen|voorstellen)|propongo|proponho|je\s+propose|"
            r"ich\s+schlage|ik\s+stel)\b",
            _I,
        ),
        "I propose",
    ),
)
_FOREIGN_ORDINALS = {
    **dict.fromkeys(("prim", "prem", "erst", "eers"), "first"),
    **dict.fromkeys(("segu", "seco", "deux", "zwei", "twee"), "second"),
    **dict.fromkeys(("terc", "troi", "drit", "derd", "terz"), "third"),
}
_PORTUGUESE_DAYS = {
    day: _FOREIGN_WEEKDAYS[f"{day}-feira"]
    for day in ("segunda", "terça", "terca", "quarta", "quinta", "sexta")
}
#: Weekdays that are also names or words ("Senin can join", "Cuma"), read only before an hour.
_FOREIGN_NAMED_DAYS = {
    "senin": "Monday",
    "rabu": "Wednesday",
    "kamis": "Thursday",
    "cuma": "Friday",
    "sabtu": "Saturday",
}
#: The words any of `_FOREIGN_TIME_WORDS` needs, looked for first (most replies have none): the
#: reply's words against this set cost a fifth of one pattern of them all.
_FOREIGN_TIME_LOOK_WORDS = frozenset().union(*(rule.words for rule in _FOREIGN_TIME_WORDS))
#: ... and what no word says (`_COMPOUND_PART_OF_DAY`), where it may stand: most replies hold none
#: of these pieces of it.
_FOREIGN_TIME_LOOK_REST = (_O_BEFORE_AN_HOUR, _C_EST, _COMPOUND_PART_OF_DAY)
_FOREIGN_TIME_LOOK_NEEDLES = ("o ", "c'est", "dag", "tag", "woch")


def _foreign_time_look(text: str) -> bool:
    """Whether `text` holds what any of `_FOREIGN_TIME_WORDS` needs."""
    low = text.lower()
    if not _FOREIGN_TIME_LOOK_WORDS.isdisjoint(_words_of(low)):
        return True
    return any(needle in low for needle in _FOREIGN_TIME_LOOK_NEEDLES) and any(
        also.search(low) for also in _FOREIGN_TIME_LOOK_REST
    )


def _in_english(match: re.Match[str]) -> str:
    """The text (all of it: `_ANY` matches it whole) with its time words put in English: each rule
    tried only where what it needs stands (a reply in another language needs a few of them)."""
    text = match.group(0)
    low = text.lower()
    words = _words_of(low)
    for rule in _FOREIGN_TIME_WORDS:
        if not rule.wanted(low, words):
            continue
        text, changed = rule.pattern.subn(rule.english, text)
        if changed:
            low = text.lower()
            words = _words_of(low)
    return text


#: A yes that opens a reply in another language ("Sí, perfecto.", "Ja, Dienstag 15 Uhr passt", "Tak,
#: czwartek o 10 mi pasuje", "Combinado, quinta às 10h está ótimo!"): read as "Yes", unless the
#: reply says no anywhere in those languages (whose refusals are not read: "Ja, aber … nicht").
_FOREIGN_YES = re.compile(
    r"^(\W*)(?:sí|ja|oui|sim|tak|evet|iya|combinado|perfecto|perfeito|parfait|perfetto|claro|oke|d'accord|passt|prima|"
    r"va\s+bene|genau|certo|vale|bien\s+s[uû]r|"
    # Said for "OK" in Mexico and Argentina, Brazil, Germany, the Netherlands, France, Turkey,
    # Poland, Indonesia ("Va, el martes a las 10 entonces", "Fechado!", "Alles klar.").
    r"va|dale|sale|listo|de\s+acuerdo|beleza|fechado|t[áa]\s+bom|[óo]timo|gerne?|alles\s+klar|klar|einverstanden|"
    r"akkoord|entendu|[çc]a\s+marche|c'est\s+bon|tamam|olur|dobrze|pasuje|baik|boleh)"
    r"(?=\s*[,.!]|\s*$|"
    # or for a day ("D'accord pour mardi", "De acuerdo para el martes"; the weekday already in English)
    r"\s+(?:pour|para|por|für|fur|per|voor|pra)\s+(?:(?:le|el|la|o|a|den|de|il)\s+)?"
    rf"(?:{WEEKDAY_NAME}|tomorrow|today|the\s+\d)\b)"
    r"(?!\W*(?:i|i'm|i'll|my|let|we|thanks)\b)",
    re.IGNORECASE,
)
#: No, a doubt or a condition, in those languages or in English ("Si, I can't make it", "Sí, tengo
#: que consultar con mi jefe primero", "Claro, aunque preferiría el miércoles").
_FOREIGN_NO = re.compile(
    r"\b(?:no|não|nao|nicht|nein|kein\w*|non|niet|nie|pas|tidak|hayır|ne|leider|lamentablemente|desafortunadamente|"
    r"infelizmente|purtroppo|malheureusement|niestety|maalesef|sayangnya|aber|pero|mas|mais|ma|maar|ale|ama|tapi|"
    r"aunque|wobei|ancak|però|lieber|preferir\w*|prefer\w*|consult\w*|v[ée]rifier|confirmar|check|not|cannot|unable|"
    r"\w+n't|let\s+me)\b",
    re.IGNORECASE,
)


def _foreign_yes(match: re.Match[str]) -> str:
    return match.group(1) + "Yes"


_ANY = re.compile(r".+", re.DOTALL)


#: The rewrites `normalize` makes, in order, each after a cheap look in the lower-cased text for
#: what it needs (a word, one of several words, one of its words, a quick pattern, or a test of the
#: text as written): each puts plainly what the library would misread. Those of `_DIGIT_REWRITES`
#: only concern text with digits.
_Needle = str | tuple[str, ...] | frozenset[str] | re.Pattern[str] | Callable[[str], bool]
_Rewrite = tuple[_Needle, re.Pattern[str], Any]
_WORD_REWRITES: tuple[_Rewrite, ...] = (
    (re.compile(r"(.)\1\1"), re.compile(r"([a-z])\1{2,}", _I), r"\1\1"),  # "goood" → "good"
    (_has_typos, _WORDISH, lambda m: _fix_word(m.group(0))),
    (_foreign_month_look, _FOREIGN_MONTH_SAID, _foreign_month),
    (
        re.compile(r"\d\.\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|\b(?:anfang|mitte|ende)\s"),
        _MONTH_AS_IN_ENGLISH,
        _month_as_in_english,
    ),
    ("christmas", _HOLIDAY, _holiday),
    (_FOREIGN_WEEKDAY_WORDS, _FOREIGN_WEEKDAY, lambda m: _FOREIGN_WEEKDAYS[m.group(0).lower()]),
    (_foreign_time_look, _ANY, _in_english),
    (
        lambda text: _FOREIGN_YES.match(text) is not None and not _FOREIGN_NO.search(text),
        _FOREIGN_YES,
        _foreign_yes,
    ),
    ("new year", _HOLIDAY, _holiday),
    # "Would you mind if we did 11am Friday instead?": asked as "could we do"
    (
        "mind if we",
        re.compile(r"\bwould\s+you\s+mind\s+if\s+we\s+(?:did|do|made\s+it|met|meet)\b", _I),
        "could we do",
    ),
    # "Can we move it to next week? Same day and time": one offset, as "next week, same day and time?"
    (
        "same day",
        re.compile(
            r"\b((?:next|following)\s+week|the\s+week\s+after)\s*[?.!]+\s+(same\s+(?:day\s+(?:and|&)\s+)?time)\b",
            _I,
        ),
        r"\1, \2",
    ),
    (frozenset(_NUMBERS), _NUMBER_WORD, _number_word),  # "at two" → "at 2"
    # "Maybe 3:30?" is no date in May (the library reads "May 3"); "perhaps" says the same.
    ("maybe", re.compile(r"\bmay\s*be\b(?=\s+\d)", _I), "perhaps"),
    # "I'm free Monday and Tuesday at 3pm": either day (the library would read only the last); not
    # "every Monday and Wednesday", a series on both.
    (
        re.compile(rf"{WEEKDAY_NAME}\s+and\s+(?:on\s+)?{WEEKDAY_NAME}\b"),
        re.compile(
            rf"(?<!every\s)(?<!each\s)(?<!both\s)\b({WEEKDAY_NAME})\s+and\s+(?=(?:on\s+)?{WEEKDAY_NAME}\b)",
            _I,
        ),
        r"\1 or ",
    ),
)
_DIGIT_DOT_DIGIT = re.compile(r"\d\.\d")


def _the_day_nth(match: re.Match[str]) -> str:
    number = int(match.group(1))
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"the {number}{suffix}"


#: Minutes said in words after the hour ("three thirty", "eleven fifteen", "two forty-five").
_SPOKEN_MINUTES = {
    "oh five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "twenty five": 25, "thirty": 30,
    "thirty five": 35, "forty": 40, "forty five": 45, "fifty": 50, "fifty five": 55,
}  # fmt: skip
_SPOKEN_MINUTES_LOOK = re.compile(r"\d\s+(?:oh|ten|fifteen|twenty|thirty|forty|fifty)")
_SPOKEN_MINUTE_WORDS = "|".join(
    words.replace(" ", r"[\s-]+") for words in sorted(_SPOKEN_MINUTES, key=len, reverse=True)
)


def _spoken_minutes(match: re.Match[str]) -> str:
    return f"{match.group(1)}:{_SPOKEN_MINUTES[_number_said(match.group(2))]:02d}"


_MOVE_WORDS = re.compile(r"\b(?:mov|push|shift|chang|switch|bump|re-?schedul)", _I)


#: A range said of one meeting runs 15 minutes to 3 hours; a longer one is when someone is free or
#: busy ("9-5", "dalle 9:00 alle 18:00"), and is left as written for the window rules.
SHORTEST_RANGED, LONGEST_RANGED = 15, 180


def _a_meetings_length(minutes: int) -> bool:
    """Whether a range of `minutes` is one meeting's length (`SHORTEST_RANGED`-`LONGEST_RANGED`)."""
    return SHORTEST_RANGED <= minutes <= LONGEST_RANGED


_BARE_RANGE_LOOK = re.compile(r"\d\s*(?:-|to\b|till\b|until\b)\s*\d", _I)


def _bare_range(match: re.Match[str]) -> str:
    """ "fri 2-3" → "fri 2pm-3pm": a range of bare hours, each read as a bare hour is; left as
    written unless it runs forwards for a meeting's length (15 minutes to 3 hours)."""

    def minutes(hour: str, minute: str | None) -> int:
        value = int(hour)
        return (value + 12 if value in BARE_PM_HOURS else value) * 60 + int(minute or 0)

    def said(total: int) -> str:
        hour, minute = divmod(total, 60)
        return f"{hour % 12 or 12}{f':{minute:02d}' if minute else ''}{'pm' if hour >= 12 else 'am'}"

    start, end = minutes(match["h1"], match["m1"]), minutes(match["h2"], match["m2"])
    if not _a_meetings_length(end - start):
        return match.group(0)
    return f"{match['day']} {said(start)}-{said(end)}"


def _clock_range(match: re.Match[str]) -> str:
    """ "de 12:30 à 13:15" → "12:30-13:15", a meeting's length (15 minutes to 3 hours); a longer
    range is left as written ("lavoro dalle 9:00 alle 18:00": working hours)."""
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if not _a_meetings_length(end - start):
        return match.group(0)
    return f"{match.group(1)}:{match.group(2)}-{match.group(3)}:{match.group(4)}"


#: Mornings said to suit the sender best ("Early mornings are best for me", "I'm a morning person").
_MORNINGS_PREFERRED = re.compile(
    r"\b(?:early\s+)?mornings?\s+(?:are|is|work|suit|would\s+be)s?\s+(?:\w+\s+)?(?:best|better|good|great|ideal|"
    r"easiest|easier|preferred)\b|\bprefer\s+(?:\w+\s+)?mornings?\b|\bmorning\s+person\b|\bearly\s+bird\b"
)
#: ... not where another part of the day is said, or the preference set aside ("I normally prefer
#: mornings but this week only evenings work", "I know you prefer mornings, but …").
_NOT_THE_MORNING = re.compile(
    r"\b(?:but|however|though|tho|evenings?|afternoons?|nights?|after|not|hate|never)\b|n't\b", _I
)


def _mornings_preferred(text: str) -> bool:
    """Whether the sender says mornings suit them, and nothing beside it sets that aside."""
    low = text.lower()
    if "morning" not in low and "early bird" not in low:
        return False
    return _MORNINGS_PREFERRED.search(low) is not None and _NOT_THE_MORNING.search(low) is None


#: An hour of 5-7 offered without am or pm ("say 7:30", "at 6").
_EARLY_BARE_HOUR = re.compile(
    rf"\b((?:at|say|around|about|perhaps|like|{WEEKDAY_NAME})\s+|@\s*)([5-7](?::[0-5]\d)?)\b"
    r"(?!\s*(?:[ap]\.?m\b|[ap]\b|[:.]\d|h\b|hours?\b|hrs?\b|minutes?\b|mins?\b|o'?\s*clock|-|to\s+\d|people|days?\b|weeks?\b))",
    _I,
)
#: A day, its part and an hour without am or pm: "Friday morning 9:30", "tomorrow afternoon, at 3".
_PART_OF_DAY_THEN_HOUR = re.compile(
    rf"\b(?P<day>{WEEKDAY_NAME}|today|tomorrow)\s+(?P<part>morning|afternoon|evening|night)\s*,?\s*"
    r"(?P<at>(?:at|@|around|about)\s*)?(?P<hour>1[0-2]|0?[1-9])(?P<minutes>:[0-5]\d)?\b"
    r"(?![:.]?\d|\s*(?:[ap]\.?m\b|[ap]\b|h\b|hours?\b|hrs?\b|minutes?\b|mins?\b|o'?\s*clock\b|-|to\b|till\b|until\b))",
    _I,
)
#: The hours each part of the day may mean, and whether they are after noon.
_PARTS_OF_DAY = {
    "morning": (range(5, 12), False),
    "afternoon": (range(1, 8), True),
    "evening": (range(4, 12), True),
    "night": (range(6, 12), True),
}


def _day_part_hour(match: re.Match[str]) -> str:
    """ "Friday morning 9:30" → "Friday 9:30am", "Thursday evening at 7" → "Thursday at 7pm"; an
    hour the part of the day cannot mean ("Friday morning 3") is left as written."""
    hours, after_noon = _PARTS_OF_DAY[match["part"].lower()]
    hour = int(match["hour"])
    if hour not in hours and not (after_noon and hour == 12 and match["part"].lower() == "afternoon"):
        return match.group(0)
    at = "at " if match["at"] else ""
    return f"{match['day']} {at}{hour}{match['minutes'] or ''}{'pm' if after_noon else 'am'}"


def _a_range_said(text: str) -> bool:
    """Whether "H to H:MM" in `text` may be a range (`_DIGIT_REWRITES`): said, not moved from."""
    return " to " in text and not _MOVE_WORDS.search(text)


#: A day or "at" before an hour written without its colon ("thurs 1030", "at 1 30").
_DAY_OR_AT = r"\b((?:at|@|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*|tomorrow|today)\.?\s+)"
#: What may follow such an hour: the end, a mark, a zone, or a word that ends an offer.
_WHAT_FOLLOWS_A_TIME = (
    r"\s*(?:$|[?!.,;)]|(?:or|ok|okay|works?|good|fine|pls|please|instead|then|sharp|ish|"
    rf"[a-z]{{2,4}}\s+time|{_NAMED_ZONE})\b)"
)
_DIGIT_REWRITES: tuple[_Rewrite, ...] = (
    # "your Monday 9am", "9am your Monday": the other side's clock, as "Monday 9am your time".
    (
        "your",
        re.compile(
            rf"\byour\s+(?P<day_first>{WEEKDAY_WORD}\s+(?:at\s+\d{{1,2}}(?::\d\d)?(?:\s*[ap]m)?|\d{{1,2}}(?::\d\d)?\s*[ap]m))"
            r"(?![\d:]|\s*[ap]m|\s+(?:your\s+)?time\b)|"
            rf"(?P<clock>\d{{1,2}}(?::\d\d)?\s*[ap]m\s+)your\s+(?P<day>{WEEKDAY_WORD})\b",
            _I,
        ),
        lambda m: f"{m['day_first'] or m['clock'] + m['day']} your time",
    ),
    (
        "2",
        re.compile(r"\b2(?:moro+w?|morrow|day)\b", _I),
        lambda m: "today" if m.group(0)[1:].lower() == "day" else "tomorrow",
    ),
    (re.compile(r"4\s+[myu]"), re.compile(r"\b4\s+(me|you|us)\b", _I), r"for \1"),
    (
        "half",
        re.compile(r"\bhalf\s+(\d{1,2})\b(?!\s*(?:an?\s+)?(?:hour|day|week))", _I),
        r"\1:30",
    ),  # "half 3"
    # "three thirty", "eleven fifteen" (the hour already a digit: "3 thirty"): minutes said in words.
    (
        _SPOKEN_MINUTES_LOOK,
        re.compile(
            rf"\b(1[0-2]|[1-9])\s+({_SPOKEN_MINUTE_WORDS})\b(?![\s-]*(?:minutes?|mins?|people|sessions?)\b)",
            _I,
        ),
        _spoken_minutes,
    ),
    ("-", re.compile(r"\b(20\d\d)-(\d{2})-(\d{2})\b"), _iso_date),
    # "Dec. 21", "Jan. 5th", "Sept 3rd": a month abbreviated with its dot, or as "Sept", before its
    # day (the dot had ended the sentence, and "Sept" is no month to the library).
    (
        re.compile(r"(?=[adfjmnos])(?:(?:jan|feb|mar|apr|jun|jul|aug|oct|nov|dec)\.|sep)"),
        re.compile(
            r"\b(?:(jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\.|(sep)t\.?)\s*(?=\d{1,2}(?:st|nd|rd|th)?\b)",
            _I,
        ),
        lambda m: f"{m.group(1) or m.group(2)} ",
    ),
    # "the day 10" (Spanish and Portuguese speakers: "el día 10", "o dia 10"): the 10th.
    (
        "the day ",
        re.compile(r"\bthe\s+day\s+(\d{1,2})\b(?!\s*(?:st|nd|rd|th|days?|hours?|weeks?)\b)", _I),
        _the_day_nth,
    ),
    # "12:00 noon", "12 noon (ET)": one time said twice.
    ("noon", re.compile(r"\b12(?:[:.]00)?\s*(?:pm\s*)?\(?\s*(noon|midday)\b\)?", _I), r"\1"),
    # "9ish" → "9 ish": the hour apart, for the library ("Friday morning at 9ish"), still about then.
    ("ish", re.compile(r"\b(\d{1,2}(?::\d\d)?(?:\s*[ap]m)?)ish\b", _I), r"\1 ish"),
    # "1500 hrs", "0930h": a 24-hour clock written without its colon.
    (
        re.compile(r"\d\d\d\d\s*h"),
        re.compile(r"\b([01]\d|2[0-3])([0-5]\d)\s*(?:hrs|hours|h)\b", _I),
        r"\1:\2",
    ),
    # "930am", "1030am": the hour and its minutes run together before am/pm.
    (
        re.compile(r"\d\d\d\s*[ap]"),
        re.compile(r"\b(1[0-2]|0?[1-9])([0-5]\d)\s*([ap]m)\b", _I),
        r"\1:\2\3",
    ),
    # "fri from 2 to 3", "tue 11-11:30": a range of bare hours after a day, one meeting; its hours
    # read as bare hours are (1-7 afternoon, 8-11 morning), written out for the library.
    (
        _BARE_RANGE_LOOK,
        re.compile(
            rf"\b(?P<day>(?:{WEEKDAY_NAME}|today|tomorrow)(?:\s+(?:morning|afternoon|evening))?)\s+(?:from\s+)?"
            r"(?P<h1>1[0-2]|0?[1-9])(?::(?P<m1>[0-5]\d))?"
            r"\s*(?:-|to|till|until)\s*(?P<h2>1[0-2]|0?[1-9])(?::(?P<m2>[0-5]\d))?"
            r"(?![:\d]|\s*(?:am|pm|[ap]\b|a\.m|p\.m|o'?\s*clock|people|persons|days?|weeks?|hours?|hrs?|mins?|minutes|"
            r"months?|times|of\b|[hu]\b|uhr\b))"
            # offered, not what the sender has on then ("Wed 1-2 is lunch, so 3pm?")
            r"(?=\s*(?:[?.!]|$|or\b|works?\b|would\b|is\s+(?:good|fine|great|ok)|for\s+me\b|please\b|ok\b|okay\b|"
            r"if\s+(?:that|it)\s+(?:suits|works)\b))",
            _I,
        ),
        _bare_range,
    ),
    # "move the 22nd to Jan 5": the day moved and the day moved to, not "the 22nd of January".
    (
        " to ",
        re.compile(
            r"\b((?:mov|push|shift|bump|chang|switch|re-?schedul)\w*\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th))\s+to\s+",
            _I,
        ),
        r"\1, to ",
    ),
    # "de 12:30 à 13:15", "von 12:30 bis 13:15", "dalle 12:30 alle 13:15" (the hours already
    # written as clocks): one range, as "from 12:30 to 13:15" is.
    (
        re.compile(r"\d[:h]\d\d"),
        re.compile(
            r"\b(?:de|desde|de\s+las|desde\s+las|von|das|dalle|van)\s+(\d{1,2})[:h](\d\d)\s+"
            r"(?:à|a|at|bis|às|alle|tot|hasta|hasta\s+las)\s+(\d{1,2})[:h](\d\d)\b",
            _I,
        ),
        _clock_range,
    ),
    # French "et" between two times is "and", not Eastern Time ("12:30-13:15 et 17:00-18:00")
    (
        " et ",
        re.compile(
            r"(?<=\d)(h?)\s+et\s+(?=\d|de\s|à\s|le\s|(?i:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
            r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b)"
        ),
        r"\1 and ",
    ),
    # "from 3 to 4pm" → "3-4pm": one range, which the library reads as such (not two times).
    (
        "from",
        re.compile(
            r"\bfrom\s+(\d{1,2}(?::\d\d)?\s*(?:am|pm)?)\s+(?:to|till|until)\s+"
            r"(?=\d{1,2}(?::\d\d|\s*(?:am|pm|o'?\s*clock\b)))",
            _I,
        ),
        r"\1-",
    ),
    # "Dec 10, 10-10:30am": a range whose start is an hour alone, its end with minutes, after the
    # date and its comma, written out ("10:00-10:30am"; the library read "10-10" as a day and the
    # end as the start). Not "Option 1 - 10:30am", "December 11 - 11:30am".
    ("-", re.compile(r"(?<=, )(1[0-2]|0?[1-9])-(?=(?:1[0-2]|0?[1-9]):[0-5]\d\s*[ap]m\b)", _I), r"\1:00-"),
    # "3pm - 4pm", "10:00 - 10:45" → "3pm-4pm": a range written with spaces, not two clauses (not
    # "Option 1 - 10am Tuesday").
    (
        " - ",
        re.compile(
            r"\b(\d{1,2}(?::\d\d\s*(?:am|pm)?|\s*(?:am|pm)))\s+-\s+(?=\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\d{1,2}:\d\d\b)",
            _I,
        ),
        r"\1-",
    ),
    # "10 to 10:50": a range, its start an hour alone (the library reads only "10:50"); not a move
    # ("could we move it from 10 to 10:30?")
    (_a_range_said, re.compile(r"\b(\d{1,2})\s+to\s+(?=\d{1,2}:\d\d\b)", _I), r"\1-"),
    (
        _DIGIT_DOT_DIGIT,
        re.compile(r"\b([0-3]?\d)\.([01]?\d)\.(\d{2,4})?(?=[\s,;!?)]|$)"),
        _dotted_date,
    ),  # "10.12."
    # "10.12" before the time on it ("Thursday 10.12 at 3pm", "10.12 um 15 Uhr") or after "on", "el",
    # "am" … ("el 10.12, así que …"); not a version's
    (_DIGIT_DOT_DIGIT, _DAY_DOT_MONTH, _dotted_date),
    # "Tuesday, 3 or 4pm?": the day's hours, whose comma the library reads as the end of the day's
    # phrase (it had offered 4pm alone).
    (
        re.compile(r",\s*\d{1,2}(?::\d\d)?\s*(?:or|/)\s*\d"),
        re.compile(
            rf"\b({WEEKDAY_NAME}|today|tomorrow),\s*(?=\d{{1,2}}(?::\d\d)?\s*(?:or|/)\s*\d{{1,2}}(?::\d\d)?\s*[ap]m\b)",
            _I,
        ),
        r"\1 ",
    ),
    # "Friday around 9:30": at the hour, for the library, which reads "around" as the end of the day's
    # phrase and the hour as one of what follows it ("Friday around 9:30 or Monday 2pm": 9:30 PM).
    (
        ("around", "about", "approx", "roughly", "~"),
        re.compile(
            rf"\b({WEEKDAY_NAME}|today|tomorrow)\s+(?:at\s+)?(?:around|about|approx\.?|approximately|roughly|~)\s*(?=\d)",
            _I,
        ),
        r"\1 at ",
    ),
    (re.compile(r"(?=[@a])(?:@|\bat\s*\d)"), re.compile(r"(?:\bat|@)\s*(\d)", _I), r"at \1"),
    # "12 January 2027, 16:00": with a year, the library reads "January 2027" and loses the day.
    ("20", _DAY_MONTH_YEAR, _month_first),
    (
        _DIGIT_DOT_DIGIT,
        re.compile(r"(?<![\d.$€£v])\b([01]?\d|2[0-3])\.([0-5]\d)(?![\d.]|\s*%)"),
        r"\1:\2",
    ),  # "12.30"
    # when the sender must leave the meeting, which is no time offered: "hard stop at 3:45", "need to
    # hop off at 2:45" (the words stay, for the other side to be told: `intents._MESSAGE`; the time goes)
    (
        re.compile(r"hard\s+stop|(?:need|have|got)\s+to\s|must\s|gotta\s"),
        re.compile(
            rf"\b({LEAVING})\s+(?:(?:right|exactly|promptly|no\s+later\s+than)\s+)?(?:at|by|around|@)?\s*(?:\d{{3,4}}|\d{{1,2}}(?:[:.]\d\d)?)(?!\d)(?:\s*[ap]m\b)?"
            r"(?:\s+sharp\b)?",
            _I,
        ),
        r"\1 then",
    ),
    # "thurs 1030", "at 930": a working day's hour and minutes typed without their colon, after a day
    # or "at", before what may follow a time (not a year, "at 2019", nor a count, "Tuesday 1000 people")
    (
        re.compile(r"\d\d\d"),
        re.compile(rf"{_DAY_OR_AT}(0?[6-9]|1\d)([0-5][05])\b(?={_WHAT_FOLLOWS_A_TIME})", _I),
        r"\1\2:\3",
    ),
    # "at 1 30", "Tuesday 10 45 pm": hour and minutes said aloud and dictated, after a day or "at"
    # or after another time and "or" ("at 1 30 or 1 45"), before what may follow a time (not "at 2
    # 30-minute slots", "Tuesday at 3 45 minutes long")
    (
        re.compile(r"\d \d\d"),
        re.compile(
            rf"(?:{_DAY_OR_AT}|((?<=\d)\s*(?:[ap]m\s*)?(?:or|,)\s*))"
            rf"(1[0-2]|0?[1-9]) ([0-5]\d)(?=\s*[ap]m\b|{_WHAT_FOLLOWS_A_TIME})",
            _I,
        ),
        r"\1\2\3:\4",
    ),
    # "14h", "15h30" (French, Polish…): the hours of a working day; "1h" is an hour, not 1:00.
    (re.compile(r"\dh"), re.compile(r"\b(0?[89]|1\d|2[0-3])h([0-5]\d)?\b"), _french_hour),
    (
        "hour",
        re.compile(r"\b(0?[89]|1\d|2[0-3])\s+hours?\b(?!\s+(?:long|meeting|session|later|earlier))"),
        r"\1:00",
    ),
    ("clock", re.compile(r"\b([01]?\d|2[0-3])\s*o'?\s*clock\b", _I), r"\1:00"),
    ("past", re.compile(r"\bhalf\s+past\s+(\d{1,2})\b", _I), r"\1:30"),
    ("past", re.compile(r"\bquarter\s+past\s+(\d{1,2})\b", _I), r"\1:15"),
    ("quarter", re.compile(r"\bquarter\s+to\s+(\d{1,2})\b", _I), _quarter_to),
    # "Early mornings are best for me, say 7:30 on Wednesday?": a bare 5-7 is the morning's where the
    # sender says they prefer mornings (the afternoon's otherwise).
    (_mornings_preferred, _EARLY_BARE_HOUR, r"\1\2am"),
    # "Friday morning 9:30", "Thursday evening at 7": the part of the day is the hour's am or pm,
    # which the library would give the day alone (6:00) and the hour bare, to share the pm of
    # a time after it ("Friday morning 9:30 or Monday 2pm" is no Monday at 9:30 PM).
    (re.compile(r"(?=[aemn])(?:morning|afternoon|evening|night)"), _PART_OF_DAY_THEN_HOUR, _day_part_hour),
    ("morning", re.compile(r"\b(\d{1,2}(?::\d{2})?)\s+(?:in|of)\s+the\s+morning\b", _I), r"\1am"),
    (("afternoon", "evening", "night"), _IN_THE_AFTERNOON, r"\1pm"),
    # "3 pm" → "3pm", "3p" → "3pm"
    (re.compile(r"\d\s*[ap]"), re.compile(r"\b(\d{1,2}(?::\d{2})?)(?:\s*([ap])m|([ap]))\b", _I), _meridiem),
)
#: Odd spaces as a space, dashes and the minus sign as "-".
_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u202f\u2009", " "),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)
_OPENING_MARKS = str.maketrans("", "", "¿¡")
_DOTTED_AM_PM = re.compile(r"\b([ap])\.\s?m\.?(?=\W|$)", _I)
_URL_PART = re.compile(r"(https?://\S+)")
_DIGIT = re.compile(r"\d")


#: A needle made into one test of one string, with whether it is given the text as written (a
#: function's needle) or in lower case (a word or a pattern, searched as a pattern).
_Look = tuple[bool, Callable[[str], object], re.Pattern[str], Any]


def _looks(needle: _Needle) -> tuple[bool, Callable[[str], object]]:
    """A needle as one cheap test, made once, not per reply: a word or words are found by a
    pattern (as fast as `in`, and no call of ours around it); a set of words, among the text's
    words (one set operation on what `_words_of` made once for the text)."""
    if isinstance(needle, frozenset):
        return False, lambda low: not needle.isdisjoint(_words_of(low))
    if isinstance(needle, str | tuple):
        words = (needle,) if isinstance(needle, str) else needle
        needle = re.compile("|".join(re.escape(word) for word in words))
    if isinstance(needle, re.Pattern):
        return False, needle.search
    return True, needle


def _looked(rewrites: tuple[_Rewrite, ...]) -> tuple[_Look, ...]:
    return tuple((*_looks(needle), pattern, replacement) for needle, pattern, replacement in rewrites)


_WORD_LOOKS, _DIGIT_LOOKS = _looked(_WORD_REWRITES), _looked(_DIGIT_REWRITES)


def _rewritten(text: str, rewrites: tuple[_Look, ...]) -> str:
    low = text.lower()
    for as_written, wanted, pattern, replacement in rewrites:
        if wanted(text if as_written else low):
            text, changed = pattern.subn(replacement, text)
            if changed:
                low = text.lower()
    return text


#: A word with a letter beyond ASCII ("São", "Zürich", "Bogotá").
_ACCENTED_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]*[^\x00-\x7f][^\W\d_]*")
#: The words of zone names, as written without accents.
_ZONE_NAME_WORDS = frozenset(word for name in ZONES for word in name.split())


#: Where a city names a zone: before "time" ("São Paulo time") or right after a time ("9am Zürich").
_ZONE_AFTER = re.compile(r"(?:\s+[^\W\d_]+)?\s+time\b", re.IGNORECASE)
_ZONE_BEFORE = re.compile(r"\d\s*(?:[ap]\.?m\.?)?\s*$", re.IGNORECASE)


def _unaccented(word: re.Match[str]) -> str:
    """A word of a zone's name written with its accents, where it names the zone ("São Paulo time",
    "9am Zürich"), as the names are listed; any other word as written ("Café São Paulo")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word.group(0)) if not unicodedata.combining(c))
    if plain.lower() not in _ZONE_NAME_WORDS:
        return word.group(0)
    text, start, end = word.string, word.start(), word.end()
    named = _ZONE_AFTER.match(text, end) or _ZONE_BEFORE.search(text, max(0, start - 12), start)
    return plain if named else word.group(0)


def normalize(text: str) -> str:
    """The text with what the library misreads put plainly: typos of days and months, "12.30",
    "15h", "10.12.", "2026-12-09", "half past 3", "a.m.", dashes and odd spaces, zone names
    without their accents. URLs are kept."""
    if not text.isascii():
        # (A Turkish capital İ read as I: lowered, it is "i" and a dot above, which no word is.)
        text = unicodedata.normalize("NFC", text).translate(_PLAIN).replace("İ", "I")
        text = _ACCENTED_WORD.sub(_unaccented, text)
    if ".m" in text or ". m" in text or ".M" in text or ". M" in text:  # "p.m.", "A. M."
        text = _DOTTED_AM_PM.sub(r"\1m", text)
    parts = _URL_PART.split(text) if "://" in text else [text]
    for index in range(0, len(parts), 2):
        parts[index] = _rewritten(parts[index], _WORD_LOOKS)
        if _DIGIT.search(parts[index]):
            parts[index] = _rewritten(parts[index], _DIGIT_LOOKS)
    text = "".join(parts)
    # Spanish opening marks, once the words of other languages are read (a clause that opens one
    # asks: `_said_without_no`): the closing ones say the same, and a clause turns before them.
    return text.translate(_OPENING_MARKS) if "¿" in text or "¡" in text else text


# ----------------------------------------------------------------------------------------- clauses

# Each split pattern first looks at the character it could start at (a space, a capital, a
# comma…): the same splits, about twice as fast as trying every branch at every position. "No. 2
# please" and "Nr. 3" as the whole reply are numbers, not a sentence's end ("No. 4pm?" is one).
_SENTENCE_END = re.compile(
    r"(?=[\sA-Z])(?:(?<=[.!?])(?!(?<=\b[Nn][or]\.)\s+\d\b\s*(?:please|pls|thanks|thank\s+you)?\W*$)\s+|\n+|"
    r"(?<=[.!?])(?=[A-Z]))"
)
#: After a space, the words that break are looked for only before one of their first letters.
#: What opens a question that asks for a time ("how about …", "could we …").
#: (And as other languages open it, where the reader leaves their words: "pode ser …?", "podemos …?")
QUESTION_OPENS = (
    r"(?:how\s+about|what\s+about|(?:can|could|would|shall)\s+(?:we|you|i)|(?:can|could|would)\s+it\s+be|"
    r"pode\s+ser|puede\s+ser|podr[ií]a\s+ser|podemos|podr[ií]amos|poderia|k[öo]nnen\s+wir|k[öo]nnten\s+wir|"
    r"kunnen\s+we|zullen\s+we|pourrait-on|peut-on|on\s+peut|potremmo|possiamo)"
)
_CLAUSE_BREAK = re.compile(
    r"(?=[\s;,])(?:;\s*|,\s*(?:but\s+|(?:and\s+)?(?=(?:i|i'm|i\s+am|i'll|i've|we|we're|it's|that's|this\s+is|my|as|since|"
    rf"because|so|sorry|thanks|thank|{QUESTION_OPENS}|maybe|is\s+(?:it\s+)?possible|"
    r"(?:and\s+)?(?:yes|yeah)|"
    r"perhaps|(?:please\s+)?cancel\s+(?:that|it|this|the|our))\b|"
    # another day asked for ("Tuesday doesn't work for me, another day this week?"; not "another
    # time I'll bring my laptop", "Happy to, some time next week?")
    r"(?=(?:another\s+day|any\s+other\s+(?:day|time)|some\s*other\s+(?:day|time))\b[^.!]*\?)))|"
    # (not the "but" of "any but Tuesday", "anything but the first", "any day but Monday")
    r"(?<!\bany)(?<!anything)(?<!anytime)(?<!any\sday)(?<!any\stime)"
    r"\s+(?=[;bhtas\-—–])(?:;\s*|but\s+|however,?\s+|though,?\s+|although\s+|[-—–]+\s+|"
    # a reason after an answer: "the 5pm one suits me better as I'm at uni in the morning"
    r"as\s+(?=(?:i'?m|i\s+am|i\s+have|i'?ve|i'?ll\s+be|we'?re|we\s+have)\b)|"
    r"so\s+(?=(?:i|we|weekends|mornings|afternoons|evenings)\b|\d{1,2}(?::\d\d)?\s*(?:am|pm)\b|\d{1,2}:\d\d))|"
    # an apology, then a question, unpunctuated: "cant do tmrw sorry can we do thurs same time"
    r"(?<=sorry)\s+(?=(?:can|could|how|what)\s))",
)  # searched in the lower-cased text (`_split_at_turns`)
#: A day refused and, after a comma, another offered ("can't do thursday anymore, friday 3pm?",
#: "I'm out Monday, Tuesday at 9:30 works", "Monday's no good, could do Tuesday 10"): two
#: clauses, so that the refusal does not take the offer with it.
_REFUSED_THEN_A_DAY = re.compile(
    r"(?=['cdinw])\b(?:can'?t|cannot|won'?t|(?<!if\s)not|no\s+longer|no\s+good|"
    r"(?:doesn'?t|does\s+not|don'?t|do\s+not)\s+(?:work|suit)|"
    r"(?:i'?m|i\s+am|i'?ll\s+be)\s+(?:\w+\s+)?(?:busy|booked|out|away|off|travell?ing|flying)|"
    r"(?:is|'s)\s+(?:out|bad|tough|tricky|full))\b"
    r"[^,;]*?,\s*(?=(?:(?:i\s+)?(?:could|can)\s+do\s+|let'?s\s+(?:meet|do|say|make\s+it)\s+(?:on\s+)?|"
    r"any\s+chance\s+(?:of\s+|we\s+could\s+(?:do|meet)\s+(?:on\s+)?))?"
    # (an article before the day, as other languages write it: "…, el Friday at 10?")
    rf"(?:(?:on|the|el|la|le|il|am|o|a)\s+)?(?:{WEEKDAY_WORD}|tomorrow|today|the\s+\d{{1,2}}(?:st|nd|rd|th)|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d+)\b[^,;]*\d)",
    re.IGNORECASE,
)


def _turns_from_refusal(piece: str) -> list[str]:
    """The piece, cut after a refused day where it offers another (`_REFUSED_THEN_A_DAY`)."""
    if "," not in piece:
        return [piece]
    turn = _REFUSED_THEN_A_DAY.search(piece)
    return [piece] if turn is None else [piece[: turn.end()], piece[turn.end() :]]


#: "or" between a day said vaguely and a day with its time ("Wednesday afternoon or Friday at 9:15",
#: "Sometime Wednesday, or Friday at 9:15"): two offers, the time not shared (as it is in "Tuesday
#: or Wednesday at 3pm").
_OR = re.compile(r"\s*,?\s+or\s+", re.IGNORECASE)
_VAGUE_DAY = re.compile(
    rf"\b{WEEKDAY_NAME}\b.*\b(?:morning|afternoon|evening|night)\b|\b(?:some\s*time|any\s*time|anytime)\s+(?:on\s+)?{WEEKDAY_NAME}\b",
    re.IGNORECASE,
)
_DAY_AND_TIME = re.compile(rf"\b{WEEKDAY_NAME}\b.*\d", re.IGNORECASE)


def _vague_or_exact(piece: str) -> list[str]:
    """The piece, cut at an "or" between a vague day and a day with its time (`_OR`)."""
    if " or " not in piece.lower():
        return [piece]
    for joint in _OR.finditer(piece, 0, 120):  # a vague day said first, in a few words
        before, after = piece[: joint.start()], piece[joint.end() : joint.end() + 120]
        if not _DIGIT.search(before) and _VAGUE_DAY.search(before) and _DAY_AND_TIME.match(after):
            return [before, piece[joint.start() :]]
    return [piece]


def _low(text: str) -> str:
    """The text in lower case, letter for letter (positions in it are positions in the text)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def clauses_of(text: str) -> list[Clause]:
    """The text's sentences, split again where a sentence turns ("…, but Wednesday works")."""
    found: list[Clause] = []
    position = 0
    for sentence in _SENTENCE_END.split(text):
        start = text.find(sentence, position) if sentence else position
        position = start + len(sentence)
        piece_at = start
        for piece in (
            cut
            for split in _split_at_turns(sentence)
            for turned in _turns_from_refusal(split)
            for cut in _vague_or_exact(turned)
        ):
            piece_start = text.find(piece, piece_at) if piece else piece_at
            piece_at = piece_start + len(piece)
            for at, part in _bounded(piece):
                if part.strip():
                    begins = piece_start + at
                    found.append(Clause(begins, begins + len(part), part, _low(part)))
    return found


def _split_at_turns(sentence: str) -> list[str]:
    """The sentence cut where `_CLAUSE_BREAK` finds a turn, looked for in its lower-cased letters
    (a case-blind search costs three times as much)."""
    pieces, at = [], 0
    for turn in _CLAUSE_BREAK.finditer(_low(sentence)):
        pieces.append(sentence[at : turn.start()])
        at = turn.end()
    pieces.append(sentence[at:])
    return pieces


#: A clause longer than this is not a sentence people write but a list or a machine's text;
#: it is read in pieces of about this length, cut between words, so that reading stays linear.
MAX_CLAUSE_CHARS = 300


def _bounded(piece: str) -> list[tuple[int, str]]:
    """The piece, or its parts of at most about `MAX_CLAUSE_CHARS`, each with where it starts."""
    parts: list[tuple[int, str]] = []
    at = 0
    while len(piece) - at > MAX_CLAUSE_CHARS:
        cut = piece.rfind(" ", at + MAX_CLAUSE_CHARS // 2, at + MAX_CLAUSE_CHARS)
        cut = cut if cut > at else at + MAX_CLAUSE_CHARS
        parts.append((at, piece[at:cut]))
        at = cut
    parts.append((at, piece[at:]))
    return parts


# ------------------------------------------------------------------------------------------- times


@dataclass
class _Found:
    start: int
    end: int
    text: str
    day: date | None
    clock: time | None
    until: time | None = None
    zone: tzinfo | None = None
    #: Where the library's phrase ends, when it read several times in it ("Tue or Wed at 3pm").
    phrase_end: int | None = None


#: What may stand between a time and its zone besides a space or a bracket: "3pm at ET".
_AT_ZONE = re.compile(r"\s*,?\s*at\s+\(?")


def _zone_of(text: str, item: _Found, zone: ZoneInfo, other: ZoneInfo | None) -> tzinfo | None:
    """The zone written in a time's span or right after it ("3pm ET on Thursday", "10am (London
    time)"); for one of several times read in one phrase without a zone of its own, the zone
    written after the whole phrase ("Tuesday or Wednesday at 3pm London time")."""
    low = _low(text)
    for end in (item.end, item.phrase_end):
        if end is None:
            continue
        for match in _ZONE_RE.finditer(low, item.start):
            if match.start() > end + 3 and not _AT_ZONE.fullmatch(low, end, match.start()):
                break
            if re.sub(r"\s+", " ", match.group(1)) in _CITY_SET and low[end : match.start()].strip():
                continue  # a city names the zone only right after the time
            return _zone_named(match.group(1), zone, other)
    return None


def _zone_named(word: str, zone: ZoneInfo, other: ZoneInfo | None) -> tzinfo:
    """The zone a written name means: an offset ("UTC+5:30"), the writer's ("my time") or the
    other side's ("your time"), an abbreviation of either's own zone, or a name of `ZONES`."""
    word = re.sub(r"\s+", " ", word.lower())
    offset = re.fullmatch(r"(?:utc|gmt) ?([+\-−–])(\d{1,2})(?:[:.]?(\d\d)|(\.5))?", word)
    if offset:
        hours, minutes = int(offset.group(2)), 30 if offset.group(4) else int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            return zone  # not an offset any place keeps
        sign = 1 if offset.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    if word.startswith("my "):
        return zone
    if word.startswith("your ") or word in THEIR_ZONES:
        return other or zone
    # An abbreviation is the writer's own zone's (or the other side's) when it is theirs:
    # "MST" from Phoenix is Phoenix's, "CST" from Shanghai is China's, as our emails name them.
    for own in (zone, other):
        if own is not None and word.upper() in _abbreviations(own):
            return own
    return ZoneInfo(ZONES[word])


@functools.cache
def _abbreviations(zone: ZoneInfo) -> frozenset[str]:
    """What a zone is called in winter and in summer ("EST", "EDT")."""
    return frozenset(datetime(2026, month, 1, 12, tzinfo=zone).tzname() or "" for month in (1, 7))


#: What timefhuman raises on text its grammar does not take (it is then taken as naming no time).
_LIBRARY_ERRORS = (LarkError, ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError)


@functools.lru_cache(maxsize=64)
def _library_config(wall_clock: datetime) -> tfhConfig:
    """The library's settings for a reply read at `wall_clock`, the sender's local time without its
    zone (made once per reply, not per clause). Keyed on the wall clock, not the aware time: aware
    times are equal at the same instant, and 01:30 in Amsterdam is not 19:30 in New York."""
    return tfhConfig(now=wall_clock, return_matched_text=True, infer_datetimes=False)


#: Put before a clause that starts with a word, given to the library: it reads a text that starts
#: with a time by parsing the whole text with its grammar first, and one that starts with other
#: words by finding the times in it, far faster for the same times (README, Benchmarks, (d)). A
#: clause that starts with a number ("9 to 10am?", "2 or 3pm?") is given as written: after the
#: mark, the library finds only its last time.
_LEAD = "~ "


def _library(text: str, local_now: datetime) -> list[tuple[str, tuple[int, int], Any]]:
    """The times the library finds in `text`: each as written, its span, and its value."""
    lead = _LEAD if text[:1].isalpha() else ""
    try:
        found = timefhuman(lead + text, config=_library_config(local_now.replace(tzinfo=None)))
    except _LIBRARY_ERRORS:
        return []
    results = []
    for written, (start, _end), value in found:
        kept = written.rstrip("!?.,;: ")  # the spans found after the mark may take what follows
        results.append((kept, (start - len(lead), start - len(lead) + len(kept)), value))
    return results


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for item in value for v in _flatten(item)]
    return [value]


#: Evening words right next to an hour: "tonight at 8", "Tuesday evening 7", "9 at night".
_EVENING_BEFORE = re.compile(r"\b(?:tonight|evening|night)\s*,?\s*(?:at\s+|@\s*|around\s+|about\s+)?$", re.I)
_EVENING_AFTER = re.compile(
    rf"^\s*(?:o'?clock\s+)?(?:{WEEKDAY_IN_FULL}\s+)?"
    r"(?:tonight|(?:in\s+the\s+)?evening|(?:at\s+)?night)\b",
    re.I,
)


#: Morning words right next to an hour: "Tuesday morning at 7", "7:30 tomorrow morning", "7:30 on
#: Wednesday morning".
_MORNING_BEFORE = re.compile(r"\bmorning\s*,?\s*(?:at\s+|@\s*|around\s+|about\s+)?$", re.I)
_MORNING_AFTER = re.compile(
    r"^\s*(?:o'?clock\s+)?(?:on\s+)?(?:(?:this|next)\s+)?"
    rf"(?:{WEEKDAY_IN_FULL}\s+|tomorrow\s+)?morning\b",
    re.I,
)


_DAYTIME_SAID = re.compile(r"\d\s*(?:am|pm)|\bnoon\b|\bmidnight\b|\bmorning\b", re.IGNORECASE)
_EVENING = re.compile(r"\b(?:tonight|evening|night)\b", re.IGNORECASE)
_ZERO_HOUR = re.compile(r"\b0\d:\d\d")  # "07:00" is 7am, as 24-hour times are


#: Hours said bare ("at 3", "2-3") that are in the afternoon; 8-11 are the morning's.
BARE_PM_HOURS = range(1, 8)


def _pm(clock: time, written: str, before: str = "", *after: str) -> time:
    """A bare hour 1–7 (no am/pm, not 24-hour) is in the afternoon: "at 3" → 15:00; any hour
    before noon said of the evening (in `written`, the words right `before` it, or those
    starting one of `after`) is that evening's, and one said of the morning stays as it is
    ("Tuesday morning at 7"). Evening words elsewhere in the sentence do not count: "I have
    class Tuesday evening, could we do Wednesday at 9?" asks for 9am."""
    if _DAYTIME_SAID.search(written):
        return clock
    if _MORNING_BEFORE.search(before) or any(_MORNING_AFTER.match(text) for text in after):
        return clock
    evening = (
        _EVENING.search(written)
        or _EVENING_BEFORE.search(before)
        or any(_EVENING_AFTER.match(text) for text in after)
    )
    if evening and 1 <= clock.hour <= 11:
        return clock.replace(hour=clock.hour + 12)  # "tonight at 8", "Tuesday night at 9"
    if clock.hour in BARE_PM_HOURS and not _ZERO_HOUR.search(written):
        return clock.replace(hour=clock.hour + 12)
    return clock


def _each_its_own_day(written: str) -> bool:
    """Whether each of the times listed in `written` names its day (a weekday, "tomorrow", a
    month's day): "Friday at 10 or Monday at 2pm", not "Friday 8 or 9pm"."""
    parts = [part for part in _BETWEEN_OPTIONS.split(written) if part.strip()]
    return len(parts) > 1 and all(
        any(pattern.search(part) for pattern in (_WEEKDAY, _RELATIVE, _MONTH, _ORDINAL_DAY)) for part in parts
    )


#: An hour and its minutes as written ("10" of "Friday at 10", "10:30"; not a month's day:
#: "December 17", "Dec 17", "the 17th").
_HOUR_AND_MINUTES = re.compile(
    "".join(rf"(?<!{month}\s)" for name in MONTHS for month in dict.fromkeys((name, name[:3])))
    + r"(?<![\d:])(\d{1,2})(?::(\d\d))?(?![\d:]|st\b|nd\b|rd\b|th\b)",
    re.IGNORECASE,
)


def _hours_written(own: str) -> list[tuple[int, int]]:
    """The hours (with their minutes) `own` writes (`_HOUR_AND_MINUTES`)."""
    return [(int(hour), int(minutes or 0)) for hour, minutes in _HOUR_AND_MINUTES.findall(own)]


def _unshared(clock: time, own: str) -> time:
    """The hour `own` writes, where the library put it after noon for a pm said of another, or
    gave it another's hour ("Wed 3pm or Thu 10": Thursday's 10, not 3)."""
    if _DAYTIME_SAID.search(own):
        return clock
    written = _hours_written(own)
    hours = {hour for hour, _minutes in written}
    if clock.hour > 12 and clock.hour - 12 in hours and clock.hour not in hours:
        return clock.replace(hour=clock.hour - 12)
    if len(written) == 1 and clock.hour % 12 != written[0][0] % 12 and written[0] < (24, 60):
        return time(*written[0])
    return clock


#: An hour with its am or pm ("2pm", "9 am").
_MARKED_HOUR = re.compile(r"\b(\d{1,2})(?::\d\d)?\s*([ap])m\b", re.IGNORECASE)


def _in_order(clock: time, own: str, said_before: str, said_after: str) -> time:
    """A bare hour of a list, where the library gave it the am or pm said of another (`said_before`
    or `said_after` it in the list) and that puts the list out of order: "Tuesday at 10 or 2pm" is
    10am and 2pm, "Tuesday 11am or 1" 11am and 1pm, "Thursday 8am or 12" 8am and noon ("8 or 9pm"
    shares its pm, "9 or 10am" its am)."""
    hours = {hour for hour, _minutes in _hours_written(own)}
    after = [(int(h) % 12, m.lower()) for h, m in _MARKED_HOUR.findall(said_after)]
    before = [(int(h) % 12, m.lower()) for h, m in _MARKED_HOUR.findall(said_before)]
    if clock.hour == 0 and 12 in hours:
        return clock.replace(hour=12)  # a bare 12 is noon
    bare = clock.hour - 12 if clock.hour > 12 else clock.hour
    if bare not in hours:
        return clock
    if clock.hour > 12 and any(m == "p" and h < bare for h, m in after):
        return clock.replace(hour=bare)
    if 1 <= clock.hour <= 7 and any(m == "a" and h > bare for h, m in before):
        return clock.replace(hour=clock.hour + 12)
    return clock


def _next_weekday(today: date, weekday: int) -> date:
    """The first such weekday strictly after today."""
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def weekday_index(word: str) -> int:
    """The weekday a word names, Monday 0 ("tue", "Tuesday", "thurs")."""
    return [w[:3] for w in WEEKDAYS].index(word[:3].lower())


def _next_week(today: date, weekday: int) -> date:
    """That weekday in the next calendar week (weeks start on Monday)."""
    return today - timedelta(days=today.weekday()) + timedelta(days=7 + weekday)


#: Where "12/8" is month/day: the United States, Canada and the Philippines (Latin America, like
#: most of the world, writes day/month: "15/12" from São Paulo is December 15).
_MONTH_FIRST_ZONES = re.compile(
    r"America/(?:New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Juneau|Sitka|Yakutat|Nome|Adak|"
    r"Metlakatla|Boise|Detroit|Indiana/\w+|Kentucky/\w+|North_Dakota/\w+|Menominee|Toronto|Vancouver|Edmonton|"
    r"Winnipeg|Regina|Halifax|St_Johns|Moncton|Glace_Bay|Goose_Bay|Whitehorse|Dawson|Dawson_Creek|Creston|"
    r"Fort_Nelson|Inuvik|Cambridge_Bay|Iqaluit|Rankin_Inlet|Resolute|Swift_Current|Atikokan|Blanc-Sablon|"
    r"Thunder_Bay|Nipigon|Rainy_River|Pangnirtung|Yellowknife|Puerto_Rico)|Pacific/Honolulu|Asia/Manila|US/\w+|Canada/\w+"
)


def writes_month_first(zone_name: str) -> bool:
    """Whether a sender in this zone writes "12/8" as month/day (`_MONTH_FIRST_ZONES`)."""
    return _MONTH_FIRST_ZONES.fullmatch(zone_name) is not None


def _resolve_day(written: str, library_day: date | None, today: date, zone_name: str) -> date | None:
    """The day a phrase names, by our rules where they differ from the library's reading."""
    next_week = _NEXT_WEEK_DAY.search(written)
    if next_week:
        return _next_week(today, weekday_index(next_week.group(1) or next_week.group(2)))
    relative = _RELATIVE.search(written)
    if relative:
        word = relative.group(1).lower()
        return today + timedelta(days={"today": 0, "tonight": 0, "tomorrow": 1}.get(word, 2))
    numeric = _NUMERIC_DATE.search(written)
    if numeric and not _MONTH.search(written):
        first, second, year = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
        month, day = (first, second) if writes_month_first(zone_name) else (second, first)
        return _roll_year(month, day, int(year) + (2000 if len(year) == 2 else 0) if year else None, today)
    if library_day is not None and (_MONTH.search(written) or _ORDINAL_DAY.search(written)):
        if re.search(r"\b20\d\d\b", written):
            return library_day
        if not _MONTH.search(written):  # "the 18th": this month's, or next month's once past
            return _add_month(library_day) if library_day < today - RECENT_PAST else library_day
        return _roll_year(library_day.month, library_day.day, None, today)
    weekday = _WEEKDAY.search(written)
    if weekday:
        return _next_weekday(today, weekday_index(weekday.group(1)))
    return library_day


def _add_month(day: date) -> date:
    """The same day of the month in the next month that has it ("the 31st" after Jan 31 is Mar 31)."""
    year, month = day.year, day.month
    for _ in range(12):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            return day.replace(year=year, month=month)
        except ValueError:
            continue
    return day


def _roll_year(month: int, day: int, year: int | None, today: date) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
    except ValueError:
        return None
    if candidate < today - RECENT_PAST:
        candidate = candidate.replace(year=candidate.year + 1)
    elif candidate > today + timedelta(days=365 - 30):
        candidate = candidate.replace(year=candidate.year - 1)
    return candidate


def _blank(pattern: re.Pattern[str], text: str, low: str | None = None) -> str:
    """The text with what `pattern` finds (in `low`, the text in lower case, when given) blanked."""
    if low is None:
        return pattern.sub(lambda m: " " * len(m.group(0)), text)
    for match in pattern.finditer(low):
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return text


#: Whatever names a day or a time has a digit or one of these words: a clause without any (a
#: greeting, a message) is not given to the library at all.
_MAY_NAME_TIME = re.compile(
    r"\d|(?=[adefjlmnostw])\b(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|today|tonight|"
    r"tomorrow|noon|midnight|morning|afternoon|evening|night|lunch|week|weekend|month)",
)


def _found_in(clause: str, local_now: datetime, zone: ZoneInfo, other: ZoneInfo | None) -> list[_Found]:
    """Days and times named in one clause, after the library and our rules."""
    low = _low(clause)
    if not _MAY_NAME_TIME.search(low):
        return []
    masked = _blank(_URL, clause) if "://" in clause else clause
    if _DIGIT.search(masked):
        masked = _blank(_JUNK, _blank(_STREET_ADDRESS, masked), _low(masked))
    if "same" in low:  # "the same time as the 2nd one" names no date
        masked = _blank(SAME_TIME_AS_AN_OPTION, masked, _low(masked))
    if "-" in low or " to " in low or "thr" in low:  # "Mon-Fri", "Monday to Friday", "through", "thru"
        masked = _blank(_DAY_RANGE, masked, _low(masked))
    zones = _names_zone(masked)
    if zones:
        masked = _blank(_ZONE_RE, masked, _low(masked))
    if not _MAY_NAME_TIME.search(_low(masked)):
        return []
    if "days" in low:  # "Thursdays at 8" → "Thursday  at 8"
        masked = _PLURAL_DAY.sub(lambda m: m.group(1) + " ", masked)
    found: list[_Found] = []
    for written, (start, end), value in _library(masked, local_now):
        if isinstance(value, timedelta):
            continue
        values = _flatten(value)
        for item, (first, last) in zip(values, _spans(written, start, end, len(values)), strict=True):
            readings = _readings(clause, written, first, last, item, local_now, len(values) > 1, end)
            found.extend(readings)
    found.extend(_bare_hours(masked, found))
    found.extend(_days(masked, found, local_now.date(), str(local_now.tzinfo)))
    found.sort(key=lambda f: f.start)
    merged = _merge(clause, found)
    if zones:
        for item in merged:
            item.zone = _zone_of(clause, item, zone, other)
    return _time_shared(clause, merged)


_EITHER_DAY = re.compile(r"\s*,?\s*(?:or|/)\s*")
_LISTED = re.compile(r"\s*,\s*")
_ZONED_OR = re.compile(r"\s*(?:[a-z]{2,5}\s*)?,?\s*(?:or|/)\s*", re.IGNORECASE)


def _time_shared(clause: str, found: list[_Found]) -> list[_Found]:
    """Days offered as alternatives before one time ("Monday or Tuesday, say 9:30", "Mon or Tue,
    9:30 either day", "Mon, Tue or Wed at 10") each take that time: the library gives it to the
    last day only."""
    shared: list[_Found] = []
    for earlier, later in reversed(list(itertools.pairwise(found))):
        joined = _EITHER_DAY.fullmatch(clause, earlier.end, later.start) or (
            any(later is item for item in shared) and _LISTED.fullmatch(clause, earlier.end, later.start)
        )
        if joined and earlier.day is not None and earlier.clock is None and later.day and later.clock:
            earlier.clock, earlier.until, earlier.zone = later.clock, later.until, later.zone
            earlier.phrase_end = max(later.end, later.phrase_end or 0)  # where its time was written
            shared.append(earlier)
    for earlier, later in itertools.pairwise(found):
        # "Tuesday at 3pm ET or Wednesday same time": the zone named goes with the time shared.
        if (
            later.zone is None
            and earlier.zone is not None
            and later.clock == earlier.clock
            and _ZONED_OR.fullmatch(clause, earlier.end, later.start)
        ):
            later.zone = earlier.zone
    return found


_WORD = re.compile(r"[a-z]+")
_ZONE_FIRST_WORDS = frozenset(word.split()[0] for word in _ZONE_WORDS)


def _names_zone(text: str) -> bool:
    """Whether a zone may be named here (a cheap look before the long pattern of every zone)."""
    return not _ZONE_FIRST_WORDS.isdisjoint(_WORD.findall(text.lower()))


def _readings(
    clause: str,
    written: str,
    start: int,
    end: int,
    item: Any,
    local_now: datetime,
    several: bool,
    phrase_end: int,
) -> list[_Found]:
    today = local_now.date()
    zone_name = str(local_now.tzinfo)
    until: time | None = None
    if isinstance(item, tuple) and len(item) == 2:
        item, last = item
        until = last.time() if isinstance(last, datetime) else last if isinstance(last, time) else None
    if isinstance(item, datetime):
        day: date | None = item.date()
        clock: time | None = item.time().replace(tzinfo=None)
    elif isinstance(item, date):
        day, clock = item, None
    elif isinstance(item, time):
        day, clock = None, item.replace(tzinfo=None)
    else:
        return []
    # (Of several read in one phrase, this one's own words: "Friday morning, 9:30" is a list to the
    # library, and its morning's 6:00 no hour said.)
    own = clause[start:end] if several else written
    if clock is not None and not _CLOCK.search(own) and not _HOUR_WRITTEN.search(own):
        clock = None  # "Thursday afternoon": the library's 15:00 is its guess, not the person's
    around = clause[max(0, start - 24) : end + 16]
    # The words right after this time, or after the whole phrase it was read in ("8 or 9 tonight").
    after = (clause[end : end + 24], clause[phrase_end : phrase_end + 24])
    before = clause[max(0, start - 24) : start]
    if clock is not None and several and until is None and _each_its_own_day(written):
        # "Friday at 10 or Monday at 2pm", "Friday at 10am or Monday at 2": each day's hour read
        # in its own words; the library gives one's am or pm to all ("Friday 8 or 9pm", where the
        # hours share one day, shares it).
        clock = _pm(_unshared(clock, own), own, before, after[0])
    elif clock is not None:
        if several and until is None and not _DAYTIME_SAID.search(own):
            phrase_start = max(0, phrase_end - len(written))
            clock = _in_order(clock, own, clause[phrase_start:start], clause[end:phrase_end])
        clock = _pm(clock, written, before, *after)
        if until is not None:
            until = _pm(until, written, before, *after)
            if until <= clock and until.hour < 12:
                until = until.replace(hour=until.hour + 12)
    if day is not None and not several:
        # "Tuesday next week", "the day after tomorrow": the words around the day count too.
        context = around if _NEXT_WEEK_DAY.search(around) or _DAY_AFTER.search(around) else written
        day = _resolve_day(context, day, today, zone_name)
    elif day is not None and _NUMERIC_DATE.search(written):
        # "Tue 12/15 @ 11am or Wed 12/16 @ 4pm": each option's own date, as said (the library's,
        # where the phrase is not told apart into its options)
        day = _resolve_day(own, day, today, zone_name) if own != written else day
    elif day is not None:
        day = _resolve_several(written, day, today)
    if day is None and clock is None:
        return []
    shared = phrase_end if phrase_end > end else None
    return [_Found(start, end, written, day, clock, until, phrase_end=shared)]


_BETWEEN_OPTIONS = re.compile(r"\s*(?:,|/|\bor\b|\band\b)\s*", re.IGNORECASE)


def _spans(written: str, start: int, end: int, count: int) -> list[tuple[int, int]]:
    """Where each of `count` times the library read in one phrase is written ("3pm my time or
    10am your time"), so that each finds the zone written after it; the whole phrase for each
    when the phrase does not split into that many parts."""
    if count == 1:
        return [(start, end)]
    cuts = [0, *(i for m in _BETWEEN_OPTIONS.finditer(written) for i in m.span()), len(written)]
    parts = []
    for first, last in zip(cuts[::2], cuts[1::2], strict=True):
        text = written[first:last]
        if text.strip():
            lead = len(text) - len(text.lstrip())
            parts.append((start + first + lead, start + first + len(text.rstrip())))
    return parts if len(parts) == count else [(start, end)] * count


_HOUR_WRITTEN = re.compile(r"\b(?:at|@)\s*\d|\d\s*$|^\d")
_DAY_AFTER = re.compile(r"day\s+after", re.IGNORECASE)


def _resolve_several(written: str, library_day: date, today: date) -> date | None:
    """A day inside a list of options ("Tue 3pm or Wed 10am"): weekdays by our rule, dates by year."""
    name = [w[:3] for w in WEEKDAYS][library_day.weekday()]
    if re.search(rf"\b{name}", written, re.IGNORECASE) and not _MONTH.search(written):
        if _NEXT_WEEK_DAY.search(written):
            return _next_week(today, library_day.weekday())
        return _next_weekday(today, library_day.weekday())
    if library_day == today and not _RELATIVE.search(written):
        return library_day
    return (
        _roll_year(library_day.month, library_day.day, None, today) if _MONTH.search(written) else library_day
    )


#: A number asked for ("how many", "the number of"): what follows is a count.
_A_COUNT_ASKED = re.compile(r"\bhow\s+(?:many|much|long)\b|\bnumber\s+of\b", re.IGNORECASE)


def _bare_hours(masked: str, found: list[_Found]) -> list[_Found]:
    """ "at 3", "make it 4": an hour the library does not read on its own."""
    extra: list[_Found] = []
    asked = _BARE_HOUR_ASKED.finditer(masked) if any(verb in masked for verb in _ASKED_VERBS) else ()
    said = _BARE_HOUR_SAID.finditer(masked) if any(word in masked for word in _SAID_WORDS) else ()
    better = _BARE_HOUR_BETTER.finditer(masked) if any(word in masked for word in _BETTER_WORDS) else ()
    for match in (*_BARE_HOUR.finditer(masked), *asked, *said, *better):
        if any(f.start <= match.start(1) < f.end for f in found):
            continue
        if _A_COUNT_ASKED.search(masked, 0, match.start()):
            continue  # "How many questions should I prepare, maybe 5?": a number, no hour
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 23 or minute > 59:
            continue
        before = masked[max(0, match.start() - 24) : match.start()]
        clock = _pm(time(hour, minute), match.group(0), before, masked[match.end() : match.end() + 24])
        extra.append(_Found(match.start(1), match.end(), match.group(0), None, clock))
    return extra


_MONTH_DAY = re.compile(
    r"(?=[\dadfjmnos])\b(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?|"
    r"(?P<month2>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?)\b"
    r"(?:,?\s+(?P<year>20\d\d))?",
    re.IGNORECASE,
)


def _days(masked: str, found: list[_Found], today: date, zone_name: str) -> list[_Found]:
    """Days the library passed over in a longer sentence ("First one Thursday at noon",
    "10 December at 9:00"): weekdays and written dates, by the same rules."""
    extra: list[_Found] = []
    taken = [(f.start, f.end) for f in found if f.day is not None]
    for match in [*_MONTH_DAY.finditer(masked), *_WEEKDAY.finditer(masked)]:
        if any(start <= match.start() < end or match.start() <= start < match.end() for start, end in taken):
            continue
        if match.re is _MONTH_DAY:
            month = _month_number(match.group("month") or match.group("month2"))
            number = int(match.group("day") or match.group("day2"))
            year = int(match.group("year")) if match.group("year") else None
            day = _roll_year(month, number, year, today)
        else:
            if match.group(0).lower() in ("sat", "sun", "mar", "wed") and not match.group(0)[0].isupper():
                continue  # "sat", "sun" as words
            day = _resolve_day(masked[max(0, match.start() - 16) : match.end() + 16], None, today, zone_name)
            day = day or _next_weekday(today, weekday_index(match.group(1)))
        if day is not None:
            extra.append(_Found(match.start(), match.end(), match.group(0), day, None))
            taken.append((match.start(), match.end()))
    return extra


def _merge(clause: str, found: list[_Found]) -> list[_Found]:
    """A time and a day written apart ("3pm ET on Thursday", "Monday would work at 4pm") become one,
    when nothing between them names another day or time or offers a choice."""
    merged: list[_Found] = []
    for item in found:
        previous = merged[-1] if merged else None
        if previous is not None:
            between = clause[previous.end : item.start]
            joinable = len(between) <= 40 and not re.search(r"\bor\b|[.?!;]|\band\b", between, re.IGNORECASE)
            if (
                joinable
                and previous.day is None
                and previous.clock is not None
                and item.day
                and item.clock is None
            ):
                previous.day, previous.end = item.day, item.end
                continue
            if (
                joinable
                and previous.day is not None
                and previous.clock is None
                and item.clock
                and item.day is None
            ):
                previous.clock, previous.until, previous.end = item.clock, item.until, item.end
                continue
        merged.append(item)
    return merged


# ----------------------------------------------------------------------------------------- reading


def read_times(
    text: str,
    zone: ZoneInfo,
    now: datetime,
    other_zone: ZoneInfo | None = None,
    anchor: datetime | None = None,
    time_kept_from: datetime | None = None,
) -> Reading:
    """Every clause of `text` with the times it offers, and the options of the reply gathered.

    `zone` is the sender's; `other_zone` the other side's ("3pm your time"). `anchor` is the
    time the email being answered was about (the option it offered, the meeting it confirmed):
    a time alone ("could we do 4pm instead?") is on its day, "same time" is its time, and
    "an hour earlier" is relative to it. `time_kept_from`, without an anchor: the option offered whose
    hour "same time" keeps for another day (the one named, "the same time as the second one", or
    any where all share their hour).
    """
    local_now = now.astimezone(zone)
    today = local_now.date()
    normalized = _dates_pinned(
        _beside_a_weekday(
            _weeks_apart(_nth_weekdays_named(_in_the_week_named(normalize(text), today), today), today), today
        ),
        today,
    )
    local_anchor = anchor.astimezone(zone) if anchor is not None else None
    clauses = clauses_of(normalized)
    facts = _Facts(time_kept_from=time_kept_from.astimezone(zone) if time_kept_from is not None else None)
    previous: Clause | None = None
    for clause in clauses:
        _read_clause(clause, previous, facts, local_now, zone, other_zone, local_anchor)
        previous = clause
        facts.last_day = clause.days[-1] if clause.days else facts.last_day
    for index, after in enumerate(clauses):
        if index and clauses[index - 1].times:
            _zone_said_after(clauses[:index], after, zone, other_zone)
        if "following" in after.low:
            _after_the_day_named(clauses[:index], after)
    for clause in clauses:
        restated = len(clause.times) == 2 and other_zone is not None and "you" in clause.low
        if restated and _RESTATED.search(clause.low):
            # "Friday 9pm SGT, which should be 8am Friday for you": one instant, said again in the
            # other side's zone (not "Tuesday 3pm, or Wed 9am which would be better for you").
            first, again = clause.times
            if same_moment(again.replace(tzinfo=other_zone), first):
                del clause.times[1]
    for said, refused in zip(clauses, clauses[1:], strict=False):
        if said.times and not refused.mentions and _NOT_THEN.search(refused.low):
            # "Dec 25 at 10am we open presents, so let's definitely not meet then": refused after.
            said.times.clear()
            said.unavailable = True
    for reason, offer in zip(clauses, clauses[1:], strict=False):
        if _is_the_reason_for(reason, offer, normalized):
            reason.times.clear()
            reason.unavailable = True
    options: list[datetime] = []
    for clause in clauses:
        options.extend(t for t in clause.times if not any(same_moment(t, o) for o in options))
    options = options[:MAX_OPTIONS]
    if not options and facts.approximate:
        # The first time said approximately, on each day it was said of ("Tue or Thu, maybe 3ish?").
        first = facts.approximate[0].timetz()
        options = [t for t in facts.approximate if t.timetz() == first][:MAX_OPTIONS]
    if not options:  # nothing to book: its length, place and repeat are not looked for
        return Reading(normalized, clauses, [], any(c.vague for c in clauses), facts.shifted)
    repeat = _repeat_of(clauses)
    low = _low(normalized)
    if repeat and facts.series_start is None and ("start" in low or "from" in low):
        facts.series_start = _series_start_said(low, today)
    options, repeat = _series_first(clauses, options, repeat, facts.series_start, local_now)
    durations = _durations(_blank(_SHIFT, _low(normalized)), facts.durations, len(options))
    location = _location(text, clauses)
    return Reading(
        text=normalized,
        clauses=clauses,
        options=[
            Option(t.astimezone(UTC), minutes, location, repeat)
            for t, minutes in zip(options, durations, strict=True)
        ],
        vague=any(c.vague for c in clauses) and not options,
        shifted=facts.shifted,
    )


#: The time said just before refused ("…, so let's definitely not meet then", "so not then").
_NOT_THEN = re.compile(
    r"\b(?:(?:let'?s|we\s+(?:should|shouldn'?t|can'?t)|better)\s+(?:\w+\s+)?not\s+meet\s+then|"
    r"(?:so\s+)?(?<!if\s)not\s+then|(?:so\s+)?that'?s\s+out|(?:so\s+)?no\s+meeting\s+then)\b(?!\s*\?)"
)
#: A time said again as the other side reads it ("…, which should be 8am Friday for you", "that's
#: 3pm your time"): the same instant, not a second option.
_RESTATED = re.compile(
    r"\b(?:which|that|this)(?:'s|\s+is|\s+(?:should|would|will|must)\s+be|\s+works\s+out\s+(?:to|as|at)|\s+means)"
    r"\s+[^.?!]{0,30}?\b(?:for\s+you|your\s+time|your\s+end|on\s+your\s+(?:side|end))\b"
)
#: Words that make the second of two times an addition or a fallback, not the offer the first
#: is the reason for ("…, so Wednesday 2pm would also work", "…, so Wednesday 2pm as a backup").
_BESIDE_IT = re.compile(
    r"\b(?:also|too|as\s+well|backup|back-up|fallback|if\s+not|otherwise|failing\s+that)\b"
)


def _is_the_reason_for(reason: Clause, offer: Clause, text: str) -> bool:
    """A time said plainly, then, in the same sentence, "so" and another day offered: the first is
    the sender's own engagement, the reason for the second ("Yoga Tuesday 6pm, so Wednesday 2pm?",
    "Dentist Tuesday at 3, so maybe Wednesday?"). Not where the first is offered in words
    ("Tuesday 3pm works, so does Wednesday", "Tuesday 3pm is my first choice, so …"), the second
    is an addition or a fallback ("…, so Wednesday 2pm would also work", "… as a backup"), or
    restates the same day ("…, so 8pm your time")."""
    return (
        bool(reason.times)
        and offer.low.startswith("so ")
        and not re.search(r"[.!?]", text[reason.end : offer.start])
        and bool(offer.days)
        and set(offer.days) != set(reason.days)
        and not _CUE.search(reason.low)
        and not _BESIDE_IT.search(offer.low)
    )


#: A clause that only names the zone of the times said before it: "(UK time)", "London time,
#: that is.", "All times Pacific btw.", "I'm on Central time.", "I'm in Berlin.", "Times are in CET."
_ZONE_ALONE = re.compile(
    r"\W*(?:(?:all\s+)?(?:(?:the\s+)?times?\s+)?(?:are\s+|is\s+)?(?:in\s+)?|(?:i'?m|i\s+am)\s+(?:on|in|based\s+in)\s+|"
    rf"that'?s\s+)(?:the\s+)?({_OFFSET}|{_NAMED_ZONE})(?:\s+time)?(?:,?\s+(?:that\s+is|btw|by\s+the\s+way))?\W*"
)


def _zone_said_after(before: list[Clause], after: Clause, zone: ZoneInfo, other: ZoneInfo | None) -> None:
    """The clocks written without a zone in the clause before `after` take the zone `after` names
    on its own ("Would Tuesday at 3 work? (UK time)"), or, said of "all times", those of every
    clause before it: the day as read in the sender's zone, the clock in the zone named. Not a
    time said with its zone ("2pm ET? I'm in Berlin."), nor one moved from the meeting ("an hour
    later?") or taken from it ("same time"): no clock of theirs is written. The caller passes
    only a `before` whose last clause offers times."""
    said = None if after.mentions else _ZONE_ALONE.fullmatch(after.low)
    if said is None:
        return
    named = _zone_named(said.group(1), zone, other)
    for offer in before if said.group(0).lstrip(" (").startswith("all") else before[-1:]:
        written = offer.mentions and not _SHIFT.search(offer.low) and not _SAME_TIME.search(offer.low)
        if offer.times and written and not _ZONE_RE.search(offer.low):
            offer.times[:] = [t.replace(tzinfo=named) if t.tzinfo is zone else t for t in offer.times]
            after.zone_note = True


@dataclass
class _Facts:
    """What clauses tell beyond their own times: ranges' lengths, a series' first day, and times
    given as approximate ("noon-ish"), offered only when nothing exact is."""

    durations: list[int] = field(default_factory=list)
    series_start: date | None = None
    approximate: list[datetime] = field(default_factory=list)
    #: The days named alone in the clause before ("First thing Monday — say 8:15?", "Mon or Tue?
    #: 9:30 either day").
    carried_days: tuple[date, ...] = ()
    #: The last time offered so far ("…, or Wednesday same time?" takes its time).
    last_offered: datetime | None = None
    #: Times offered with no day to put them on, waiting for a day named alone in the clause
    #: after ("Is 3pm okay? Tuesday I mean").
    waiting: list[_Found] = field(default_factory=list)
    shifted: bool = False
    #: The last day named so far, offered or not ("…is when my team has its retro, so that's out.
    #: How about 4:30 that day?").
    last_day: date | None = None
    #: The option being answered whose hour "same time" keeps for another day ("Neither day works,
    #: but the same time on Friday?"), in the sender's zone (`read_times`).
    time_kept_from: datetime | None = None


#: Another hour asked for in so many words ("can we go to 1:30?", "could we do 4pm?", "make it
#: 13:30 on the same day"; not "Can I call you at 2:50 to test the line?").
_MOVE_ASKED = re.compile(
    r"\b(?:(?:can|could|shall|should)\s+we|we\s+(?:can|could)\s+do|any\s+chance|how\s+about|what\s+about|let'?s|"
    r"instead|make\s+it|go\s+to|push|bump|"
    r"move|shift|start\s+at|same\s+day)\b"
)
#: A clause that opens by naming what someone has on, with its time and no question ("Interview
#: with Stripe on the 15th at 11", "Dentist Thursday at 2, ugh", "Board meeting Thursday at 10,
#: wish me luck"): an engagement, not an offer.
_ENGAGEMENT_FIRST = re.compile(
    r"\W*(?:my\s+|the\s+|a\s+|an\s+|our\s+|his\s+|her\s+|their\s+)?(?:[\w'-]+\s+)?"
    rf"{_ENGAGEMENTS}"
)
#: A time said to be on the day named before: "4:30 that day", "later the same day".
_THAT_DAY = re.compile(r"\b(?:that|the\s+same|same)\s+day\b")
_ISH = re.compile(r"\s*-?\s*ish\b")  # "3ish", "3-ish": about then, not a time to book


def _read_clause(
    clause: Clause,
    previous: Clause | None,
    facts: _Facts,
    local_now: datetime,
    zone: ZoneInfo,
    other_zone: ZoneInfo | None,
    anchor: datetime | None,
) -> None:
    """Fill in what one clause offers: exact times, or a vague day or part of the day."""
    found = _found_in(clause.text, local_now, zone, other_zone)
    if found and previous is not None and _A_COUNT_ASKED.search(previous.low):
        # "How many questions should I prepare, maybe 5?": a count answered, no hour
        found = [item for item in found if item.day is not None or _CLOCK.search(item.text)]
    clause.mentions = len(found)
    low = clause.low
    shift = _shift_in(low) if anchor is not None else None
    moved_day = None
    if shift is not None and anchor is not None and shift % timedelta(days=1) == timedelta(0) and found:
        # "Could we meet the day after at 4pm?": a time alone is on the day moved to, and the
        # "after" of "the day after" is no window.
        anchor, shift = anchor + shift, timedelta(0)
        moved_day = anchor.date()
        low = _blank(_DAY_BESIDE, low)
    vague_words = _VAGUE.search(low)
    waiting, facts.waiting = facts.waiting, []
    if not found and not shift and not vague_words:
        if facts.carried_days and anchor is not None and _SAME_TIME.search(low):
            # "Can we do Wednesday instead? Same time.": the day before, at the meeting's time.
            clause.times.extend(
                datetime.combine(day, anchor.time().replace(tzinfo=None), tzinfo=zone)
                for day in facts.carried_days
            )
            facts.shifted = True
            if previous is not None:
                previous.vague = False
        facts.carried_days = ()
        return  # nothing here names a time
    busy = _BUSY.search(_IF_NOT.sub(" ", low) if "if" in low else low)
    # What the sender has on, named first without offering it ("Class at 6 on Thursday"), is as busy.
    engaged = _ENGAGEMENT_FIRST.match(low) is not None and _OFFER.search(low) is None
    told = _blank(SAME_TIME_AS_AN_OPTION, low) if "same" in low else low  # "… as the last one"
    clause.unavailable = bool(_PAST.search(told) or busy or engaged)
    offers = not clause.unavailable and not _NOT_AN_OFFER.search(low)
    cue = bool(_CUE.search(low))
    carried = facts.carried_days
    facts.carried_days = ()
    clause_day: date | None = None
    named_day = next((item.day for item in found if item.day is not None), None)
    windows = _windows(low)
    clause.days = [item.day for item in found if item.day is not None]
    if carried and named_day is None and any(item.clock is not None for item in found):
        # A time alone after a clause that offered only days is on each of them.
        found = _on_days(found, carried)
        if previous is not None:
            previous.vague = False
    days_alone: list[date] = []
    # "Can we keep the same time but on Friday?": the time kept is said in the clause before, alone.
    same_time = _SAME_TIME.search(low) is not None or (
        previous is not None and _SAME_TIME_KEPT.fullmatch(previous.low) is not None
    )
    that_day = facts.last_day if "day" in low and _THAT_DAY.search(low) else None
    if (
        that_day is None
        and previous is not None
        and previous.unavailable
        and len(set(previous.days)) == 1
        and (_CLOCK.search(previous.low) or _HOUR_WRITTEN.search(previous.low))
        and not _PAST.search(previous.low)
    ):
        # "Tuesday 3pm is my dentist, so 5pm?": another hour of the one day just refused.
        that_day = previous.days[0]
    for item in found:
        clause_day = item.day or clause_day
        if item.day is not None and item.clock is None and _SERIES_START.search(low[: item.start]):
            facts.series_start = item.day
            continue
        day, clock = item.day, item.clock
        if day is None and clock is not None and (named_day or carried or that_day or anchor):
            # A time alone is on the day named before it here ("Tuesday at 3 or 4?"), else after
            # it here ("Would 9 work on Wednesday?"), else on the day of what the email being
            # answered was about.
            day = clause_day or moved_day or named_day or that_day or (anchor.date() if anchor else None)
        if clock is None and day is not None and same_time and facts.last_offered is not None:
            # "Tuesday the 15th at 4:30, or Wednesday 16th same time?": the time offered before.
            before = facts.last_offered
            clock, item = before.time().replace(tzinfo=None), replace(item, zone=before.tzinfo)
        elif clock is None and day is not None and anchor is not None and same_time:
            clock = anchor.time().replace(tzinfo=None)
            # "Same time on Wednesday?" moves the meeting, as an offset does.
            facts.shifted = facts.shifted or not ANOTHER_MEETING.search(low)
        elif clock is None and day is not None and same_time and facts.time_kept_from is not None:
            # Not beside a shift ("same time on Friday, or an hour later on Saturday"): the shift
            # would need the one time it is from.
            clock = None if _SHIFT.search(low) else facts.time_kept_from.time().replace(tzinfo=None)
        # "after lunch, say 1:30": the exact time named inside a window is offered.
        # (A window said before another option is not this one's: "8:30 before my staff meeting, or
        # Wednesday at 12:30".)
        named_in_window = bool(windows) and bool(
            _NAMED_IN_WINDOW.search(low, max(0, item.start - _NAMED_REACH), item.end)
        )
        window = not named_in_window and any(
            item.start - 30 <= at < max(item.end, item.phrase_end or 0)
            and not (at < item.start and _COMMA_OR.search(low, at, item.start))
            for at in windows
        )
        if clock is None or day is None or window:
            if day is not None and clock is None and offers:
                days_alone.append(day)
            elif day is None and not window and offers and cue:
                facts.waiting.append(item)
            clause.vague = clause.vague or (offers and bool(_OFFER.search(low)))
            continue
        # A day and a time with little else ("Tue 3pm") offer themselves; a time alone needs a cue,
        # or to be the one named within a window ("Thursday from 2pm, say 3pm").
        if not offers or not (
            cue or named_in_window or (item.day is not None and _mostly_times(clause.text, found))
        ):
            continue
        start = datetime.combine(day, clock, tzinfo=item.zone or zone)
        if _ISH.match(low, item.end, item.end + 6):
            facts.approximate.append(start)
            continue
        clause.times.append(start)
        facts.last_offered = start
        if day == moved_day or (
            item.day is None
            and anchor is not None
            and day == anchor.date()
            and start != anchor
            and _MOVE_ASKED.search(low)
        ):
            # On the day moved to, or another hour asked for on the day of what the email was about
            # ("Thursday is fine but can we go to 1:30?", "Can we make it 13:30 on the same day?"):
            # it moves the meeting, unless another meeting is asked for.
            facts.shifted = facts.shifted or not ANOTHER_MEETING.search(low)
        if item.until is not None and "between" not in low:
            # A range offered is the meeting's length ("3-4pm"); one that is not ("my offsite
            # is 3-5pm") says nothing of it.
            minutes = (item.until.hour * 60 + item.until.minute) - (clock.hour * 60 + clock.minute)
            if 0 < minutes <= LONGEST_MEETING:
                facts.durations.append(minutes)
    if days_alone and len(days_alone) == len(found):
        facts.carried_days = tuple(dict.fromkeys(days_alone))
        if waiting and len(found) <= 2 and previous is not None:
            # "Is 3pm okay? Tuesday I mean": the time before, on the day named here.
            previous.times.extend(
                datetime.combine(day, item.clock, tzinfo=item.zone or zone)
                for day in facts.carried_days
                for item in waiting
                if item.clock is not None
            )
            previous.vague = clause.vague = False
            facts.carried_days = ()
    if shift is not None and anchor is not None and not clause.times and offers:
        clause.times.append(anchor + shift)
        # An offset moves the meeting, unless another meeting is asked for.
        facts.shifted = facts.shifted or not ANOTHER_MEETING.search(low)
    if not clause.times and offers and vague_words and _OFFER.search(low):
        clause.vague = True
    elif not clause.times and offers and same_time and days_alone:
        # "Neither day works, but the same time on Friday would", the options at different hours:
        # a day offered, at a time to be asked for.
        clause.vague = True


def _on_days(found: list[_Found], days: tuple[date, ...]) -> list[_Found]:
    """`found` with each time that names no day put on each of `days`."""
    placed: list[_Found] = []
    for item in found:
        if item.clock is not None and item.day is None:
            placed.extend(replace(item, day=day) for day in days)
        else:
            placed.append(item)
    return placed


_WEEKDAY_NUMBER = re.compile(
    r"(?=[fmstw])\b(?:the\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\b"
    r"(?!\s*(?::|am\b|pm\b|h\b|[.,]\d|/|-\s*\d|(?:hours?|hrs?|minutes?|mins?|people|(?:of\s+)?(?:jan|feb|mar|apr|may|"
    r"jun|jul|aug|sep|oct|nov|dec))))",
)  # matched in lower-cased text (`_dates_pinned`)
#: "next" or "this" before a weekday written with its date ("next Monday, Dec 14"): the date says
#: which one, so the word goes (else "next Monday" said on a Monday would be read apart from it).
_NEXT_BEFORE_DATE = re.compile(
    rf"\b(?:next|this)\s+(?={WEEKDAY_NAME},?\s+(?:the\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
    r"\d{1,2}(?:st|nd|rd|th)?\b))",
    re.IGNORECASE,
)
_AS_DATE = re.compile(r"\bthe\b|\d(?:st|nd|rd|th)", re.IGNORECASE)
_WEEKDAY_IN_BRACKETS = re.compile(r"\(\s*(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*\)", re.IGNORECASE)
_WEEKDAY_AFTER = re.compile(
    r"\b(?:the\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+after\s+((?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\.?\s+\d{1,2})\b",
    re.IGNORECASE,
)


_AFTER_NEXT = re.compile(
    rf"(?=[afmstw])(?:\b(?:the\s+)?{WEEKDAY_WORD}\s+after\s+next\b|(?<!every\s)\b{WEEKDAY_WORD}\s+week\b(?!\s*(?:-?end|days?|in\b|after\b|by\b))|"
    rf"\ba\s+week\s+(?:from|on)\s+{WEEKDAY_WORD}\b)",
    re.IGNORECASE,
)
#: A weekday two weeks beyond the next one (British): "Thursday fortnight", "a fortnight on Thursday".
_FORTNIGHT_ON = re.compile(
    rf"(?<!every\s)\b{WEEKDAY_WORD}\s+fortnight\b|\ba\s+fortnight\s+(?:from|on)\s+{WEEKDAY_WORD}\b",
    re.IGNORECASE,
)
#: "this Tuesday" refused ("This Tuesday doesn't work", "not this Tue", "can't do this Tuesday").
_THIS_DAY_REFUSED = re.compile(
    rf"\b(?:(?:not|can'?t\s+do|cannot\s+do)\s+this\s+{WEEKDAY_WORD}\b|this\s+{WEEKDAY_WORD}\s+(?:doesn'?t|does\s+not|"
    r"won'?t|will\s+not|isn'?t|is\s+not|is\s+(?:bad|tricky|difficult|full|out|impossible)|no\b))",
    re.IGNORECASE,
)
_NEXT_DAY = re.compile(rf"\bnext\s+{WEEKDAY_WORD}\b", re.IGNORECASE)


def _date_words(day: date) -> str:
    """A day as the reading's rewrites pin it, in words the library reads: "December 9"."""
    return f"{MONTHS[day.month - 1].title()} {day.day}"


def _weeks_apart(text: str, today: date) -> str:
    """A weekday a week beyond the next one, pinned to its date: "the Tuesday after next",
    "Thursday week", "a week from Tuesday" (two weeks: "Thursday fortnight", "a fortnight on
    Thursday"), and "next Tuesday" set against "this Tuesday" refused
    in the same reply ("This Tuesday doesn't work, but next Tuesday would"), where it cannot mean
    the coming one. ("I missed this Tuesday's session, next Tuesday?" keeps the rule: the coming
    Tuesday; "every Tuesday, week in week out" is every coming Tuesday.)"""

    def pinned(match: re.Match[str], weeks: int = 1) -> str:
        named = next(group for group in match.groups() if group)
        day = _next_weekday(today, weekday_index(named)) + timedelta(weeks=weeks)
        return _date_words(day)

    low = text.lower()
    if " from " in low and ("today" in low or "now" in low):
        # "2 weeks from today", "a week from now", "ten days from today": that date
        text = _FROM_TODAY.sub(lambda m: _date_words(today + _span_of(m)), text)
    if "next week" in low:
        text = _DAYS_NEXT_WEEK.sub(lambda match: _each_next_week(match, today), text)
    if "after next" in low or "week" in low:
        text = _AFTER_NEXT.sub(pinned, text)
    if "fortnight" in low:
        text = _FORTNIGHT_ON.sub(lambda match: pinned(match, weeks=2), text)
    if "this" not in low or "next" not in low:
        return text
    said_this = {(m.group(1) or m.group(2)).lower() for m in _THIS_DAY_REFUSED.finditer(text)}
    if said_this:
        text = _NEXT_DAY.sub(lambda m: pinned(m) if m.group(1).lower() in said_this else m.group(0), text)
    return text


#: A span counted from today ("2 weeks from today", "a week from now", "ten days from today").
_FROM_TODAY = re.compile(
    r"\b(?:in\s+)?(?P<amount>a|an|one|two|three|four|\d{1,2})\s+(?P<unit>days?|weeks?)\s+from\s+(?:today|now)\b",
    re.IGNORECASE,
)


def _span_of(match: re.Match[str]) -> timedelta:
    """The days a `_FROM_TODAY` match counts."""
    number = _count(match["amount"])
    return timedelta(weeks=number) if match["unit"].lower().startswith("w") else timedelta(days=number)


_DAY_AND_HOUR = rf"{WEEKDAY_NAME}(?:\s+(?:at\s+)?\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?)?"
_DAYS_JOINED = rf"{_DAY_AND_HOUR}(?:\s*(?:,|/|&|\bor\b|\band\b)\s*(?:or\s+|and\s+)?{_DAY_AND_HOUR}){{1,6}}"
#: Several weekdays said with one "next week" ("Mon or Tue next week", "next week, Thursday or
#: Friday", "Next week Tues 11am or Thurs 2pm"): each is in the next week, not only the one beside it.
_DAYS_NEXT_WEEK = re.compile(
    rf"\b(?P<before>{_DAYS_JOINED})\s+next\s+week\b|\bnext\s+week\s*,?\s*(?:on\s+)?(?P<after>{_DAYS_JOINED})\b",
    re.IGNORECASE,
)


def _each_next_week(match: re.Match[str], today: date) -> str:
    """Each weekday of the match pinned to its date in the next calendar week."""
    days = match["before"] or match["after"]
    return re.sub(
        WEEKDAY_NAME,
        lambda day: _date_words(_next_week(today, weekday_index(day.group(0)))),
        days,
        flags=re.IGNORECASE,
    )


#: "the day after Tuesday", "the day before Friday": a day beside a weekday named.
_BESIDE_WEEKDAY = re.compile(
    rf"\bthe\s+day\s+(after|before)\s+(?:next\s+|this\s+)?{WEEKDAY_WORD}\b", re.IGNORECASE
)


#: A day by its place among a month's weekdays ("the first Tuesday in January", "the 2nd Wednesday
#: of March"): that date.
_NTH_WEEKDAY_OF = re.compile(
    rf"\b(?:the\s+)?(?P<nth>{_NTH_SAID})\s+(?P<day>{WEEKDAY_NAME})\s+"
    rf"(?:of|in)\s+(?P<month>{'|'.join(m[:3] for m in MONTHS)})[a-z]*\.?(?!\s*\d)",
    re.IGNORECASE,
)


def _nth_weekdays_named(text: str, today: date) -> str:
    """ "the first Tuesday in January" → "January 5": the library would read the Tuesday alone."""
    if " of " not in text and " in " not in text and " Of " not in text and " In " not in text:
        return text

    def pinned(match: re.Match[str]) -> str:
        first = _roll_year(_month_number(match["month"]), 1, None, today)
        if first is None:
            return match.group(0)
        return _date_words(_nth_weekday_of(first, _NTH[match["nth"].lower()], weekday_index(match["day"])))

    return _NTH_WEEKDAY_OF.sub(pinned, text)


#: A weekday named alone: not "next", "this", "last", "every" or "each" Tuesday, nor one written
#: beside its date ("Wednesday 16", "Wednesday, December 16", "Wednesday the 16th").
BARE_WEEKDAY = re.compile(
    rf"(?<!next\s)(?<!this\s)(?<!last\s)(?<!every\s)(?<!each\s)\b(?P<day>{WEEKDAY_WORD})\b"
    r"(?!\s*,?\s*(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\b(?!\s*(?:am|pm|:|\.\d|h\b|uhr|uur)))"
    r"(?!\s*,?\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d)",
    re.IGNORECASE,
)


_AT_AN_HOUR = re.compile(r"\s*,?\s*(?:at\s+|@\s*)?\d")
#: Options offered one beside the other ("…, or Wednesday", "…, oder Mittwoch", "…? Alternatively
#: …"), not a day of something else before another ("Tuesday at 3 I have a dentist appointment,
#: but Thursday at 2?").
_OR_BETWEEN = re.compile(
    r"[^.!]*?\b(?:or|oder|ou|o|of|alternatively|otherwise|I\s+could\s+also\s+do)\b", re.IGNORECASE
)


#: "The following Monday": the one after a day named before it, or after the meeting moved.
FOLLOWING_WEEKDAY = re.compile(rf"\bfollowing\s+(?P<day>{WEEKDAY_WORD})\b", re.IGNORECASE)


def _after_the_day_named(before: list[Clause], clause: Clause) -> None:
    """ "The following Monday" after a Monday named ("Monday the 14th I'm travelling. How about
    the following Monday, same time?") is the Monday after that one: the clause's times on that
    weekday, not after it, move to it, at their hour (its days stay as said: "skip this one and
    pick up again the following Tuesday" calls off this one)."""
    following = FOLLOWING_WEEKDAY.search(clause.low)
    if following is None:
        return
    weekday = weekday_index(following["day"])
    named = [day for earlier in before for day in earlier.days if day.weekday() == weekday]
    if not named:
        return
    after = max(named) + timedelta(weeks=1)
    moved = [t.weekday() == weekday and t.date() < after for t in clause.times]
    clause.times = [
        datetime.combine(after, t.time(), tzinfo=t.tzinfo) if move else t
        for t, move in zip(clause.times, moved, strict=True)
    ]


def _in_the_week_named(text: str, today: date) -> str:
    """Said on a Tuesday, "Tuesday at 10, or Wednesday at 9:30?" offers next week's Tuesday (as
    "Tuesday" alone is read on a Tuesday) and the Wednesday after it, not tomorrow: the weekdays
    named after one that is today's own, offered at an hour, are pinned to the days of that week.
    (Not where a week is named: "Mon or Tue next week" has its rule.)"""
    if WEEKDAYS[today.weekday()][:3] not in text.lower():
        return text
    named = list(BARE_WEEKDAY.finditer(text))
    if (
        len(named) < 2
        or weekday_index(named[0]["day"]) != today.weekday()
        or not _AT_AN_HOUR.match(text, named[0].end())
        or " week" in text.lower()
    ):
        return text
    # (Today's weekday pinned as well, once a day after it is: in one phrase with a date, the
    # library's reading of it, today, would stand.)
    pieces, at = [text[: named[0].end()], f" {_date_words(today + timedelta(days=7))}"], named[0].end()
    for match in named[1:]:
        day = _next_weekday(today, weekday_index(match["day"]))
        if day < today + timedelta(days=7) and _OR_BETWEEN.match(text, named[0].end(), match.start()):
            pieces += [text[at : match.end()], f" {_date_words(day + timedelta(days=7))}"]
            at = match.end()
    return "".join(pieces) + text[at:] if len(pieces) > 2 else text


def _beside_a_weekday(text: str, today: date) -> str:
    """ "The day after Tuesday" pinned to its date: the day after the coming Tuesday (said on a
    Tuesday, next week's), as "Tuesday" alone is read."""
    if "the day " not in text.lower():
        return text

    def pinned(match: re.Match[str]) -> str:
        named = _next_weekday(today, weekday_index(match.group(2)))
        day = named + timedelta(days=1 if match.group(1).lower() == "after" else -1)
        return _date_words(day)

    return _BESIDE_WEEKDAY.sub(pinned, text)


def _dates_pinned(text: str, today: date) -> str:
    """Days written against a date, pinned to it: "the Monday 14" → "Monday December 14", "December
    15 (Tue)" → "December 15", "the Monday after January 1" → "January 4". Each needs a number."""
    if not _DIGIT.search(text):
        return text
    if "(" in text:
        text = _WEEKDAY_IN_BRACKETS.sub("", text)
    if "next" in text.lower() or "this" in text.lower():
        text = _NEXT_BEFORE_DATE.sub("", text)

    def after(match: re.Match[str]) -> str:
        written = _MONTH_DAY.search(match.group(2))
        if written is None:
            return match.group(0)
        month = _month_number(written.group("month2") or "")
        base = _roll_year(month, int(written.group("day2")), None, today)
        if base is None:
            return match.group(0)
        day = _next_weekday(base, weekday_index(match.group(1)))
        return _date_words(day)

    def ahead_of(number: int) -> list[date]:
        candidates = []
        for offset in range(13):
            year, month = today.year + (today.month - 1 + offset) // 12, (today.month - 1 + offset) % 12 + 1
            try:
                candidates.append(date(year, month, number))
            except ValueError:
                continue
        return [d for d in candidates if d >= today - RECENT_PAST]

    def an_hour(match: re.Match[str]) -> bool:
        """ "wed 10?" when the coming 10th is no Wednesday, or "Wed 2" when that Wednesday the 2nd
        is past: ten or two o'clock."""
        weekday, number = weekday_index(match.group(1)), int(match.group(2))
        ahead = ahead_of(number)
        return (
            number <= 12
            and bool(ahead)
            and (ahead[0].weekday() != weekday or ahead[0] < today)
            and not _AS_DATE.search(match.group(0))
        )

    if "after" in text.lower():
        text = _WEEKDAY_AFTER.sub(after, text)
    said = list(_WEEKDAY_NUMBER.finditer(_low(text)))  # lower-cased: same positions, a third of the cost
    # Days said alike are read alike: "tues 3 or thurs 10?" is two hours, though the 10th is a Thursday.
    hours_said = any(an_hour(match) for match in said)

    def numbered(match: re.Match[str]) -> str:
        weekday, number = weekday_index(match.group(1)), int(match.group(2))
        written = text[match.start() : match.end()]
        if an_hour(match) or (hours_said and number <= 12 and not _AS_DATE.search(match.group(0))):
            return written
        ahead = ahead_of(number)
        chosen = next((d for d in ahead if d.weekday() == weekday), ahead[0] if ahead else None)
        if chosen is None:
            return written
        return f"{WEEKDAYS[chosen.weekday()].title()} {_date_words(chosen)}"

    pieces, at = [], 0
    for match in said:
        pieces += [text[at : match.start()], numbered(match)]
        at = match.end()
    return "".join(pieces) + text[at:]


def _unit_of(match: re.Match[str]) -> str:
    """The unit a `_SHIFT` match moves by ("day", "hours", "mins")."""
    return (match.group("unit") or match.group("unit2") or match.group("unit3") or "hour").lower()


def _shift_of(match: re.Match[str]) -> timedelta:
    """The offset a `_SHIFT` match says: "an hour earlier" is -1 hour, "push it back a day" +1 day."""
    amount = (match.group("amount") or match.group("amount2") or match.group("amount3") or "1").lower()
    unit = _unit_of(match)
    way = (match.group("way") or match.group("dir") or "later").lower()
    number = 0.5 if amount.startswith("half") else _count(amount)
    delta = (
        timedelta(days=number)
        if unit.startswith("d")
        else timedelta(hours=number)
        if unit.startswith("h")
        else timedelta(minutes=number)
    )
    return -delta if way in ("earlier", "forward", "up") else delta


def _series_start_said(low: str, today: date) -> date | None:
    """Where a series is said to start without a day: "starting in February" (its 1st, or today
    if that is past), "starting next week" (its Monday), "next month", "the week after"."""
    in_month = _STARTS_IN_MONTH.search(low)
    if in_month is not None:
        first = _roll_year(_month_number(in_month.group("month")), 1, None, today)
        return max(first, today) if first is not None else None
    relative = _STARTS_RELATIVE.search(low)
    return _relative_start(relative.group("when"), today) if relative is not None else None


def _series_first(
    clauses: list[Clause],
    options: list[datetime],
    repeat: str | None,
    start: date | None,
    local_now: datetime,
) -> tuple[list[datetime], str | None]:
    """A series' first meeting and its rule: "the first Tuesday of each month at noon" (monthly
    on that weekday, from the first such day to come), "every Tuesday and Thursday at 3" (weekly
    on both, from the first of them to come), or a weekly series from the day it is said to start."""
    by_weekday = _monthly_by_weekday(clauses, repeat)
    if by_weekday is not None:
        nth, weekday = by_weekday
        earliest = local_now
        if start is not None:
            earliest = max(earliest, datetime.combine(start, time(), tzinfo=local_now.tzinfo))
        return [
            _nth_weekday_from(nth, weekday, options[0], earliest)
        ], f"FREQ=MONTHLY;BYDAY={nth}{_RRULE_DAYS[weekday]}"
    if repeat == "FREQ=WEEKLY" and len(options) == 1 and (on := _weekly_days(clauses, options[0])):
        days = ",".join(_RRULE_DAYS[d.weekday()] for d in sorted(on, key=date.weekday))
        firsts = [
            _first_on_or_after(datetime.combine(d, options[0].timetz()), start or local_now.date())
            for d in on
        ]
        return [
            min(t if t >= local_now else t + timedelta(days=7) for t in firsts)
        ], f"FREQ=WEEKLY;BYDAY={days}"
    if start is not None and repeat:
        return [_first_on_or_after(options[0], start)], repeat
    return options, repeat


#: A series said to start in a month, with no day ("starting in February", "from January on").
_STARTS_IN_MONTH = re.compile(
    r"\b(?:starting|beginning|commencing|from)\s+(?:in\s+)?(?P<month>jan|feb|mar|apr|(?<=in\s)may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*\b(?!\s*\d)"
)
#: A series said to start a week or a month on ("starting next week", "from next month on").
_STARTS_RELATIVE = re.compile(
    r"\b(?:starting|beginning|commencing|from)\s+(?P<when>next\s+week|next\s+month|the\s+week\s+after(?:\s+next)?|"
    r"(?:in\s+)?(?:two|2)\s+weeks(?:'?\s+time)?)\b"
)


def _relative_start(when: str, today: date) -> date:
    """The first day of "next week" (its Monday), "next month" (its 1st), "the week after (next)"
    or "two weeks" on."""
    next_monday = today + timedelta(days=7 - today.weekday())
    if when.startswith("next week"):
        return next_monday
    if when.startswith("next month"):
        return (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if when.startswith("the week after"):
        return next_monday + timedelta(days=7)
    return today + timedelta(days=14)


#: A monthly day by its place among the month's weekdays: "the first Tuesday of each month", "last
#: Friday of the month", "every first Monday", "monthly on the second Wednesday" (not "every second
#: Wednesday", which is every other week).
_NTH_WEEKDAY = re.compile(
    rf"\b(?P<every>(?:every|each)\s+)?(?:the\s+)?(?P<nth>{_NTH_SAID})\s+"
    rf"(?P<day>{WEEKDAY_NAME})\.?(?P<month>\s+(?:of|in)\s+(?:each|every|the|a)\s+month)?"
)
_BY_WEEKDAY_RULE = re.compile(rf"FREQ=MONTHLY;BYDAY=(-1|[1-4])({_RRULE_DAY})")


def _monthly_by_weekday(clauses: list[Clause], repeat: str | None) -> tuple[int, int] | None:
    """(n, weekday) of a monthly series said by the weekday's place in the month (n = -1: the
    last), in a clause that offers the time or a rhythm, not one that says what the sender has on
    ("Book club is the first Tuesday of each month, so Wednesday?")."""
    for clause in clauses:
        if not (clause.times or (not clause.unavailable and not clause.mentions)):
            continue
        for match in _NTH_WEEKDAY.finditer(clause.low):
            every_first = match.group("every") and match.group("nth") not in ("second", "2nd")
            if match.group("month") or every_first or repeat == "FREQ=MONTHLY":
                return _NTH[match.group("nth")], weekday_index(match.group("day"))
    return None


def _nth_weekday_from(nth: int, weekday: int, option: datetime, earliest: datetime) -> datetime:
    """The first day that is the `nth` `weekday` of its month (-1: the last), at the option's
    time, not before `earliest`."""
    month = earliest.date().replace(day=1)
    while True:
        moment = datetime.combine(_nth_weekday_of(month, nth, weekday), option.timetz())
        if moment >= earliest:
            return moment
        month = (month + timedelta(days=31)).replace(day=1)


def _nth_weekday_of(month: date, nth: int, weekday: int) -> date:
    """The `nth` `weekday` of `month`'s month (-1: the last; nth is 1-4, which every month has)."""
    days = [month.replace(day=1) + timedelta(days=d) for d in range(31)]
    days = [d for d in days if d.month == month.month and d.weekday() == weekday]
    return days[nth - 1] if nth > 0 else days[-1]


#: Weekdays said together ("Tuesday and Thursday", "Mondays & Wednesdays").
_DAYS_AND = re.compile(rf"\b{WEEKDAY_NAME}s?\s+(?:and|&)\s+(?:on\s+)?{WEEKDAY_NAME}s?\b", re.IGNORECASE)


def _weekly_days(clauses: list[Clause], option: datetime) -> list[date]:
    """The days of a weekly series said on two or more weekdays together, in the clause that
    offers the time ("every Tuesday and Thursday at 3"); [] for one day."""
    for clause in clauses:
        if any(same_moment(t, option) for t in clause.times) and _DAYS_AND.search(clause.low):
            days = {day.weekday(): day for day in clause.days}
            return list(days.values()) if len(days) > 1 else []
    return []


_BY_WEEKDAYS_RULE = re.compile(rf"FREQ=WEEKLY;BYDAY=({_RRULE_DAY}(?:,{_RRULE_DAY})+)")


def repeat_words(rule: str) -> str:
    """A repeat rule as an answer says it ("every other week", "every month on the first Tuesday")."""
    by_weekday = _BY_WEEKDAY_RULE.fullmatch(rule)
    if by_weekday is not None:
        day = WEEKDAYS[_RRULE_DAYS.index(by_weekday.group(2))].title()
        return f"every month on the {_NTH_WORDS[int(by_weekday.group(1))]} {day}"
    by_weekdays = _BY_WEEKDAYS_RULE.fullmatch(rule)
    if by_weekdays is not None:
        days = [WEEKDAYS[_RRULE_DAYS.index(code)].title() for code in by_weekdays.group(1).split(",")]
        return "every week on " + ", ".join(days[:-1]) + " and " + days[-1]
    return REPEAT_WORDS.get(rule, "repeating")


def _first_on_or_after(option: datetime, start: date) -> datetime:
    """A weekly option's first occurrence on or after the day a series is said to start."""
    days = (option.weekday() - start.weekday()) % 7
    return datetime.combine(start + timedelta(days=days), option.timetz())


def _repeat_of(clauses: list[Clause]) -> str | None:
    """The repeat of the clause that offers the time, else of one that offers a rhythm alone
    ("Would monthly work for you? First one Thursday at noon.")."""
    for before, clause in zip([None, *clauses], clauses, strict=False):
        if clause.times and (rule := _repeat(clause.low)):
            return rule
        if clause.times and before is not None and _FROM_NOW_ON.fullmatch(before.low):
            return _repeat("from now on")
    for clause in clauses:
        if (
            not clause.unavailable
            and not clause.mentions
            and _OFFER.search(clause.low)
            and not (_PAST.search(clause.low) or _BUSY.search(clause.low))
            and (rule := _repeat(clause.low))
        ):
            return rule
    return None


#: The words beside a time that say nothing of their own ("Tuesday at 3pm then, ok?").
_FILLER = frozenset(
    {
        "on", "at", "or", "and", "the", "then", "ok", "okay", "maybe", "perhaps", "yes", "hi", "so", "for",
        "me", "us", "is", "good", "fine", "by", "around", "like", "something", "say", "from", "to", "until",
        "via", "with", "a", "an", "time", "next", "this", "session", "meeting", "call", "hey", "hello",
    }
)  # fmt: skip


def _words_said(text: str) -> int:
    """How many words of `text` say something (`_FILLER` aside), zones and lengths left out."""
    low = _low(text)
    for pattern in (_ZONE_RE, _DURATION):
        low = pattern.sub(" ", low)
    return len([word for word in re.findall(r"[A-Za-z']+", low) if word not in _FILLER])


#: What the sender has to do around the time, said after it ("Tuesday 3pm before I fly out",
#: "Monday 7:30am before my flight"): it says why that time, and offers it still.
_BEFORE_MINE = re.compile(r"\s(?:before|after)\s+(?:i|i'm|my|we|we're|our)\b.*$", re.IGNORECASE)


def _mostly_times(text: str, found: list[_Found]) -> bool:
    """A clause that is little more than a time ("Tue 3pm", "Thursday at noon then") offers it, and
    so does a time with a place and nothing else ("Thursday 3pm in the kitchen on the 4th floor";
    not "Team offsite Tuesday 9am at the Marriott hotel"), or with what the sender has around it
    ("Tuesday 3pm before I fly out")."""
    if not found:
        return False
    rest = text
    for item in sorted(found, key=lambda f: -f.start):
        rest = rest[: item.start] + " " + rest[item.end :]
    rest = _BEFORE_MINE.sub(" ", _TOOLS.sub(" ", _URL.sub(" ", rest)))
    if _words_said(rest) <= 2:
        return True
    places = _places_in(rest)
    for place in sorted(places, key=lambda p: -p.start()):
        rest = rest[: place.start()] + " " + rest[place.end() :]
    if places:
        # What the place is or where in it: "221 Baker St (the corner cafe)", "1 Market Plaza, lobby".
        rest = _PLACE_NOUN_ALONE.sub(" ", _ASIDE.sub(" ", rest) if "(" in rest else rest)
    return _words_said(rest) == 0


_ASIDE = re.compile(r"\([^()]*\)")
_PLACE_NOUN_ALONE = re.compile(rf"\b(?i:{_PLACE_NOUN})\b")


#: A length said of something else: lateness ("5 min late"), a lead ("10 minutes before").
_NOT_A_LENGTH = re.compile(
    r"\s*(?:late|early|earlier|later|behind|ahead|before|after|away|delay)\b|"
    # the length of something else ("a 2-hour workshop", "a 30 minute walk", "my 45-min commute"; not
    # what the meeting is: "a 30-minute mock interview", "a 1-hour lunch")
    r"\s*(?:long\s+)?(?:walk|drive|commute|ride|flight|train|bus|journey|trip|hike|run|workout|jog|workshop|training|"
    r"class|lecture|course|exam|shift|offsite|layover|wait|nap|surgery|procedure|appointment)s?\b"
)


#: A length said of someone else's part: "she could join for 10 minutes", "for the first 15 minutes"
#: (not the sender's own: "I can only join for 30 minutes").
_ANOTHER_LENGTH = re.compile(
    r"\b(?:(?<!\bi\s)(?<!\bwe\s)(?<!\bonly\s)(?<!\bto\s)(?:join|joining|stay|drop\s+(?:in|by)|pop\s+in|sit\s+in)"
    r"\s+(?:us\s+|you\s+)?for|the\s+(?:first|last))\s+$"
)


def _durations(text: str, ranges: list[int], count: int) -> list[int]:
    """The length of each of `count` options: the one said, else each range's own when every
    option is a range ("thurs 11-11:30 or fri 2-3"), else the first range's, else the default."""
    said = length_said(text)
    if said is None and count > 1 and len(ranges) == count:
        return ranges
    return [said or (ranges[0] if ranges else DEFAULT_MINUTES)] * count


def length_said(text: str) -> int | None:
    """The meeting's length said in words ("for 30 minutes", "a quick 20", "for two hours"), in
    minutes; None when none is (a range's own length is `_durations`')."""
    match = next(
        (
            m
            for m in _DURATION.finditer(text)
            if not _NOT_A_LENGTH.match(text, m.end()) and not _ANOTHER_LENGTH.search(text, 0, m.start())
        ),
        None,
    )
    if match:
        if match.group("words"):
            return _MINUTES_IN_WORDS[_number_said(match.group("words"))]
        if match.group("half"):
            return 30
        if match.group("hour_half"):
            return 90
        if match.group("an"):
            return 60
        if match.group("hours") or match.group("for_hours"):
            return 120
        if match.group("quick"):
            return int(match.group("quick"))
        amount, unit = int(match.group("n")), match.group("unit").lower()
        minutes = amount * 60 if unit.startswith("h") else amount
        if 10 <= minutes <= LONGEST_MEETING:  # (not "I'm maybe 5 minutes from finishing")
            return minutes
    return None


def _location(text: str, clauses: list[Clause]) -> str | None:
    """Where to meet: a video link, else the first tool named in words, else a place in words
    (`_place`); none when two tools are offered as a choice ("Teams or Zoom, whichever you
    prefer": either would be a guess; not "on Teams (or Zoom if Teams fails)")."""
    link = MEETING_LINK.search(text)
    if link:
        return link.group(0).rstrip(".,;:!?)>]'\"")
    tools = [tool for tool in _TOOLS.finditer(text) if tool.lastgroup]
    if not tools:
        return _place(clauses)
    first = tools[0]
    other = next((tool for tool in tools[1:] if tool.lastgroup != first.lastgroup), None)
    if other is not None and _EITHER_TOOL.fullmatch(text, first.end(), other.start()):
        return None
    return (first.lastgroup or "").replace("_", " ")


_EITHER_TOOL = re.compile(r"\s*(?:,|/|or|and)\s*(?:on\s+|via\s+|by\s+)?", re.IGNORECASE)


#: What follows a place when another is offered beside it ("at Starbucks or Peet's", "at the
#: cafe, or the library", "at Starbucks. Or Peet's?").
_OR_ANOTHER = re.compile(
    rf"\s*[,.]?\s+(?i:or)\s+(?i:at\s+|in\s+)?(?i:the\s+)?(?:(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]){_NAME_WORD}|(?i:{_PLACE_NOUN})\b)"
)


def _place(clauses: list[Clause]) -> str | None:
    """A place said where a time is offered ("Thursday at 3 at the library?"), or in a sentence
    that names no time after "meet" ("Let's meet at the library."); none where the sender or
    someone else only is, was or works, one refused ("not at the library"), or when two are
    named ("at the cafe or in the library", "at Starbucks or Peet's"; the options' places would
    be guessed)."""
    found: set[str] = set()
    for clause, after in zip(clauses, [*clauses[1:], None], strict=True):
        if clause.unavailable or (clause.mentions and not clause.times):
            continue
        places = _places_in(clause.text)
        if len(places) > 1 or any(
            _OR_ANOTHER.match(clause.text, p.end()) or (after and _OR_ANOTHER.match(" " + after.text))
            for p in places
        ):
            return None  # theirs to settle
        for place in places:
            before = clause.low[max(0, place.start() - 40) : place.start()]
            to_meet = not _NOT_TO_MEET.search(before) and (clause.times or _MEET_AT.search(before))
            if to_meet:
                found.add(_place_name(place))
    return found.pop() if len(found) == 1 else None


def _place_name(place: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", place.group("place")).strip(" .")


def _places_in(text: str) -> list[re.Match[str]]:
    """The places named in a clause: by a place's noun ("at the Blue Bottle cafe"), or by a name
    alone after "at" ("at Starbucks") where no noun's place takes its words and it is no zone
    ("at Eastern", "at Central European Time.")."""
    places = list(_PLACE.finditer(text))
    for named in _NAMED_PLACE.finditer(text) if "at " in text.lower() else ():
        words = _place_name(named).lower().split()
        if " ".join(words) in ZONES or "time" in words or _ZONE_AFTER.match(text, named.end()):
            continue
        if not any(p.start() < named.end() and named.start() < p.end() for p in places):
            places.append(named)
    for address in _ADDRESS_PLACE.finditer(text) if _DIGIT.search(text) else ():
        if not any(p.start() < address.end() and address.start() < p.end() for p in places):
            places.append(address)
    if len(places) == 2:
        first, second = sorted(places, key=lambda p: p.start())
        within = _WITHIN.fullmatch(text, first.end(), second.start() + 3)
        if within is not None:
            # a place within another ("at the cafe in the lobby of 200 Park Ave") is one place
            return [_PLACE_WITHIN.match(text, first.start()) or first]
    return places


_WITHIN = re.compile(r"\s*(?i:in\s|on\s)")
#: A place and the place it is in, read as one ("at the cafe in the lobby of 200 Park Ave").
_PLACE_WITHIN = re.compile(
    rf"(?i:at|in)\s+(?P<place>(?:(?!\s(?i:in|on)\s).)+?\s(?i:in|on)\s+(?:(?i:the)\s+)?"
    rf"(?i:{_PLACE_NOUN})\b(?:\s+(?i:of|at)\s+(?:{_ADDRESS}|(?:(?i:the)\s+)?(?:{_NAME_WORD}\s*){{1,3}}))?)"
)

#: The names `_location` gives the tools it reads.
TOOL_NAMES = frozenset(name.replace("_", " ") for name in _TOOLS.groupindex)


#: The repeat rules a reply can ask for (RRULE), as an answer says them.
REPEAT_WORDS = {
    "FREQ=WEEKLY;INTERVAL=2": "every other week",
    "FREQ=MONTHLY": "every month",
    "FREQ=WEEKLY": "every week",
}


#: Each repeat's words and its rule, the most specific first.
_REPEATS = (
    (_REPEAT_BIWEEKLY, "FREQ=WEEKLY;INTERVAL=2"),
    (_REPEAT_MONTHLY, "FREQ=MONTHLY"),
    (_REPEAT_WEEKLY, "FREQ=WEEKLY"),
)


def _repeat(text: str) -> str | None:
    """The repeat rule asked for, the most specific first ("every other Tuesday" is not weekly)."""
    for pattern, rule in _REPEATS:
        if pattern.search(text):
            return rule
    return None
