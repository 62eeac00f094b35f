"""What a coordinator may see: the programs they run and the inbound mail of those programs.

SQL conditions shared by the dashboard's pages and the dev outbox, so that both draw the same
line around a coordinator's programs.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select

from concierge.models import Enrolment, InboundMessage, Person, ProgramCoordinator, ReplyKey


def their_programs(coordinator_id: int) -> Select[tuple[int]]:
    """The ids of the programs the coordinator coordinates (a subquery)."""
    return select(ProgramCoordinator.program_id).where(ProgramCoordinator.coordinator_id == coordinator_id)


def their_inbound(coordinator_id: int) -> ColumnElement[bool]:
    """Messages of the coordinator's programs, and of those no program was found for, the
    ones sent by a participant of their programs or about one (a bounce that names them)."""
    their_people = (
        select(Person.email)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.program_id.in_(their_programs(coordinator_id)))
    )
    their_person_ids = select(Enrolment.person_id).where(
        Enrolment.program_id.in_(their_programs(coordinator_id))
    )
    return or_(
        InboundMessage.program_id.in_(their_programs(coordinator_id)),
        InboundMessage.program_id.is_(None)
        & or_(InboundMessage.sender.in_(their_people), InboundMessage.person_id.in_(their_person_ids)),
    )


def their_reply_keys(coordinator_id: int, keys: list[str]) -> Select[tuple[str]]:
    """Those of `keys` that are reply keys of the coordinator's programs."""
    return select(ReplyKey.key).where(
        ReplyKey.key.in_(keys), ReplyKey.program_id.in_(their_programs(coordinator_id))
    )
