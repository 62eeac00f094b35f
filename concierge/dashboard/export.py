"""`mentorships.csv` (SPEC §4.3): one row per mentorship, metadata only, safe to open in a spreadsheet.

UTF-8 without BOM, RFC 4180 with CRLF line ends, times `YYYY-MM-DDTHH:MM:SSZ` in UTC,
booleans `yes`/`no` (empty when unknown), several emails joined with `;` in member
order, and any cell starting with `= + - @` prefixed with `'` against formula injection.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from concierge.dashboard.queries import MentorshipSummary
from concierge.models import Program

COLUMNS = (
    "mentorship_id",
    "program",
    "format",
    "state",
    "mentor_emails",
    "mentee_emails",
    "topic",
    "meetings_scheduled",
    "meetings_held",
    "next_meeting_at",
    "last_activity_at",
    "action_items_open",
    "action_items_done",
    "reflections_received",
    "mentee_would_mentor",
)
FORMULA_STARTS = ("=", "+", "-", "@")


def csv_time(value: datetime | None) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ` in UTC, or empty."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def csv_bool(value: bool | None) -> str:
    """`yes`, `no`, or empty when unknown."""
    return "" if value is None else ("yes" if value else "no")


def safe_cell(value: str) -> str:
    """The cell with a `'` in front when a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def row_of(program: Program, summary: MentorshipSummary) -> list[str]:
    """One mentorship as the export's cells, in COLUMNS order (circle members are mentees)."""
    cells = [
        str(summary.id),
        program.slug,
        program.format,
        summary.state,
        ";".join(m.email for m in summary.mentors),
        ";".join(m.email for m in summary.mentees),
        summary.topic or "",
        str(summary.meetings_scheduled),
        str(summary.meetings_held),
        csv_time(summary.next_meeting_at),
        csv_time(summary.last_activity_at),
        str(summary.action_items_open),
        str(summary.action_items_done),
        str(summary.reflections_received),
        csv_bool(summary.mentee_would_mentor),
    ]
    return [safe_cell(cell) for cell in cells]


def mentorships_csv(program: Program, summaries: list[MentorshipSummary]) -> bytes:
    """The whole file: header row, then one row per mentorship in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(row_of(program, summary) for summary in summaries)
    return buffer.getvalue().encode("utf-8", "replace")
