"""The dispatch table names only situations and intents that exist (a typo would do nothing)."""

from __future__ import annotations

from typing import get_args

from concierge.actions.dispatch import DISPATCH
from concierge.inbound.intents import Asked, IntentType


def test_every_entry_is_a_known_situation_and_intent():
    situations = set(get_args(Asked)) | {"*"}
    assert {asked for asked, _ in DISPATCH} <= situations
    assert {kind for _, kind in DISPATCH} <= set(get_args(IntentType))
