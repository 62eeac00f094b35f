"""The periodic job that finds meeting mail due (a few statements, whatever the volume) and the
job, one per email, that writes it (concierge/actions/meeting_mail.py says what and when)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

from concierge import queues
from concierge.actions.meeting_mail import (
    MeetingMail,
    due_meeting_mail,
    record_unwritten_meeting_mail,
    write_meeting_mail,
)
from concierge.db import DATABASE_DOWN, session_scope
from concierge.when import from_iso, iso_utc
from workers.context import job_settings
from workers.errors import error_text

log = logging.getLogger(__name__)

#: Failures that say nothing about the email: the database down or out of connections, a job
#: that ran out of time (a lock held long) or whose worker died. The email stays due for the
#: next run.
LEAVE_DUE = (*DATABASE_DOWN, JobTimeoutException, AbandonedJobError)


def find_due(at: datetime) -> int:
    """Enqueue one job per meeting email due at `at`; how many. An enqueue Redis refuses is
    found due again by the next run (nothing is written until a job writes it)."""
    settings = job_settings()
    with session_scope(settings) as session:
        due = due_meeting_mail(session, at)
    for mail in due:
        queues.enqueue(
            settings,
            queues.WRITE_MEETING_MAIL,
            mail.kind,
            mail.meeting_id,
            mail.sequence,
            mail.person_id,
            iso_utc(at),
        )
    return len(due)


def write_one(kind: str, meeting_id: int, sequence: int, person_id: int, at: str) -> str:
    """The job: write one meeting email found due at `at` (ISO 8601); safe to run twice."""
    settings = job_settings()
    with session_scope(settings) as session:
        row = write_meeting_mail(
            session, settings, MeetingMail(kind, meeting_id, sequence, person_id), from_iso(at)
        )
        return "written" if row is not None else "no longer due"


def write_failed(job: Any, connection: Any, exc_type: type, exc_value: BaseException, tb: Any) -> None:
    """RQ's failure callback: after the last retry, an email that could not be written is
    recorded as failed with the error, or it would be found due and fail again every minute.
    Trouble that is not the email's (`LEAVE_DUE`) leaves it due: the next run writes it."""
    if job.retries_left or isinstance(exc_value, LEAVE_DUE):
        return
    kind, meeting_id, sequence, person_id, at = job.args
    mail = MeetingMail(kind, meeting_id, sequence, person_id)
    error = error_text(exc_value)
    log.warning("meeting email %s could not be written, recorded failed: %s", mail.occasion, error)
    settings = job_settings()
    with session_scope(settings) as session:
        record_unwritten_meeting_mail(session, settings, mail, error, from_iso(at))
