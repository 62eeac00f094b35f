"""Pure recognition of what a trimmed reply asks for (SPEC §3.1.13): commands such as `stop`.

Acting on what is recognised is for `actions/`; this module only reads text.
"""

from __future__ import annotations

import re

#: The whole first line of a reply that asks to stop (SPEC §3: `stop` / `unsubscribe`).
STOP_WORDS = frozenset({"stop", "unsubscribe", "stop please", "please stop", "unsubscribe me"})
#: A stop request is a short reply; a longer one that starts with "Stop" says something else.
MAX_STOP_CHARS = 200
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


def is_stop(text: str, subject: str) -> bool:
    """A `stop` / `unsubscribe` reply, or the List-Unsubscribe mailto (its subject is "unsubscribe")."""
    if strip_reply_prefixes(subject).lower() == "unsubscribe":
        return True
    first = next((line for line in text.splitlines() if line.strip()), "")
    return re.sub(r"[^a-z ]", "", first.lower()).strip() in STOP_WORDS and len(text) < MAX_STOP_CHARS
