"""The `concierge` command (SPEC §4.2): thin wrappers that call `actions/` inside one transaction.

Errors print one line to stderr and exit non-zero (2 for usage errors); a command
that creates something prints its id alone on the last line of stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click
import redis
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from concierge.actions import ActionError
from concierge.config import ConfigError, Settings, load_settings
from concierge.db import session_scope

EX_USAGE = 2
EX_TEMPFAIL = 75


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


@contextmanager
def transaction() -> Iterator[Session]:
    """One database transaction for a command; nothing is written if the command fails."""
    with session_scope(settings()) as session:
        yield session


def read_input_file(path: str) -> bytes:
    """The bytes of FILE, or of stdin for `-`; a missing file is a one-line error."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise CommandFailed(f"no such file: {path}") from None
    except IsADirectoryError:
        raise CommandFailed(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror}") from None


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
    from concierge.migrate import upgrade

    upgrade(settings())
    click.echo("database is up to date")


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
        click.echo(f"created program {created.slug}")
    click.echo(created.id)


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
    click.echo(
        f"{len(result.created)} enrolled, {len(result.updated)} updated, {len(result.problems)} refused"
    )
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
            click.echo(mentorship_id)
        if result.problems:
            raise CommandFailed("", 1)
        return
    assert mentor and mentee
    with transaction() as session:
        mentorship = pair_people(
            session, settings(), get_program(session, program_ref), mentor, mentee, topic
        )
    click.echo(mentorship.id)


@cli.command()
@click.argument("program_ref", metavar="PROGRAM")
@click.argument("emails", nargs=-1, required=True, metavar="EMAIL EMAIL EMAIL…")
def circle(program_ref: str, emails: tuple[str, ...]) -> None:
    """Create a peer circle (3–8 peers, in facilitator order) and print its id."""
    from concierge.actions.pairing import circle as make_circle
    from concierge.actions.programs import get_program

    with transaction() as session:
        mentorship = make_circle(session, settings(), get_program(session, program_ref), list(emails))
    click.echo(mentorship.id)


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
    click.echo(added.id)


@cli.command("login-link")
@click.argument("email")
def login_link(email: str) -> None:
    """Print a one-time dashboard login link for a coordinator (valid 15 minutes)."""
    from concierge.actions.logins import create_login_link

    with transaction() as session:
        link = create_login_link(session, settings(), email)
    click.echo(link)


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

    raw = read_input_file(file)
    if not raw.strip():
        raise CommandFailed("the message is empty", EX_USAGE)
    if len(raw) > MAX_MESSAGE_BYTES:
        raise CommandFailed(f"the message is larger than {MAX_MESSAGE_BYTES} bytes", EX_USAGE)
    stored = store_inbound(settings(), raw, recipient, source="relay")
    line: dict[str, object] = {"id": stored.id, "status": stored.status, "duplicate": stored.duplicate}
    if now:
        from workers.inbound import process_now

        result = (
            stored_result(settings(), stored.id) if stored.duplicate else process_now(settings(), stored.id)
        )
        line.update(status=result.status, kind=result.kind, reason=result.reason, text=result.text)
    click.echo(json.dumps(line, ensure_ascii=False))


@cli.command()
@click.argument("ids", nargs=-1, type=int, metavar="ID…")
@click.option("--failed", "all_failed", is_flag=True, help="Every message that ended failed.")
def reprocess(ids: tuple[int, ...], all_failed: bool) -> None:
    """Run stored inbound messages through processing again (effects stay once)."""
    from workers.inbound import reprocess_messages

    if bool(ids) == all_failed:
        raise CommandFailed("give message ids or --failed (not both)", EX_USAGE)
    for line in reprocess_messages(settings(), list(ids), all_failed):
        click.echo(line)


# -- processes ------------------------------------------------------------------------------


@cli.command()
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on every queue."""
    from workers.runner import run_worker

    run_worker(settings(), burst=burst)


@cli.command()
def cron() -> None:
    """Run the periodic scheduler (RQ cron, in UTC)."""
    from workers.cron import run_cron

    run_cron(settings())


@cli.command()
@click.option("--at", "at_text", metavar="ISO8601", help="Run as if it were this time (UTC if no offset).")
def tick(at_text: str | None) -> None:
    """Run every periodic job once, to completion, and print what each did."""
    from workers.tick import parse_at, run_tick

    try:
        at = parse_at(at_text)
    except ValueError as exc:
        raise CommandFailed(str(exc), EX_USAGE) from None
    for line in run_tick(settings(), at):
        click.echo(line)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="Port of the web app (default: PORT, 5000).")
def demo(port: int | None) -> int:
    """Run everything locally on embedded parts with a seeded demo program (Ctrl-C stops it)."""
    from concierge.demo import run_demo

    base = settings()
    try:
        return run_demo(base, port or base.port, lambda line: click.echo(line, nl=True))
    except RuntimeError as exc:
        raise CommandFailed(str(exc)) from None


# -- entry point ----------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, code: int) -> int:
    if message:
        click.echo(f"concierge: {_one_line(message)}", err=True)
    return code


def run(argv: list[str] | None = None, tempfail_on_db_error: bool = False) -> int:
    """Run the CLI and return its exit code, turning every error into one line on stderr."""
    tempfail = tempfail_on_db_error or bool(argv and argv[0] == "inbound")
    try:
        result = cli.main(args=argv, prog_name="concierge", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        return _fail("aborted", 1)
    except click.UsageError as exc:
        return _fail(exc.format_message(), EX_USAGE)
    except click.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code)
    except CommandFailed as exc:
        return _fail(str(exc), exc.code)
    except ActionError as exc:
        return _fail(str(exc), 1)
    except ConfigError as exc:
        return _fail(f"configuration: {exc}", EX_USAGE)
    except (IntegrityError, DataError) as exc:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        return _fail(f"refused by the database: {first}", 1)
    except (OperationalError, InterfaceError) as exc:
        first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "no answer"
        return _fail(f"database unreachable: {first}", EX_TEMPFAIL if tempfail else 1)
    except redis.RedisError as exc:
        return _fail(f"redis unreachable: {exc}", EX_TEMPFAIL if tempfail else 1)
    except KeyboardInterrupt:
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))
