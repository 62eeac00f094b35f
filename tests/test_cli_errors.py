"""Bad input and broken surroundings at the CLI (SPEC §4.2): one line on stderr, the right exit code.

Usage errors exit 2, other failures 1, and `concierge inbound` 75 (the mail server retries)
whenever the message could not be stored for another reason than a usage error.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from concierge.config import normalise_database_url
from concierge.db import dispose_engines, session_scope
from concierge.ingress.store import MAX_MESSAGE_BYTES
from concierge.models import Enrolment, InboundMessage, Program
from tests import factories
from tests.conftest import EXTERNAL_DATABASE_URL

MESSAGE = b"From: ana@example.org\r\nTo: concierge@mentoring.example\r\nSubject: hi\r\n\r\nhello\r\n"


def count(settings, model) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(model))


def assert_one_line_error(result, code: int) -> str:
    """The single stderr line of a failed command (and no traceback)."""
    assert result.code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("concierge: "), result.stderr
    return lines[0]


def write(path: Path, content: str | bytes) -> str:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


class EndlessInput(io.RawIOBase):
    """A standard input that serves `size` zero bytes, and counts how many were read."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        self.served += n
        return n


class BrokenInput(io.RawIOBase):
    """A standard input whose every read fails with `error`."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if len(buffer) == 0:
            return 0
        raise self.error


@pytest.fixture
def program(cli) -> str:
    result = cli("program", "create", "--name", "Pilot", "--format", "formal")
    assert result.code == 0, result
    return result.last_line


# -- 1. configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "foo://bar"),
        ("DATABASE_URL", "garbage"),
        ("DATABASE_URL", "mysql://u@db/concierge"),
        ("DATABASE_URL", "postgres://u@[::1"),
        ("REDIS_URL", "notaurl"),
        ("REDIS_URL", "redis://:pw@127.0.0.1:99999/0"),
        ("PORT", "99999"),
    ],
)
@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["program", "create", "--name", "X", "--format", "peer"],
        ["import", "1", "-"],
        ["pair", "1", "--mentor", "a@example.org", "--mentee", "b@example.org"],
        ["tick"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_malformed_setting_is_one_line_exit_2_in_every_command(cli, settings, monkeypatch, name, value, args):
    monkeypatch.setenv(name, value)
    line = assert_one_line_error(cli(*args, input="email,role\na@example.org,mentee\n"), 2)
    assert line.startswith(f"concierge: configuration: {name}")
    assert count(settings, Program) == 0


def test_bad_redis_url_refuses_import_before_writing(cli, settings, program, monkeypatch, tmp_path):
    monkeypatch.setenv("REDIS_URL", "notaurl")
    result = cli("import", program, write(tmp_path / "p.csv", "email,role\nana@example.org,mentee\n"))
    assert "REDIS_URL" in assert_one_line_error(result, 2)
    assert count(settings, Enrolment) == 0


@pytest.mark.parametrize(
    "where", ["instance-is-a-file", "instance-under-a-file", "secret-key-is-a-directory"]
)
def test_unusable_instance_path_is_a_configuration_error(cli, monkeypatch, tmp_path, where):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'own.sqlite3'}")
    monkeypatch.delenv("SECRET_KEY")
    (tmp_path / "afile").write_text("")
    instance = {
        "instance-is-a-file": tmp_path / "afile",
        "instance-under-a-file": tmp_path / "afile" / "instance",
        "secret-key-is-a-directory": tmp_path / "state",
    }[where]
    (tmp_path / "state" / "secret_key").mkdir(parents=True)
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    line = assert_one_line_error(cli("db", "upgrade"), 2)
    assert line.startswith("concierge: configuration:")


def test_dotenv_that_is_not_utf8_is_named(cli, tmp_path):
    (tmp_path / ".env").write_bytes(b"MAIL_FROM=Caf\xe9 <cafe@example.org>\n")
    line = assert_one_line_error(cli("program", "create", "--name", "X", "--format", "peer"), 2)
    assert f"{tmp_path / '.env'} is not UTF-8" in line


# -- 2. inbound: 75 unless it is a usage error -------------------------------------------------


def test_inbound_configuration_error_exits_75(cli, settings, monkeypatch):
    monkeypatch.setenv("MAIL_FROM", "Concierge")
    line = assert_one_line_error(cli("inbound", "-", input=MESSAGE), 75)
    assert "configuration: MAIL_FROM" in line


def test_inbound_into_a_file_that_is_not_a_database_exits_75(cli, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "DATABASE_URL", f"sqlite:///{write(tmp_path / 'junk.sqlite3', b'not a database' * 100)}"
    )
    line = assert_one_line_error(cli("inbound", "-", input=MESSAGE), 75)
    assert "not a database" in line
    other = cli("program", "create", "--name", "X", "--format", "peer")
    assert "not a database" in assert_one_line_error(other, 1)


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (RuntimeError("the disk caught fire"), "unexpected error: RuntimeError: the disk caught fire"),
        (OSError(5, "Input/output error"), "cannot read standard input: Input/output error"),
    ],
)
def test_inbound_failure_of_any_kind_exits_75(cli, settings, error, shown):
    line = assert_one_line_error(cli("inbound", "-", input=io.BufferedReader(BrokenInput(error))), 75)
    assert line == f"concierge: {shown}"
    assert count(settings, InboundMessage) == 0


@pytest.mark.parametrize(
    ("args", "input"),
    [
        (["--bogus"], MESSAGE),
        (["-"], b" \r\n"),
        (["-"], b"x" * (MAX_MESSAGE_BYTES + 1)),
        (["no-such.eml"], None),
        (["-", "--recipient", "ana\udcff@example.org"], MESSAGE),
    ],
    ids=["bad-option", "empty", "too-large", "missing-file", "not-utf8"],
)
def test_inbound_usage_errors_still_exit_2(cli, settings, args, input):
    assert_one_line_error(cli("inbound", *args, input=input), 2)
    assert count(settings, InboundMessage) == 0


# -- 3. the catch-all and a broken stdout ------------------------------------------------------


def test_unexpected_error_is_one_line_with_its_type(cli, settings, program):
    result = cli("import", program, "-", input=io.BufferedReader(BrokenInput(RuntimeError("boom"))))
    assert assert_one_line_error(result, 1) == "concierge: unexpected error: RuntimeError: boom"


def run_script(args: list[str], stdout) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "concierge"
    return subprocess.run(
        [str(script), *args], stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60, check=False
    )


def test_full_stdout_is_one_line_and_writes_nothing(settings):
    with open("/dev/full", "w") as full:
        result = run_script(["program", "create", "--name", "X", "--format", "peer"], full)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "concierge: cannot write to standard output: No space left on device"
    ]
    assert count(settings, Program) == 0


def test_closed_pipe_on_stdout_is_one_line(settings):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_script(["program", "create", "--name", "X", "--format", "peer"], write_end)
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["concierge: cannot write to standard output: Broken pipe"]


# -- 4. arguments that are not UTF-8 -----------------------------------------------------------


def test_argument_that_is_not_utf8_is_a_usage_error(cli, settings, program, tmp_path):
    csv = write(tmp_path / "p.csv", "email,role\nana@example.org,mentee\n")
    line = assert_one_line_error(cli("import", "\udcff", csv), 2)
    assert line == "concierge: argument 2 is not valid UTF-8: \\xff"
    assert_one_line_error(cli("import", program, csv, "--", "x\udcff"), 2)
    assert count(settings, Enrolment) == 0


# -- 5. a database without the schema ----------------------------------------------------------


def test_commands_before_db_upgrade_say_to_run_it(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    line = assert_one_line_error(cli("program", "create", "--name", "X", "--format", "peer"), 1)
    assert "no schema yet" in line and "run `concierge db upgrade`" in line
    assert "no schema yet" in assert_one_line_error(cli("inbound", "-", input=MESSAGE), 75)
    assert cli("db", "upgrade").code == 0
    assert cli("program", "create", "--name", "X", "--format", "peer").code == 0


@pytest.mark.skipif(not EXTERNAL_DATABASE_URL, reason="needs PostgreSQL (DATABASE_URL)")
def test_postgresql_before_db_upgrade_says_to_run_it(cli, monkeypatch):
    admin_url = normalise_database_url(EXTERNAL_DATABASE_URL)
    schema = f"empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(admin_url).update_query_dict({"options": f"-csearch_path={schema}"})
        monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
        line = assert_one_line_error(cli("program", "create", "--name", "X", "--format", "peer"), 1)
        assert "no schema yet" in line and 'relation "programs" does not exist' in line
        assert "no schema yet" in assert_one_line_error(cli("inbound", "-", input=MESSAGE), 75)
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# -- 6. a database migrated by a newer version ---------------------------------------------------


def test_db_upgrade_on_an_unknown_revision_is_one_line(cli, settings):
    with session_scope(settings) as s:
        known = s.scalar(text("SELECT version_num FROM alembic_version"))
        s.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    try:
        line = assert_one_line_error(cli("db", "upgrade"), 1)
        assert "revision ffffffffffff" in line and "newer Concierge" in line
    finally:
        with session_scope(settings) as s:
            s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": known})


# -- 7. a group without its command --------------------------------------------------------------


@pytest.mark.parametrize("group", [[], ["db"], ["program"], ["coordinator"]], ids=repr)
def test_group_without_command_prints_its_help_on_lines(cli, group):
    result = cli(*group)
    assert result.code == 2
    assert result.stderr.startswith(f"Usage: concierge {' '.join(group)}".rstrip() + " [OPTIONS]")
    assert "\nCommands:\n" in result.stderr and "Traceback" not in result.stderr


# -- 8. reprocess of unknown ids -------------------------------------------------------------------


def test_reprocess_unknown_ids_exit_1_and_the_others_still_run(cli, settings):
    stored = json.loads(cli("inbound", "-", input=MESSAGE).stdout)["id"]
    result = cli("reprocess", "--", "-5", str(stored), "999")
    assert result.code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "-5: no such message" and lines[2] == "999: no such message"
    assert lines[1].startswith(f"{stored}: ") and "no such message" not in lines[1]
    assert result.stderr.strip() == "concierge: no such message: -5, 999"
    alone = assert_one_line_error(cli("reprocess", str(stored + 1)), 1)
    assert alone == f"concierge: no such message: {stored + 1}"


def test_reprocess_id_out_of_range_is_a_usage_error(cli):
    assert_one_line_error(cli("reprocess", str(2**31)), 2)


# -- 9. a missing input file -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["import", "{p}", "nosuch.csv"], ["inbound", "nosuch.eml"], ["pair", "{p}", "--csv", "nosuch.csv"]],
    ids=lambda args: args[0],
)
def test_missing_input_file_is_a_usage_error(cli, program, args):
    line = assert_one_line_error(cli(*[a.format(p=program) for a in args]), 2)
    assert line.startswith("concierge: no such file: nosuch.")


# -- 10. tick --at "" ----------------------------------------------------------------------------


@pytest.mark.parametrize("at", ["", "  "])
def test_tick_with_an_empty_at_is_a_usage_error(cli, at):
    assert "--at" in assert_one_line_error(cli("tick", "--at", at), 2)


# -- 11. inbound reads no more than it may store -----------------------------------------------


def test_inbound_stops_reading_one_byte_past_the_limit(cli, settings):
    stdin = EndlessInput(3 * MAX_MESSAGE_BYTES)
    result = cli("inbound", "-", input=io.BufferedReader(stdin))
    assert "larger than 26214400 bytes" in assert_one_line_error(result, 2)
    assert stdin.served <= MAX_MESSAGE_BYTES + 1 + io.DEFAULT_BUFFER_SIZE
    assert count(settings, InboundMessage) == 0


def test_with_redis_down_an_import_warns_once_not_once_per_email(settings, tmp_path):
    rows = "email,role\n" + "".join(f"person{i}@example.org,mentee\n" for i in range(5))
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(rows)
    with session_scope(settings) as s:
        program_id = str(factories.program(s, format="informal").id)
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens on port 1
    script = Path(sys.executable).parent / "concierge"
    result = subprocess.run(
        [str(script), "import", program_id, str(csv_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "5 enrolled, 0 updated, 0 refused"
    assert result.stderr.count("could not enqueue") == 1, result.stderr
