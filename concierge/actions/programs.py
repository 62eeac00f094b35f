"""Programs and their coordinators: creation with slug rules, lookup by id or slug."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.actions.people import MAX_NAME, clean_text, normalise_email, valid_timezone
from concierge.models import FORMATS, Coordinator, Program

RESERVED_SLUGS = ("reply", "bounce")
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 64
# programs.id is an INTEGER column: 32 bits on PostgreSQL, which refuses a larger number in a
# query; SQLite's 64-bit ids never get this far.
MAX_ID = 2**31 - 1


def slugify(name: str) -> str:
    """Lowercase, ASCII, hyphenated: "Women in Tech 2026" → "women-in-tech-2026"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:MAX_SLUG].strip("-")


def slug_problem(slug: str, mail_local_part: str) -> str | None:
    """Why `slug` cannot be a program's slug (it is also the program's address), or None."""
    if not slug or len(slug) > MAX_SLUG or not SLUG_RE.fullmatch(slug):
        return f"invalid slug {slug!r}: use lowercase letters, digits and single hyphens"
    if slug.isdigit():
        return f"invalid slug {slug!r}: a slug cannot be all digits"
    if slug in RESERVED_SLUGS or slug == mail_local_part.lower():
        return f"invalid slug {slug!r}: it is reserved for the concierge's own addresses"
    return None


def get_program(session: Session, ref: str | int) -> Program:
    """The program with this id (ASCII digits only) or slug; ActionError when there is none.

    Text that cannot be an id or a slug (an id beyond the column's range, other scripts'
    digits, NUL) finds no program rather than reaching the database, which would refuse it.
    """
    text = str(ref).strip()
    program = None
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"  # int() refuses over 4,300 digits: compare lengths first
        if len(digits) <= len(str(MAX_ID)) and int(digits) <= MAX_ID:
            program = session.get(Program, int(digits))
    elif len(text) <= MAX_SLUG and SLUG_RE.fullmatch(text.lower()):
        program = session.scalar(select(Program).where(Program.slug == text.lower()))
    if program is None:
        raise ActionError(f"no program {text[:100]!r}")
    return program


@dataclass
class ProgramSpec:
    """What a coordinator gives to create a program."""

    name: str
    format: str
    start: date | None = None
    end: date | None = None
    cadence_days: int = 14
    timezone: str = "UTC"
    auto_confirm: bool = False
    slug: str | None = None


def _free_slug(session: Session, base: str, mail_local_part: str) -> str:
    taken = set(session.scalars(select(Program.slug).where(Program.slug.like(f"{base}%"))).all())
    candidate, n = base, 1
    while candidate in taken or slug_problem(candidate, mail_local_part):
        n += 1
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
    return candidate


def create_program(
    session: Session, spec: ProgramSpec, coordinators: list[str], mail_local_part: str
) -> Program:
    """Create a program; the slug defaults to the slugified name (`-2`, `-3`… on a clash)."""
    name = clean_text(spec.name.strip(), "the name", MAX_NAME, one_line=True)
    if not name:
        raise ActionError("the program needs a name")
    if spec.cadence_days > 3650:
        raise ActionError("cadence must be at most 3650 days")
    if spec.format not in FORMATS:
        raise ActionError(f"format must be one of {', '.join(FORMATS)}")
    if spec.cadence_days <= 0:
        raise ActionError("cadence must be at least 1 day")
    if spec.start and spec.end and spec.end < spec.start:
        raise ActionError("the end date is before the start date")
    valid_timezone(spec.timezone)
    if spec.slug is not None:
        slug = spec.slug.strip()
        problem = slug_problem(slug, mail_local_part)
        if problem:
            raise ActionError(problem)
        if session.scalar(select(Program.id).where(Program.slug == slug)):
            raise ActionError(f"slug {slug!r} is taken by another program")
    else:
        base = slugify(name) or "program"
        if base.isdigit():
            base = f"program-{base}"
        slug = _free_slug(session, base, mail_local_part)
    program = Program(
        name=name,
        slug=slug,
        format=spec.format,
        start_date=spec.start,
        end_date=spec.end,
        cadence_days=spec.cadence_days,
        timezone=spec.timezone,
        auto_confirm=spec.auto_confirm,
    )
    session.add(program)
    for email in coordinators:
        add_coordinator(session, email, [program])
    session.flush()
    return program


def add_coordinator(session: Session, address: str, programs: list[Program]) -> Coordinator:
    """Create the coordinator if new, and let them run `programs` (idempotent)."""
    email = normalise_email(address)
    coordinator = session.scalar(select(Coordinator).where(Coordinator.email == email))
    if coordinator is None:
        coordinator = Coordinator(email=email, timezone="UTC")
        session.add(coordinator)
    for program in programs:
        if program not in coordinator.programs:
            coordinator.programs.append(program)
    session.flush()
    return coordinator
