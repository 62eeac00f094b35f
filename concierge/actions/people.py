"""People and enrolments: address normalisation, lookup by address or alias, CSV import."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from encodings import idna
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.config import Settings
from concierge.csvfile import RowProblem, read_csv
from concierge.models import ROLES, Enrolment, Person, PersonAlias, Program, ProgramCoordinator

MAX_EMAIL = 320
MAX_LOCAL_PART = 64
MAX_DOMAIN = 253
MAX_NAME = 200
MAX_CAPACITY = 1000
MAX_TEXT = 20_000

IMPORT_COLUMNS = ("email", "name", "role", "timezone", "topics", "goals", "capacity", "aliases")
REQUIRED_IMPORT_COLUMNS = ("email", "role")

# RFC 5322 dot-atom: what people type; quoted local parts, comments and domain literals are refused.
_ATEXT = r"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+"
LOCAL_PART_RE = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
DOMAIN_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Bidirectional embeddings, overrides and isolates: invisible, and they reorder the text around them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def normalise_email(address: str) -> str:
    """Trim and lower-case an address (local parts match case-insensitively), checking its shape.

    Accepts a dot-atom local part of ASCII letters, digits and ``!#$%&'*+/=?^_`{|}~-`` and a
    domain of two or more dot-separated labels of letters, digits and inner hyphens; an
    internationalised domain is kept in its ASCII (``xn--``) form, which every mail server
    delivers to. Raises ActionError for anything else (display names, angle brackets, quotes).
    """
    address = address.strip()
    local, at, domain = address.rpartition("@")
    ascii_domain = _ascii_domain(domain) if at and len(address) <= MAX_EMAIL else None
    if ascii_domain is None or len(local) > MAX_LOCAL_PART or not LOCAL_PART_RE.fullmatch(local):
        raise ActionError(f"not an email address: {address[:100]!r}")
    return f"{local.lower()}@{ascii_domain}"


def _ascii_domain(domain: str) -> str | None:
    """The domain lower-cased, in ASCII (IDNA for non-ASCII labels), or None when it is not a host name."""
    labels = [_ascii_label(label) for label in domain.split(".")]
    if len(labels) < 2 or None in labels:
        return None
    ascii_domain = ".".join(labels)  # type: ignore[arg-type]
    if len(ascii_domain) > MAX_DOMAIN or ascii_domain.rpartition(".")[2].isdigit():
        return None  # a top-level domain is never all digits: this is an IP address or a typo
    return ascii_domain


def _ascii_label(label: str) -> str | None:
    if label.isascii():
        label = label.lower()
    else:
        # Only letters, marks and digits, and only labels that the stdlib's IDNA 2003 maps to
        # themselves: where it would rewrite the name (ß → ss) it would address another domain.
        label = unicodedata.normalize("NFC", label.lower())
        if label.isascii() or label.startswith("-") or label.endswith("-"):
            return None  # ASCII only once lower-cased: a look-alike such as the Kelvin sign
        if not all(c == "-" or unicodedata.category(c)[0] in "LMN" for c in label):
            return None
        try:
            encoded = idna.ToASCII(label).decode("ascii")
        except UnicodeError:
            return None
        if idna.ToUnicode(encoded) != label:
            return None
        label = encoded
    return label if DOMAIN_LABEL_RE.fullmatch(label) else None


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


def clean_text(value: str, what: str, limit: int, one_line: bool = False) -> str:
    """Text a person typed, refused when too long or holding NUL (which no database stores).

    With `one_line` (names, topics) control characters, line breaks and bidirectional
    overrides are refused too: they would break the lines of an email or hide what a name says.
    """
    if "\x00" in value:
        raise ActionError(f"{what} contains a NUL character")
    if len(value) > limit:
        raise ActionError(f"{what} is longer than {limit} characters")
    if one_line:
        for char in value:
            if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp"):
                raise ActionError(f"{what} contains a control character (U+{ord(char):04X})")
    return value


def parse_participant(row: dict[str, str]) -> ParticipantRow:
    """Validate one CSV row (blank cells mean unset); ActionError says what is wrong.

    Whitespace runs in names and topics (line breaks, tabs) are folded to single spaces;
    other control characters there are refused.
    """

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
    # A name or topic cell wrapped in a spreadsheet holds line breaks: they become spaces.
    topics_cell, name = cell("topics"), cell("name")
    topics = split_list(" ".join(topics_cell.split())) if topics_cell is not None else None
    for topic in topics or []:
        clean_text(topic, "a topic", MAX_NAME, one_line=True)
    if name is not None:
        name = clean_text(" ".join(name.split()), "name", MAX_NAME, one_line=True)
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


@dataclass(frozen=True)
class Actor:
    """Who is acting: a coordinator (`coordinator_id`), or an operator of every program (the CLI)."""

    coordinator_id: int | None = None


OPERATOR = Actor()


def identity_locked(session: Session, person: Person, actor: Actor) -> str | None:
    """Why `actor` may not change who `person` is (their name or addresses), or None if they may.

    People and their aliases are shared by every program: an alias makes an address act for
    the person everywhere. A coordinator may change them only for someone enrolled in no
    program outside those they run; an operator always may.
    """
    if actor.coordinator_id is None or person.id is None:
        return None
    runs = select(ProgramCoordinator.program_id).where(
        ProgramCoordinator.coordinator_id == actor.coordinator_id
    )
    elsewhere = session.scalar(
        select(Enrolment.id)
        .where(Enrolment.person_id == person.id, Enrolment.program_id.not_in(runs))
        .limit(1)
    )
    if elsewhere is None:
        return None
    return (
        f"{person.email} is also in a program you do not run, so their name, addresses, time zone "
        "and topics can only be changed by its coordinators or an operator"
    )


def enrol(
    session: Session, program: Program, row: ParticipantRow, actor: Actor = OPERATOR
) -> tuple[Enrolment, bool]:
    """Create or update the person and their enrolment; returns (enrolment, created).

    What every program shares about an existing person (their name, aliases, time zone and
    topics) changes only when `actor` may change it (`identity_locked`, ActionError
    otherwise); so does enrolling them through one of their aliases, which would otherwise
    let an alias one coordinator gave a person pull that person into another's program.
    """
    person = find_person(session, row.email)
    if person is None:
        person = Person(email=row.email, topics=[], status="active")
        session.add(person)
    known = {alias.email for alias in person.aliases}
    new_aliases = [a for a in row.aliases if a != person.email and a not in known]
    if person.id is not None:
        changes = [
            row.name is not None and row.name != person.name,
            row.timezone is not None and row.timezone != person.timezone,
            row.topics is not None and row.topics != person.topics,
            bool(new_aliases),
        ]
        if person.email != row.email and (locked := identity_locked(session, person, actor)):
            raise ActionError(
                f"{row.email} is another address of someone in a program you do not run: "
                "use their main address, or ask an operator"
            )
        if any(changes) and (locked := identity_locked(session, person, actor)):
            raise ActionError(locked)
    if row.name is not None:
        person.name = row.name
    if row.timezone is not None:
        person.timezone = row.timezone
    if row.topics is not None:
        person.topics = row.topics
    for alias in new_aliases:
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
class ImportResult:
    """What an import did: enrolments created and updated, rows refused."""

    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def import_participants(
    session: Session, settings: Settings, program: Program, data: bytes, actor: Actor = OPERATOR
) -> ImportResult:
    """Enrol every good row of a participants CSV and welcome the new ones; bad rows are reported.

    `actor` is who imports (the CLI is an operator): a row that would rename someone or give
    them an alias is refused when that person is also in a program the actor does not run.

    Each row runs in a savepoint, so a bad row leaves nothing behind while good rows stay. A
    row naming someone an earlier row of the file already set — by the same address, in
    another case, or through an alias — is refused, so a file cannot contradict itself.
    """
    from concierge.actions.introductions import send_welcome

    result = ImportResult()
    seen: dict[int, tuple[int, str]] = {}  # person id → (line, the address written there)
    for line, raw, problem in read_csv(data, REQUIRED_IMPORT_COLUMNS, IMPORT_COLUMNS):
        if raw is None:
            result.problems.append(RowProblem(line, problem or "unreadable row"))
            continue
        try:
            row = parse_participant(raw)
            known = find_person(session, row.email)
            if known is not None and known.id in seen:
                earlier_line, earlier_email = seen[known.id]
                if earlier_email == row.email:
                    raise ActionError(f"{row.email} already appears on line {earlier_line}")
                raise ActionError(
                    f"{row.email} is the same person as {earlier_email}, "
                    f"who already appears on line {earlier_line}"
                )
            with session.begin_nested():
                enrolment, created = enrol(session, program, row, actor)
                if created:
                    send_welcome(session, settings, enrolment)
        except ActionError as exc:
            result.problems.append(RowProblem(line, str(exc)))
            continue
        seen[enrolment.person_id] = (line, row.email)
        (result.created if created else result.updated).append(enrolment.id)
    return result
