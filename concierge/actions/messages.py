"""Acting on what a reply says that is not scheduling: stop, goals, and messages for the other side."""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from concierge.actions.conversation import Turn, answer_reply, passed_on
from concierge.actions.subscriptions import unsubscribe
from concierge.inbound.intents import Intent
from concierge.models import Enrolment


def stop(turn: Turn, intent: Intent) -> None:
    """`stop` / `unsubscribe`: no more mail from this program (the coordinator is told)."""
    unsubscribe(turn.session, turn.settings, turn.sender, turn.program)
    turn.answered_elsewhere = True


#: Goals and the reply they came in, written in one statement built once: changed through the ORM,
#: the one row would cost the commit a flush of its own (README, Benchmarks).
_ENROLMENTS = Enrolment.__table__
_WRITE_GOALS = (
    update(_ENROLMENTS)
    .where(_ENROLMENTS.c.id == bindparam("enrolment_id"))
    .values(goals=bindparam("new_goals"), goals_inbound_id=bindparam("inbound_id"))
)


def goals(turn: Turn, intent: Intent) -> None:
    """A mentee's or peer's answer to their welcome: their goals for the program, thanked."""
    enrolment = turn.enrolment
    if enrolment is None or enrolment.role not in ("mentee", "peer"):
        return
    if enrolment.goals_inbound_id is not None and enrolment.goals_inbound_id > turn.inbound.id:
        # A later answer's goals stand (this one is processed again, or came late): nothing changes.
        turn.answered_elsewhere = True
        return
    text = turn.parsed.text.strip()
    turn.session.execute(
        _WRITE_GOALS, {"enrolment_id": enrolment.id, "new_goals": text, "inbound_id": turn.inbound.id}
    )
    # The enrolment as it now stands, with nothing left for the ORM to write.
    set_committed_value(enrolment, "goals", text)
    set_committed_value(enrolment, "goals_inbound_id", turn.inbound.id)
    answer_reply(
        turn.session,
        turn.settings,
        template="goals_thanks",
        inbound=turn.inbound,
        parsed=turn.parsed,
        key=turn.key,
        sender=turn.sender,
        now=turn.now,
        enrolment=enrolment,
        context={
            "program_name": turn.program.name,
            "goals": text,
            "paired": enrolment.paired,  # read with the key
            "peer": enrolment.role == "peer",
        },
    )
    turn.answered_elsewhere = True


def pass_on(turn: Turn, intent: Intent) -> None:
    """A message for the other member(s) (SPEC §3.1.12): passed on in their conversation,
    prefixed with the sender's name; the sender is not answered for it."""
    if not turn.once("pass_on"):
        return
    for person in turn.others():
        turn.tell(person, passed_on(turn))
