"""Pure recognition of what a trimmed reply asks for: its intents (SPEC §4.2's vocabulary).

`read_intents()` reads a trimmed reply in its situation (the sender's role and zone, the thread
and what the email being answered asked) into intents with their values; `times` reads the
times in it. Acting on what is recognised is for `actions/`; this module only reads text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from concierge.inbound.calendar import CalendarAnswer
from concierge.inbound.times import (
    ANOTHER_MEETING,
    BARE_WEEKDAY,
    DEFAULT_MINUTES,
    FOLLOWING_WEEKDAY,
    LEAVING,
    LONGEST_MEETING,
    MEETING_HOST,
    MEETING_LINK,
    MEETING_NOUNS,
    ORDINAL_WORDS,
    QUESTION_OPENS,
    SAME_TIME_AS_AN_OPTION,
    WEEKDAY_IN_FULL,
    WEEKDAY_NAME,
    WEEKDAY_WORD,
    WEEKDAYS,
    Clause,
    Option,
    Reading,
    at_word_start,
    length_said,
    normalize,
    read_times,
    same_moment,
    weekday_index,
    writes_month_first,
)
from concierge.threads import AGENDA, LOG, MENTORSHIP, WELCOME

#: What a reply asks is read in its first this many characters, its runs of spaces made one
#: (INBOUND.md 15: time bounded whatever arrives). A reply that schedules says so early; what
#: is passed on to the other side is the whole reply, not this.
MAX_READ_CHARS = 3000
_SPACE_RUN = re.compile(r"[ \t\u00a0]{2,}")
#: The whole first line of a reply that asks to stop (SPEC §3: `stop` / `unsubscribe`).
STOP_WORDS = frozenset({"stop", "unsubscribe", "stop please", "please stop", "unsubscribe me"})
#: A stop request is a short reply; a longer one that starts with "Stop" says something else.
MAX_STOP_CHARS = 200
#: A short reply that opens by asking for no more mail: "Please unsubscribe me from these emails",
#: "Hi, please take me off this list", "Please stop emailing me".
_STOP_ASKED = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\b[^.!?,\n]{0,30}[.!,]?\s*)?(?:please\s+|kindly\s+|(?:can|could)\s+you\s+(?:please\s+)?)?"
    r"(?:unsubscribe\s+me\b|(?:remove|take)\s+me\s+(?:off|from)\s+(?:(?:this|your|these)\s+(?:mailing\s+|concierge\s+|mentoring\s+)?"
    r"(?:list|emails?|mails?|program(?:me)?)|the\s+mailing\s+list)\b(?!\s+(?:of|for|on|in|with|about|thread|channel))|"
    r"stop\s+(?:sending\s+(?:me|us)(?:\s+(?:these|your|this|any\s+more|more))?(?:\s+(?:e-?mails?|mails?|messages?))?|"
    r"(?:e-?mailing|mailing|contacting|messaging)\s+(?:me|us))(?=\s*(?:$|[.!,;]|please|thanks?|thank\s+you))|"
    r"i\s+(?:want|would\s+like|'?d\s+like)\s+to\s+unsubscribe\b|"
    # leaving the program ("I no longer want to participate in the program")
    r"i\s+(?:no\s+longer|don'?t|do\s+not)\s+(?:want|wish)\s+to\s+(?:participate|take\s+part|be\s+part\s+of\s+(?:this|the|it))"
    r"(?:\s+in\s+(?:this|the)\s+(?:program(?:me)?|mentoring(?:\s+program(?:me)?)?))?(?=\s*(?:$|[.!,;]|any\s*more\b)))|"
    # the same in the languages programs run in ("Bitte schicken Sie mir keine E-Mails mehr", "dadme de baja")
    r"^\W*(?:(?:por\s+favor|bitte|s'il\s+vous\s+pla[iî]t|per\s+favore|alstublieft|graag)\W*)?"
    r"(?:(?:schicken|senden)\s+sie\s+mir\s+keine\s+(?:e-?mails|nachrichten)\s+mehr|ich\s+m[öo]chte\s+mich\s+abmelden|"
    r"(?:dadme|darme|denme|d[eé]nme)\s+de\s+baja|quiero\s+darme\s+de\s+baja|no\s+me\s+(?:env[ií]en|mand[ae]n)\s+m[aá]s\s+(?:correos|e-?mails|mensajes)|"
    r"d[ée]sabonnez-moi|d[ée]sinscrivez-moi|je\s+(?:veux|souhaite|voudrais)\s+me\s+d[ée](?:sabonner|sinscrire)|"
    r"n'envoyez\s+plus|"
    # these two only whole: not "… à cette adresse", "… le dimanche", "… an meine Arbeitsadresse"
    r"merci\s+de\s+ne\s+plus\s+m'(?:envoyer|[ée]crire|contacter)(?:\s+(?:d'e-?mails?|de\s+(?:mails?|messages?|courriels?)))?"
    r"(?=\s*(?:$|[.!,;]|merci\b))|"
    r"(?:bitte\s+)?keine\s+(?:e-?mails|nachrichten)\s+mehr(?:\s+bitte)?(?=\s*(?:$|[.!;]|danke\b))|parem\s+de\s+me\s+enviar|n[ãa]o\s+quero\s+(?:mais\s+)?receber|descadastr\w+|"
    r"non\s+(?:inviatemi|mandatemi)\s+pi[uù]|cancellatemi|disiscrivetemi|meld\s+me\s+af|ik\s+wil\s+me\s+afmelden|"
    r"stuur\s+me\s+geen\s+e-?mails\s+meer)",
    re.IGNORECASE,
)
_NOT_LETTERS = re.compile(r"[^a-z ]")
_LETTERS = re.compile(r"[^\W\d_]")
_REPLY_PREFIX = re.compile(r"^(re|aw|sv|antw|vs|wg|fw|fwd|tr|rv)\s*(\[\d{1,3}\])?\s*:\s*", re.IGNORECASE)


def strip_reply_prefixes(subject: str) -> str:
    """The subject without its reply and forward prefixes, however many ("Re: AW: Fwd: x" → "x")."""
    bare = subject.strip()
    for _ in range(20):
        stripped = _REPLY_PREFIX.sub("", bare, count=1)
        if stripped == bare:
            break
        bare = stripped.strip()
    return bare


#: A word each way of asking for no more mail holds, looked for before `_STOP_ASKED` (English and
#: the languages programs run in).
_STOP_CUES = (
    "stop",
    "unsubscribe",
    "remove",
    "take",
    "keine",
    "abmelden",
    "baja",
    "más",
    "mas ",
    "désa",
    "desa",
    "désins",
    "n'envoyez",
    "ne plus",
    "enviar",
    "receber",
    "descadastr",
    "più",
    "piu",
    "cancellatemi",
    "disiscriv",
    "afmeld",
    "meld me af",
    "geen",
    "participate",
    "take part",
    "be part",
)


def is_stop(text: str, subject: str) -> bool:
    """A `stop` / `unsubscribe` reply (the word alone, or a short reply that opens by asking for
    no more mail), or the List-Unsubscribe mailto (its subject is "unsubscribe")."""
    if "unsubscribe" in subject.lower() and strip_reply_prefixes(subject).lower() == "unsubscribe":
        return True
    if len(text) >= MAX_STOP_CHARS:
        return False
    low = text.lower()
    if not any(word in low for word in _STOP_CUES):  # each way of asking says one
        return False
    first = next((line for line in low.splitlines() if line.strip()), "")
    return _NOT_LETTERS.sub("", first).strip() in STOP_WORDS or bool(_STOP_ASKED.match(text))


# ------------------------------------------------------------------------ what a reply asks for


#: What the email being answered asked of its reader.
Asked = Literal["time", "confirm", "invite", "goals", "none"]
#: Every intent SPEC §4.2 names; those this module does not read yet come with later issues.
IntentType = Literal[
    "propose", "vague_time", "confirm", "pick", "decline", "reschedule", "cancel", "held", "missed",
    "notes", "action_item", "done", "agenda", "goals", "reflection", "away", "pause", "resume",
    "timezone", "stop", "help", "status", "end", "private", "send_my_data", "delete_my_data",
    "ask_topic", "pass_on",
]  # fmt: skip


@dataclass(frozen=True)
class Intent:
    """One thing a reply asks for: its type (SPEC §4.2's vocabulary) and its values."""

    type: IntentType
    options: tuple[Option, ...] = ()
    option: int | None = None  # pick: 1-based, into the options offered
    all: bool = False  # cancel: the whole series, not only the next meeting
    #: cancel: the day of the meeting meant ("the Dec 22 one"); reschedule: of the meeting moved
    #: ("move the Jan 4 session to Jan 5"); None when no day names it.
    day: date | None = None
    #: cancel: the sender takes back their own waiting proposal ("nvm, the original time is
    #: fine"), not a meeting, though one is booked.
    withdraw: bool = False
    #: confirm of a meeting booked: asked as a question ("Are we still on for Friday?"), which
    #: the answer answers with the meeting as it stands.
    asks: bool = False

    def as_json(self) -> dict[str, Any]:
        """The intent as `concierge inbound --now` prints it."""
        values: dict[str, Any] = {"type": self.type}
        if self.type in ("propose", "reschedule"):
            values["options"] = [option.as_json() for option in self.options]
        if self.type == "pick":
            values["option"] = self.option
        if self.type == "cancel":
            values["all"] = self.all
            if self.withdraw:
                values["withdraw"] = True
        if self.type in ("cancel", "reschedule") and self.day is not None:
            values["day"] = self.day.isoformat()
        return values


@dataclass(frozen=True)
class Situation:
    """What the reader needs besides the text: who wrote, in which zone, answering what, when.

    `asked` is what the email being answered asked; `offered` the options it offered
    (with `confirm`); `meeting` the meeting it was about (with `invite`); `proposed` the
    times the sender proposed themself and still waits on (with `time`: "actually, 4pm
    instead?" is on their day; with `time` or `invite`: "nvm" takes them back).
    `other_names` are the first names of the other members, in lower case ("thanks for the
    intro to Priya" thanks for the introduction itself when Priya is one of them).
    """

    role: str | None
    zone: ZoneInfo
    now: datetime
    thread: str = MENTORSHIP
    asked: Asked = "none"
    offered: tuple[datetime, ...] = ()
    meeting: datetime | None = None
    other_zone: ZoneInfo | None = None
    proposed: tuple[datetime, ...] = ()
    other_names: tuple[str, ...] = ()


#: What people call a meeting ("the Jan 4 session", "that one", "our catch-up").
_MEETING_WORDS = rf"(?:{MEETING_NOUNS}|sync|check-?in)"
#: Words that may stand between "stop the" and the meetings stopped ("the weekly Monday calls").
_RECURRING = (
    r"(?:(?:weekly|biweekly|fortnightly|monthly|regular|recurring|repeating|remaining|upcoming|future|"
    rf"{WEEKDAY_IN_FULL})\s+){{0,2}}"
)
#: The end of a phrase that calls meetings off, so that "stop the calls running over" does not.
_PHRASE_END = r"(?=\s*(?:$|[.,;:!?)\-–—]|(?:altogether|for\s+good|for\s+now|from\s+now\s+on|please|after)\b))"
#: "stop the weekly Monday calls": a cancel, and of all of them (`_CANCEL`, `_CANCEL_ALL`).
_STOP_THE_MEETINGS = (
    rf"stop\s+(?:the|our)\s+{_RECURRING}"
    rf"(?:series|calls|sessions|meetings|catch-?ups|check-?ins|chats){_PHRASE_END}"
)
_CANCEL = re.compile(
    r"(?=[cest])\b(?:cancel(?:l?ed|l?ing)?|cxl|canx|call(?:ing)?\s+(?:it|the\s+meeting|our\s+meeting|the\s+call)\s+off|"
    r"call(?:ing)?\s+off|"
    r"scrap\s+(?:it|the\s+meeting|our\s+meeting|this\s+week)|(?:stop|end)\s+(?:the|our)\s+(?:whole\s+)?"
    r"(?:series|recurring\s+\w+)|"
    # "stop the weekly Monday calls", "take that one out of the calendar"; not "end the calls
    # early", "stop the meetings running over".
    rf"{_STOP_THE_MEETINGS}|"
    r"take\s+(?:it|that(?:\s+one)?|this(?:\s+one)?|the\s+\w+(?:\s+\w+)?|"
    rf"all\s+(?:of\s+)?(?:the|our)\s+(?:remaining\s+)?(?:{WEEKDAY_WORD}\s+)?(?:sessions|meetings|calls))\s+"
    r"(?:out\s+of|off)\s+(?:the|my|our)\s+calendars?)\b",
)
#: Skipping a meeting ("let's skip the one on the 4th", "drop the follow-up on the 18th", "skip the
#: Dec 15 one", "skip next week's session"; not
#: "skip the small talk", "drop the meeting notes into our doc"): a cancel. Beside a time it is
#: left to that time (a proposal, or with "instead" a move), not called off.
_SKIP = re.compile(
    r"\b(?:(?:skip|drop)(?:ping)?\s+(?:(?:the|this|that|our|next|tomorrow'?s|today'?s|\w+day'?s)\s+)?(?:[\w']+\s+){0,2}"
    rf"(?:{_MEETING_WORDS}|follow-?up)s?"
    r"(?=\s*(?:$|[.,;:!?)\-–—]|(?:on|this|next|for|after|tomorrow|today|in|please|pls|and|as|since|because)\b))|"
    # "Can we skip this week's?", "Let's skip next week's - I'm on leave"
    r"skip(?:ping)?\s+(?:this|next)\s+week'?s(?=\s*(?:$|[.,;:!?)\-–—]|(?:one|and|as|since|because|please)\b))|"
    r"skip(?:ping)?\s+(?:it|this\s+week|next\s+week|the\s+\d+(?:st|nd|rd|th)?|"
    r"(?:tomorrow|today)(?:'?s(?=\s*(?:$|[.,;:!?\-–—]|(?:since|because|so|as)\b)))?|"
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)\b(?!'))",
)
#: Calling the meeting off asked of the other side, theirs to answer ("Should we cancel Tuesday given
#: the holiday?", "Are we still on or should we cancel?", "Do you want to skip this week?", "Sollen
#: wir Donnerstag absagen?"; not the request of "Can we cancel Tuesday?"): with no other time
#: offered, passed on and nothing called off. Looked for in the whole reply (lower case), whose
#: clauses may split the question ("Should we cancel Thursday, since the office is closed?").
_CANCEL_ASKED = re.compile(
    r"(?:\b(?:(?:should|shall)\s+(?:we|i)|(?:maybe|perhaps)\s+we\s+should|(?:do\s+you\s+think|would\s+you\s+rather)\s+we"
    r"(?:\s+should)?|(?:do|would)\s+you\s+(?:want|like|prefer)\s+(?:us\s+|me\s+)?to|you\s+wanna|"
    r"would\s+it\s+make\s+sense\s+to|do\s+we\s+(?:need|have)\s+to|"
    r"(?:is\s+it|would\s+it\s+be)\s+(?:better|best|easier)\s+to)|(?:^|(?<=[.!?]\s))\W{0,3}(?:want\s+to|wanna))\s+"
    r"(?:just\s+|maybe\s+|perhaps\s+)?"
    # (or moving it, asked the same way: "Should we reschedule?", "Should we postpone?")
    r"(?:cancel|skip|call\s+(?:it\s+)?off|reschedule|postpone|move\s+it|push\s+it)\b[^.!?]*\?|"
    r"\b(?:are|were)\s+we\s+(?:still\s+)?(?:skipping|cancell?ing|postponing|rescheduling)\b[^.!?]*\?|"
    r"\b(?:sollen|sollten)\s+wir\b[^.!?]{0,80}\b(?:absagen|ausfallen\s+lassen)\b[^.!?]{0,80}\?|"
    r"\bzullen\s+we\b[^.!?]{0,80}\b(?:afzeggen|annuleren|overslaan)\b[^.!?]{0,80}\?"
)
#: What every form of `_CANCEL_ASKED` says, looked for first.
_CANCEL_ASKED_WORDS = (
    "cancel", "skip", "call", "reschedul", "postpon", "move", "push",
    "absag", "ausfallen", "afzeg", "annuleren", "overslaan",
)  # fmt: skip


def _cancel_asked(low: str) -> bool:
    """Whether the reply (in lower case) asks the other side whether to call the meeting off or
    move it (`_CANCEL_ASKED`, its words looked for first), and says nothing firm of it besides ("I
    need to cancel Thursday. Should we skip next week too?" calls Thursday off)."""
    if not any(word in low for word in _CANCEL_ASKED_WORDS):
        return False
    rest, asked = _CANCEL_ASKED.subn(" ", low)
    return asked > 0 and not (
        _CANCEL.search(rest) or _SKIP.search(rest) or _declines(rest) or _RESCHEDULE.search(rest)
    )


_NOT_CANCEL = re.compile(
    r"\b(?:don'?t|do\s+not|no\s+need\s+to|not|never|won'?t|will\s+not|wouldn'?t|shan'?t)\s+(?:\w+\s+)?cancel|"
    r"\b(?:got|was|were|been|is|are|get|gets)\s+(?:(?:the|our|this|that|my)\s+\w+\s+)?(?:\w+\s+)?cancel|"
    # asked about, or only if ("Did you cancel the meeting?", "No worries if you need to cancel!",
    # "Let me know if we should cancel")
    r"\b(?:did|have|has)\s+(?:you|we|they|i)\s+(?:\w+\s+)?cancel\w*\b[^.!?]*\?|"
    r"\b(?:was|were)\s+(?:going|about|planning)\s+to\s+(?:cancel|skip)|"
    r"\bif\s+(?:you|we|i)\s+(?:need|have|want|decide|should|would\s+like|'d\s+like)\s+(?:to\s+)?(?:cancel|skip)|"
    # Only maybe, later ("I might cancel that one if work gets busy").
    r"\b(?:i|we)\s+(?:might|may)\s+(?:have\s+to\s+|need\s+to\s+)?(?:cancel|skip)|"
    r"\b(?:flight|train|bus|class|event|concert|game|trip|appointment|order|plan|plans|party|conference)s?\s+"
    r"(?:\w+\s+)?(?:got\s+|was\s+|were\s+|is\s+|has\s+been\s+)?cancel|"
    # the sender's own other things ("I cancelled my gym membership", "had to cancel my trip"), and
    # a room or a booking ("Shall I cancel the meeting room I booked?"), not the meeting
    r"\bcancel(?:l?ed|l?ing)?\s+(?:my|his|her|their)\s+(?:[\w'-]+\s+){0,2}(?:gym|membership|trip|flight|dentist|doctor|"
    r"lunch|dinner|breakfast|plans?|class|classes|lesson|reservation|subscription|holiday|vacation|travel|hotel|order|"
    r"tickets?|train|party|appointment\s+with|booking\s+at)\b|"
    r"\bcancel(?:l?ed|l?ing)?\s+(?:the|our|that)\s+(?:meeting\s+)?(?:room|table|hotel|order|subscription|membership|"
    r"reservation|booking\s+(?:for|of|at)\s+the\s+(?:room|table|restaurant))\b|"
    r"\bcancel\s+(?:la|el)\s+(?:reserva|mesa|sala|vuelo|viaje)\b",
)
_CANCEL_ALL = re.compile(
    r"\b(?:cancel\s+(?:them\s+)?all|cancel\s+everything(?!\s+(?:from|after|before|until|in|on)\b)|"
    rf"{_STOP_THE_MEETINGS}|all\s+(?:of\s+)?(?:our|the|future|upcoming|remaining)?\s*(?:future\s+|upcoming\s+)?"
    r"(?:meetings|sessions|calls|ones)|(?:stop|end|cancel)\s+(?:the\s+|our\s+)?(?:whole\s+)?"
    r"(?:series|recurring|repeating|regular)|the\s+(?:whole|entire)\s+series|every\s+(?:future\s+)?(?:meeting|session)|"
    r"recurring\s+(?:meeting|session|call)s?|(?:the\s+)?rest\s+of\s+(?:the|our)\s+(?:series|meetings|sessions)|"
    r"(?:the|our)\s+remaining\s+(?:(?:circle|group|mentoring)\s+)?(?:meetings|sessions|calls|ones)|"
    rf"all\s+(?:of\s+)?(?:the|our)\s+remaining\s+{WEEKDAY_WORD}\s+(?:meetings|sessions|calls))\b",
)
#: One meeting called off, the others kept ("cancel just tomorrow's", "this week only", "not the
#: whole series", "the rest of the series is fine", "keep the rest").
_ONE_ONLY = re.compile(
    rf"(?<!not\s)\b(?:just|only)\s+(?:tomorrow'?s|today'?s|this\s+week'?s?|{WEEKDAY_WORD}'?s?)\b"
    rf"(?!(?:\s+{MEETING_NOUNS})?\s+(?:is|are|was|stays?|still|can|will|made|showed|i|we)\b)|"
    rf"\b(?:tomorrow'?s?|today'?s?|this\s+week'?s?)\s+(?:{MEETING_NOUNS}\s+)?only\b(?!\s+(?:was|is|i|made))|"
    r"\bnot\s+(?:the\s+)?(?:whole|entire)\s+series\b|"
    r"\b(?:the\s+)?rest\s+of\s+(?:the|our)\s+(?:series|meetings|sessions)\s+(?:is|are|stays?|can\s+stay)\s+"
    r"(?:fine|ok(?:ay)?|good|on|as\s+(?:is|planned))\b|\bbut\s+keep\s+the\s+rest\b(?!\s+of)|"
    # "… but can we keep the rest of the series as is?"
    r"\bkeep\s+the\s+rest\s+of\s+(?:the|our)\s+(?:series|meetings|sessions)\b"
)
#: A time or a day, as a move names where to ("switch to 4pm", "change it to Thursday"; not
#: "switch to 2 sessions a month", "switch it to Zoom").
_A_TIME_OR_DAY = (
    rf"\d{{1,2}}(?::\d\d)?\s*(?:am|pm)\b|\d{{1,2}}:\d\d|(?:next\s+|this\s+)?{WEEKDAY_NAME}\b|tomorrow\b|today\b|"
    r"the\s+(?:\d{1,2}(?:st|nd|rd|th)|next|following)\b|noon\b|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d"
)
#: A day's meeting moved, said by its day ("move tomorrow to 5:30", "need to move tomorrow").
_MOVE_A_DAY = r"(?:move|shift)\s+(?:tomorrow|today|tmrw|\w+day)"
#: What a day is moved to ("move tomorrow to 5:30", "to Friday", "to the morning"; not "to the new desk").
_MOVED_TO = (
    rf"(?=\s+to\s+(?:{_A_TIME_OR_DAY}|\d|later\b|earlier\b|next\b|another\b|a\s+different\b|"
    r"(?:the\s+)?(?:morning|afternoon|evening)\b))"
)
_RESCHEDULE = re.compile(
    r"(?=[abcimnprsw])\b(?:re-?schedul\w*|re-?arrang\w*|postpon\w*|prepon\w*|"
    r"(?:push|bump)(?:ed|ing)?\s+(?:it|this|that|our|the|back|out|tomorrow'?s|today'?s|\w+day'?s)|"
    r"(?:push|bump)(?:ed|ing)?\s+to\s+(?=\d|(?:mon|tue|wed|thu|fri|sat|sun|next|tomorrow|later|after|the\s+(?:\d|next|following)))|"
    r"bump(?:ed|ing)?\s+(?:it|this|that|our|the)|"
    # "punt this to next week" (not "punt that question", "punt the resume review")
    rf"punt(?:ed|ing)?\s+(?:(?:it|this|that)(?!\s+(?!{MEETING_NOUNS}\b)[a-z]{{3,}})|(?:our|the|this|that)\s+{MEETING_NOUNS})|"
    r"mov(?:e|ing)\s+(?:it|this|that|our|the|to|things|tomorrow'?s|today'?s|\w+day'?s)|"
    # "Can we move tomorrow to 5:30?", "Need to move tomorrow - does Friday work?" (not "I'm moving tomorrow")
    rf"{_MOVE_A_DAY}{_MOVED_TO}|(?:(?<=need\sto\s)|(?<=have\sto\s)){_MOVE_A_DAY}(?=\s*[-–—,;.?!]|\s*$)|"
    r"(?:if\s+we|we\s+could\s+have)\s+moved\s+(?:it|this|that|our|the|tomorrow'?s|today'?s|\w+day'?s)|"
    rf"shift\w*\s+(?:it|this|that|our|the|to|(?:tomorrow|today|\w+day)'?s\s+{MEETING_NOUNS})|"
    r"bring\s+(?:it|this|that|our|the)?\s*(?:\w+\s+)?forward|change\s+(?:the|our)\s+(?:time|day|date)|"
    rf"(?:chang|switch|swap)(?:e|ed|ing)?\s+(?:(?:it|this|that|ours)\s+)?to\s+(?={_A_TIME_OR_DAY})|"
    r"another\s+(?:time|day)\s+for\s+(?:our|the)|new\s+time\s+for|"
    # "Could we start a little later tomorrow?", "can we start 30 minutes earlier?" (asked; not "we
    # could even start a bit earlier", "start later in the program")
    r"(?:could|can|shall)\s+we\s+start\s+(?:a\s+(?:little|bit|tad)\s+(?:bit\s+)?|an\s+hour\s+|half\s+an\s+hour\s+|"
    r"\d+\s*(?:min\w*|hours?)\s+)?(?:later|earlier|sooner)(?!\s+(?:than|in|with)\b))\b",
)
#: A date in words, month and day in either order ("Jan 4", "4th of January").
_MONTH_DAY = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
)
#: The day a meeting is moved from ("push Tuesday to Thursday at 3pm", "move the Jan 4 session
#: to Jan 5"): not read as a time, so that the time goes with the day it is moved to.
_MOVED_FROM = re.compile(
    rf"\b(?:push|bump|mov|shift|chang|switch|slid)\w*\s+(?:only\s+|just\s+)?(?:it\s+)?(?:from\s+)?(?:our\s+|the\s+|my\s+)?(?P<moved>(?:{WEEKDAY_WORD}|{_MONTH_DAY}|"
    # "move the 22nd to Jan 5" (to a day or a time: not "change the 3rd to a later date")
    rf"(?<=the\s)\d{{1,2}}(?:st|nd|rd|th)(?=\s+to\s+(?:{_A_TIME_OR_DAY}|\d))|"
    rf"(?:tomorrow|today)(?=(?:'?s)?(?:\s+{MEETING_NOUNS})?(?:\s+(?:up|back|forward))?{_MOVED_TO}))(?:'?s)?"
    r"(?:\s+(?:at\s+)?\d{1,2}(?::\d\d)?\s*(?:am|pm)?)?)"
    # "… to 4pm", "… up to 1:30" (not "up to the top of my list")
    rf"(?=\s+(?:{MEETING_NOUNS}\s+)?(?:to\b|(?:up|back|forward|over)\s+to\s+(?:{_A_TIME_OR_DAY}|\d)))|"
    # "bump tomorrow back an hour", "push Tuesday's call out a day": the meeting shifted, asked
    # for (not "my boss bumped tomorrow back an hour", "move Tuesday forward a bit in my head").
    rf"\b(?:push|bump|move|shift|slide)\s+(?:our\s+|the\s+|my\s+)?(?P<shifted>(?:tomorrow|today|{WEEKDAY_WORD})(?:'?s)?)"
    rf"(?=(?:\s+{MEETING_NOUNS})?\s+(?:back|forward|up|out)\s+(?:by\s+)?(?:an?|\d+|half(?:\s+an)?|one|two)\s+"
    r"(?:hours?|hrs?|days?|weeks?|min\w*)\b)|"
    # "the Jan 7 one: can we do Jan 8 instead?": the meeting named first, then its new time.
    # ("For the Jan 19 session only, could we do Wednesday the 20th at 3 instead?")
    rf"\b(?:the|our)\s+(?P<named>(?:{WEEKDAY_WORD}|{_MONTH_DAY})(?:'?s)?)\s+{MEETING_NOUNS}(?:\s+only)?\s*[:,\-–—]"
    r"(?=[^.]{0,80}\b(?:could|can|shall|would)\s+we\b[^.]{0,60}\binstead\b)|"
    # "… at 12:30 instead of our Tuesday call?", "… instead of the Thursday 11th one": the meeting
    # replaced, not the day of the new time; so is a day alone replaced where the sentence turns
    # after it ("Instead of Tuesday, Thursday at 10?", "Rather than Tuesday, how about …").
    rf"\b(?:instead\s+of|rather\s+than)\s+(?:our\s+|the\s+|my\s+)?(?P<instead>(?:{WEEKDAY_WORD}"
    r"(?:\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?)?|"
    rf"{_MONTH_DAY}|the\s+\d{{1,2}}(?:st|nd|rd|th))(?:'?s)?)"
    rf"(?=\s+{MEETING_NOUNS}\b|\s*[,:;\-–—?.!]|\s*$|\s+(?:could|can|would|shall|how|what|let'?s|maybe|perhaps)\b)|"
    # "Can we swap Tuesday for Thursday at 2pm?", "trade Tuesday's session for Wednesday 4pm", asked
    # (not the sender's own: "I'm trying to swap Thursday for Friday at work")
    r"(?<!\bi'm\s)(?<!\bi\sam\s)(?<!\bwe're\s)(?<!\btrying\sto\s)"
    rf"\b(?:swap|trade|exchange|switch)\w*\s+(?:our\s+|the\s+)?(?P<swapped>(?:(?:{WEEKDAY_NAME}|thurs?|tues|weds)\b|{_MONTH_DAY}|"
    rf"tomorrow|today)(?:'?s)?)(?=(?:\s+{MEETING_NOUNS})?\s+(?:for|with)\s+(?:{_A_TIME_OR_DAY}|\d))",
    re.IGNORECASE,
)


def _day_moved_from(moved_from: re.Match[str] | None, situation: Situation) -> date | None:
    """The day the meeting is moved from, as the sender's calendar date, when one is said."""
    if moved_from is None:
        return None
    said = read_times(_moved_day_said(moved_from), situation.zone, situation.now).clauses
    day = next((day for clause in said for day in clause.days), None)
    # A day past is no meeting to move ("we had to change the 3rd …").
    return day if day is None or day >= situation.now.astimezone(situation.zone).date() else None


#: Words that move a meeting (`_MOVED_FROM`'s, looked for first, but for those of a swap).
_MOVING_VERBS = ("push", "bump", "mov", "shift", "chang", "switch", "slid", "instead", "rather")
#: ... and of a swap ("swap Tuesday for Thursday at 2pm"), which alone moves nothing ("Can I swap
#: Thursday's reading for the HBR article?").
_MOVED_FROM_WORDS = (*_MOVING_VERBS, "swap", "trade", "exchang")


def _without_moved_from(text: str) -> tuple[str, re.Match[str] | None]:
    """The text with the day a meeting is moved from blanked out (its length kept), and where
    that was said (a move), if anywhere."""
    low = text.lower()
    moved = _MOVED_FROM.search(text) if any(verb in low for verb in _MOVED_FROM_WORDS) else None
    if moved is None:
        return text, None
    return _MOVED_FROM.sub(_blanked, text), moved


#: The groups of `_MOVED_FROM`'s forms, one of which holds the day moved from.
_MOVED_FROM_GROUPS = ("moved", "shifted", "named", "instead", "swapped")


def _moved_day_said(match: re.Match[str]) -> str:
    """The words of the day moved from, whichever form of `_MOVED_FROM` said it."""
    return next(match[name] for name in _MOVED_FROM_GROUPS if match[name] is not None)


def _blanked(match: re.Match[str]) -> str:
    """The match with the day moved from (any form of `_MOVED_FROM`) blanked out."""
    group = next(name for name in _MOVED_FROM_GROUPS if match[name] is not None)
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    return match.group(0)[:start] + " " * (end - start) + match.group(0)[end:]


#: New times to come ("a few new times", "some other slots", "a different day").
_NEW_TIMES = (
    r"(?:a\s+few\s+|some\s+)?(?:another|a\s+new|new|a\s+different|other|more)\s+"
    r"(?:times?|days?|slots?|dates?|options?)\b"
)
#: Asking the other side for another time ("could you suggest another time?"), or promising one
#: ("I'll send over a few new times", "Can I get back to you with a new time?").
_ANOTHER_TIME = re.compile(
    r"\b(?:suggest|find|pick|propose|choose)\s+(?:another|a\s+new|a\s+different|other)\s+(?:time|day|slot|date)s?\b|"
    # "Can we make other day?", "can we do it another day?"
    r"\b(?:can|could|shall)\s+we\s+(?:make|do|have|meet)\s+(?:it\s+)?(?:on\s+)?(?:another|an\s+other|other|a\s+different)\s+(?:time|day|date)\b|"
    rf"\b(?:send(?:\s+over|\s+you)?|get\s+back\s+to\s+you\s+with|come\s+back\s+(?:to\s+you\s+)?with)\s+{_NEW_TIMES}",
    re.IGNORECASE,
)
#: The other side asked to choose ("can you suggest another time?"): not the sender's time to give.
_YOU_CHOOSE = re.compile(
    r"\b(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:suggest|send|pick|propose|choose|find)\b|"
    # a window given, the time left to them ("anytime between 8 and 11, so pick whatever works
    # for you", "you choose")
    r"(?:^|\bso\s+|,\s*|\bjust\s+)(?:please\s+)?(?:pick|choose|grab|book)\s+(?:whatever|whichever|any|a\s+(?:time|slot))\b|"
    r"\byou\s+(?:pick|choose)\b"
)
#: Taking back one's own proposal: "please ignore my suggestion", "forget the times I sent".
_WITHDRAW = re.compile(
    r"(?<!n't\s)(?<!not\s)\b(?:ignore|forget|disregard|scratch|withdraw|drop)\s+(?:my|the)\s+"
    r"(?:last\s+|earlier\s+|previous\s+)?(?:(?:suggested|proposed)\s+times?|times?\s+i\s+(?:sent|suggested|proposed)|"
    rf"(?:suggestion|proposal)s?(?=\s*(?:$|[.!,;:-]|(?:for|of|on)\s+(?:{WEEKDAY_WORD}\b|the\s+\d|\d|today|tomorrow))))",
    re.IGNORECASE,
)
#: Said of one's own waiting suggestion only (the sender has one): "Actually, forget it", "nvm",
#: "please ignore it", "the original time is fine after all".
_NEVER_MIND = re.compile(
    r"(?:^\W*|\bactually,?\s+)(?:forget\s+(?:it|that|about\s+it)|never\s*mind|nvm|ignore\s+(?:it|that|this))\b|"
    r"\b(?:please\s+)?(?:ignore|disregard)\s+(?:it|that|this|my\s+(?:last|earlier|previous)\s+(?:email|message|mail))\b|"
    r"\b(?:original|current|old|usual)\s+(?:time|slot|day|plan)\s+(?:is\s+|'s\s+)?(?:still\s+)?"
    r"(?:fine|ok(?:ay)?|good|works|stays)\b|"
    r"\b(?:is|'s|works)\s+(?:fine|ok(?:ay)?|good)\s+after\s+all\b|\blet'?s\s+keep\s+(?:it|the\s+original)\b"
)
#: A day refused ("can't do Thursday anymore", "cant thurs"): with a meeting booked on it and
#: another time offered, a move (with several options offered, only that option refused).
_CANT_DAY = re.compile(
    rf"\b(?:can'?t|cannot)\s+(?:do\s+|make\s+)?(?:{WEEKDAY_WORD}|tomorrow|the\s+\d{{1,2}}(?:st|nd|rd|th)|{_MONTH_DAY})\b",
    re.IGNORECASE,
)
#: Another time asked for in place of the meeting ("can we do next week instead?"; not "next week
#: instead of this one works too").
_INSTEAD_ASKED = re.compile(r"\b(?:can|could|shall)\s+we\b.*\binstead\b(?!\s+of\b)")
#: A time offered "instead" of a meeting already confirmed moves it ("Thursday works better").
_INSTEAD = re.compile(
    r"\b(?:instead|works?\s+better|would\s+be\s+better|(?:i'?d|i\s+would|we'?d)\s+rather)\b"
)
#: The weekday of the one time offered, said of the week after it ("the following Tuesday", "next
#: Tuesday instead").
_A_WEEK_ON = re.compile(rf"\b(?P<which>next|following)\s+(?P<day>{WEEKDAY_NAME})\b", re.IGNORECASE)
#: What asks for it in that clause: "instead" for "next"; for "following" also a question or a
#: preference ("The following Tuesday would be better, same time").
_INSTEAD_WORD = re.compile(r"\binstead\b")
_ASKED_OR_PREFERRED = re.compile(r"\?|\b(?:instead|better|rather|prefer\w*)\b")


def _a_week_after_the_offered(reading: Reading, situation: Situation) -> Reading:
    """Of one time offered on a Tuesday, "Could we do the following Tuesday instead? Same time." and
    "next Tuesday instead?" ask for the Tuesday after it, at the times the reply puts on the day
    offered (read alone, "next Tuesday" said on a Friday is that very day, and a yes)."""
    offered = situation.offered[0]
    day = offered.astimezone(situation.zone).date()
    for clause in reading.clauses:
        said = _A_WEEK_ON.search(clause.low)
        if said is None or weekday_index(said["day"]) != day.weekday() or clause.unavailable:
            continue
        following = said["which"] == "following"
        if not (_ASKED_OR_PREFERRED if following else _INSTEAD_WORD).search(clause.low):
            continue
        moved = [
            same_moment(o.start, offered) or (following and o.start.astimezone(situation.zone).date() == day)
            for o in reading.options
        ]
        if any(moved):
            week = timedelta(days=7)
            options = zip(reading.options, moved, strict=True)
            later = [replace(o, start=o.start + week) if m else o for o, m in options]
            return replace(reading, options=later)
    return reading


#: Moves that are not about our meeting ("I had to reschedule my dentist appointment") or not
#: wanted ("I'd rather not move it").
_NOT_OUR_MOVE = re.compile(
    r"(?:(?<!why\s)\bnot|n't|\bnever|\bno\s+need\s+to)\s+(?:\w+\s+)?(?:re-?schedul|mov|postpon|push|shift|bump)\w*\b|"
    r"\b(?:had|have|having|needed|got)\s+to\s+(?:re-?schedul|move|postpon)\w*\s+(?:my|his|her|their|a|an)\b|"
    r"\b(?:re-?schedul\w*|mov\w+|postpon\w*)\s+(?:my|his|her|their)\s+(?!(?:meeting|session|call|slot)\b)|"
    # The sender moving somewhere ("I'll be moving to the Berlin office in January"), not the meeting.
    r"\b(?:i|i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be|we'?re|we\s+are|we'?ll\s+be)\s+(?:\w+\s+)?mov(?:e|ing)\s+to\s+"
    r"(?:the\s+|a\s+|an\s+|my\s+|our\s+)?(?:new\s+)?(?:\w+\s+)?"
    r"(?:office|city|team|role|job|house|flat|apartment|country|department|company|position|area|campus)\b|"
    r"\bmoving\s+(?:house|cities|countries|offices|teams|jobs|abroad|overseas)\b|"
    # "I'm moving to Denver in January", "my team is moving to a new office": not the meeting
    r"\b(?:i'?m|i\s+am|we'?re|we\s+are|is|are|(?:i|we)(?:'ll|\s+will)\s+be)\s+moving\s+to\s+(?!\d|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|"
    r"(?:tomorrow|today|tonight|next|later|earlier|the\s+(?:\d|next|following))\b)\w+|"
    # Thanks for a move already made ("Works for me, thanks for moving it").
    r"\bthank(?:s|\s+you)\s+(?:\w+\s+){0,2}for\s+(?:moving|rescheduling|changing|shifting|pushing|re-?arranging)\b|"
    # No move expected ("I don't think I'll need to reschedule"), or one spoken of ("Hope the
    # rescheduling wasn't a pain")
    r"n't\s+(?:think|expect|believe)\s+(?:(?:we|i)(?:'ll|\s+will)?\s+)?(?:need|have)\s+to\s+"
    r"(?:re-?schedul|mov|postpon|push|shift)\w*\b|"
    r"\b(?:the|that|this)\s+re-?schedul\w*\s+(?:was|wasn'?t|is|isn'?t|went|has|hasn'?t)\b|"
    # someone else's move ("My manager wants to move our 1:1 to Thursdays"), one refused ("Rather
    # than move it, let's just skip this one"), a deadline's ("is there room to push it?"), pushing
    # back as resisting ("push back in writing"), moving on in life ("move to a data science role")
    r"\b(?:manager|boss|team|colleague|client|he|she|they)\s+(?:\w+\s+)?(?:wants?|asked|needs?|decided|is\s+going)\s+to\s+"
    r"(?:move|reschedule|push|shift)\b(?!\s+(?:our|this)\s+(?:meeting|session|call|catch-?up)\b(?!\s+with\b))|"
    r"\b(?:rather\s+than|instead\s+of)\s+(?:mov|re-?schedul|push|shift)\w*\b|"
    r"\broom\s+to\s+(?:push|move|shift)\s+(?:it|this|that)(?=\s*(?:[?.!,]|$))|"
    r"\bpush(?:ed|ing)?\s+back\s+(?:in|against|hard|when|if)\b|"
    r"\bmove\s+(?:in)?to\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:role|job|position|team|career|field|industry|city|house|flat)\b",
)
_CONFIRM_ANYWHERE = re.compile(
    r"\bi\s+(?:hereby\s+)?confirm\b|"
    # "I am agree with the hour you propose", "I agree to the proposed time"
    r"(?<!sure\s)(?<!n't\s)(?<!not\s)\bi\s+(?:am\s+)?agree[ds]?\s+(?:with|to)\s+(?:the|this|that|your)\s+"
    r"(?:proposed\s+|suggested\s+)?(?:hour|time|date|day|proposal|slot|option)\b(?!\s+(?:only|if|but|as\s+long)\b)|\b(?:the|that|this)\s+(?:proposed\s+|suggested\s+)?(?:date|time|slot|day|option)\s+"
    r"(?:is\s+(?:fine|good|great|perfect|ok(?:ay)?|convenient|best|ideal|no\s+problem)|works|suits)\b(?!\s+not)|\bi\s+(?:will|'ll)\s+be\s+(?:available|free|there)\b|"
    r"\b(?:would|will|does|should)\s+suit\s+(?:me|us)\b|\bworks\s+for\s+(?:me|us)\b|\bsounds\s+(?:good|great|perfect)\b|"
    # a squeeze made to fit ("Tuesday is a bit tight but I'll make it work!")
    r"^\W*(?:but\s+)?(?:i'?ll|i\s+will|i\s+can|we\s+can|we'?ll)\s+make\s+it\s+work\b(?!\s+(?:if|as\s+long)\b)|"
    # "Noted, will join at the said time." (not "Not sure I will attend at the proposed time")
    r"^\W*(?:noted\W+)?(?:i\s+)?(?:will|'ll|i'll)\s+(?:join|attend|be\s+there)\s+at\s+the\s+"
    r"(?:said|given|proposed|suggested|mentioned|agreed)\s+time\b",
)
_CONFIRM = re.compile(
    # "Thanks, that works.", "Cheers, yes", "No worries, that works": a yes after courtesy only as
    # the clause's end
    r"^\W*(?:thanks|thank\s+you|many\s+thanks|cheers|no\s+(?:worries|problem|prob)|np)\W+(?:yes|yep|yeah|that\s+works|works\s+for\s+me|confirmed|"
    r"sounds\s+good|perfect|great|fine|ok(?:ay)?)\W*$|"
    r"^\W*(?:yes+|yep|yeah|yup|ya|y(?=\W*$)|sure|ok|okay|kk|k|absolutely|definitely|of\s+course|confirm(?:ed)?|"
    # in the languages most often mixed into English ("Va bene, confermo", "Confirmo, nos vemos")
    r"va\s+bene|confermo|confirmo|confirmado|je\s+confirme|c'?est\s+confirm[ée]|ich\s+best[äa]tige|best[äa]tigt|"
    r"perfect|great|excellent|brilliant|wonderful|sounds\s+(?:good|gud|great|perfect|fine)|(?:def|defo|deffo)(?=\W*$|\W+(?:see|c)\s)|"
    r"(?:that|this|it|tuesday|wednesday|thursday|friday|monday|saturday|sunday|the\s+time)?\s*works(?:\s+for\s+(?:me|us))?|"
    r"works\s+(?:great|fine|well)|fine(?:\s+(?:by|with)\s+me)?|deal|see\s+you\s+(?:then|there)|i'?ll\s+be\s+there|"
    r"count\s+me\s+in|looks\s+good|all\s+good|good\s+for\s+me|suits\s+me|that\s+suits|agreed|go\s+ahead|"
    r"book\s+it|lock\s+it\s+in|(?:that|this|it)\s+should\s+(?:be\s+(?:fine|ok(?:ay)?|good|great)|work)|let'?s\s+do\s+(?:it|that)|done|accept(?:ed)?|that'?s\s+fine|"
    r"that'?s\s+(?:great|perfect|good|grand)|i\s+can\s+(?:make\s+it|do\s+(?:it|that))|"
    # "Happy to!", "happy to do that"; not "Happy to meet in person" (a wish, not a yes)
    r"happy\s+to(?=\W*$|\s+(?:do\s+(?:it|that|either)|go\s+ahead|confirm))|"
    # "Booked, send me the link", "Alright!" (not "Booked a flight", "Alright then, what about 4?")
    r"booked(?=\W*$|\s*[,!.])|(?:alright|all\s+right)(?=\W*$|\s*[,!.]\s*(?:send|see|thanks?|$))|"
    # "of course not" is no; "yes, not a problem" and "absolutely not a problem" are yes
    r"no\s+problem|👍|✅|👌)(?:(?<=\W)|\b)(?!\s+not\b(?!\s+(?:a\s+)?(?:problem|issue|bother)\b))",
)
#: A yes in other words, as people mix them in ("Perfecto, see you then!", "Ja, passt!", "Can
#: do!"): only as the whole reply, not "Lovely to hear from you!" or "Cool, I'll check first".
_SOFT_YES_WORD = (
    r"(?:sim|ja|jawohl|oui|s[ií]|claro|vale|perfecto|perfetto|parfait|genau|passt|d'accord|can\s+do|cool|lovely|"
    r"grand|sorted|beauty|locked\s+in|no\s+wahala)"
)
_SOFT_YES = re.compile(
    rf"^\W*{_SOFT_YES_WORD}(?:\W+(?:{_SOFT_YES_WORD}|see\s+you(?:\s+(?:then|there|soon))?|nos\s+vemos|works|"
    r"that\s+works|thanks|thank\s+you|bis\s+dann|gracias|obrigad[oa]|merci|it\s+is))*\W*$"
)
#: What a refusal is said of: the meeting ("it", "that") or its day.
_A_DAY_OR_IT = rf"(?:it|that|this|tmrw|tomorrow|today|tonight|{WEEKDAY_IN_FULL})"
_DECLINE = at_word_start(
    r"(?:i'?ll|i\s+will|going\s+to|gonna)\s+(?:have\s+to\s+)?miss\b",
    # "I have to bail on tomorrow's session", "need to bail" (not "I'll bail if something comes up")
    rf"(?:have\s+to|need\s+to|gotta|must|'ll|will)\s+bail(?:\s+on\s+(?:the|our|{_A_DAY_OR_IT})\b|\W*$)",
    # "tmrw's not gonna work", "that's not going to work for me" (not "I'm not gonna work on the deck")
    rf"{_A_DAY_OR_IT}(?:'s|\s+is)?\s+(?:not|isn'?t)\s+(?:gonna|going\s+to)\s+(?:work|happen)\b(?!\s+on\b)",
    # "Tuesday's a no-go for me" (not "hiring is a no-go")
    rf"{_A_DAY_OR_IT}(?:'s|\s+is)\s+a\s+no[\s-]go\b",
    # "I'm travelling that day", "I'm busy then": the time asked about taken
    r"(?:i'?m|i\s+am|i'?ll\s+be|i\s+will\s+be)\s+(?:\w+\s+)?(?:travell?ing|away|busy|booked|out|off|unavailable|tied\s+up)\s+"
    r"(?:that\s+(?:day|morning|afternoon|evening)|then|at\s+that\s+time)\b",
    # "3pm on Tuesday clashes with our board meeting", "I have a conflict then", "that slot is taken"
    r"(?<!no\slonger\s)(?<!n't\s)(?<!not\s)clash(?:es|ing)?\s+with\b(?!\s+(?:nothing|anything)\b)",
    r"(?<!if\s)(?<!whether\s)(?<!think\s)(?:i\s+have|i'?ve\s+got|there'?s)\s+a\s+conflict"
    r"(?=\s+(?:then|that\s+day|at\s+that\s+time)\b|\W*$)",
    # "that time is taken", "the 3pm slot's gone" (not "it's taken me ages", "my cold is gone")
    r"(?:time|slot|day|date|that|\d\s*(?:am|pm)?)\s*(?:is|'s|are)\s+(?:already\s+)?(?:taken|gone)\b"
    r"(?!\s+(?:me|us|care|a\b|ages|well|smoothly|great|fine|by|over|through|up|down|out)\b)",
    # "9pm is very late for me", "is too early for me"
    r"(?:is|'s|are)\s+(?:very|really|way|much|rather|quite|a\s+bit|too)\s+(?:too\s+)?(?:late|early)\s+for\s+(?:me|us)\b"
    r"(?!\s+to\b)",  # (not "too early for me to say")
    r"(?:can'?t|cannot|can\s+not|won'?t\s+be\s+able\s+to|unable\s+to)\s+"
    r"(?:make\s+(?:it|that|this)|do\s+(?:it|that|this|then)|attend|join|come|"
    # "I can't go to the meeting on Thursday"
    rf"go\s+to\s+(?:the|our|this|tomorrow'?s|today'?s|\w+day'?s)\s+(?:{MEETING_NOUNS}|circle)\b|"
    # "I won't be able to meet this week" (not "can't meet before 5", a limit said)
    r"meet(?=\s+(?:(?:up\s+)?(?:this|that|next)\s+week|then|that\s+day|on\s+\w+day|tomorrow|today)\b|\W*$)|"
    r"keep\s+(?:it|that|this|our|the|\w+day)\b(?!\s+up\b))",
    r"(?:doesn'?t|does\s+not|won'?t|will\s+not|don'?t|do\s+not)\s+(?:really\s+)?(?:work|suit|fit)",
    r"not\s+(?:be\s+)?(?:possible|available|free)\b",
    # "I don't think Tuesday is going to work anymore", "I don't think 3pm will work" (the time or the
    # meeting; not "I don't think my camera is going to work")
    rf"don'?t\s+think\s+(?:{_A_DAY_OR_IT}|\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?|(?:that|this|the|our)\s+(?:time|slot|day|"
    rf"date|{MEETING_NOUNS}))\s+(?:is|'s|will)\s+(?:going\s+to\s+|gonna\s+)?work\b",
    # "I won't be up for our call tomorrow", "we won't be joining", "…, won't be joining." (not "won't
    # be joining from my laptop", "won't be up for a long one", "my colleague won't be joining")
    r"(?:i|we|and)\s+(?:won'?t|will\s+not)\s+be\s+(?:up\s+for\s+(?:it|this|that|our|the\s+(?:meeting|session|call)|"
    r"tomorrow|today|\w+day)\b|(?:joining|attending)\b(?!\s+(?:from|on|via|by|alone|late|until|with|in\s+person)\b))",
    r"won'?t\s+be\s+(?:joining|attending)\W*$",
    # "take a rain check on tomorrow" (not "a rain check on the coffee")
    r"(?:take|taking)\s+a\s+rain\s*check(?=\s+on\s+(?:it|this|that|our|tomorrow|today|\w+day|the\s+(?:meeting|session|"
    r"call|catch-?up))|\W*$|\s*[,.;!])",
    r"unfortunately\s+not\b",
    r"no\s+longer\s+(?:works?|suits?|fits?|possible|good|ok(?:ay)?)\b",
    # "Tuesday 3pm is now bad for me", "Tuesday at 3pm is tricky now": the day or time refused.
    rf"{WEEKDAY_WORD}(?:\s+(?:at\s+)?\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?)?\s+(?:is|'s)\s+(?:now\s+|a\s+bit\s+)?"
    r"(?:bad|tricky|difficult|impossible|out)\b",
    r"afraid\s+not\b",
    r"(?<!n't\s)(?<!not\s)(?<!never\s)sit\s+this\s+one\s+out\b",
    # "I'll have to sit out Thursday's circle" (not "sit out in the sun")
    rf"(?:have\s+to|need\s+to|'ll|will|gonna|going\s+to)\s+sit\s+out\s+(?:this|tomorrow'?s|today'?s|"
    rf"{WEEKDAY_WORD}'?s?)\s+(?:{MEETING_NOUNS}|circle|one)\b",
    r"count\s+me\s+out\b",
    r"no\s+can\s+do\b",
    r"none\s+of\s+(?:these|those|them)\b",
    # "I don't think any of those work", "not any of those three", "I don't think either day works"
    # (the options refused)
    r"(?:don'?t|do\s+not)\s+think\s+(?:any\s+of\s+(?:these|those|them)\b|(?:either|any)(?:\s+(?:one|day|date|"
    r"slot|option|time)s?|\s+of\s+(?:them|those|these))?\s+(?:works?|suits?|is\s+(?:good|fine|possible|ok(?:ay)?))\b)|"
    r"not\s+any\s+of\s+(?:these|those|them)\b",
    r"(?:can'?t|cannot|can\s+not|couldn'?t)\s+(?:do|make)\s+any\s+of\s+(?:these|those|them|the\s+(?:times|options|slots))\b",
    r"neither\b",
    r"won'?t\s+(?:be\s+able\s+to\s+)?make\b",
    # as a learner of English may put it ("I will not can go to the meeting")
    r"(?:will\s+not|won'?t)\s+can\s+(?:go|come|attend|join|make)\b",
    r"can'?t\s+make\b",
    r"(?:i\s+have\s+to|need\s+to|must)\s+decline\b",
    r"(?:have\s+to|need\s+to|must|will|'ll|going\s+to|gonna)\s+skip\s+(?:it|this\s+one|(?:our|the|this|"
    rf"today'?s|tomorrow'?s|\w+day'?s)\s+{MEETING_NOUNS})\b",
    # (not a calendar's button pressed by mistake: "I had to decline the invite by accident", "I
    # accidentally hit decline", "Ignore the decline")
    r"(?<!\bhit\s)(?<!\bpressed\s)(?<!\bclicked\s)(?<!\bthe\s)(?<!\ba\s)(?<!\bmy\s)(?<!\baccidentally\s)decline\b"
    r"(?!\s+(?:the\s+|your\s+)?(?:calendar\s+)?(?:invite|invitation|event)?\s*(?:by\s+(?:accident|mistake)|"
    r"accidentally|mistakenly))",
    r"that'?s\s+not\s+(?:good|great|ideal)",
    r"(?:absolutely|definitely|certainly|of\s+course)\s+not\b(?!\s+(?:a\s+)?(?:problem|issue|bother)\b)",
    starts=r"\d'acdfghimnostuw",
    # The whole clause ("No.", "Can't.", "Nein.") or its first word ("Nope, …"), perhaps after a
    # hesitation ("Um, no, sorry.", "Hmm no").
    anchored=(
        r"^\W*(?:(?:um+|hmm*|uh+|er+m?|well)\W+)?(?:(?:sorry|unfortunately|alas)\W+)?"
        r"(?:no|nope|nah|can'?t|cannot|nein|non|não|nee|nie)\W*$",
        r"^\W*(?:(?:um+|hmm*|uh+|er+m?|well)\W+)?(?:no|nope|nah)\b(?!\W*(?:problem|prob|worries|worry|rush|stress|pressure|doubt|need|conflicts?|"
        r"clash(?:es)?|issues?|objections?|agenda|news|updates?|idea|clue|plans?|questions?|changes?|preference|"
        r"word|reply|answer|one|further|other|new)\b|\.\s*\d)",
    ),
)
#: Any of the options offered will do ("Either works", "both fine!"); a bare "fine" or "good" only
#: ends the clause ("any good restaurants nearby?" is no answer).
_EITHER = re.compile(
    r"\b(?:either|both|any|whichever)(?:'s)?\s+(?:one\s+|of\s+(?:them|those|these|the\s+others?)"
    r"(?:\s+(?:two|three|four|ones|options|times))?\s+|"
    r"(?:time|day|date|slot|option)s?\s+)?"
    r"(?:(?:works?|is\s+fine|are\s+fine|suits?|is\s+good|are\s+good|would\s+(?:work|be\s+fine)|is\s+ok(?:ay)?)\b|"
    r"(?:fine|good|ok(?:ay)?)(?:\s+(?:by|with|for)\s+me)?\W*$)|"
    # the others left, said alone ("Tuesday doesn't work. Either of the other two!")
    r"\b(?:either|any)\s+(?:one\s+)?of\s+the\s+others?(?:\s+(?:two|three|four|ones|options|times))?\W*$"
)
#: A doubt, a no or a question about the options ("I don't think any of those work", "Would any of
#: those work for 90 minutes?"): no "either works".
_NOT_EITHER = re.compile(
    r"^\W*(?:(?:hmm+|so|and|ok|okay|well)\W+)?(?:would|could|can|does|do|is|are|will|did|should)\b|"
    r"\b(?:not|no|never|doubt|sure|whether|if|check|unfortunately|sadly)\b|n't\b"
)
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
#: The words that name an option by its place among `count` ("the latter"), with `_position`.
_PLACES = frozenset({*_ORDINALS, "last", "latter", "former"})


def _position(word: str, count: int) -> int:
    """The place (from 1) among `count` options that a word of `_PLACES` names."""
    return _ORDINALS.get(word, 1 if word == "former" else count)


#: Accepting a meeting already confirmed (an invite), as a calendar's "Yes" would.
_ATTEND = re.compile(
    r"^\W*(?:yes|yep|i'?ll\s+be\s+there|count\s+me\s+in|i\s+can\s+make\s+it|i'?m\s+in|accept(?:ed)?|confirm(?:ed)?|"
    r"will\s+be\s+there|attending|see\s+you\s+(?:then|there)|(?:i\s+)?will\s+(?:join|attend)(?=\W*$)|i'?ll\s+(?:join|attend)(?=\W*$))\b",
)
#: Words of welcome that accept the meeting only when nothing in the reply refuses, calls off or
#: moves it: "Perfect, see you then!" is a yes; "Great, but I won't be able to make it" is not.
#: Words of welcome (not of praise for a thing: "Great article, thanks for sharing", "Great question").
_GLAD = re.compile(
    r"^\W*(?:perfect|great|excellent|sounds\s+good|wonderful|brilliant)\b"
    r"(?!\s+(?:question|article|point|idea|read|book|chat|job|work|talk|post|piece|podcast|video|advice|tips?|"
    r"session|meeting|call|presentation|deck|feedback|notes|insight|example)s?\b)"
)
#: The invite acknowledged: a yes only when the rest of the reply is courtesy ("Got the invite, all
#: good on my side."; not "Got the invite - is there a Zoom link?").
_ACKNOWLEDGED = re.compile(
    r"^\W*(?:just\s+)?(?:confirming|(?:got|received)\s+the\s+(?:calendar\s+)?invit(?:e|ation))\b"
)
#: A reply that is only a thumbs-up, a tick or an OK hand (a yes to an invite as to an offer), or
#: only a thumbs-down with a few words of regret (a no; not "👎 to this rain! But yes, Tuesday works").
_YES_SIGN = re.compile(r"^[\s!.]*(?:(?:👍|✅|👌|💯)[\U0001f3fb-\U0001f3ff]?[\s!.]*)+$")
_NO_SIGN = re.compile(
    r"^\W*👎[^\w]*(?:(?:sorry|sry|soz|nope|no|busy|can'?t|not\s+this\s+time)\b[^\w]*)*$", re.IGNORECASE
)
#: "c u then", "see ya tomorrow", "Still on!": a yes to an invite when nothing refuses it, and
#: "tomorrow" only when the meeting is then (not "See you tomorrow at the hackathon" on a Friday).
_SEE_YOU = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|k|cool|defo|deffo|def)\W+)*(?:(?:see|c)\s+(?:you|u|ya)|cya)\s+"
    r"(?:then|there|(?P<tomorrow>tomorrow|tmrw?))\b(?![^?]*\?)|^\W*still\s+on[^\w?]*$"
)
_PICK = re.compile(
    rf"\b(?:the\s+)?({ORDINAL_WORDS}|last|latter|former|earlier|later|middle)\s*"
    r"(?:one|option|slot|time|choice|suggestion)?\b|\boption\s*#?\s*(\d)\b|(?:#\s*|\(\s*(?=\d\s*\)))(\d)\b|"
    r"^\W*(?:(?:number|no\.|nr\.?)\s*)?(\d)\W*(?:(?:please|pls|works|is\s+(?:fine|good|best|great)|for\s+me|thanks)\W*)*$",
)
_COURTESY = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|morning|good\s+(?:morning|afternoon|evening)|greetings)\b[\w\s.'-]{0,30}|"
    r"(?:many\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?(?:\s+(?:again|a\s+lot|a\s+ton))?(?:\s+\w+)?|"
    # thanks for our own email ("Thanks for the briefing", "thanks for the reminder")
    r"(?:many\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?\s+for\s+(?:the|your|this)\s+(?:summary|briefing|reminder|"
    r"invite|invitation|update|heads[\s-]*up|email|note|message|confirmation|calendar\s+invite)|"
    r"thx|ty|tysm|cheers|best(?:\s+wishes)?|regards|kind\s+regards|best\s+regards|warm(?:est)?\s+regards|"
    r"all\s+the\s+best|talk\s+soon|speak\s+soon|take\s+care|sincerely|yours|warmly|(?:see|c)\s+(?:you|u|ya)(?:\s+\w+){0,3}|cya(?:\s+\w+){0,3}|"
    r"have\s+a\s+(?:great|good|nice|lovely)\s+(?:day|weekend|week|evening)|ok|okay|great|cool|awesome|"
    r"perfect|nice|lovely|brilliant|sounds\s+good|got\s+it|noted|will\s+do|sure|please|pls|plz|thanks?\s+\w+|"
    r"(?-i:[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?|[A-Z]{1,3})|-+\s*\w+)\W*$",
    re.IGNORECASE,
)


#: Commands of SPEC §3.1.8, §3.1.10 and §3.1.13 that later parts of the product act on: until
#: then they are not passed on as messages (the sender gets the "not understood" answer).
_LATER_COMMANDS = re.compile(
    r"^\W*(?:help|status|pause|resume|end(?:\s+(?:it|the\s+mentorship|our\s+mentorship))?(?=\s*(?:$|[.!:,-]|because))|private|"
    r"send\s+my\s+data|delete\s+my\s+data|time\s*zone\b|tz\b|my\s+time\s*zone\s+is|done\s*:?\s*#?\d|"
    r"#\d+\s+done|\[x\]\s*\d|(?:i'?m\s+)?away\s+(?:until|till|from)|i'?m\s+in\s+\w+\s+now)\b",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"(?<=[.!?])\s+|\n+", text) if line.strip()]


#: A reply of one sentence of this many words or fewer is taken for a request alone.
_BARE_REQUEST_WORDS = 12


def says_more_than_a_request(text: str) -> bool:
    """Whether a reply says more than its request ("Unfortunately I have to cancel Friday - my
    daughter is sick. I'll send a new time next week."; not "Please cancel Friday." nor "Can we
    move it to Thursday at 11am?"): two sentences or more, or one long one."""
    sentences = [line for line in _sentences(text) if _LETTERS.search(line)]
    return len(sentences) > 1 or len(text.split()) > _BARE_REQUEST_WORDS


def only_courtesy(text: str) -> bool:
    """The reply says nothing but courtesy ("Thanks!", "ok", "Hi Maya, … Best, Ana", "Great,
    thank you so much!")."""
    if _LATER_COMMANDS.match(text):
        return False
    return all(
        not _LETTERS.search(line) or _COURTESY.match(line) for line in _sentences(text)
    ) or _only_acknowledges(text)


#: A sentence that promises an answer later ("I'll think about it and reply over the weekend").
_ANSWER_LATER = re.compile(
    r"^\W*(?:(?:i'?ll|i\s+will)\s+(?:have\s+a\s+)?(?:think\s+(?:about\s+(?:it|this|that)|it\s+over)|"
    r"get\s+back\s+to\s+you|reply|write\s+back|answer|send\s+(?:them|it|my\s+goals|you\s+my\s+goals)|"
    r"come\s+back\s+to\s+(?:you|this|it))|(?:can|could|may)\s+i\s+(?:get|come)\s+back\s+to\s+you|"
    r"let\s+me\s+(?:get|come)\s+back\s+to\s+you)\b",
    re.IGNORECASE,
)
#: What is said beside such a promise: that the sender needs time or is not sure yet ("I need a few
#: days to think about this properly", "not sure what to write tbh").
_NOT_YET = re.compile(
    r"^\W*(?:(?:i\s+need\s+(?:a\s+few|some|a\s+couple\s+of|more|a\s+bit\s+of)\s+(?:more\s+)?(?:days|time)|"
    r"let\s+me\s+(?:think|mull))\b|"
    r"(?:tbh\s+|honestly\s+)?(?:i'?m\s+)?not\s+(?:quite\s+)?sure(?:\s+yet|\s+what\s+to\s+(?:write|say|put))?(?:\s+tbh)?\W*$)",
    re.IGNORECASE,
)
#: The parts of a sentence ("I need a few days — I'll send my goals by Friday", "not sure, can I …").
_SENTENCE_PARTS = re.compile(r"\s+[—–-]+\s+|,\s+")


#: Goals promised for later in so many words ("will send goals next week", "goals to follow").
_GOALS_LATER = re.compile(
    r"\bwill\s+send\s+(?:you\s+)?(?:my\s+|the\s+|some\s+)?goals\b|\bgoals\s+(?:to\s+follow|later|soon|next\s+week)\b",
    re.IGNORECASE,
)


def _parts_of(text: str) -> list[str]:
    """The parts of a text's sentences (`_SENTENCE_PARTS`) that hold a word."""
    return [
        part for line in _sentences(text) for part in _SENTENCE_PARTS.split(line) if _LETTERS.search(part)
    ]


def _only_not_yet(text: str) -> bool:
    """The reply only says the sender is not sure yet, with courtesy around it ("Not sure yet!",
    "Hmm, not sure yet, thanks"): no goals yet, and none to thank them for."""
    parts = _parts_of(text)
    return any(_NOT_YET.match(part) for part in parts) and all(
        _NOT_YET.match(part)
        or _COURTESY.match(part)
        or part.strip().lower() in ("hmm", "hm", "um", "honestly")
        for part in parts
    )


def _only_acknowledges(text: str) -> bool:
    """The reply only thanks or acknowledges, perhaps signed ("Thanks!", "Great, thank you so
    much!", "Sounds good, see you then.", "Thanks, Ana"): no goals, and nothing to thank them for
    (a mentee who answers the thanks for her goals does not replace them). A name alone is not
    one ("Leadership", "Leadership, Python" are goals)."""
    parts = _parts_of(text)
    if not all(_COURTESY.match(part) for part in parts):
        return False
    # Courtesy still in lower case says something; the rest is a name or initials, signing, last.
    says = [_COURTESY.match(part.lower()) is not None for part in parts]
    signed_from = says.index(False) if False in says else len(says)
    return not parts or (signed_from > 0 and not any(says[signed_from:]))


def _promises_an_answer(text: str) -> bool:
    """The reply only says that an answer will follow, with courtesy around it ("Thanks! I'll
    think about it and reply over the weekend"): in the welcome thread it is not yet goals.
    Such a promise is short: a long reply is not one (and is not read through for it)."""
    if len(text) > MAX_STOP_CHARS * 2:
        return False

    def promises(part: str) -> bool:
        return bool(_ANSWER_LATER.match(part) or _GOALS_LATER.search(part))

    def courteous(part: str) -> bool:
        return bool(_COURTESY.match(part)) or part.lower().startswith(("thank", "many thanks"))

    def only_promises(line: str) -> bool:
        """A sentence that promises, with only courtesy or not-yet beside it in its own parts."""
        parts = [part for part in _SENTENCE_PARTS.split(line) if _LETTERS.search(part)]
        return any(promises(p) for p in parts) and all(
            promises(p) or _NOT_YET.match(p) or courteous(p) for p in parts
        )

    sentences = [line for line in _sentences(text) if _LETTERS.search(line)]
    promised = [line for line in sentences if promises(line) or only_promises(line)]
    return bool(promised) and all(line in promised or courteous(line) for line in sentences)


def _time_kept_from(text: str, situation: Situation) -> datetime | None:
    """Of several options offered, the one whose hour "same time" keeps for another day: the one
    named ("the same time as the second one, but on Friday"), else any, when all share their hour
    in the sender's zone ("Tue 3pm or Wed 3pm": "neither day works, but the same time on Friday?")."""
    offered = situation.offered
    if len(offered) < 2:
        return None
    named = SAME_TIME_AS_AN_OPTION.search(text.lower())
    if named is not None:
        word = named.group(1)
        position = _position(word, len(offered))
        return offered[position - 1] if position <= len(offered) else None
    clocks = {option.astimezone(situation.zone).time() for option in offered}
    return offered[0] if len(clocks) == 1 else None


#: Whether a meeting booked still stands, asked ("Are we still on for Friday?", "Is Tuesday still
#: happening?", "Still good for tomorrow?").
_STILL_ON_ASKED = re.compile(
    r"\b(?:still\s+(?:on|happening|good|ok(?:ay)?|on\s+track|meeting)|are\s+we\s+(?:still\s+)?(?:on|meeting)|"
    r"is\s+(?:it|this|that|our\s+\w+|\w+day)\s+still\s+(?:on|happening))\b[^.!?]*\?",
    re.IGNORECASE,
)


def read_intents(text: str, subject: str, situation: Situation) -> list[Intent]:
    """What a trimmed reply asks for, read in its situation (SPEC §3.1.3, §3.1.12); [] for nothing.

    Pure. A reply may ask for several things; what the email being answered asked settles what
    a short answer means ("yes" confirms what it offered, "the second one" picks from it).
    """
    if is_stop(text, subject):
        return [Intent("stop")]
    if not text.strip():
        return []
    if situation.thread == WELCOME:
        # SPEC §3.1.14: an answer to a welcome that is not goals (a command, a promise of them
        # later) is not taken for them.
        not_goals = (
            _LATER_COMMANDS.match(text)
            or _promises_an_answer(text)
            or _only_not_yet(text)
            or _only_acknowledges(text)
        )
        return [Intent("goals")] if situation.role in ("mentee", "peer") and not not_goals else []
    if _LATER_COMMANDS.match(text):
        return []
    about = _about_a_meeting(text, situation.thread) if situation.thread in (AGENDA, LOG) else []
    text = _SPACE_RUN.sub(" ", text[: MAX_READ_CHARS * 4])[:MAX_READ_CHARS]
    anchor = situation.offered[0] if len(situation.offered) == 1 else None
    if situation.asked == "invite":
        anchor = situation.meeting
    elif len(situation.proposed) == 1:
        anchor = situation.proposed[0]
    readable, moved_from = _without_moved_from(text)
    moved_day = _day_moved_from(moved_from, situation)
    if moved_day is not None and anchor is not None:
        # "move the Dec 17 session to 4pm": a time alone is on the day moved from, not the next meeting's.
        anchor = datetime.combine(moved_day, anchor.astimezone(situation.zone).time(), tzinfo=situation.zone)
    reading = read_times(
        readable,
        situation.zone,
        situation.now,
        situation.other_zone,
        anchor,
        _time_kept_from(readable, situation),
    )
    if moved_from is not None and anchor is None and not reading.options:
        # No meeting to take a time alone to ("shift tomorrow's meeting up to 1:30" with none
        # booked): the day moved from is the time's own day.
        whole = read_times(text, situation.zone, situation.now, situation.other_zone)
        reading = whole if whole.options else reading
    if (
        situation.asked == "confirm"
        and reading.options
        and _AGREED.search(text)
        and not _COUNTERED.search(text)
    ):
        reading = _as_they_wrote_them(_at_the_hour_offered(reading, situation), situation)
    if situation.asked == "confirm" and len(situation.offered) == 1:
        reading = _a_week_after_the_offered(reading, situation)
    # "Could we wrap up by 3:30?" of a 3pm meeting: its end, not its start (a length).
    ended = _ended_by(text, reading, situation)
    if ended is not None:
        reading = replace(reading, options=[])
    intents: list[Intent] = []
    used: set[int] = set()
    late = situation.asked == "invite" and _LATE.search(text.lower()) is not None
    # Hours given for the other side to choose from ("anytime Thursday, you pick"), where the
    # sender was not the one asked for a time (who is asked again for an exact one).
    left_to_them = situation.asked != "time" and any(
        c.vague and any(_YOU_CHOOSE.search(after.low) for after in reading.clauses[i : i + 3])
        for i, c in enumerate(reading.clauses)
    )
    for index, clause in enumerate(reading.clauses):
        vague = (
            clause.vague
            and not _of_the_booked_day(clause, situation)
            and not _arrival(clause, situation, late)
        )
        if clause.times or clause.zone_note or vague:
            used.add(index)
    cancels = _cancel(reading, situation, used) or _declined_days(reading, situation, used)
    # Asked of the other side with no other time offered, calling it off is theirs to answer.
    booked = situation.meeting
    another_time = any(booked is None or not same_moment(o.start, booked) for o in reading.options)
    cancel_asked = not another_time and _cancel_asked(text.lower())
    if cancel_asked:
        cancels = []
    cancel = cancels[0] if cancels else None
    if (
        cancel is None
        and situation.proposed
        and not reading.options
        and (_WITHDRAW.search(text) or _NEVER_MIND.search(text.lower()))
    ):
        # Taking back the sender's own waiting proposal (with a meeting booked, that proposal and
        # not the meeting: "nvm, original time is fine").
        used.update(range(len(reading.clauses)))
        cancel = Intent("cancel", withdraw=situation.asked == "invite")
        cancels = [cancel]
    intents.extend(cancels)
    options = list(reading.options)
    if late and options and _arriving_at(reading, situation):
        # "Running late, sorry! Be there around 3:10.": when the sender arrives, not a new time.
        options = []
        used.difference_update(i for i, clause in enumerate(reading.clauses) if clause.times)
    answered = _answer(reading, situation, options, used)
    another_day = (
        answered is not None and answered.type == "decline" and _refuses_another_day(reading, situation)
    )
    if another_day:
        answered = None  # "I'll have to miss Tuesday" with the meeting on Thursday: passed on, not a no
    if (
        answered is not None
        and cancel is not None
        and situation.asked == "invite"
        and answered.type == "confirm"
    ):
        answered = None  # "Yes, but I need to cancel": calling the meeting off is no yes to it
    if (
        answered is not None
        and answered.type in ("pick", "confirm")
        and _cancels_the_answer(answered, cancels, situation)
    ):
        answered = None  # "I'll cancel Thursday's session" is no pick of a Thursday offered
    if answered is not None and answered.type in ("pick", "confirm"):
        fallback = _fallback_times(reading)
        options = [
            o
            for o in options
            if not _same_as_offered(o.start, situation) and not any(same_moment(o.start, t) for t in fallback)
        ]
        instead = any(c.vague and _INSTEAD.search(c.low) for c in reading.clauses)
        if (
            answered.type == "confirm"
            and situation.asked == "confirm"
            and (options or instead)
            and not ANOTHER_MEETING.search(text.lower())
        ):
            # "ok but make it 3:30", "5pm Tuesday is tough, could we do Wednesday 7am instead?":
            # another time for the meeting asked about is a counter, not a yes beside it.
            answered = None
    if answered is not None:
        intents.append(answered)
    # "Instead" beside a day or a time moves the meeting, even after a "yes" ("Yes, but could we
    # do Wednesday at 10 instead?"); elsewhere it does not ("I'd rather not move it").
    # Or it cannot make the meeting and offers another time ("Sorry, can't make it, how about
    # Thursday at 3?"): that moves the meeting rather than adding one.
    instead = (
        situation.asked == "invite"
        and bool(options)
        and (
            reading.shifted
            or any(
                (clause.mentions and _INSTEAD.search(clause.low)) or _refuses_the_meeting(clause, situation)
                for clause in reading.clauses
            )
            or _taken_by_something_else(reading, situation, options, text)
            or (not any(o.repeat for o in options) and _asked_in_its_place(reading, situation, text))
        )
    )
    if moved_from is not None and (moved_from["instead"] or moved_from["swapped"]) and not reading.options:
        # A day replaced by no time is no move ("Instead of Thursday, I was thinking we could meet
        # in person at the cafe. Same time?").
        moved_from, moved_day = None, None
    moving = _moves(reading, used, moved_from) or instead
    if moving and situation.asked == "confirm" and _offered_on(moved_day, situation):
        # "Instead of Tuesday, Thursday at 10?" answering a Tuesday offered: a counter-proposal
        # to the time asked about, not a move of a meeting.
        moving = False
    if (
        situation.asked == "invite"
        and options
        and len(cancels) == 1
        and cancel is not None
        and not cancel.all
        and not cancel.withdraw
        and not ANOTHER_MEETING.search(text.lower())
    ):
        # "Let's skip Tuesday, how about Thursday at 3?": the meeting called off is moved to the
        # time offered, not kept booked beside a new one nor cancelled beside it.
        intents = [i for i in intents if i is not cancel]
        moving, moved_day, cancel, cancels = True, cancel.day or moved_day, None, []
    if situation.meeting is not None and situation.asked == "invite":
        options, confirms = _beside_the_meeting(options, situation.meeting, moving, reading)
        if confirms and not any(i.type == "confirm" for i in intents):
            intents.append(Intent("confirm"))  # "Still on for Tuesday 3pm?"
    if moving and not (cancel is not None and not options):
        # (Called off, it is not also to be moved: "I'm moving to a new role, please cancel all".)
        intents = [i for i in intents if i.type != "confirm"]
        options = _weekday_nearest_meeting(options, text, situation, moved_day)
        intents.append(Intent("reschedule", tuple(options), day=moved_day))
    elif options:
        intents.append(Intent("propose", tuple(options)))
    elif cancel is not None and any(
        c.vague
        and not _CANCEL.search(c.low)
        and not _SKIP.search(c.low)
        and ("?" in c.text or _ANOTHER_TIME.search(c.low))
        and not _YOU_CHOOSE.search(c.low)
        for c in reading.clauses
    ):
        # "Please cancel Tuesday, could we find another slot next week?": called off, and the
        # sender is asked for the exact time of the next one (a vague time merely said, "let's
        # start properly in January", asks for nothing).
        intents.append(Intent("vague_time"))
    elif cancel is None and (answered is None or answered.type == "decline"):
        # Can't make the meeting and asks for another time: a move without a time yet.
        cannot_make = situation.asked == "invite" and answered is not None and answered.type == "decline"
        # (The meeting's own day in the reason is no other time: "my trip overlaps with Wednesday
        # so I'll miss this one".)
        other_day_asked = any(c.vague and not _of_the_booked_day(c, situation) for c in reading.clauses)
        # "Something came up, can we do next week instead?": the meeting moved, its time to come.
        moved_vaguely = situation.asked == "invite" and any(
            c.vague
            and "?" in c.text
            and _INSTEAD_ASKED.search(c.low)
            and not _of_the_booked_day(c, situation)
            for c in reading.clauses
        )
        if (cannot_make and (other_day_asked or _ANOTHER_TIME.search(text))) or moved_vaguely:
            intents.append(Intent("reschedule"))
        elif (
            any(
                c.vague
                and not _NOT_CANCEL.search(c.low)
                and not _of_the_booked_day(c, situation)
                and not _arrival(c, situation, late)
                for c in reading.clauses
            )
            and not left_to_them
        ):
            # (A day said in a cancel that is not one offers nothing: "I might cancel our Tuesday
            # session if work gets busy". Hours left to the other side ask the sender for
            # nothing: passed on, they are the other side's to pick.)
            intents.append(Intent("vague_time"))
    resized = ended or (None if options or cancels else _resized(text, reading, situation))
    kinds = [i.type for i in intents]
    # (A week said with the length is the meeting's: "Can we keep it to 20 min this week?")
    vague_with_it = kinds == ["vague_time"] and all(length_said(c.text) for c in reading.clauses if c.vague)
    if resized is not None and (kinds in ([], ["confirm"]) or vague_with_it):
        # "Sounds good. Could we do 30 minutes instead of 45?": the time offered, for that long (a
        # counter-proposal); "Can we make it 30 minutes instead?": the meeting, as long as that.
        intents = [Intent("propose" if situation.asked == "confirm" else "reschedule", (resized,))]
        # (What says the length is read: "Yes, but can we keep it to 30 minutes?" is no message.)
        used.update(index for index, clause in enumerate(reading.clauses) if length_said(clause.text))
    if cancel_asked:
        # ("Should we cancel or push to next week?" neither moves nor refuses it.)
        intents = [i for i in intents if i.type not in ("reschedule", "vague_time", "decline")]
    still_on = (
        _still_on_asked(reading, situation) if [i.type for i in intents] in ([], ["vague_time"]) else set()
    )
    if still_on:
        # "Still on?", "We still on for next week?": asked of the meeting booked, which the
        # answer states (the yes is marked as asked by `read_intents`); what else the reply
        # says reaches the other side.
        intents = [Intent("confirm")]
        used.update(still_on)
    if any(i.type in ("propose", "vague_time", "cancel", "reschedule") for i in intents):
        # A counter-proposal declines by itself, and so do calling the meeting off and moving it.
        intents = [i for i in intents if i.type != "decline"]
    if situation.asked == "invite" and _STILL_ON_ASKED.search(reading.text):
        # A yes asked as a question is answered with the meeting as it stands (read as put in
        # English: "¿Seguimos en pie para el jueves?" is "still on for el Thursday?").
        intents = [replace(i, asks=True) if i.type == "confirm" else i for i in intents]
    if about:
        # An answer to an agenda or log prompt is the agenda or the notes, unless it schedules
        # ("can we move it to 4pm?" is no agenda); "we didn't meet, Thursday at 3?" is both.
        # A time waits on the sender's answer: "yes" or "Fri 8am works" in that conversation
        # answers it, and is neither agenda nor notes.
        scheduling = [i for i in intents if i.type in _SCHEDULING]
        if situation.asked == "confirm" and any(i.type in _ANSWERS for i in intents):
            return [i for i in intents if i.type in (*_SCHEDULING, *_ANSWERS)]
        if about[0].type == "agenda":
            return scheduling or about
        return about + scheduling
    if (
        _message_for_others(
            reading,
            used,
            scheduling=bool(intents),
            repeat_carried=any(
                o.repeat for i in intents if i.type in ("propose", "reschedule") for o in i.options
            ),
            other_names=situation.other_names,
        )
        or (
            # A meeting link beside a yes ("I'll be there, here is my Zoom: …"): no option carries
            # it, so the other side gets it as a message.
            not options and any(i.type == "confirm" for i in intents) and MEETING_LINK.search(text)
        )
        or (situation.asked == "invite" and [i.type for i in intents] == ["confirm"] and _more_than_yes(text))
        # Days or hours left to the other side to choose from ("anytime Thursday, you pick").
        or (not intents and left_to_them)
        or (not intents and another_day)
        or cancel_asked
        or (still_on and _says_more(reading, still_on))
    ):
        intents.append(Intent("pass_on"))
    return intents


#: The meeting's end asked for ("Could we wrap up by 3:30?", "Can we finish by 3:30 on Thursday?",
#: "Let's end at 3:40 so I can make my train"; not "I need to leave by 3:45", passed on).
_END_ASKED = re.compile(
    r"\b(?:wrap\s+(?:it\s+|things\s+)?up|finish|end|be\s+done|close\s+(?:it\s+)?out)\s+(?:it\s+|the\s+\w+\s+)?"
    r"(?:by|at|around|before|no\s+later\s+than)\s+\d",
    re.IGNORECASE,
)


def _time_answered(situation: Situation) -> datetime | None:
    """The meeting the email being answered was about, or the one time it offered; None when it
    asked about neither."""
    if situation.asked == "invite":
        return situation.meeting
    if situation.asked == "confirm" and len(situation.offered) == 1:
        return situation.offered[0]
    return None


def _ended_by(text: str, reading: Reading, situation: Situation) -> Option | None:
    """The meeting booked or the one time offered, as long as the end asked for makes it (the
    time read on its day, 10 minutes to 8 hours after its start); None when no end is asked."""
    low = text.lower()
    if not any(word in low for word in ("wrap", "finish", "end", "done", "close")):
        return None  # (what every form of `_END_ASKED` says)
    start = _time_answered(situation)
    if start is None or len(reading.options) != 1 or not _END_ASKED.search(text):
        return None
    minutes = int((reading.options[0].start - start).total_seconds() // 60)
    return Option(start, minutes) if 10 <= minutes <= LONGEST_MEETING else None


#: A meeting's length, as people write it ("30 minutes", "45 mins", "half an hour", "an hour").
_A_LENGTH = (
    r"(?:\d{1,3}\s*(?:-\s*)?(?:minutes?|mins?|hours?|hrs?)|1\.5\s*(?:hours?|hrs?)|half\s+an\s+hour|an?\s+(?:full\s+)?hour(?:\s+and\s+a\s+half)?|"
    r"one\s+hour|(?:ten|fifteen|twenty|thirty|forty|forty-five|fifty|sixty|ninety)\s+(?:minutes?|mins?))"
)
#: The meeting as a length is asked of it ("make it …", "extend tomorrow's session to …").
_A_MEETING_SAID = (
    rf"(?:it|this|that|(?:the|our)\s+{MEETING_NOUNS}|(?:tomorrow|today|\w+day)'?s(?:\s+{MEETING_NOUNS})?)"
)
#: A new length asked of the meeting, in the words that tie it to the meeting: "make it 30 minutes",
#: "cut it from an hour to 30 min", "extend tomorrow's session to 90 minutes", "30 minutes instead of
#: 45", "Instead of 45 minutes, could we do 30?", "could we do 30 minutes instead?", "I only have 30
#: minutes", "would half an hour be enough?" (not a length of something else: "a 10 minute mock
#: interview", "30 minutes of Q&A", "10 minutes late", "15 minutes extra", "give me 10 minutes max").
_LENGTH_ASKED = re.compile(
    rf"\b(?:(?:make|keep|cut|shorten|trim|extend|limit|cap)\s+{_A_MEETING_SAID}|shorten|extend)\s+"
    rf"(?:down\s+|up\s+)?(?:from\s+(?:{_A_LENGTH}|\d{{1,3}})\s+)?(?:to\s+|at\s+)?(?:just\s+|only\s+)?(?P<made>{_A_LENGTH})|"
    rf"(?P<instead>{_A_LENGTH})\s+instead\s+of\s+(?:the\s+)?(?:usual\s+)?(?:{_A_LENGTH}|\d{{1,3}})\b|"
    rf"\binstead\s+of\s+(?:the\s+)?(?:{_A_LENGTH}|\d{{1,3}}),?\s+(?:could|can|shall)\s+we\s+(?:do|have|make\s+it)\s+"
    rf"(?:just\s+|only\s+)?(?P<rather>{_A_LENGTH}|\d{{1,3}})\b|"
    rf"\b(?:could|can|shall)\s+we\s+(?:do|have)\s+(?:it\s+in\s+|just\s+|only\s+)?(?P<do>{_A_LENGTH})"
    r"(?=(?:\s+only)?\s*(?:$|[?.!,;]|instead\b|rather\b|this\s+(?:time|week)\b))|"
    # "Could we do a shorter session this week, like 20 min?"
    r"\b(?:a\s+)?shorter\s+(?:session|one|meeting|call|chat)(?:\s+this\s+(?:week|time))?\s*,?\s*"
    rf"(?:like\s+|say\s+|maybe\s+|perhaps\s+|just\s+|only\s+)?(?P<shorter>{_A_LENGTH})|"
    rf"\bi(?:'ll|\s+will|'ve|\s+have|\s+can)?\s+(?:only|just)\s+(?:have|got|do|be\s+able\s+to\s+do|stay\s+for|"
    rf"can\s+do|can\s+stay\s+for)\s+(?:about\s+|around\s+)?(?P<only>{_A_LENGTH})"
    r"(?=\s*(?:$|[?.!,;]|(?:on|for|so|if|then|that\s+day|though|tho|today|this\s+time|max)\b))|"
    # "Works, 30 min max please", "an hour tops", said of itself (not "it takes about 30 minutes
    # max", nor lateness: see `_resized`)
    rf"(?:^|[,;:!]\s*|\b(?:but|though|and|please)\s+)(?P<most>{_A_LENGTH})\s+(?:max(?:imum)?|tops|at\s+most)\b|"
    rf"\blet'?s\s+(?:do|make\s+it|keep\s+it\s+to)\s+(?:just\s+)?(?P<lets>{_A_LENGTH})"
    r"(?=\s*(?:$|[?.!,;]|instead\b|this\s+time\b))|"
    # "Could we shorten it to 30?": a number of minutes after a verb that says so
    r"\b(?:shorten|cut|trim|extend)\s+(?:it\s+)?(?:down\s+|up\s+)?to\s+(?P<minutes>\d{2,3})(?=\s*(?:$|[?.!,;]))|"
    rf"\bwould\s+(?:a\s+|just\s+)?(?P<enough>{_A_LENGTH})\s+(?:work|be\s+(?:ok|okay|enough|fine))\b",
    re.IGNORECASE,
)
#: The groups of `_LENGTH_ASKED`'s forms, one of which holds the length asked for.
_LENGTH_GROUPS = ("made", "instead", "rather", "do", "shorter", "only", "most", "lets", "minutes", "enough")
#: What every form of `_LENGTH_ASKED` says, looked for first (most replies say none).
_LENGTH_WORDS = ("min", "hour", "hr", "shorten", "extend", "cut", "trim", "instead", "shorter")
#: A length not asked for: taken back or said not to be needed ("No need to make it an hour", "Let's
#: not extend it", "Actually never mind, 45 is fine"), or lateness ("give me 10 minutes max").
_LENGTH_NOT_ASKED = re.compile(
    r"\b(?:no\s+need\s+to|(?:don'?t|do\s+not)(?:\s+need\s+to|\s+have\s+to)?|let'?s\s+not|not)\s+"
    r"(?:make|extend|cut|shorten|keep|do)\b|never\s*mind|\bnvm\b|forget\s+it",
    re.IGNORECASE,
)


def _resized(text: str, reading: Reading, situation: Situation) -> Option | None:
    """The meeting booked or the one time offered, with a new length asked for and no other time
    ("Can we make it 30 minutes instead?", or the meeting restated with one: "Tuesday 3pm for 30
    minutes?"); None when the reply asks no such thing, or names another day for it ("I only
    have 30 minutes on Friday" of a Thursday meeting), or another place beside it (passed on)."""
    text = reading.text  # (as read: the clauses' places are places in it)
    low = text.lower()
    if not any(word in low for word in _LENGTH_WORDS):
        return None
    time = _time_answered(situation)
    if time is None or _LENGTH_NOT_ASKED.search(text) or _LATE.search(low):
        return None
    restated = next((o for o in reading.options if same_moment(o.start, time)), None)
    said_with_it = next((c for c in reading.clauses if any(same_moment(t, time) for t in c.times)), None)
    if restated is not None and said_with_it is not None and "?" in said_with_it.text:
        # "Thursday 3pm for 30 minutes?": its length, place and repeat as said with it
        minutes = length_said(said_with_it.text)
        return restated if minutes is not None and 10 <= minutes <= LONGEST_MEETING else None
    asked = _LENGTH_ASKED.search(text)
    if asked is None or MEETING_LINK.search(text) or _A_TOOL_OR_PLACE.search(text):
        return None
    said = next(asked[name] for name in _LENGTH_GROUPS if asked[name] is not None)
    minutes = int(said) if said.isdigit() else length_said(said)
    if minutes is None or not 10 <= minutes <= LONGEST_MEETING:
        return None
    booked = time.astimezone(situation.zone).weekday()
    clause = next((c for c in reading.clauses if c.start <= asked.start() < c.end), None)
    if clause is not None and any(day.weekday() != booked for day in clause.days):
        return None
    return Option(time, minutes)


#: A clause that only asks whether the meeting booked still stands, naming no other day ("Still
#: on?", "Hi Sam, are we still on for our chat?", "Is our meeting still happening?", "Are we still
#: meeting this week?"; not "Is it still ok if I bring Priya?", "Are we still on track with my
#: plan?", "Is the workshop still on?").
_STILL_ON_ALONE = re.compile(
    r"\W*(?:(?:hi|hey|hello|hola|oi|ol[áa])\s+\w+\W+)?(?:(?:just\s+)?(?:checking|confirming|wondering)(?:\s+in)?\W+"
    r"(?:if\s+|whether\s+|that\s+)?)?"
    # the meeting named as other languages do, before the words put in English ("A reunião de
    # quinta ainda está de pé?": "A reunião de Thursday still on?")
    r"(?:(?:a|o|la|el|le|die|der|het|de)\s+(?:reuni[ãaó]o?n?|sess[ãaió]o?n?|chamada|llamada|r[ée]union|s[ée]ance|"
    r"besprechung|sitzung|treffen|afspraak|sessie|gesprek)(?:\s+(?:de|del|da|do|du|von|vom|van)\s+"
    rf"(?:{WEEKDAY_NAME}|segunda|ter[çc]a|quarta|quinta|sexta))?\s+)?"
    rf"(?:are\s+we|we(?:'re|\s+are)?|is\s+(?:it|this|that|(?:our|the)\s+(?:\w+\s+)?{MEETING_NOUNS}))?\s*"
    r"still\s+(?:on|happening|meeting|going\s+ahead)"
    rf"(?:\s+for\s+(?:our|the)\s+(?:\w+\s+)?{MEETING_NOUNS}|\s+(?:for\s+)?(?P<week>this|next)\s+week|"
    # its day ("Still meeting Thursday?", "Are we still on for the 10th?"), checked against it
    rf"\s+(?:for\s+|on\s+|para\s+|pour\s+|f[üu]r\s+|voor\s+)?(?:{WEEKDAY_NAME}|tomorrow|today|tmrw|"
    r"the\s+\d{1,2}(?:st|nd|rd|th))(?:'?s)?)?"
    r"(?:\W+(?:right|then))?\W*",
    re.IGNORECASE,
)


def _still_on_asked(reading: Reading, situation: Situation) -> set[int]:
    """The clauses that ask whether the meeting booked still stands (`_STILL_ON_ALONE`), when the
    week they name, if any, is the meeting's; none when another time is asked about."""
    if situation.asked != "invite" or situation.meeting is None:
        return set()
    booked = situation.meeting.astimezone(situation.zone).date()
    today = situation.now.astimezone(situation.zone).date()
    weeks = (booked - timedelta(days=booked.weekday()) - (today - timedelta(days=today.weekday()))).days // 7
    asked = set()
    for index, clause in enumerate(reading.clauses):
        alone = _STILL_ON_ALONE.fullmatch(clause.text)
        if alone is None or any(day != booked for day in clause.days):
            continue
        if alone["week"] is None or weeks == (1 if alone["week"].lower() == "next" else 0):
            asked.add(index)
    return asked


def _says_more(reading: Reading, answered: set[int]) -> bool:
    """Whether clauses other than `answered` say something beyond courtesy ("Are we still on? My
    flight got delayed so I may not make it")."""
    return any(
        _LETTERS.search(clause.text) and not _courteous(clause.text)
        for index, clause in enumerate(reading.clauses)
        if index not in answered
    )


def _refuses_another_day(reading: Reading, situation: Situation) -> bool:
    """Whether, with a meeting booked, what says no names only days of another weekday than the
    meeting's ("I'll have to miss Tuesday" of a Thursday meeting; "Tuesday" said the week before
    a Tuesday meeting is its day)."""
    if situation.asked != "invite" or situation.meeting is None:
        return False
    booked = situation.meeting.astimezone(situation.zone).weekday()
    refusing = [clause for clause in reading.clauses if clause.days and _declines(clause.low)]
    return bool(refusing) and all(day.weekday() != booked for clause in refusing for day in clause.days)


def _offered_on(day: date | None, situation: Situation) -> bool:
    """Whether a time the email being answered offered is on `day` (the sender's calendar date)."""
    return day is not None and any(o.astimezone(situation.zone).date() == day for o in situation.offered)


#: A yes, and what politely goes with it, at the start of a reply ("Yes please, …", "Sure thing! …").
_YES_FIRST = re.compile(
    r"^\W*(?:yes|yep|yeah|yup|sure(?:\s+thing)?|ok(?:ay)?|of\s+course|absolutely|definitely|perfect|great)"
    r"(?:\W+(?:please|thanks|thank\s+you|cool))?\W*",
    re.IGNORECASE,
)


def _more_than_yes(text: str) -> bool:
    """With a meeting booked, a yes changes nothing: one that says more answers the other side
    ("Yes please, bring it" to "shall I bring the book?"), who is told; courtesy alone ("Yes, see
    you Tuesday!") is not passed on."""
    match = _YES_FIRST.match(text)
    rest = text[match.end() :] if match else ""
    return bool(match) and bool(_LETTERS.search(rest)) and not only_courtesy(rest)


#: What a reply to an agenda or log prompt may ask besides its agenda or notes.
_SCHEDULING = ("propose", "vague_time", "reschedule", "cancel")
#: What answers a time waiting on the sender.
_ANSWERS = ("confirm", "pick", "decline")


#: "We didn't meet" in answer to a log prompt (SPEC §3.1.7).
_DID_NOT_MEET = re.compile(
    r"\b(?:we|i|they|she|he)\s+(?:didn'?t|did\s+not|couldn'?t|could\s+not|never|weren'?t\s+able\s+to|"
    r"were\s+not\s+able\s+to)\s+(?:get\s+to\s+|manage\s+to\s+|end\s+up\s+)?(?:meet|make\s+it)\b"
    r"(?!\s+(?:through|to\s+the|past|up\s+to))|"
    r"\bno[-\s]?show\b|\b(?:it|the\s+(?:meeting|session|call))\s+(?:didn'?t|did\s+not|never)\s+happen\b|"
    r"\b(?:we|i)\s+missed\s+(?:it|the\s+(?:meeting|session|call))\b|"
    r"\b(?:it|the\s+(?:meeting|session|call))\s+(?:got|was)\s+cancell?ed\b",
    re.IGNORECASE,
)
#: An answer to an agenda prompt with nothing in it ("Thanks!"); a single word is a topic.
_THANKS_ONLY = re.compile(
    r"^\W*(?:(?:many\s+)?thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much)?|thx|ty|cheers|ok(?:ay)?|great|"
    r"sure|will\s+do|noted|got\s+it|sounds\s+good)\W*$",
    re.IGNORECASE,
)


def _about_a_meeting(text: str, thread: str) -> list[Intent]:
    """A reply to an agenda prompt is the agenda; one to a log prompt the meeting's notes, or
    that it was missed. Courtesy alone ("thanks!") is neither."""
    if thread == AGENDA:
        return [] if _THANKS_ONLY.match(text.strip()) else [Intent("agenda")]
    if only_courtesy(text):
        return []
    return [Intent("missed")] if _DID_NOT_MEET.search(text) else [Intent("notes")]


#: A calendar client's answer (SPEC §3.1.3): Accept confirms, Decline declines, Maybe changes nothing.
_CALENDAR_ANSWERS = {("REPLY", "ACCEPTED"): "confirm", ("REPLY", "DECLINED"): "decline"}


def calendar_intents(answer: CalendarAnswer) -> list[Intent]:
    """What a calendar client's answer asks: confirm, decline, nothing (Maybe), or, for a COUNTER
    (its "propose a new time"), a move to the time it proposes."""
    if answer.method == "COUNTER" and answer.start is not None:
        minutes = int((answer.end - answer.start).total_seconds() // 60) if answer.end is not None else 0
        duration = minutes if 0 < minutes <= LONGEST_MEETING else DEFAULT_MINUTES
        return [Intent("reschedule", (Option(answer.start, duration),))]
    kind = _CALENDAR_ANSWERS.get((answer.method, answer.partstat or ""))
    return [Intent(kind)] if kind else []


def _cancel(reading: Reading, situation: Situation, used: set[int]) -> list[Intent]:
    """Calling a meeting off, with the day it names: in the same clause, in one that refuses
    that day ("Can't make the Dec 22 one - please cancel just that one"), or the one day said
    elsewhere for "that one" (`_day_meant`); not a day said
    otherwise ("Please cancel this week's session. See you on the 15th!"). Several days named
    are a cancel each ("the sessions on Christmas Day and New Year's Day")."""
    for index, clause in enumerate(reading.clauses):
        # A day offered at a time here is a new time, not one called off ("cancel Tuesday and
        # do Thursday at 3pm": Tuesday's is called off).
        offered = {t.date() for t in clause.times}
        days = [day for day in clause.days if day not in offered]
        skipped = (not reading.options or bool(days)) and ("skip" in clause.low or "drop" in clause.low)
        called_off = _CANCEL.search(clause.low) or (_SKIP.search(clause.low) if skipped else None)
        # (Asked of the other side without another time, it calls nothing off: "Do you want to skip
        # the 17th? I have to cancel this Thursday." calls this Thursday's off; a question alone
        # is `_cancel_asked`'s. "Should we skip the 17th and do the 18th at 3?" moves the 17th.)
        asked = "?" in clause.low and not clause.times and _CANCEL_ASKED.search(clause.low)
        if called_off and not _NOT_CANCEL.search(clause.low) and not asked:
            used.add(index)
            if _CANCEL_FROM.search(clause.low):
                return []  # "everything from February onwards": no one meeting, and no series whole
            refused = (c.days for c in reading.clauses if c is not clause and _declines(c.low))
            named = days or [day for said in refused for day in said]
            if not named and _THAT_ONE.search(clause.low):
                named = _day_meant(reading, clause, situation)
            elif not named and _CANCEL_IT.search(clause.low):
                # "The Dec 22 session we can't do, so let's cancel it": a day said of a meeting.
                named = _day_meant(reading, clause, situation, of_a_meeting=True)
            reason = _BECAUSE.search(clause.low, called_off.end())
            if reason is not None and clause.days:
                # "skip tomorrow's since we're meeting Wednesday anyway": the days after the
                # reason are not called off.
                before = read_times(clause.text[: reason.start()], situation.zone, situation.now)
                named = [day for c in before.clauses for day in c.days]
            meeting_day = _meeting_day(situation) if situation.meeting is not None else None
            named = sorted({_booked_day_for_weekday(day, clause, meeting_day) for day in named})
            low = reading.text.lower()
            # (not "just tomorrow's session … the rest of the series is fine", "not the whole series")
            every = bool(_CANCEL_ALL.search(low)) and not _ONE_ONLY.search(low)
            if every or not named:
                return [Intent("cancel", all=every)]
            return [Intent("cancel", day=day) for day in named[:MAX_DAYS_CALLED_OFF]]
    return []


def _day_meant(
    reading: Reading, called_off: Clause, situation: Situation, of_a_meeting: bool = False
) -> list[date]:
    """The day "cancel that one" means: the one day still ahead said elsewhere in the reply ("I'll
    be travelling on Dec 15, so please cancel that one", "Please cancel that one - I'm away on
    Dec 22"), leaving out days said to be fine ("Dec 15: I'm travelling. Dec 22: fine.") and days
    past ("Our Dec 1 call was great!"); none when that is not one day. `of_a_meeting`: only days
    said beside a meeting's word ("the Dec 22 session"; not "I'm in Paris until the 20th")."""
    today = situation.now.astimezone(situation.zone).date()
    days = {
        day
        for clause in reading.clauses
        if clause is not called_off
        and not (_FINE.search(clause.low) and not _NO_LONGER.search(clause.low))
        and (not of_a_meeting or _A_MEETING_WORD.search(clause.low))
        for day in clause.days
        if day >= today
    }
    return sorted(days) if len(days) == 1 else []


#: A day said to be fine ("Dec 22: fine", "the 8th works").
_FINE = re.compile(
    r"\b(?:fine|works|good|great|grand|perfect|ok(?:ay)?|still\s+on|suits|could\s+work|should\s+work|"
    r"(?<!what's\s)(?<!which\s)(?:is|'s)\s+(?:the\s+)?(?:best|ideal)(?:\s+for\s+(?:me|us))?(?=\s*(?:[.!,;]|$)))"
)
#: A yes held back ("Tuesday could work but let me check with my boss first"): no yes yet.
_HEDGED = re.compile(
    r"\b(?:let\s+me\s+(?:check|confirm|see|double)|i'?ll\s+(?:check|confirm|let\s+you\s+know|get\s+back)|"
    r"(?:need|have)\s+to\s+(?:check|confirm)|not\s+(?:sure|certain)|tentative\w*|pencil|will\s+confirm|"
    r"to\s+be\s+confirmed|tbc)\b"
)
_TODAY_OR_TOMORROW = re.compile(r"\b(?:today|tomorrow)\b")
#: The one day asked about refused whole: "Can't do Tuesday, sorry" (not "can't do Tuesday
#: mornings, but 3pm is fine").
_CANT_THE_DAY = re.compile(
    _CANT_DAY.pattern
    + r"(?:\s+(?:then|anymore|after\s+all))?(?=\s*(?:[,.!;]|$|(?:sorry|unfortunately|i'?m\s+afraid)\b))",
    re.IGNORECASE,
)
#: A meeting called off by a day said elsewhere ("…on Dec 15, so please cancel that one").
_THAT_ONE = re.compile(rf"\bthat\s+(?:{_MEETING_WORDS}|day)\b")
#: "… so let's cancel it", "… así que mejor la cancel(amos)": the meeting named elsewhere, if one is.
_CANCEL_IT = re.compile(r"\b(?:cancel|skip|scrap|drop)\s+(?:it|that)\b|\b(?:la|lo)\s+cancel\b")
_A_MEETING_WORD = re.compile(rf"\b(?:{_MEETING_WORDS}s?|sesi[oó]n|reuni[oó]n|sess[aã]o|sitzung|termin)\b")
#: The most days one reply calls off one by one (more is a range, or a series' end).
MAX_DAYS_CALLED_OFF = 6
#: A range of meetings to call off, which is neither one nor all of them.
_CANCEL_FROM = re.compile(
    r"\b(?:everything|all|the\s+rest|(?:the\s+)?(?:sessions|meetings|calls)|them)\s+(?:from|after|starting|beyond)\b"
)
#: A reason given after the meeting named, whose days are not the meeting's.
_BECAUSE = re.compile(r"\b(?:since|because|cause|cuz)\b")


def _cancels_the_answer(answered: Intent, cancels: list[Intent], situation: Situation) -> bool:
    """Whether a day called off is the day of the option a yes or a pick would take."""
    days = {c.day for c in cancels if c.day is not None}
    if not days or not situation.offered:
        return False
    index = (answered.option or 1) - 1 if answered.type == "pick" else 0
    chosen = situation.offered[index]
    return chosen.astimezone(situation.zone).date() in days


#: A meeting named as such ("the January 4th session"), not a day said of oneself.
_A_MEETING = re.compile(rf"\b{_MEETING_WORDS}s?\b")


def _declined_days(reading: Reading, situation: Situation, used: set[int]) -> list[Intent]:
    """A meeting declined by a day that is not the next one's ("I won't be able to make the
    January 4th session"): a cancel of that day's, not a decline of the next. Only a meeting
    named as one: "I can't make it Monday, Tuesday is fine" says when the sender is free."""
    if situation.asked != "invite" or situation.meeting is None:
        return []
    next_day = _meeting_day(situation)
    for index, clause in enumerate(reading.clauses):
        if _declines(clause.low) and not clause.times and clause.days and _A_MEETING.search(clause.low):
            named = {_booked_day_for_weekday(day, clause, next_day) for day in clause.days}
            days = sorted(named - {next_day})
            if days and len(days) == len(named):
                used.add(index)
                return [Intent("cancel", day=day) for day in days[:MAX_DAYS_CALLED_OFF]]
    return []


#: A day written as a date ("the 10th", "Dec 10", "10/12"), not as a weekday alone.
_A_DATE = re.compile(rf"{_MONTH_DAY}|\b\d{{1,2}}(?:st|nd|rd|th)\b|\d/\d", re.IGNORECASE)


def _booked_day_for_weekday(day: date, clause: Clause, meeting_day: date | None) -> date:
    """A weekday named for a meeting ("I'll have to miss Thursday's session") is the booked
    meeting's day when it falls on that weekday a week after the coming one, which has none: said
    the week before, it means that meeting. A date written is that date."""
    if meeting_day is None or (meeting_day - day).days != 7 or _A_DATE.search(clause.low):
        return day
    if re.search(rf"\b(?:this|next|coming)\s+{day:%A}", clause.low, re.IGNORECASE):
        return day  # "this Thursday's session" is the coming one
    return meeting_day


def _refuses_the_meeting(clause: Clause, situation: Situation) -> bool:
    """The clause refuses the meeting the email was about: a decline, or a day refused that is
    the meeting's ("can't do thursday anymore"), not another day ("can't do Tuesday" of a
    Thursday meeting)."""
    if not (_declines(clause.low) or _CANT_DAY.search(clause.low)):
        return False
    meeting = situation.meeting
    return meeting is None or not clause.days or meeting.astimezone(situation.zone).date() in clause.days


#: Words that ask for another time on a day ("tomorrow morning instead?", "later tomorrow").
_ANOTHER_PART = re.compile(
    r"\b(?:morning|afternoon|evening|night|lunch|earlier|later|instead|another|different|other|else|free|available)\b"
)


def _asked_about(situation: Situation) -> datetime | None:
    """The one time the email being answered was about: the time it offered alone, or the meeting."""
    if situation.asked == "confirm" and len(situation.offered) == 1:
        return situation.offered[0]
    return situation.meeting


#: The sender late for the meeting ("running 10 minutes late", "I'll be a bit late", "running
#: behind", "start without me"; not "so late replying", "up late").
_LATE = re.compile(
    r"^\W*(?:running\s+)?late\b|"
    r"\b(?:(?:i'?m|i\s+am|(?:i'?ll|i\s+will)\s+(?:probably\s+|likely\s+|prob\s+)?be|running)\s+(?:going\s+to\s+be\s+)?"
    r"(?:\w+\s+){0,3}late\b"
    r"(?!\s+(?:replying|reply|responding|getting|in\s+replying|night|up)\b)|"
    r"running\s+(?:a\s+(?:bit|little)\s+)?behind\b|start\s+(?:without|w/o)\s+me\b|stuck\s+in\s+(?:traffic|a\s+meeting)\b)"
)
#: The sender getting to the meeting: "be there", "dial in", "joining", "I'll join", "arrive".
_ARRIVES = re.compile(
    r"\b(?:be\s+(?:there|online|on)|dial(?:ling)?\s+in|joining|(?:i'?ll|i\s+will)\s+join|arriv(?:e|ing)|"
    r"get\s+there|log(?:ging)?\s+on|hop(?:ping)?\s+on|(?:there|online)\s+(?:by|at|around))\b"
)
_A_DIGIT = re.compile(r"\d")
#: Words of another day than the meeting's ("sometime next week", "tomorrow").
_ANOTHER_DAY = re.compile(r"\b(?:week|weekend|month|sometime|tomorrow)\b")
#: A time asked for rather than said: the sender's arrival is never put as a question or a move.
_ASKS_FOR_IT = re.compile(r"\?|\b(?:instead|let'?s|can\s+we|could\s+we|shall\s+we|so\s+\w+\s+can)\b")


def _either_of(reading: Reading, situation: Situation) -> list[int]:
    """The options "either works" leaves to choose from: those not refused by their place or day, of
    them those whose day the reply names, and of those the ones said to be better ("Wednesday
    or Thursday both work, Thursday slightly better")."""
    low = reading.text.lower()
    local = [option.astimezone(situation.zone) for option in situation.offered]
    days = [option.weekday() for option in local]
    refused = {_position(m.group(1), len(days)) - 1 for m in _NOT_THE_ORDINAL.finditer(low)}
    # (and by its day: "Not Tuesday. Either of the other two is fine.")
    refused_days = {
        day
        for clause in reading.clauses
        if _declines(clause.low) or _NOT_THE_DAY.search(clause.low)
        for day in clause.days
    }
    refused |= {i for i, option in enumerate(local) if option.date() in refused_days}
    left = [i for i in range(len(days)) if i not in refused] or list(range(len(days)))
    named = [i for i in left if _DAY_NAMED[days[i]].search(low)]
    better = [i for i in named if _DAY_SAID_BETTER[days[i]].search(low)]
    return better or named or left


#: A day refused by name ("Not Tuesday. Either of the other two is fine.", "Either works except Tuesday").
_NOT_THE_DAY = re.compile(
    rf"\b(?:not|except(?:\s+for)?|but|other\s+than|apart\s+from)\s+(?:on\s+)?(?:the\s+)?{WEEKDAY_NAME}\b"
)
#: An option refused by its place ("Not the first - but either of the other two is ok"; "last" is
#: the last).
_NOT_THE_ORDINAL = re.compile(rf"\bnot\s+(?:the\s+)?({ORDINAL_WORDS}|last)\b")


def _meeting_day(situation: Situation) -> date:
    """The booked meeting's day in the sender's zone."""
    assert situation.meeting is not None  # an answer to an invite
    return situation.meeting.astimezone(situation.zone).date()


def _meeting_tomorrow(situation: Situation) -> bool:
    """The booked meeting is what the sender calls "tomorrow": the next day (in their zone), or,
    written in the small hours, later that day, or after midnight of the next night."""
    assert situation.meeting is not None  # an answer to an invite
    now = situation.now.astimezone(situation.zone)
    meeting = situation.meeting.astimezone(situation.zone)
    tomorrow = now.date() + timedelta(days=1)
    return (
        meeting.date() == tomorrow
        or (meeting.date() == now.date() and now.hour < 5)
        or (meeting - timedelta(hours=5)).date() == tomorrow
    )


def _arriving_at(reading: Reading, situation: Situation) -> bool:
    """Every time the reply offers (lateness said: the caller asks) is within the hour after the
    meeting starts, on any day before it, said as when the sender gets there ("Be there around
    3:10.") or loosely ("I'm going to be a bit late, maybe 3:20."), neither asked for nor preferred
    ("can we start at 3:15 instead?", "let's do 4pm instead", "3:30 would suit me better" move it)."""
    start = situation.meeting
    return (
        start is not None
        and all(timedelta(0) < o.start - start <= timedelta(hours=1) for o in reading.options)
        and all(
            (_ARRIVES.search(clause.low) or _LOOSELY.search(clause.low))
            and not _ASKS_FOR_IT.search(clause.low)
            and not _PREFERRED.search(clause.low)
            for clause in reading.clauses
            if clause.times
        )
    )


#: A time said loosely ("maybe 3:20", "around 3:15", "3:10ish"), as the reader has put it ("perhaps
#: 3:20", "3:10 ish").
_LOOSELY = re.compile(r"\b(?:perhaps|probably|around|about|more\s+like)\b|\d\s+ish\b")
#: A time preferred ("3:30 would suit me better"): asked for, not an arrival.
_PREFERRED = re.compile(r"\b(?:better|prefer\w*|rather|suits?|works?)\b")


def _arrival(clause: Clause, situation: Situation, late: bool) -> bool:
    """Beside lateness said, a clock said loosely of the meeting's day and nothing else is when
    the sender arrives ("I'll be 5 minutes late - starting a bit after 3 is fine"): news for the
    other side, not a time to be made exact ("running late, can we do another day this week?" and
    "could we do Tuesday evening instead?" still ask)."""
    if not late or situation.meeting is None or not _A_DIGIT.search(clause.low):
        return False
    day = _meeting_day(situation)
    return (
        all(d == day for d in clause.days)
        and not _ANOTHER_PART.search(clause.low)
        and not _ASKS_FOR_IT.search(clause.low)
        and not _ANOTHER_DAY.search(clause.low)
    )


#: A week named ("next week", "this week", "the week after"): its days are as said (not "a
#: hectic week").
_A_WEEK = re.compile(
    r"\b(?:next|this|following|coming|that|same)\s+week\b|\bweek\s+(?:after|of)\b", re.IGNORECASE
)
#: Later or earlier, said of the move ("push it to Monday", "bring it forward to Monday").
_LATER = re.compile(r"\b(?:push|postpone|delay|bump|put\s+(?:it\s+)?off)", re.IGNORECASE)
_EARLIER = re.compile(
    r"\b(?:bring|move|pull)\s+(?:it\s+|this\s+|that\s+|our\s+\w+\s+)?(?:forward|up|earlier)\b", re.IGNORECASE
)
_WEEKDAYS_PLURAL = re.compile(r"\b(?P<day>(?:mon|tues|wednes|thurs|fri|satur|sun)day)s\b", re.IGNORECASE)


def _weekday_nearest_meeting(
    options: list[Option], text: str, situation: Situation, moved_day: date | None
) -> list[Option]:
    """A meeting moved to a weekday alone ("Can we move it to Thursday, same time?") goes to that
    weekday nearest the meeting's own day, not to the coming one: Wednesday the 16th moved to
    Thursday meets on the 17th, not the 10th (of two as near, the later; never a day past). "The
    following Monday" is the first after the meeting, and so is the day it is pushed to ("push it
    to Monday"); brought forward, the last before it. A date written, or a week named, is as said."""
    meeting = situation.meeting.astimezone(situation.zone).date() if situation.meeting else None
    meeting_day = moved_day or meeting
    plain = normalize(text)
    if meeting_day is None or not options or _A_DATE.search(plain) or _A_WEEK.search(plain):
        return options
    # (The meeting's own weekday names the meeting: "Wednesday is bad for me, tomorrow at 3?")
    named = {weekday_index(m["day"]) for m in BARE_WEEKDAY.finditer(plain)}
    # ("switch to Thursdays going forward": the first of them, as near)
    named |= {weekday_index(m["day"]) for m in _WEEKDAYS_PLURAL.finditer(plain)}
    named -= {meeting_day.weekday()}
    following = {weekday_index(m["day"]) for m in FOLLOWING_WEEKDAY.finditer(plain)}
    later, earlier = _LATER.search(plain) is not None, _EARLIER.search(plain) is not None
    moved = []
    for option in options:
        local = option.start.astimezone(situation.zone)
        weekday = local.weekday()
        if weekday not in named:
            moved.append(option)
            continue
        ahead = [
            day
            for weeks in range(-1, 3)
            if (day := local + timedelta(weeks=weeks)) > situation.now
            and (weekday not in following and not later or day.date() > meeting_day)
            and (not earlier or day.date() < meeting_day)
        ]
        best = min(
            ahead,
            key=lambda day: (abs((day.date() - meeting_day).days), meeting_day - day.date()),
            default=local,
        )
        moved.append(replace(option, start=best.astimezone(option.start.tzinfo)))
    return moved


def _of_the_booked_day(clause: Clause, situation: Situation) -> bool:
    """A clause that names only the day asked about (the booked meeting's, or the one time
    offered) and asks for no other time there speaks of it ("Here's the link for tomorrow: …",
    "Can we extend tomorrow's session?", "Tuesday could work but let me check first"): no new
    time is asked for."""
    asked_about = _asked_about(situation)
    if asked_about is None or not clause.days:
        return False
    day = asked_about.astimezone(situation.zone).date()
    # ("Could we make Friday a phone call instead of video?" changes how, not when.)
    low = _ANOTHER_WAY.sub(" ", clause.low) if "instead" in clause.low else clause.low
    return (
        all(d == day for d in clause.days)
        and not _ANOTHER_PART.search(low)
        and not _RESCHEDULE.search(low)
        and not _NEXT_WEEKDAY.search(low)
        and not any(verb in low for verb in _MOVING_VERBS)
    )


#: Another way to meet asked for instead of the one planned ("a phone call instead of video",
#: "in person instead", "instead of Zoom"): the meeting's how, not its time.
_WAY = (
    r"(?:(?:a\s+|the\s+)?(?:phone|video|zoom|teams|google\s+meet|skype|whatsapp)(?:\s+call)?|(?:a\s+|the\s+)?call|"
    r"in[\s-]person|(?:over\s+)?(?:a\s+)?coffee|online|remote(?:ly)?|virtual(?:ly)?)"
)
_ANOTHER_WAY = re.compile(
    rf"\b{_WAY}\s+instead(?:\s+of\s+{_WAY})?\b|\binstead\s+of\s+{_WAY}\b|"
    rf"\b(?:by|on|via|over)\s+{_WAY}\s+instead\b"
)


def _taken_by_something_else(
    reading: Reading, situation: Situation, options: list[Option], text: str
) -> bool:
    """The meeting's day is taken by something else and another time is offered for it: "My
    manager scheduled an all-hands at 3pm Tuesday. Could we do 4pm?" moves the meeting. Not when
    what takes the day is at another hour ("a dentist appointment Tuesday at 11am" of a 3pm
    meeting), the meeting itself is offered again ("I have the dentist Tuesday at 1, so 3pm
    works") or another meeting is asked for ("…could we also add Thursday?")."""
    meeting = situation.meeting
    if meeting is None or any(same_moment(o.start, meeting) for o in options):
        return False
    local = meeting.astimezone(situation.zone)
    return any(
        c.unavailable and local.date() in c.days and not _another_hour_named(c, local)
        for c in reading.clauses
    ) and not ANOTHER_MEETING.search(text.lower())


#: Meeting asked for ("could we …", "how about …", "… work for you?"), not something else asked of
#: the other side by a time ("Could you send me the agenda by Wednesday at 5pm?").
_MEETING_ASKED = re.compile(
    rf"\b(?:{QUESTION_OPENS}|should\s+we|instead|let'?s|works?|suits?|possible|ok(?:ay)?|any\s+chance|free|"
    r"available)\b|"
    r"^\W*(?:(?:or|maybe|perhaps)\s+)?(?:on\s+)?(?:\w+day|tomorrow|today|\d)"
)
#: A time something is due by ("send me the agenda by Wednesday at 5pm"): no meeting's.
_A_DEADLINE = re.compile(r"\b(?:by|before|until|till)\s+(?:\w+\s+)?(?:at\s+)?(?:\d|noon|eod|end\s+of)")
#: One more meeting asked for, in words `ANOTHER_MEETING` does not list ("a second session", "a
#: quick check-in", "in addition to Thursday", "otra sesión").
_ONE_MORE = re.compile(
    r"\b(?:second|2nd|twice|extra|additional|one\s+more|in\s+addition|as\s+planned|check-?in|quick\s+(?:call|chat|sync)|"
    r"prep\w*|mock|practice|look\s+(?:at|over)|go\s+(?:over|through)|for\s+that|"
    r"not\s+instead|before\s+(?:our|the|"
    r"\w+day)|otr[ao]|segund[ao]|outr[ao]|zweite[snrm]?|noch\s+ein|autre|deuxi[èe]me|nog\s+een|tweede|altr[ao])\b"
)
#: The meeting said to be in trouble: a conflict, something come up, a sudden realisation, a busy day
#: (not a "sorry" of its own: "Sorry to bother you, could we do a quick prep call?").
_TROUBLE = re.compile(
    r"\b(?:conflict|clash\w*|came\s+up|comes\s+up|just\s+reali[sz]ed|oh\s+no|ugh|unfortunately|afraid|"
    r"double[\s-]?booked|can'?t(?!\s+wait)|cannot|won'?t|unable|sick|ill|emergency|urgent|travel\w*|away|busy|"
    r"slammed|swamped|crazy|hectic|complicated|tied\s+up|on\s+a\s+(?:plane|flight)|instead|"
    r"no\s+longer|doesn'?t\s+work|not\s+work|lo\s+siento|desculp|leider|d[ée]sol[ée]|purtroppo|helaas)"
)
#: How far after the meeting another time asked for may be and still be the meeting moved.
_WITHIN_ITS_WEEK = timedelta(days=7)
#: The meeting after the one booked ("Thursday at 3pm for the next one?").
_THE_NEXT_ONE = re.compile(rf"\b(?:next|following)\s+{MEETING_NOUNS}\b|\bafter\s+that\b")


def _asked_in_its_place(reading: Reading, situation: Situation, text: str) -> bool:
    """Of a meeting still ahead, another time asked for as a question ("I have a conflict now -
    could we do 10am on Thursday?", "Oh no, Thursday is the first night of Hanukkah. Could we do
    Monday the 14th at 3?"), with nothing said to keep the meeting ("Thursday is fine. Could we
    …?") and no other meeting asked for ("could we also add Friday?"): people answering a
    meeting's invite with another time mean it instead, not beside it. Only a time before the
    meeting or within the week after it: later, it is the next meeting ("How about the 24th?"
    of a meeting on the 10th). Not in a circle, whose members each schedule one meeting in turn
    (SPEC §3.3), nor in answer to a meeting's prompts ("We didn't meet, how about Thursday at
    3pm?" makes up for the one missed); and a series asked for ("every Thursday at 4pm from now
    on?") stays a proposal of its own (`read_intents`)."""
    meeting = situation.meeting
    low = text.lower()
    if meeting is None or meeting <= situation.now:
        return False
    if situation.role == "peer" or situation.thread != MENTORSHIP:
        return False
    if ANOTHER_MEETING.search(low) or _THE_NEXT_ONE.search(low) or _ONE_MORE.search(low):
        return False
    day = meeting.astimezone(situation.zone).date()
    # On the meeting's own day, or with the meeting said to be in trouble ("I have a conflict now",
    # "I just realized Thursday is …"): else another day asked may be one more meeting.
    troubled = _TROUBLE.search(low) is not None
    asked = any(
        "?" in c.text
        and _MEETING_ASKED.search(c.low)
        and not _A_DEADLINE.search(c.low)
        and any(
            not same_moment(t, meeting)
            and t < meeting + _WITHIN_ITS_WEEK
            and (troubled or t.astimezone(situation.zone).date() == day)
            for t in c.times
        )
        for c in reading.clauses
    )
    # (A yes to the day is no keeping of the hour: "Thursday is fine but can we start at 3:15?")
    kept = not any(
        t.astimezone(situation.zone).date() == day and not same_moment(t, meeting)
        for c in reading.clauses
        for t in c.times
    ) and any(
        (_STILL_ON.search(c.low) or _FINE.search(c.low) or _says_yes(c))
        and not _NO_LONGER.search(c.low)
        and not _TROUBLE.search(c.low)
        for c in reading.clauses
        if not c.times
    )
    return asked and not kept


#: An hour as a clock says it ("11am", "3 pm", "14:30").
_CLOCK_HOUR = re.compile(r"\b(\d{1,2})(?::\d\d)?\s*(?:am|pm)\b|\b(\d{1,2}):\d\d\b")


def _another_hour_named(clause: Clause, meeting: datetime) -> bool:
    """The clause names hours of the day, and not the meeting's: what takes the day leaves the
    meeting free ("I have a dentist appointment Tuesday at 11am" of a 3pm meeting)."""
    hours = {int(m.group(1) or m.group(2)) % 12 for m in _CLOCK_HOUR.finditer(clause.low)}
    return bool(hours) and meeting.hour % 12 not in hours


#: Another tool or place asked for, not another time ("Can we switch Thursday's session to a phone
#: call?", "move it to Zoom instead of in person"): passed on.
_TO_ANOTHER_TOOL = re.compile(
    rf"\b(?:switch|mov|chang|shift)\w*\s+(?:[\w']+\s+){{0,3}}(?:to|over\s+to)\s+{_WAY}\b"
)


def _moves(reading: Reading, used: set[int], moved_from: re.Match[str] | None) -> bool:
    moved = False
    for index, clause in enumerate(reading.clauses):
        said_here = moved_from is not None and clause.start <= moved_from.start() < clause.end
        if not (said_here or (_RESCHEDULE.search(clause.low) and not _NOT_OUR_MOVE.search(clause.low))):
            continue
        if _TO_ANOTHER_TOOL.search(clause.low) and not clause.days and not clause.times:
            continue  # another tool for the same time: passed on
        used.add(index)
        moved = True
    return moved


#: "next Tuesday", said of the booked meeting's own day: the week after it.
_NEXT_WEEKDAY = re.compile(rf"\bnext\s+{WEEKDAY_WORD}\b", re.IGNORECASE)
#: The booked time restated as still on ("Still on for Tuesday 3pm?", "See you Tuesday at 3",
#: "Let's keep Tuesday at 3pm", "We're set for Tuesday 3pm, right?").
_STILL_ON = re.compile(
    r"(?=[abcfgklopsw])\b(?:still\s+(?:on|good|ok|okay|fine|works?|happening)|see\s+you|looking\s+forward|works|"
    r"confirm(?:ed|ing)?|perfe?ct|great|fine|ok|okay|sounds\s+good|keep(?:ing)?|stick(?:ing)?\s+(?:with|to)|"
    r"(?:we'?re|we\s+are|all)\s+(?:set|good|on)|booked|locked\s+in|as\s+planned)\b",
    re.IGNORECASE,
)
#: Seeing the other side on a day named ("See you Tuesday!", "see u next tuesday at 3").
_SEEING_THEM = re.compile(r"\bsee\s+(?:you|u|ya)\b")
#: Whether something else still stands ("Is the hackathon still happening Thursday?", "Is your
#: offsite still on Tuesday?"): a question for the other side, no yes to the meeting.
_SOMETHING_ELSE_STILL_ON = re.compile(
    rf"\b(?:is|are)\s+(?:the|your|my|his|her|their|that)\s+(?!(?:\w+\s+)?(?:{MEETING_NOUNS}|plan|time|slot)\b)[a-z'-]+"
    r"(?:\s+[a-z'-]+)?\s+still\b"
)
#: ... unless it is refused ("Tuesday at 3pm no longer works", "Tuesday 3pm is tricky now").
_NO_LONGER = re.compile(
    r"\b(?:no\s+longer|not|cannot|bad|tricky|difficult|impossible|anymore|any\s+more)\b|n't\b", re.IGNORECASE
)
#: Each weekday by the start of its English name ("Tue is grand", "Thursday works").
_DAY_NAMED = tuple(re.compile(rf"\b{name[:3]}") for name in WEEKDAYS)
#: Each weekday said to suit best ("Thursday slightly better", "Thursday ideally").
_DAY_SAID_BETTER = tuple(
    re.compile(day.pattern + r"[a-z]*\W+(?:\w+\s+)?(?:better|best|preferred|ideally|if\s+possible)\b")
    for day in _DAY_NAMED
)


def _beside_the_meeting(
    options: list[Option], meeting: datetime, moving: bool, reading: Reading
) -> tuple[list[Option], bool]:
    """The options without the booked meeting's own time, and whether the reply confirms it.

    The meeting's time restated is no new time. In a move, or beside another meeting asked for
    ("a follow-up next Tuesday at 3pm"), "next Tuesday" of the meeting's own Tuesday is the week
    after ("move it to the same time next Tuesday"). Otherwise the restatement is a yes when
    it says so and refuses nothing ("Still on for Tuesday 3pm?"), and nothing when it refuses
    ("Tuesday at 3pm no longer works": the refusal is read elsewhere)."""
    kept = [o for o in options if not same_moment(o.start, meeting)]
    restated = [o for o in options if same_moment(o.start, meeting)]
    if not restated:
        return options, False
    text = reading.text
    if _NEXT_WEEKDAY.search(text) and (moving or ANOTHER_MEETING.search(text.lower())):
        return kept + [replace(o, start=o.start + timedelta(days=7)) for o in restated], False
    # A refusal counts where the time is restated ("…anymore"), not in another sentence ("Still on
    # for Tuesday 3pm? Don't forget the slides!").
    restating = [c.text for c in reading.clauses if any(same_moment(t, meeting) for t in c.times)]
    refused = any(_NO_LONGER.search(clause) for clause in restating)
    confirms = not moving and bool(_STILL_ON.search(text)) and not refused
    return kept, confirms


#: Agreeing words ("… works for me", "… is fine"), and words that offer another time instead.
_AGREED = re.compile(
    r"\b(?:works?|is\s+(?:fine|good|great|perfect|ok|okay)|suits?|sounds\s+good|perfect)\b", re.I
)
_COUNTERED = re.compile(
    r"\b(?:instead|how\s+about|what\s+about|could\s+we|can\s+we|would\s+\w+\s+work|rather|but)\b|\?", re.I
)


def _as_they_wrote_them(reading: Reading, situation: Situation) -> Reading:
    """An answer that agrees to an offered time as its proposer wrote it, in their zone ("Wednesday
    at 9am works for me!" from Los Angeles to "Wednesday at 9am (my time, IST)" from Kolkata),
    names that option; read in the sender's zone it would be another time, never offered."""
    other = situation.other_zone
    if other is None or other == situation.zone:
        return reading
    options = []
    for option in reading.options:
        if _same_as_offered(option.start, situation):
            return reading  # an offered time as the sender reads it: theirs
        wall = option.start.astimezone(situation.zone).replace(tzinfo=other)
        meant = next((t for t in situation.offered if same_moment(wall, t)), None)
        options.append(replace(option, start=meant) if meant is not None else option)
    return replace(reading, options=options)


#: An hour written with its half of the day ("7:30am", "7.30 p.m.") or past noon ("19:30").
_HALF_OF_DAY_SAID = re.compile(r"\d\s*(?:[ap]\.?\s?m\b)|\b(?:1[3-9]|2[0-3])[:.h]\d\d", re.IGNORECASE)


def _at_the_hour_offered(reading: Reading, situation: Situation) -> Reading:
    """An answer that agrees to an hour written without its half of the day ("Sure, 7:30 works
    for me" to 7:30 in the morning) names the option offered at that hour, not the same hour
    twelve hours away, never offered."""
    if _HALF_OF_DAY_SAID.search(reading.text):
        return reading
    options = []
    for option in reading.options:
        flipped = [option.start + timedelta(hours=hours) for hours in (-12, 12)]
        meant = next((t for t in situation.offered for f in flipped if same_moment(f, t)), None)
        if _same_as_offered(option.start, situation) or meant is None:
            options.append(option)
        else:
            options.append(replace(option, start=meant))
    return replace(reading, options=options)


def _same_as_offered(start: datetime, situation: Situation) -> bool:
    """Whether a time named is one offered: the same moment, or its weekday and time a week or
    two before it ("Tuesday 3:30 is perfect" to an offer of Tuesday the 15th at 3:30, read by the
    calendar as the coming Tuesday)."""
    return any(
        same_moment(start, offered) or _a_weekday_ahead(start, offered, situation.zone)
        for offered in situation.offered
    )


def _a_weekday_ahead(named: datetime, offered: datetime, zone: ZoneInfo) -> bool:
    """Whether `offered` is `named`'s weekday and wall-clock time one or two weeks later (by the
    calendar, so across a DST change too)."""
    said, meant = named.astimezone(zone), offered.astimezone(zone)
    return (meant.date() - said.date()).days in (7, 14) and meant.time() == said.time()


def _says_yes(clause: Clause) -> bool:
    return bool(_CONFIRM.search(clause.low) or _CONFIRM_ANYWHERE.search(clause.low))


def _answer(reading: Reading, situation: Situation, options: list[Option], used: set[int]) -> Intent | None:
    """The answer to a question the email asked: a pick, a confirmation or a decline."""
    offered = situation.offered
    if situation.asked not in ("confirm", "invite"):
        return None
    if situation.asked == "invite":
        refuses = any(
            _declines(c.low) or _CANT_DAY.search(c.low) or _CANCEL.search(c.low) or _RESCHEDULE.search(c.low)
            for c in reading.clauses
        )
        for index, clause in enumerate(reading.clauses):
            acknowledged = _ACKNOWLEDGED.search(clause.low) and all(
                _courteous(other.text) for other in reading.clauses if other is not clause
            )
            if _ATTEND.search(clause.low) or (not refuses and (_GLAD.search(clause.low) or acknowledged)):
                used.add(index)
                return Intent("confirm")
        if not refuses:
            if _YES_SIGN.match(reading.text):
                used.update(range(len(reading.clauses)))
                return Intent("confirm")
            for index, clause in enumerate(reading.clauses):
                seen = _SEE_YOU.search(clause.low)
                if seen and (not seen.group("tomorrow") or _meeting_tomorrow(situation)):
                    used.add(index)
                    return Intent("confirm")
    if situation.asked == "confirm" and len(offered) > 1:
        fallback = _fallback_times(reading)
        countered = any(
            not _same_as_offered(o.start, situation) and not any(same_moment(o.start, t) for t in fallback)
            for o in options
        )
        choice = _picked(reading, situation, used, countered=countered)
        if choice is not None:
            return Intent("pick", option=choice)
        for index, clause in enumerate(reading.clauses):
            if _EITHER.search(clause.low) and not options and not _NOT_EITHER.search(clause.low):
                # "Either works": the earliest (of those named, or said better), which the answer
                # names so it can be changed.
                used.add(index)
                earliest = min(_either_of(reading, situation), key=lambda i: offered[i])
                return Intent("pick", option=earliest + 1)
    matching = [o for o in options if _same_as_offered(o.start, situation)]
    if situation.asked == "confirm" and len(offered) == 1 and matching:
        used.update(i for i, c in enumerate(reading.clauses) if c.times)
        return Intent("confirm")
    asked_about = _asked_about(situation)
    asked_day = asked_about.astimezone(situation.zone).date() if asked_about is not None else None
    if not options and _NO_SIGN.match(reading.text):
        used.update(range(len(reading.clauses)))
        return Intent("decline")
    yeses = [clause for clause in reading.clauses if _says_yes(clause)]
    for index, clause in enumerate(reading.clauses):
        # (Not a refusal of another day beside a yes: "Yes, works for me. I'm not available on Fridays.";
        # "That doesn't work for me as I'm out until Dec 10" still declines.)
        another_day = (
            asked_day is not None
            and bool(clause.days)
            and asked_day not in clause.days
            and any(yes is not clause for yes in yeses)
        )
        if _declines(clause.low) and not options and not another_day:
            used.add(index)
            return Intent("decline")
    soft_yes = situation.asked == "confirm" and _SOFT_YES.match(reading.text.lower()) is not None
    for index, clause in enumerate(reading.clauses):
        if (
            situation.asked == "confirm"
            and (clause in yeses or soft_yes)
            and not _declines(clause.low)  # "neither works for me"
            and not (clause.times and not any(_same_as_offered(t, situation) for t in clause.times))
            # nor "OK for Wednesday?", "D'accord pour mercredi ?" of an offer on Tuesday: another day asked
            and not (
                "?" in clause.text and clause.days and asked_day is not None and asked_day not in clause.days
            )
        ):  # "Thursday 3pm works for me" to an offer of Tuesday is a counter, no yes
            used.add(index)
            return Intent("confirm")
    # The one day asked about named as fine ("Tuesday works", "Thursday is perfect"); beside another
    # time, only when it says so ("Thursday is fine. Could we add a follow-up Friday at 3?").
    if asked_about is not None:
        day = asked_about.astimezone(situation.zone)
        # (Nor a yes held back, or limited to some hours: "Dec 8 works but only after 6pm".)
        hedged = (
            _HEDGED.search(reading.text.lower()) is not None
            or _HOURS_LIMITED.search(reading.text.lower()) is not None
        )
        day_named = _DAY_NAMED[day.weekday()]
        for index, clause in enumerate(reading.clauses):
            said_fine = (
                (not options or "?" not in clause.text)
                and (_STILL_ON.search(clause.low) or _FINE.search(clause.low))
                and not _NO_LONGER.search(clause.low)
                and not hedged
                and not _SOMETHING_ELSE_STILL_ON.search(clause.low)
            )
            # By its weekday, as "tomorrow", or, the time offered, by its date ("Dec 8 works").
            named = day_named.search(clause.low) or (
                (situation.asked == "confirm" or _TODAY_OR_TOMORROW.search(clause.low))
                and day.date() in clause.days
            )
            # "Tue is grand": the day named fine offers nothing by itself; "See you Tuesday!" to
            # the booked meeting stays courtesy.
            named_fine = _FINE.search(clause.low) and day.date() in clause.days and not clause.unavailable
            # (To a time offered, "See you Tuesday!" is a yes.)
            see_you = situation.asked == "confirm" and _SEEING_THEM.search(clause.low) is not None
            if said_fine and named and (clause.vague or named_fine or see_you):
                used.add(index)
                return Intent("confirm")
            if named and not options and _CANT_THE_DAY.search(clause.low):
                used.add(index)
                return Intent("decline")
    return None


#: A clause that offers a time only should the one chosen be gone ("Tuesday - or if that's
#: gone, Friday 3pm", "otherwise Friday"): with the choice booked, it offers nothing.
_FALLBACK = re.compile(
    r"^\W*(?:or\s+(?:else\s+)?(?:if|failing|otherwise)|otherwise|failing\s+that|if\s+not)\b"
)


def _fallback_times(reading: Reading) -> list[datetime]:
    return [t for clause in reading.clauses if _FALLBACK.match(clause.low) for t in clause.times]


def _picked(reading: Reading, situation: Situation, used: set[int], countered: bool) -> int | None:
    """Which offered option a reply names: by position ("the second one") or by its day or time,
    the latter not in a reply that offers a time of its own ("Wed but not at 4, how about 5?")."""
    offered = situation.offered
    for index, clause in enumerate(reading.clauses):
        # An option named as the one whose time another day keeps ("the same time as the first one,
        # but on Friday"): no pick of it where the reply offers that other day.
        kept = [(m.start(1), m.end(1)) for m in SAME_TIME_AS_AN_OPTION.finditer(clause.low)]
        match = next(
            (
                m
                for m in _PICK.finditer(clause.low)
                if not _refused(clause.low, m) and not (countered and (m.start(1), m.end(1)) in kept)
            ),
            None,
        )
        if match is None:
            continue
        word = (match.group(1) or "").lower()
        number = match.group(2) or match.group(3) or match.group(4)
        choice: int | None = None
        if number:
            choice = int(number)
        elif word in _PLACES:
            choice = _position(word, len(offered))
        elif word == "middle" and len(offered) % 2:
            choice = len(offered) // 2 + 1
        elif word in ("earlier", "later") and _ORDER_NAMED.search(
            clause.low[: match.end() + 24], match.start()
        ):
            ordered = sorted(_options_of_named_day(reading.text.lower(), situation), key=lambda i: offered[i])
            choice = (ordered[0] if word == "earlier" else ordered[-1]) + 1
        if choice is not None and 1 <= choice <= len(offered):
            used.add(index)
            return choice
    for option in reading.options:
        for position, start in enumerate(offered, 1):
            if same_moment(option.start, start):
                used.update(i for i, c in enumerate(reading.clauses) if c.times)
                return position
    if countered:
        return None
    local = [t.astimezone(situation.zone) for t in offered]
    for index, clause in enumerate(reading.clauses):
        named = [(p, at) for p, t in enumerate(local, 1) if (at := _where_named(clause.low, t)) is not None]
        # The one named and not refused ("8am is good, not 4pm"), where what is said of it, up to
        # the commas around it, declines nothing: a refusal beside it is of another option
        # ("Tuesday doesn't work for me, Wednesday works").
        kept = [
            (position, _phrase_around(clause.low, at))
            for position, (at, end) in named
            if not _REFUSED_BEFORE.search(clause.low[:at]) and not _REFUSED_AFTER.match(clause.low[end:])
        ]
        if len(kept) > 1:
            # Of several named, the one said to suit in its own phrase ("Thursday works, or
            # Wednesday as a backup", "Only Thursday works for me, Tuesday and Wednesday I'm at a
            # workshop"): a preference, the others second best or taken.
            kept = [(position, phrase) for position, phrase in kept if _SUITS.search(phrase)] or kept
        if len(kept) == 1 and not _declines(kept[0][1]) and not _HOURS_LIMITED.search(clause.low):
            used.add(index)
            return kept[0][0]
    return None


#: An option said to suit ("Thursday works", "Wed is best").
_SUITS = re.compile(r"\b(?:works?|suits?|is\s+(?:best|better|good|great|fine|perfect|ideal)|preferred)\b")


#: The options of one day named together ("either of the Friday ones", "both Tuesday slots").
_OPTIONS_OF_A_DAY = re.compile(
    rf"\b(?:the|both|either\s+of\s+the|one\s+of\s+the)\s+(?P<day>{WEEKDAY_WORD})\s+(?:ones|options|slots|times)\b|"
    rf"\bboth\s+(?:of\s+)?(?:the\s+)?(?:ones|options|slots|times)\s+on\s+(?P<on>{WEEKDAY_WORD})\b",
    re.IGNORECASE,
)


def _options_of_named_day(low: str, situation: Situation) -> list[int]:
    """The offered options (indexes) "the earlier" or "the later" chooses among: those of the day
    the reply names them by ("Either of the Friday ones is fine, maybe the later one"), in the
    sender's calendar; else all of them."""
    every = list(range(len(situation.offered)))
    named = _OPTIONS_OF_A_DAY.search(low)
    if named is None:
        return every
    day = weekday_index(named["day"] or named["on"])
    among = [i for i in every if situation.offered[i].astimezone(situation.zone).weekday() == day]
    return among or every


def _phrase_around(low: str, at: int) -> str:
    """The part of a clause between the commas or semicolons around position `at`."""
    start = max(low.rfind(",", 0, at), low.rfind(";", 0, at)) + 1
    ends = [end for end in (low.find(",", at), low.find(";", at)) if end >= 0]
    return low[start : min(ends, default=len(low))]


#: "Earlier" or "later" naming an offered option ("the earlier one", "later is better", "I'd
#: prefer later"), not said of something else ("I'll send the deck later", "I meant to reply
#: earlier", "could we start half an hour later?").
_ORDER_NAMED = re.compile(
    r"\bthe\s+(?:earlier|later)\b|(?:prefer|rather|go\s+(?:for|with))\s+(?:earlier|later)\b|"
    r"\b(?:earlier|later)\s*(?:one|option|slot|choice|suggestion|is|would|works?|suits?|please|pls|for\s+me)\b|"
    r"^\W*(?:earlier|later)\W*$"
)


#: The day named only within hours said beside it ("Wednesday I can only do after 11"): which
#: option that leaves is not known by the day alone.
_HOURS_LIMITED = re.compile(r"\b(?:after|before|from|until|till|between|not\s+before|not\s+after)\s+\d")


#: An option named only to be refused, by the words before it in the same phrase or right after
#: it: "not the first one", "not keen on Tuesday", "I can't do Tuesday", "the first doesn't
#: work", "Tuesday not ideal", "Tuesday, no". Not a "no"/"not" beyond a comma or in "no
#: problem": "No, the first one please", "Not fussed, the second works", "the second, not the first".
_REFUSED_BEFORE = re.compile(
    r"(?:\b(?:not|no)\b(?!\s+(?:problem|prob|worries|worry|rush|doubt|bother|matter|preference)\b)"
    # "any but Tuesday", "anything except the first", "any day other than Tuesday"
    r"|\b(?:any|anything|anytime|any\s+(?:day|time|one|of\s+them))\s+(?:but|except(?:\s+for)?|other\s+than|apart\s+from|besides)\b"
    r"|\b(?:except(?:\s+for)?|other\s+than|apart\s+from)\b"
    r"|\b(?:can'?t|cannot|won'?t\s+be\s+able\s+to)\s+(?:do|make)\b)[^,.;:!?]{0,24}$"
)
_REFUSED_AFTER = re.compile(
    r"^(?:'s|\s+is)\s+(?:(?:a\s+bit|way|a\s+little|rather|quite|slightly)\s+(?:too\s+)?|too\s+)"
    r"(?:late|early|soon)\b(?!\s+enough)|^(?:'s|\s+is)\s+(?:(?:a\s+bit|a\s+little|too|very|really|pretty)\s+)?"
    r"(?:no\s+good|out|bad|tricky|tough|tight|hard|rough|packed|impossible|a\s+no(?:[\s-]go)?)\b"
    r"(?!\s*,?\s*(?:but|though|tho)\b)|"
    # "the first one is taken", "Tuesday's gone" (not "Tuesday is booked!", which may be the booking)
    r"^\s*(?:one|option|slot|time|choice)?\s*(?:'s|is|has\s+been)\s+(?:now\s+)?(?:taken|gone|full|already\s+"
    r"(?:booked|taken|gone|full))\b|"
    r"^\s*(?:one|option|slot|time|choice)?\s*(?:doesn'?t|does\s+not|won'?t|isn'?t|is\s+not|can'?t|"
    r"wouldn'?t|is\s+no\s+good|is\s+out|(?:is\s+)?not\s+(?:ideal|great|good|possible|an\s+option))\b|"
    r"^\s*,?\s*(?:no|nope)\b(?!\s+(?:problem|worries))"
)


def _refused(low: str, match: re.Match[str]) -> bool:
    return bool(
        _REFUSED_BEFORE.search(low[: match.start()])
        or _REFUSED_AFTER.match(low[match.end() : match.end() + 30])
    )


def _where_named(text: str, when: datetime) -> tuple[int, int] | None:
    """Where the clause names this option's weekday ("Wednesday works"), its day of the month
    ("the 9th", "Dec 9", "12/9" as the sender writes dates), its hour ("10am please") or its part
    of the day ("the morning slot", "the afternoon one"), or None."""
    weekday = when.strftime("%A")
    month = when.strftime("%b")
    hour = when.hour % 12 or 12
    suffix = "am" if when.hour < 12 else "pm"
    minute = f":{when.minute:02d}" if when.minute else "(?::00)?"
    slashed = (when.month, when.day) if writes_month_first(str(when.tzinfo)) else (when.day, when.month)
    part = "morning" if when.hour < 12 else "afternoon" if when.hour < 17 else "evening"
    for pattern in (
        rf"\b{weekday[:3]}(?:{weekday[3:]}|\.)?\b",
        rf"\b{when.day}(?:st|nd|rd|th)\b|\b{month}\w*\.?\s+{when.day}\b|\b{when.day}\s+{month}|"
        rf"(?<![\d/])0?{slashed[0]}/0?{slashed[1]}(?![\d/])",
        rf"\b{hour}{minute}\s*{suffix}\b",
        rf"\b(?:the\s+{part}|{part}\s+(?:one|slot|option|time|session))\b",
    ):
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return match.span()
    return None


#: What the sender has on at a time, said as the reason for another ("I've got a dentist appt at
#: 3"): no news (not "I got the second-round interview", "I got a meeting at my dream company
#: this Thursday!", "I got a call from the recruiter today").
_AN_ENGAGEMENT = (
    r"(?:[\w'-]+\s+){0,2}(?:appts?|appointments?|dentist|doctor|conflict|clash|flight|exam|commitment|"
    r"school\s+run|pick-?up)\b"
    r"(?=[^.!?]{0,20}\b(?:at|on|tomorrow|today|tonight|this|then|\d))"
)


@functools.lru_cache(maxsize=64)
def _declines(low: str) -> bool:
    """Whether a clause (in lower case) says no (`_DECLINE`), asked of one clause by several readers."""
    return _DECLINE.search(low) is not None


#: A meeting tool asked for ("on Zoom", "via Teams", "over the phone").
_ON_A_TOOL = r"(?:on|via|over)\s+(?:zoom|teams|google\s+meet|webex|the\s+phone)"
#: Another place or tool asked for beside a length ("45 minutes on Zoom instead?"): passed on.
_A_TOOL_OR_PLACE = re.compile(rf"\b{_ON_A_TOOL}\b|\bin\s+person\b", re.IGNORECASE)
#: In a reply that schedules, what else it says is mostly about the scheduling ("this week is
#: packed", "I'm an early bird anyway"); these mark what is meant for the other person.
_MESSAGE = at_word_start(
    r"looking\s+forward\b",
    r"(?:i'?ll|i\s+will|i'?m\s+going\s+to|i\s+am\s+going\s+to)\s+(?:bring|share|read|keep|prepare|finish|"
    r"circulate|forward|draft|write|look|think|print|email|send|set\s+up|catch\s+up\s+on\s+the\s+(?:notes|recording)|"
    r"be\s+(?:dialing|calling|joining)\s+(?:in\s+)?from|dial\s+in\s+from)\b"
    r"(?!\s+(?:you\s+)?(?:a|an|the)?\s*(?:teams|zoom|meet|calendar|new)?\s*(?:invite|invitation|"
    r"link(?!\s+to\s+(?:my|the\s+(?:doc|deck|article|post|portfolio|repo|draft)))|calendar))"
    # (nor times to come: "I'll send over a few new times")
    rf"(?!\s+(?:you\s+|over\s+)?{_NEW_TIMES})",
    r"(?:please|(?:could|can|would)\s+(?:you|someone|anyone|everyone|somebody)(?:\s+else)?)\s+(?:please\s+)?(?:each\s+)?"
    r"(?:send|bring|share|read|look|review|prepare|think|forward|take\s+notes|lead|host|facilitate|cover)\b",
    r"should\s+i\s+(?:bring|prepare|read|send)\b",
    r"(?:will|can|could|would)\s+you\s+send\b(?!\s+(?:me\s+)?(?:a\s+|the\s+|an?\s+updated\s+)?(?:new\s+)?(?:invite|invitation))",
    # lateness beside a yes ("Yes - but I'm on a train until 3:10 so may be a couple minutes late")
    r"(?:may|might|could)\s+be\s+(?:a\s+)?(?:couple|few|bit|little)?\s*(?:of\s+)?(?:minutes?\s+)?late\b",
    r"(?:don'?t|do\s+not)\s+forget\b(?!\s+to\s+(?:send|confirm|accept|book)\b)",
    r"remember\s+to\s+(?:bring|send|share|read|look|prepare)\b",
    r"(?:btw|by\s+the\s+way|fyi|p\.?s\.?|heads[\s-]up)\b",
    # someone else to come along ("My colleague Sam might want to join if that's ok?")
    r"(?:might|may|would|wants?)\s+(?:want\s+to\s+|like\s+to\s+)?(?:join|come\s+along|sit\s+in)\b",
    # what the sender sends with the reply ("I'm attaching my resume", "attached is my CV")
    r"(?:i'?m\s+|i\s+am\s+|i'?ve\s+|i\s+have\s+)?attach(?:ing|ed)\s+(?:is\s+|are\s+|my|the|a|an|some|it)\b",
    # what the other side is asked to bring ("Please come with 2-3 questions")
    r"(?:please|can\s+you|could\s+you)\s+come\s+(?:with|prepared)\b",
    # the meeting's tool asked about ("Which platform are we using?")
    r"(?:which|what)\s+(?:platform|tool|app|link|room|location|address|video\s+tool)\s+(?:are|is|will|should|do)\b",
    # an invitation of their own ("The webinar is on Dec 10 at 1pm ET if you want to join")
    r"if\s+you(?:'d|\s+would)?\s+(?:want|like)\s+to\s+(?:join|come|attend|tune\s+in)\b",
    # how something went ("I had a call with a recruiter, and it went well!")
    r"(?:it|that|the\s+\w+)\s+went\s+(?:really\s+|very\s+|so\s+)?(?:well|great|fine|brilliantly|badly)\b",
    r"helped\s+me\b",
    r"your\s+(?:advice|tips?|help|feedback|suggestions?|recommendations?|notes|post|talk)\b",
    # "I'd love your take on the offer letter" (not "let me know your thoughts" on the times)
    r"your\s+(?:take|thoughts|input|opinion|perspective)\s+on\b",
    r"you\s+(?:sent|shared|recommended|mentioned|suggested|wrote)\b",
    r"dialing\s+in\s+from\b",
    # Thanks for something given, not for the scheduling itself.
    r"thank(?:s|\s+you)\s+(?:so\s+much\s+|very\s+much\s+|again\s+)?for\s+(?!(?:the\s+|your\s+)?"
    r"(?:intro(?:duction)?|setting|organi[sz]|scheduling|arranging|accepting|agreeing|confirming|getting\s+back|"
    r"moving|rescheduling|changing|shifting|"
    r"reply|response|patience|flexibility|understanding|quick|letting|your\s+time|the\s+invite|this))",
    r"thank(?:s|\s+you)\s+(?:so\s+much\s+)?for\s+everything\b",
    # news and wishes: "Hope the move went smoothly", "we finally shipped 4.2", "say hi to the team"
    # (an event of theirs: not the courtesy of "Hope your week is going well", "hope the new time is ok")
    r"hope\s+(?:the|your)\s+(?:\w+\s+)?(?:move|surgery|interview|presentation|talk|launch|demo|conference|exam|"
    r"offsite|wedding|recovery|pitch|negotiation|operation)\s+(?:went|goes|is\s+going|was)\b",
    r"(?:say\s+hi|give\s+my\s+(?:best|regards|love))\s+to\b",
    r"we\s+(?:finally\s+|just\s+)?(?:shipped|launched|landed|released|won(?!['’]t))\b",
    # (not the reason for a time: "I talked to my manager and Tuesday is fine")
    r"i\s+finally\s+(?:talked|spoke)\s+(?:to|with)\b|i\s+(?:talked|spoke)\s+(?:to|with)\s+(?:\w+\s+){1,3}about\b",
    r"happy\s+to\s+share\b",
    # praise and asks of their own beside a time ("great job on the demo", "do you think it's worth it?")
    r"(?:great|nice|good)\s+job\b|well\s+done\b|worth\s+it\b|would\s+you\s+recommend\b|"
    r"your\s+honest\s+(?:read|take|opinion|view)\b",
    # the same in the languages programs run in: "ti mando il CV", "te mando", "je t'envoie"
    r"(?:(?:ti|te)\s+(?:mando|envío|envio)|je\s+t'envoie|ich\s+(?:schicke|sende)\s+dir)\b(?!\s+(?:gleich\s+)?"
    r"(?:la|el|le|les|die|den|il|o|a)?\s*(?:invitaci[oó]n|enlace|link|lien|einladung|convite|invito|zoom|calendario|"
    r"calendrier|kalender))",
    r"i\s+learned\b",
    r"congrat",
    r"wish\s+me\s+luck\b",
    # feedback, news and questions beside an answer ("The draft looks good. One question: …", "The
    # migration plan was approved!", "How do you handle stakeholders who …?")
    r"(?:the|your|my)\s+(?:[\w-]+\s+)?(?:draft|deck|doc|document|plan|proposal|slides|cv|resume|portfolio)\s+"
    r"(?:looks|reads|was|got|is\s+(?:great|good|approved|done))\b",
    r"(?:one|a|quick)\s+question\s*[:,-]",
    r"how\s+do\s+you\s+(?:handle|deal\s+with|manage|approach)\b",
    r"(?:was|got|has\s+been|have\s+been)\s+(?:approved|accepted|promoted|hired|published|merged|funded|signed\s+off)\b",
    # a question put to the other side ("Shall I cancel the room I booked, or do you still want to
    # meet in person?")
    r"shall\s+i\s+cancel\s+(?:the|my)\s+(?:room|booking|table|reservation)\b",
    r"do\s+you\s+(?:still\s+)?(?:want|prefer|need)\s+(?:to|me\s+to)\s+(?!(?:move|reschedule|cancel|call|come|join)\b|"
    r"meet\s+(?!in\s+person))",
    # the meeting's tool asked for beside an answer ("Yes! On Zoom please", "can we do it on Zoom?")
    # (not when a time follows, which the tool goes with: "Can we meet on Zoom Thursday at 3?")
    rf"(?:can|could)\s+we\s+(?:do\s+it\s+|meet\s+|have\s+it\s+)?{_ON_A_TOOL}\b"
    r"(?![^.!?]*\b(?:\d|mon|tue|wed|thu|fri|sat|sun|tomorrow|today))",
    rf"{_ON_A_TOOL}\s+(?:please|pls|if\s+possible|ideally)\b",
    # a self-introduction beside a time ("I'm Maya, I lead the data team here")
    r"i\s+(?:lead|run|manage|head)\s+(?:the|a|an|our)\s+\w+(?![^.!?]{0,15}\b(?:at|on|from)\s+\d)",
    r"my\s+name\s+is\b",
    r"between\s+(?:19|20)\d\d\s+and\s+(?:19|20)\d\d\b",
    r"(?:then\s+)?moved\s+into\s+(?:product|engineering|design|management|leadership|sales|marketing|data|consulting|"
    r"research|finance|operations|tech)\b",
    r"(?:a\s+(?:little|bit)\s+about\s+(?:me|myself)|to\s+introduce\s+myself)\b",
    r"i'?ve\s+been\s+(?:at|with)\s+[\w&.-]+\s+(?:for|since)\b",
    r"i'?m\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}(?:engineer|manager|designer|director|analyst|developer|scientist|"
    r"consultant|researcher|architect|founder|product\s+lead|team\s+lead|tech\s+lead)\b",
    r"have\s+a\s+(?:great|good|nice|lovely)\s+(?:session|meeting|time)\b",
    r"i\s+(?:finally\s+|just\s+|already\s+)?(?:passed|found(?!\s+(?:a\s+)?(?:slot|time|window|gap))|accepted|finished|"
    r"submitted|launched|shipped|landed|changed(?!\s+my\s+mind)|started|read\s+your|"
    rf"got\s+(?:the|a|an|my)\s+(?!conflict|(?:calendar\s+)?invit(?:e|ation)|{_AN_ENGAGEMENT}))\b",
    r"i'?ve\s+(?:accepted|changed|finished|read|found|put|started|got)\b"
    r"(?!\s+(?:an?\s+)?(?:free\s+|open\s+|spare\s+)?(?:opening|window|slot|gap|availability|spot)\b)"
    rf"(?!\s+(?:a|an|my|another)\s+{_AN_ENGAGEMENT})",
    r"(?:let'?s|we\s+(?:could|should))\s+(?:spend|focus|talk|discuss|go\s+through|look\s+at|catch\s+up|cover|use)\b",
    r"i'?d\s+(?:like|love)\s+to\s+(?:talk|discuss|go\s+through|focus|cover|share|ask|show|hear|read|learn)\b",
    r"feel\s+free\s+to\s+(?!(?:suggest|propose|pick|choose|change|move|reschedule|let\s+me\s+know|say|tell\s+me|"
    r"reply|answer|ask|reach\s+out|get\s+in\s+touch))",
    r"another\s+thing\b",
    # news and plans beside a time: "I read 3 of the 5 articles", "I'll have the draft ready by then",
    # "I want to focus on negotiation", "Separately - any thoughts on the doc I sent?"
    r"i\s+(?:read|watched|listened\s+to|tried)\s+"
    r"(?!the\s+(?:options|times|slots|invite|invitation|email|message|proposal)\b)(?:\d+|the|your|that|those|some|all|a|an)\b",
    r"i'?ll\s+have\s+(?:the|my|a|an|our)\s+(?:[\w-]+\s+){0,2}ready\b",
    r"i\s+(?:want|would\s+like|'d\s+like)\s+to\s+focus\s+on\b",
    r"any\s+thoughts\s+on\b",
    r"separately\b",
    r"i\s+have\s+(?:many|lots\s+of|a\s+few|some|so\s+many|(?:two|three|four|a\s+couple\s+of))\s+"
    r"(?:questions|things|topics|ideas|points)\b",
    r"i(?:\s+(?:may|might|will|could)|'ll)\s+(?:be\s+(?:\w+\s+){0,3}?late|join\s+(?:\w+\s+){0,3}?(?:late|later))\b",
    r"lots\s+to\s+tell\b",
    r"do\s+you\s+mind\s+if\b",
    # Asking leave of the other side, or telling them of a limit or a change ("Is it ok if I bring a
    # colleague?", "I need to leave at 3:30 sharp", "I start my new job on the 14th").
    r"(?:is\s+it|would\s+it\s+be)\s+(?:ok|okay|alright|all\s+right|fine)\s+(?:if|to\s+(?:bring|invite|record))\b",
    r"(?:can|could|may)\s+i\s+(?:bring|invite|record|share)\b",
    rf"{LEAVING}\s+(?:at|by|early|before|around|promptly|sharp|then)\b",
    r"i\s+(?:start|begin)\s+(?:my|a)\s+new\s+(?:job|role|position)\b",
    r"i(?:\s+will|'ll)\s+be\s+(?:preparing|bringing|reading|working\s+on)\b",
    r"i'?m\s+(?:running|working\s+on|halfway|loving|so\s+sorry\s+(?:to\s+hear|for\s+your|about\s+(?:your|the)))",
    rf"https?://(?!{MEETING_HOST})",
    # wishes, praise and asks beside a time ("Good luck with the demo tomorrow!", "Great to hear the
    # launch went well!", "I also wanted to ask whether you'd review my CV", "Heads up, I might be
    # late", "I have long admired your work")
    r"good\s+luck\b",
    r"(?:great|glad|happy|good|sorry|nice)\s+to\s+hear\b(?!\s+(?:from|more)\b)",
    r"i\s+(?:also\s+)?wanted\s+to\s+ask\s+(?:you\s+)?(?:whether|if|about)\s+(?!we\b|i\s+could\b|it\b|that\b|"
    rf"this\b|\d|{WEEKDAY_WORD}|tomorrow|today|next|the\s+(?:time|meeting|session|call)|you(?:'re|\s+are)\s+"
    r"(?:free|available|around)|you\s+(?:could|can)\s+(?:meet|do|move|make))",
    r"heads[\s-]*up\b(?![^.!?]*\b(?:move|moving|reschedul|push|cancel|can'?t\s+make))",
    r"i\s+(?:have\s+|'ve\s+)?(?:long\s+|always\s+)?admired?\b",
    # time added to the meeting, the other side's to grant ("can we add 15 minutes?", "extend it by
    # half an hour"; a new length of it is a move: `_LENGTH_ASKED`)
    r"(?:add|extend\s+(?:it\s+|the\s+\w+\s+)?by)\s+(?:an?\s+)?(?:extra\s+|more\s+|another\s+)?(?:\d+|half\s+an|an?)\s*"
    r"(?:extra\s+|more\s+)?(?:minutes?|mins?|hours?)\b",
    starts="abcdefghijlmnopqrstvwy",
)
#: Someone addressed by name ("Sorry Jo, …"): names are capitalised, so this is looked for in the
#: text as written (`_MESSAGE` in the lower-cased text, a third of the cost of a case-blind search).
_SORRY_NAME = re.compile(r"(?=[sS])\b(?i:sorry)\s+[A-Z][a-z]+,")
#: A clause that opens by addressing someone ("Ana, please send …"): names are capitalised.
_ADDRESSED = re.compile(
    r"(?!(?:thanks|thank|ok|okay|sure|yes|yeah|hi|hey|hello|great|perfect|sorry|cheers|well|so|also|and|but|"
    r"dear|anyway|anyways|otherwise|sadly|however|then|now|perhaps|maybe|today|tomorrow|tonight|fine|cool|awesome|"
    r"no|oh|ah|hmm|right|instead|again|besides|first|second|\w{4,}ly)\b)(?-i:[A-Z][a-z]+),\s+(?:please|i|could|can|would|my)\b",
    re.IGNORECASE,
)


#: A person's name as written: capitalised ("Priya", "José").
_NAME = r"[A-Z][^\W\d_]+"
#: Thanks for being introduced to someone ("thanks for the intro to Priya", "thank you for
#: connecting me with Sam"): the name is the word after it.
_THANKS_FOR_AN_INTRO = re.compile(
    r"\b(?i:thank(?:s|\s+you))\b[^.!?]{0,20}?\b(?i:for\s+(?:the\s+|your\s+)?(?:intro(?:duction)?|introducing\s+me|"
    rf"connecting\s+me|putting\s+me\s+in\s+touch)\s+(?:to|with))\s+({_NAME})"
)
#: What the word after "the intro to" may be without naming someone else: us, or a title (whose
#: name after it is a surname, which `other_names` do not hold: who it is cannot be told).
_NOT_SOMEONE_ELSE = frozenset(
    ("concierge", "the", "this", "my", "our", "dr", "mr", "mrs", "ms", "miss", "prof")
)
#: Words `_THANKS_FOR_AN_INTRO` needs, looked for first.
_INTRO_WORDS = ("ntro", "onnect", "touch")
#: A clause that opens with a name and a comma ("Ana, keep going with the drafts").
_OPENS_WITH_A_NAME = re.compile(rf"\W*({_NAME}),\s+[a-z]")


def _another_members(name: str, other_names: tuple[str, ...]) -> bool:
    """Whether `name` is another member's first name, or a short form of it ("Alex" for
    "Alexander"; not a word that opens replies, "Yes" for "Yesenia", "Sure" for "Suresh")."""
    name = name.lower()
    return any(
        name == other or (len(name) >= 3 and other.startswith(name) and name not in _NOT_NAMES)
        for other in other_names
    )


#: Words that open replies and begin some names.
_NOT_NAMES = frozenset(("yes", "yep", "yeah", "sure", "okay", "fine", "great", "cool", "thanks", "hey"))


def _thanks_for_another_intro(text: str, other_names: tuple[str, ...]) -> bool:
    """Thanks for an introduction to someone, by name, who is not another member (the other
    member was introduced by us: that is courtesy; someone else by the mentor: that is for
    them)."""
    if not any(word in text for word in _INTRO_WORDS):
        return False
    match = _THANKS_FOR_AN_INTRO.search(text)
    return (
        match is not None
        and match.group(1).lower() not in _NOT_SOMEONE_ELSE
        and not _another_members(match.group(1), other_names)
    )


def _addressed_by_name(text: str, other_names: tuple[str, ...]) -> bool:
    """The clause opens by addressing another member by their first name."""
    match = _OPENS_WITH_A_NAME.match(text)
    return match is not None and _another_members(match.group(1), other_names)


def _courteous(text: str) -> bool:
    """Courtesy alone, its parts told apart by commas too ("Perfect, see you then!")."""
    return all(_COURTESY.match(part.strip()) for part in re.split(r"[,;]", text) if _LETTERS.search(part))


#: A repeat asked for of the meeting answered ("Yes! Could we make it a weekly thing?"): passed on
#: for the proposer to settle, unless the reply's own time carries it.
_REPEAT_ASKED = re.compile(
    r"\b(?:make\s+(?:it|this|that|these|them)\s+(?:a\s+)?|switch\s+to\s+(?:meeting\s+)?)(?:weekly|bi-?weekly|fortnightly|"
    r"monthly|regular|recurring|every\s+(?:other\s+)?(?:week|month))"
)


#: A clause that turns from what came before it ("Yes, but can we keep it to 30 minutes?").
_TURNS = re.compile(r"\bbut\W*$", re.IGNORECASE)


def _message_for_others(
    reading: Reading, used: set[int], scheduling: bool, repeat_carried: bool, other_names: tuple[str, ...]
) -> bool:
    """Something is left that is neither scheduling nor a command nor only courtesy; beside
    scheduling, only what is plainly meant for the other person (`_MESSAGE`) counts, or a
    question that turns from it and names no time ("Yes, but can we do it on Zoom?": the
    proposer settles it), or a repeat asked for that no option of the reply carries. Thanks
    for an introduction to someone who is not another member, and what opens with another
    member's name, are meant for them too."""
    # Most replies that schedule say nothing else: one look at the whole text spares a look per clause.
    anywhere = scheduling and bool(_MESSAGE.search(reading.text.lower()) or _SORRY_NAME.search(reading.text))
    for index, clause in enumerate(reading.clauses):
        if clause.zone_note:
            continue
        if scheduling:
            asks = "?" in clause.text and index not in used and not clause.mentions
            meant = (
                (anywhere and (_MESSAGE.search(clause.low) or _SORRY_NAME.search(clause.text)))
                or (_REPEAT_ASKED.search(clause.low) and not repeat_carried)
                or _ADDRESSED.match(clause.text)
                or _addressed_by_name(clause.text, other_names)
                or (asks and _TURNS.search(reading.text, max(0, clause.start - 8), clause.start))
            )
        else:
            meant = index not in used
        if _thanks_for_another_intro(clause.text, other_names):
            return True
        if meant and _LETTERS.search(clause.text) and not _courteous(clause.text):
            return True
    return False
