"""What each intent does, by what the email being answered asked: one table, not an if-chain.

`DISPATCH` maps (asked, intent type) to an action; ("*", type) serves any situation. The
situations are those of `Situation.asked`: `confirm` (a proposal waits for the sender's
answer), `invite` (a meeting is confirmed), `time` (nothing waits: times may be offered),
`goals` (a welcome). An intent with no entry for its situation does nothing; an intent type
with none at all is one a later part of the product acts on (SPEC §4.2's vocabulary).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from concierge.actions import meeting_replies, messages, scheduling
from concierge.actions.conversation import Turn, send_what_was_said
from concierge.inbound.intents import Asked, Intent, IntentType

Action = Callable[[Turn, Intent], None]

DISPATCH: dict[tuple[Asked | Literal["*"], IntentType], Action] = {
    ("*", "stop"): messages.stop,
    ("goals", "goals"): messages.goals,
    ("*", "agenda"): meeting_replies.agenda,
    ("*", "notes"): meeting_replies.notes,
    ("*", "missed"): meeting_replies.missed,
    ("*", "propose"): scheduling.propose,
    ("*", "vague_time"): scheduling.ask_exact_time,
    ("confirm", "confirm"): scheduling.confirm,
    ("confirm", "pick"): scheduling.pick,
    ("confirm", "decline"): scheduling.decline,
    ("invite", "confirm"): scheduling.accept_meeting,
    ("invite", "decline"): scheduling.decline_meeting,
    ("time", "confirm"): scheduling.nothing_to_answer,
    ("time", "pick"): scheduling.nothing_to_answer,
    ("time", "decline"): scheduling.nothing_to_answer,
    ("invite", "pick"): scheduling.nothing_to_answer,
    ("*", "reschedule"): scheduling.reschedule,
    ("*", "cancel"): scheduling.cancel,
    ("*", "pass_on"): messages.pass_on,
}


def action_for(asked: str, intent_type: str) -> Action | None:
    """The action for an intent in a situation: the exact entry, else the one for any situation."""
    return DISPATCH.get((asked, intent_type)) or DISPATCH.get(("*", intent_type))


def act_on_intents(turn: Turn, intents: list[Intent]) -> None:
    """Run each intent's action in order, then send the one answer and the members' updates."""
    for intent in intents:
        action = action_for(turn.situation.asked, intent.type)
        if action is not None:
            action(turn, intent)
    send_what_was_said(turn)
    turn.record_effects()
