"""Running the conversation case table: each case's reply trimmed as mail is, then read in its situation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from concierge.inbound.intents import MENTORSHIP, Situation, read_intents
from concierge.inbound.trim import trim_reply

CASES = Path(__file__).with_name("cases.yaml")
DEFAULT_NOW = "2026-12-04T14:47:00Z"
DEFAULT_ZONE = "America/New_York"


def instant(value: str) -> datetime:
    """A case's "YYYY-MM-DDTHH:MM:SSZ"."""
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    """The table's cases, in order."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def situation(case: dict[str, Any]) -> Situation:
    """The situation a case's reply is read in."""
    return Situation(
        role=case.get("role"),
        zone=ZoneInfo(case.get("zone") or DEFAULT_ZONE),
        now=instant(case.get("now") or DEFAULT_NOW),
        thread=case.get("thread") or MENTORSHIP,
        asked=case.get("asked") or "none",
        offered=tuple(instant(t) for t in case.get("offered") or ()),
        meeting=instant(case["meeting"]) if case.get("meeting") else None,
        other_zone=ZoneInfo(case["other_zone"]) if case.get("other_zone") else None,
        proposed=tuple(instant(t) for t in case.get("proposed") or ()),
        other_names=tuple(name.lower() for name in case.get("other_names") or ()),
    )


def read(case: dict[str, Any]) -> list[dict[str, Any]]:
    """What the reader makes of a case, as `inbound --now` prints it."""
    text = trim_reply(case["text"])
    return [
        intent.as_json() for intent in read_intents(text, case.get("subject") or "Re: hello", situation(case))
    ]


def _comparable(intents: list[dict[str, Any]]) -> list[tuple]:
    out = []
    for intent in intents:
        values: tuple = ()
        if intent["type"] in ("propose", "reschedule"):
            values = tuple(
                (o["start"], int(o.get("duration") or 45), o.get("location"), o.get("repeat"))
                for o in intent.get("options") or []
            ) + ((intent.get("day"),) if intent["type"] == "reschedule" else ())
        elif intent["type"] == "pick":
            values = (intent.get("option"),)
        elif intent["type"] == "cancel":
            values = (bool(intent.get("all")), intent.get("day"))
        out.append((intent["type"], values))
    return sorted(out)


def _as_asked(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`got`, without the day of a cancel or a move unless the case names one (most cases
    predate the day)."""
    if any("day" in intent for intent in expected):
        return got
    return [{k: v for k, v in intent.items() if k != "day"} for intent in got]


def same(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> bool:
    """Exactly right: the same intents (in any order) with the same values."""
    return _comparable(expected) == _comparable(_as_asked(expected, got))


@dataclass
class Score:
    """Per intent type: true positives, false positives, false negatives (by type and values)."""

    tp: Counter
    fp: Counter
    fn: Counter

    def table(self) -> str:
        """Precision and recall per intent type, one line each."""
        lines = [f"{'intent':<12} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}"]
        for kind in sorted(set(self.tp) | set(self.fp) | set(self.fn)):
            tp, fp, fn = self.tp[kind], self.fp[kind], self.fn[kind]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            lines.append(f"{kind:<12} {precision:>9.1%} {recall:>7.1%} {tp:>4} {fp:>4} {fn:>4}")
        return "\n".join(lines)


def score(results: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]) -> Score:
    """Precision and recall per intent type over (expected, got) pairs; an intent counts as found
    only with the right values."""
    tp: Counter = Counter()
    fp: Counter = Counter()
    fn: Counter = Counter()
    for expected, got in results:
        want, have = Counter(_comparable(expected)), Counter(_comparable(_as_asked(expected, got)))
        for item, count in (want & have).items():
            tp[item[0]] += count
        for item, count in (have - want).items():
            fp[item[0]] += count
        for item, count in (want - have).items():
            fn[item[0]] += count
    return Score(tp, fp, fn)
