"""People and enrolments: address normalisation, lookup by address or alias, CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.config import Settings
from concierge.models import ROLES, Enrolment, Person, PersonAlias, Program

MAX_EMAIL = 320
MAX_NAME = 200
MAX_CAPACITY = 1000
MAX_TEXT = 20_000

IMPORT_COLUMNS = ("email", "name", "role", "timezone", "topics", "goals", "capacity", "aliases")
REQUIRED_IMPORT_COLUMNS = ("email", "role")


def normalise_email(address: str) -> str:
    """Trim, lower-case the domain and (since local parts match case-insensitively) the local part.

    Raises ActionError when the text is not a plausible single address.
    """
    address = address.strip()
    if (
        address.count("@") != 1
        or len(address) > MAX_EMAIL
        or any(c.isspace() or not c.isprintable() for c in address)
        or "," in address
    ):
        raise ActionError(f"not an email address: {address[:100]!r}")
    local, domain = address.split("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        raise ActionError(f"not an email address: {address!r}")
    return f"{local.lower()}@{domain.lower()}"


def valid_timezone(name: str) -> str:
    """The IANA zone name, or ActionError when it is unknown."""
    try:
        if len(name) > 64:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ActionError(f"unknown time zone {name[:80]!r}") from None
    return name


def split_list(cell: str) -> list[str]:
    """A `;`-separated cell as a list, blanks dropped, order kept, duplicates removed."""
    seen: dict[str, None] = {}
    for part in cell.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


def find_person(session: Session, address: str) -> Person | None:
    """The person with this address or alias, or None."""
    email = normalise_email(address)
    person = session.scalar(select(Person).where(Person.email == email))
    if person is None:
        person = session.scalar(select(Person).join(PersonAlias).where(PersonAlias.email == email))
    return person


def get_person(session: Session, address: str) -> Person:
    """The person with this address or alias; ActionError when there is none."""
    person = find_person(session, address)
    if person is None:
        raise ActionError(f"no person with address {address.strip()}")
    return person


def get_enrolment(session: Session, program: Program, person: Person) -> Enrolment | None:
    """The person's enrolment in the program, if any."""
    return session.scalar(
        select(Enrolment).where(Enrolment.program_id == program.id, Enrolment.person_id == person.id)
    )


@dataclass
class ParticipantRow:
    """One validated row of a participants CSV."""

    email: str
    role: str
    name: str | None = None
    timezone: str | None = None
    topics: list[str] | None = None
    goals: str | None = None
    capacity: int | None = None
    aliases: list[str] = field(default_factory=list)


def clean_text(value: str, what: str, limit: int) -> str:
    """Text a person typed, refused when it is too long or holds NUL (which no database stores)."""
    if "\x00" in value:
        raise ActionError(f"{what} contains a NUL character")
    if len(value) > limit:
        raise ActionError(f"{what} is longer than {limit} characters")
    return value


def parse_participant(row: dict[str, str]) -> ParticipantRow:
    """Validate one CSV row (blank cells mean unset); ActionError says what is wrong."""

    def cell(name: str) -> str | None:
        value = clean_text((row.get(name) or "").strip(), name, MAX_TEXT)
        return value or None

    email = cell("email")
    if not email:
        raise ActionError("email is required")
    role = (cell("role") or "").lower()
    if not role:
        raise ActionError("role is required")
    if role not in ROLES:
        raise ActionError(f"role must be mentor, mentee or peer, not {cell('role')!r}")
    capacity = None
    if cell("capacity") is not None:
        try:
            capacity = int(cell("capacity") or "")
        except ValueError:
            raise ActionError(f"capacity must be a whole number, not {cell('capacity')!r}") from None
        if not 0 <= capacity <= MAX_CAPACITY:
            raise ActionError(f"capacity must be between 0 and {MAX_CAPACITY}")
    timezone = cell("timezone")
    if timezone:
        valid_timezone(timezone)
    topics = split_list(cell("topics") or "") if cell("topics") is not None else None
    if topics and any(len(topic) > MAX_NAME for topic in topics):
        raise ActionError(f"a topic is longer than {MAX_NAME} characters")
    name = cell("name")
    if name is not None:
        clean_text(name, "name", MAX_NAME)
    return ParticipantRow(
        email=normalise_email(email),
        role=role,
        name=name,
        timezone=timezone,
        topics=topics,
        goals=cell("goals"),
        capacity=capacity,
        aliases=[normalise_email(a) for a in split_list(cell("aliases") or "")],
    )


def enrol(session: Session, program: Program, row: ParticipantRow) -> tuple[Enrolment, bool]:
    """Create or update the person and their enrolment; returns (enrolment, created)."""
    person = find_person(session, row.email)
    if person is None:
        person = Person(email=row.email, topics=[], status="active")
        session.add(person)
    if row.name is not None:
        person.name = row.name
    if row.timezone is not None:
        person.timezone = row.timezone
    if row.topics is not None:
        person.topics = row.topics
    for alias in row.aliases:
        if alias == person.email:
            continue
        owner = find_person(session, alias)
        if owner is not None and owner is not person:
            raise ActionError(f"alias {alias} already belongs to {owner.email}")
        if owner is None:
            person.aliases.append(PersonAlias(email=alias))
    session.flush()

    enrolment = get_enrolment(session, program, person)
    created = enrolment is None
    if enrolment is None:
        enrolment = Enrolment(program=program, person=person, role=row.role, topics=[])
        session.add(enrolment)
    elif enrolment.role != row.role:
        busy = enrolment_has_mentorships(session, enrolment)
        if busy:
            raise ActionError(
                f"{person.email} is already paired as {enrolment.role}; cannot become {row.role}"
            )
        enrolment.role = row.role
    if row.topics is not None:
        enrolment.topics = row.topics
    if row.goals is not None:
        enrolment.goals = row.goals
    if row.capacity is not None:
        enrolment.capacity = row.capacity
    session.flush()
    return enrolment, created


def enrolment_has_mentorships(session: Session, enrolment: Enrolment) -> bool:
    """True when the enrolled person is a member of any mentorship of that program."""
    from concierge.models import Mentorship, MentorshipMember

    count = session.scalar(
        select(func.count())
        .select_from(MentorshipMember)
        .join(Mentorship)
        .where(
            Mentorship.program_id == enrolment.program_id,
            MentorshipMember.person_id == enrolment.person_id,
        )
    )
    return bool(count)


@dataclass
class RowProblem:
    """A CSV row that was not applied: its physical line number and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_csv(data: bytes, required: tuple[str, ...], known: tuple[str, ...]) -> csv.DictReader:
    """A DictReader over UTF-8 CSV bytes (BOM allowed), header checked for required columns."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ActionError(f"the file is not UTF-8 (byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise ActionError("the file is empty: a header row is required")
    missing = [c for c in required if c not in header]
    if missing:
        raise ActionError(f"missing required column(s): {', '.join(missing)}")
    unknown = [h for h in header if h and h not in known]
    if unknown:
        raise ActionError(f"unknown column(s): {', '.join(unknown)}")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ActionError(f"duplicated column(s): {', '.join(duplicated)}")
    reader.fieldnames = header
    return reader


def rows_with_lines(reader: csv.DictReader) -> list[tuple[int, dict[str, str] | None, str | None]]:
    """Each data row with its physical starting line (header = 1), or the reason it is malformed."""
    rows: list[tuple[int, dict[str, str] | None, str | None]] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append((line, None, f"malformed CSV: {exc}"))
            break
        if None in row:
            rows.append((line, None, "more cells than header columns"))
            continue
        if all(not (v or "").strip() for v in row.values()):
            continue
        rows.append((line, row, None))
    return rows


@dataclass
class ImportResult:
    """What an import did: enrolments created and updated, rows refused."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def import_participants(session: Session, settings: Settings, program: Program, data: bytes) -> ImportResult:
    """Enrol every good row of a participants CSV and welcome the new ones; bad rows are reported.

    Each row runs in a savepoint, so a bad row leaves nothing behind while good rows stay.
    """
    from concierge.actions.introductions import send_welcome

    reader = read_csv(data, REQUIRED_IMPORT_COLUMNS, IMPORT_COLUMNS)
    result = ImportResult()
    seen: dict[str, int] = {}
    for line, raw, problem in rows_with_lines(reader):
        if problem or raw is None:
            result.problems.append(RowProblem(line, problem or "unreadable row"))
            continue
        try:
            row = parse_participant(raw)
            if row.email in seen:
                raise ActionError(f"{row.email} already appears on line {seen[row.email]}")
            with session.begin_nested():
                enrolment, created = enrol(session, program, row)
                if created:
                    send_welcome(session, settings, enrolment)
        except ActionError as exc:
            result.problems.append(RowProblem(line, str(exc)))
            continue
        seen[row.email] = line
        (result.created if created else result.updated).append(enrolment.id)
    return result
