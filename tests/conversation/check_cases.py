"""Check the conversation case table (cases.yaml) against its schema and count its cases.

Run by hand from the repository root (this is not a pytest test):

    .venv/bin/python tests/conversation/check_cases.py [path/to/cases.yaml]

Every case is checked for its keys, its values (roles, zones, threads, what the answered email
asked, UTC instants written as quoted "YYYY-MM-DDTHH:MM:SSZ" strings, intent types and their
values), unique ids whose prefix is a known category, and `offered` / `meeting` present exactly when
`asked` needs them. It also checks what the schema implies between fields: a `pick` indexes into
`offered`, `goals` only answers a welcome, `stop` stands alone, `pass_on` belongs to a mentorship
thread, "3pm your time" needs `other_zone`, and each category has its minimum number of cases.

Prints the number of cases per category and per intent type; prints every error with its case id
and exits 1 if there is any, 0 otherwise.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CASES = Path(__file__).with_name("cases.yaml")

#: Category (the id's first word) → the minimum number of cases it must have.
CATEGORY_MINIMUMS = {
    "propose": 60,
    "dst": 12,
    "past": 12,
    "vague": 12,
    "trap": 35,
    "confirm": 15,
    "pick": 12,
    "decline": 8,
    "reschedule": 10,
    "cancel": 10,
    "passon": 20,
    "multi": 20,
    "goals": 10,
    "welcome": 4,
    "stop": 4,
    "typo": 12,
    "quoted": 10,
}
MINIMUM_TOTAL = 260

ROLES = {"mentee", "mentor", "peer"}
THREADS = {"welcome", "mentorship"}
ASKED = {"time", "confirm", "invite", "goals", "none"}
REQUIRED_KEYS = {"id", "text", "role", "asked", "expect"}
OPTIONAL_KEYS = {
    "zone",
    "other_zone",
    "other_names",
    "thread",
    "offered",
    "meeting",
    "proposed",
    "now",
    "why",
}
DEFAULT_ZONE = "America/New_York"
DEFAULT_NOW = "2026-12-04T14:47:00Z"

#: Intent type → the keys it carries besides `type`.
INTENT_FIELDS = {
    "propose": {"options"},
    "vague_time": set(),
    "confirm": set(),
    "pick": {"option"},
    "decline": set(),
    "reschedule": {"options"},
    "cancel": {"all"},
    "pass_on": set(),
    "goals": set(),
    "stop": set(),
}
OPTION_KEYS = {"start", "duration", "location", "repeat"}
TOOLS = {"Zoom", "Google Meet", "Microsoft Teams", "Webex", "phone"}
REPEATS = {"FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2", "FREQ=MONTHLY"}
#: Rules by weekday: monthly on a weekday's place in the month ("the first Tuesday": BYDAY=1TU; the
#: last: -1), or weekly on several weekdays (BYDAY=TU,TH).
BY_DAY_RULES = re.compile(
    r"FREQ=MONTHLY;BYDAY=(?:-1|[1-4])(?:MO|TU|WE|TH|FR|SA|SU)\Z|FREQ=WEEKLY;BYDAY=(?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))+\Z"
)

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")
CASE_ID = re.compile(r"[a-z]+(?:-[a-z0-9]+)*-\d{3,4}\Z")
URL = re.compile(r"https?://\S+\Z")
URL_TRAILING = ".,;:!?)]}>'\""
YOUR_TIME = re.compile(r"\d\s*(?:[ap]\.?m\.?)?,?\s+your time\b", re.IGNORECASE)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class Checker:
    """Collects the errors of one table."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def instant(self, value: object, where: str) -> bool:
        if isinstance(value, datetime):
            self.error(where, f"{value} was read as a datetime: quote it as a string")
            return False
        if not isinstance(value, str) or not INSTANT.match(value):
            self.error(where, f"{value!r} is not a UTC instant written 'YYYY-MM-DDTHH:MM:SSZ'")
            return False
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            self.error(where, f"{value!r} is not a real date and time")
            return False
        return True

    def zone(self, value: object, where: str) -> None:
        if not isinstance(value, str) or not value:
            self.error(where, f"{value!r} is not an IANA zone name")
            return
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.error(where, f"unknown IANA zone {value!r}")

    def options(self, options: object, where: str, *, may_be_empty: bool) -> None:
        if not isinstance(options, list):
            self.error(where, "options must be a list")
            return
        if not options and not may_be_empty:
            self.error(where, "a propose needs at least one option")
        for index, option in enumerate(options, 1):
            at = f"{where} option {index}"
            if not isinstance(option, dict):
                self.error(at, "must be a mapping {start, duration, location, repeat}")
                continue
            if set(option) != OPTION_KEYS:
                self.error(at, f"keys must be exactly {sorted(OPTION_KEYS)}, not {sorted(option)}")
            self.instant(option.get("start"), f"{at} start")
            duration = option.get("duration")
            if isinstance(duration, bool) or not isinstance(duration, int) or not 0 < duration <= 24 * 60:
                self.error(at, f"duration {duration!r} must be a whole number of minutes (1-1440)")
            self.location(option.get("location"), at)
            repeat = option.get("repeat")
            if repeat is not None and repeat not in REPEATS and not BY_DAY_RULES.match(str(repeat)):
                rules = (
                    f"null, one of {sorted(REPEATS)}, FREQ=MONTHLY;BYDAY=<n><day> or FREQ=WEEKLY;BYDAY=<days>"
                )
                self.error(at, f"repeat {repeat!r} must be {rules}")

    def location(self, location: object, where: str) -> None:
        if location is None or location in TOOLS:
            return
        if isinstance(location, str) and location.lower() in {tool.lower() for tool in TOOLS}:
            self.error(where, f"location {location!r} is a tool written otherwise than {sorted(TOOLS)}")
            return
        if not isinstance(location, str) or not location.strip():
            self.error(where, f"location {location!r} must be null, a URL, a place or one of {sorted(TOOLS)}")
        elif location[-1] in URL_TRAILING or location != location.strip():
            self.error(where, f"location {location!r} keeps trailing punctuation or spaces")
        elif location.lower().startswith("http") and not URL.match(location):
            self.error(where, f"location {location!r} is not a whole URL")

    def intent(self, intent: object, case: dict, where: str) -> str | None:
        if not isinstance(intent, dict) or "type" not in intent:
            self.error(where, f"{intent!r} is not an intent mapping with a type")
            return None
        kind = intent["type"]
        if kind not in INTENT_FIELDS:
            self.error(where, f"unknown intent type {kind!r}")
            return None
        fields = set(intent) - {"type"}
        if kind in ("cancel", "reschedule"):
            fields.discard("day")  # optional: the day of the meeting meant or moved, "YYYY-MM-DD"
        if fields != INTENT_FIELDS[kind]:
            self.error(where, f"{kind} carries {sorted(INTENT_FIELDS[kind])}, not {sorted(fields)}")
        where = f"{where} ({kind})"
        if kind in ("propose", "reschedule") and "options" in intent:
            self.options(intent["options"], where, may_be_empty=kind == "reschedule")
        elif kind == "pick":
            option = intent.get("option")
            offered = case.get("offered")
            if case.get("asked") != "confirm":
                self.error(where, "a pick answers an email that offered options (asked: confirm)")
            if isinstance(option, bool) or not isinstance(option, int):
                self.error(where, f"option {option!r} must be a 1-based index")
            elif isinstance(offered, list) and not 1 <= option <= len(offered):
                self.error(where, f"option {option} is not an index into the {len(offered)} offered")
        elif kind == "cancel" and not isinstance(intent.get("all"), bool):
            self.error(where, f"all must be true or false, not {intent.get('all')!r}")
        if kind in ("cancel", "reschedule") and intent.get("day") is not None:
            try:
                date.fromisoformat(str(intent["day"]))
            except ValueError:
                self.error(where, f"day {intent['day']!r} is not YYYY-MM-DD")
        return kind

    def case(self, case: object, index: int, seen_ids: set[str]) -> tuple[str, list[str]] | None:
        if not isinstance(case, dict):
            self.error(f"case #{index}", "must be a mapping")
            return None
        case_id = case.get("id")
        where = f"{case_id}" if isinstance(case_id, str) else f"case #{index}"
        missing = REQUIRED_KEYS - set(case)
        if missing:
            self.error(where, f"missing keys {sorted(missing)}")
        unknown = set(case) - REQUIRED_KEYS - OPTIONAL_KEYS
        if unknown:
            self.error(where, f"unknown keys {sorted(unknown)}")

        category = ""
        if not isinstance(case_id, str) or not CASE_ID.match(case_id):
            self.error(where, "id must look like '<category>-<slug>-<NNN>'")
        else:
            category = case_id.split("-", 1)[0]
            if category not in CATEGORY_MINIMUMS:
                self.error(where, f"unknown category {category!r}")
            if case_id in seen_ids:
                self.error(where, "duplicate id")
            seen_ids.add(case_id)

        text = case.get("text")
        if not isinstance(text, str) or not text.strip():
            self.error(where, "text must be a non-empty string")
            text = ""
        role = case.get("role")
        if role not in ROLES:
            self.error(where, f"role {role!r} must be one of {sorted(ROLES)}")
        self.zone(case.get("zone", DEFAULT_ZONE), f"{where} zone")
        if "other_zone" in case:
            self.zone(case["other_zone"], f"{where} other_zone")
        elif YOUR_TIME.search(text):
            self.error(where, "the text says 'your time' but other_zone is missing")
        thread = case.get("thread", "mentorship")
        if thread not in THREADS:
            self.error(where, f"thread {thread!r} must be one of {sorted(THREADS)}")
        asked = case.get("asked")
        if asked not in ASKED:
            self.error(where, f"asked {asked!r} must be one of {sorted(ASKED)}")
        self.instant(case.get("now", DEFAULT_NOW), f"{where} now")
        why = case.get("why")
        if "why" in case and (not isinstance(why, str) or not why.strip()):
            self.error(where, "why must be a non-empty string")

        if asked == "confirm":
            offered = case.get("offered")
            if not isinstance(offered, list) or not offered:
                self.error(where, "asked: confirm needs a non-empty offered list")
            else:
                for number, value in enumerate(offered, 1):
                    self.instant(value, f"{where} offered {number}")
        elif "offered" in case:
            self.error(where, "offered belongs only to asked: confirm")
        if asked == "invite":
            if "meeting" not in case:
                self.error(where, "asked: invite needs the meeting")
            else:
                self.instant(case["meeting"], f"{where} meeting")
        elif "meeting" in case:
            self.error(where, "meeting belongs only to asked: invite")
        if "proposed" in case:
            proposed = case["proposed"]
            if asked != "time" or not isinstance(proposed, list) or not proposed:
                self.error(where, "proposed (the sender's own times, waiting) belongs only to asked: time")
            else:
                for number, value in enumerate(proposed, 1):
                    self.instant(value, f"{where} proposed {number}")
        if asked == "goals" and (thread != "welcome" or role == "mentor"):
            self.error(where, "asked: goals is the welcome of a mentee or a peer")
        if thread == "welcome" and asked not in ("goals", "none"):
            self.error(where, "a welcome asks for goals (mentee, peer) or nothing (mentor)")

        expect = case.get("expect")
        if not isinstance(expect, list):
            self.error(where, "expect must be a list ([] when nothing is understood)")
            return category, []
        kinds = [self.intent(intent, case, f"{where} expect #{n}") for n, intent in enumerate(expect, 1)]
        kinds = [kind for kind in kinds if kind]
        for kind, count in Counter(kinds).items():
            if count > 1:
                self.error(where, f"{kind} appears {count} times (one intent holds all its options)")
        if "stop" in kinds and len(expect) > 1:
            self.error(where, "stop stands alone")
        if "goals" in kinds and (thread != "welcome" or role == "mentor" or len(expect) > 1):
            self.error(where, "goals is the whole answer of a mentee or peer to a welcome")
        if "pass_on" in kinds and thread != "mentorship":
            self.error(where, "pass_on needs a mentorship thread (someone to pass it on to)")
        welcome_of_mentee = thread == "welcome" and role in ("mentee", "peer") and asked == "goals"
        # SPEC §3.1.14: "an answer to a welcome that is not goals" (a command, a promise to write
        # them later) is not understood; everything else a mentee or peer writes there is goals.
        if welcome_of_mentee and kinds not in (["goals"], ["stop"], []):
            self.error(where, "a mentee's or peer's welcome reply is [goals], [stop] or []")
        if thread == "welcome" and role == "mentor" and kinds not in ([], ["stop"]):
            self.error(where, "a mentor's welcome reply is [] (or [stop])")
        return category, kinds


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else CASES
    try:
        table = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as exc:
        print(f"{path}: cannot read the table: {exc}")
        return 1
    if not isinstance(table, list):
        print(f"{path}: the table must be a YAML list of cases")
        return 1

    checker = Checker()
    seen_ids: set[str] = set()
    categories: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    understood_nothing = 0
    for index, case in enumerate(table, 1):
        checked = checker.case(case, index, seen_ids)
        if checked is None:
            continue
        category, kinds = checked
        categories[category] += 1
        intents.update(kinds)
        if isinstance(case.get("expect"), list) and not case["expect"]:
            understood_nothing += 1

    for category, minimum in CATEGORY_MINIMUMS.items():
        if categories[category] < minimum:
            checker.error(category, f"{categories[category]} cases, fewer than the minimum {minimum}")
    if len(table) < MINIMUM_TOTAL:
        checker.error("table", f"{len(table)} cases, fewer than the minimum {MINIMUM_TOTAL}")

    print(f"{path}: {len(table)} cases")
    print("\nper category (minimum):")
    for category, minimum in CATEGORY_MINIMUMS.items():
        print(f"  {category:<11} {categories[category]:>4}  ({minimum})")
    print("\nper intent type (cases expecting it):")
    for kind in INTENT_FIELDS:
        print(f"  {kind:<11} {intents[kind]:>4}")
    print(f"  {'[]':<11} {understood_nothing:>4}")

    if checker.errors:
        print(f"\n{len(checker.errors)} error(s):")
        for message in checker.errors:
            print(f"  {message}")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
