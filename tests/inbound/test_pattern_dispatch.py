"""The reading patterns that look first at the character a match can start with stay exact.

Many of the patterns in `concierge.inbound` start with a look-ahead of one character class,
`(?=[abc])(?:…)`, so that the regex engine skips in one test every position where none of the
phrases can start (faster on every reply, the same matches; `bench/understand.py`). The class is written by
hand: should a phrase be added that starts with a character the class lacks, that phrase would
silently never match. This test reads each such pattern with Python's own regex parser, works out
the characters each alternative can start with, and names any the class misses.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import re._constants as sre  # the parser's own vocabulary: read-only use, in a test
import re._parser as sre_parse

import pytest

import concierge.inbound

#: A start that cannot be told by one character (a `\w`, a `.`, a negated class).
UNKNOWN = object()
CATEGORIES = {sre.CATEGORY_DIGIT: "0123456789", sre.CATEGORY_SPACE: " \t\n\r\f\v"}


def _starts(items: list, caseless: bool) -> set | object:
    """What the sequence `items` can start with: characters (both cases where caseless),
    "" when it can match nothing at all, or UNKNOWN."""
    starts: set = set()
    ahead: list | None = None  # a one-class look-ahead seen: what comes next must be in it
    for op, value in items:
        if op is sre.ASSERT and value[0] == 1 and len(value[1]) == 1 and value[1][0][0] is sre.IN:
            ahead = list(value[1])
            continue
        if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            continue  # zero-width: the next item starts the match
        if op is sre.LITERAL:
            return starts | _cased(chr(value), caseless)
        if op is sre.IN:
            for kind, item in value:
                if kind is sre.LITERAL:
                    starts |= _cased(chr(item), caseless)
                elif kind is sre.RANGE and item[1] - item[0] < 256:
                    starts |= {c for code in range(item[0], item[1] + 1) for c in _cased(chr(code), caseless)}
                elif kind is sre.CATEGORY and item in CATEGORIES:
                    starts |= set(CATEGORIES[item])
                else:
                    return UNKNOWN
            return starts
        if op is sre.BRANCH:
            inner: set = set()
            for branch in value[1]:
                found = _starts(list(branch), caseless)
                if found is UNKNOWN:
                    return UNKNOWN
                inner |= found
        elif op is sre.SUBPATTERN:
            _group, add, remove, body = value
            inner = _starts(list(body), _caseless(caseless, add, remove))
            if inner is UNKNOWN:
                return UNKNOWN
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, body = value
            inner = _starts(list(body), caseless)
            if inner is UNKNOWN:
                return UNKNOWN
            if low == 0:
                inner = inner | {""}
        else:
            return UNKNOWN
        starts |= inner - {""}
        if "" not in inner:
            return starts
    if ahead is not None:  # "(?<=[.!?])(?=[A-Z])": an empty match, before one of these
        found = _starts(ahead, caseless)
        return UNKNOWN if found is UNKNOWN else starts | found
    return starts | {""}


def _caseless(caseless: bool, add: int, remove: int) -> bool:
    """Whether a group `(?i:…)`/`(?-i:…)` inside a pattern that is (or is not) caseless is."""
    return (caseless or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE


def _cased(char: str, caseless: bool) -> set[str]:
    return {char, char.lower(), char.upper()} if caseless else {char}


def _dispatches(items: list, caseless: bool):
    """Every one-class look-ahead followed by more of its sequence, anywhere in the pattern, with
    what follows it: (class items, following items)."""
    for index, (op, value) in enumerate(items):
        if op is sre.ASSERT and value[0] == 1:  # (?=…), not a look-behind
            body = list(value[1])
            if len(body) == 1 and body[0][0] is sre.IN and index + 1 < len(items):
                yield body[0][1], items[index + 1 :], caseless
        if op is sre.BRANCH:
            for branch in value[1]:
                yield from _dispatches(list(branch), caseless)
        elif op is sre.SUBPATTERN:
            _group, add, remove, body = value
            yield from _dispatches(list(body), _caseless(caseless, add, remove))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            yield from _dispatches(list(value[2]), caseless)


def _covers(klass: list, char: str, caseless: bool) -> bool:
    for candidate in _cased(char, caseless):
        for kind, item in klass:
            if kind is sre.LITERAL and chr(item) == candidate:
                return True
            if kind is sre.RANGE and item[0] <= ord(candidate) <= item[1]:
                return True
            if kind is sre.CATEGORY and candidate in CATEGORIES.get(item, ""):
                return True
    return False


def _patterns_in(value: object) -> list[re.Pattern[str]]:
    """The text patterns a module holds: itself one, or in its tables (tuples of rewrites)."""
    if isinstance(value, re.Pattern):
        return [value] if isinstance(value.pattern, str) else []  # (not those read in raw bytes)
    if isinstance(value, tuple):
        return [pattern for item in value for pattern in _patterns_in(item)]
    return []


def _inbound_patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for module_info in pkgutil.iter_modules(concierge.inbound.__path__):
        module = importlib.import_module(f"concierge.inbound.{module_info.name}")
        for name, value in vars(module).items():
            for index, pattern in enumerate(_patterns_in(value)):
                if "(?=[" in pattern.pattern:
                    suffix = f"[{index}]" if isinstance(value, tuple) else ""
                    found.append((f"{module_info.name}.{name}{suffix}", pattern))
    return found


#: Look-ahead classes that are conditions on the next character, not looks before a list of
#: phrases (what follows them may start otherwise), with why.
CONDITIONS: dict[str, str] = {}

PATTERNS = _inbound_patterns()


def test_the_dispatched_patterns_are_found():
    assert len(PATTERNS) >= 20  # the walk below reads them, not an empty list


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_a_look_ahead_class_holds_every_character_its_phrases_can_start_with(name, pattern):
    tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
    for klass, following, caseless in _dispatches(tree, bool(pattern.flags & re.IGNORECASE)):
        starts = _starts(following, caseless)
        if starts is UNKNOWN or "" in starts:
            # What follows cannot be told by its first character: the look-ahead is a condition
            # on the next character, allowed only where listed as such.
            assert name in CONDITIONS, f"{name}: what follows a look-ahead class cannot be checked"
            continue
        missing = sorted(c for c in starts if not _covers(klass, c, caseless))
        assert not missing, f"{name}: the look-ahead class lacks {missing!r}"


def test_a_missing_start_is_caught():
    """The check itself: a class that forgets a phrase's first letter fails it."""
    tree = list(sre_parse.parse(r"\b(?=[ab])(?:apple|banana|cherry)\b", 0))
    ((klass, following, caseless),) = _dispatches(tree, False)
    starts = _starts(following, caseless)
    assert sorted(c for c in starts if not _covers(klass, c, caseless)) == ["c"]
