"""The briefing's suggested questions (SPEC §3.1.5): two or three from the question bank that
fit the agenda's topic and the relationship's stage. Pure; the bank is a data file,
`concierge/data/briefing_questions.yaml`, loaded once per process.

Stages: `first` (no meeting held yet), `early` (the first third of the term, or the first three
meetings when the term has no end), `mid`, `end` (the last fifth of the term, or its last three
weeks). Topics: a question fits an agenda that names one of its topics ("promotion",
"feedback", …); questions for any topic fill the rest. The choice is stable for a meeting (the
same briefing sent twice suggests the same questions) and moves on from one meeting to the next.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

BANK = Path(__file__).resolve().parent / "data" / "briefing_questions.yaml"
STAGES = ("first", "early", "mid", "end")
ANY = "any"


@dataclass(frozen=True)
class Question:
    """A question of the bank, with the topics and stages it fits."""

    text: str
    topics: frozenset[str]
    stages: frozenset[str]


@functools.cache
def bank() -> tuple[Question, ...]:
    """Every question of the bank, in its order."""
    entries = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    return tuple(
        Question(entry["text"], frozenset(entry["topics"]), frozenset(entry["stages"])) for entry in entries
    )


def stage_of(held: int, today: date, start: date | None, end: date | None) -> str:
    """Where the relationship is: its first meeting, early, mid-term or near the end."""
    if held == 0:
        return "first"
    if start is not None and end is not None and end > start:
        elapsed = (today - start).days / (end - start).days
        if elapsed >= 0.8 or (end - today).days <= 21:
            return "end"
        return "early" if elapsed < 1 / 3 else "mid"
    return "early" if held < 3 else "mid"


def topics_of(agenda: str | None) -> frozenset[str]:
    """The bank's topics an agenda names ("my promotion case" → promotion)."""
    if not agenda:
        return frozenset()
    low = agenda.lower()
    return frozenset(
        topic
        for question in bank()
        for topic in question.topics
        if topic != ANY and re.search(rf"\b{re.escape(topic)}", low)
    )


def suggested_questions(agenda: str | None, stage: str, seed: int, count: int = 3) -> list[str]:
    """Up to `count` questions for this stage: those on the agenda's topics first, then any."""
    named = topics_of(agenda)
    fitting = [q for q in bank() if stage in q.stages]
    on_topic = [q for q in fitting if q.topics & named]
    general = [q for q in fitting if ANY in q.topics and q not in on_topic]
    chosen = _rotated(on_topic, seed)[: count - 1 if general else count] if on_topic else []
    chosen += _rotated(general, seed)[: count - len(chosen)]
    return [q.text for q in chosen]


def _rotated(questions: list[Question], seed: int) -> list[Question]:
    if not questions:
        return []
    at = seed % len(questions)
    return questions[at:] + questions[:at]
