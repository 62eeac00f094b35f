"""The coordinator CLI of SPEC §4.2: success paths, ids on the last line, and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge.db import session_scope
from concierge.models import Coordinator, Enrolment, Mentorship, Person, Program

PEOPLE_CSV = (
    "email,name,role,timezone,topics,goals,capacity,aliases\n"
    "maya@example.org,Maya Lin,mentor,America/New_York,leadership;career,,2,maya.lin@example.com\n"
    "Ana@Example.ORG,Ana Ruiz,mentee,Europe/Madrid,career,Become a team lead,,\n"
    "sam@example.org,Sam Roe,mentee,,,,,\n"
)


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def count(settings, model) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(model))


def assert_one_line_error(result, code: int = 1) -> None:
    assert result.code == code, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def formal(cli) -> str:
    result = cli(
        "program",
        "create",
        "--name",
        "Women in Tech 2026",
        "--format",
        "formal",
        "--start",
        "2026-09-01",
        "--end",
        "2027-03-01",
        "--timezone",
        "Europe/Paris",
    )
    assert result.code == 0, result
    return result.last_line


def test_db_upgrade_is_idempotent(cli):
    first = cli("db", "upgrade")
    second = cli("db", "upgrade")
    assert first.code == 0 and second.code == 0


def test_program_create_prints_id_and_slugifies_name(cli, settings, formal):
    assert formal.isdigit()
    with session_scope(settings) as s:
        program = s.get(Program, int(formal))
        assert program.slug == "women-in-tech-2026"
        assert program.timezone == "Europe/Paris"
        assert program.cadence_days == 14


def test_program_slug_clash_gets_suffix(cli, settings):
    ids = [cli("program", "create", "--name", "Pilot", "--format", "peer").last_line for _ in range(3)]
    with session_scope(settings) as s:
        slugs = [s.get(Program, int(i)).slug for i in ids]
    assert slugs == ["pilot", "pilot-2", "pilot-3"]


def test_program_create_with_options_and_coordinators(cli, settings):
    result = cli(
        "program",
        "create",
        "--name",
        "Open Doors",
        "--format",
        "informal",
        "--cadence-days",
        "21",
        "--auto-confirm",
        "--slug",
        "open-doors",
        "--coordinator",
        "Lead@Example.org",
        "--coordinator",
        "hr@example.org",
    )
    assert result.code == 0, result
    with session_scope(settings) as s:
        program = s.get(Program, int(result.last_line))
        assert (program.slug, program.cadence_days, program.auto_confirm) == ("open-doors", 21, True)
        assert sorted(c.email for c in program.coordinators) == ["hr@example.org", "lead@example.org"]


@pytest.mark.parametrize(
    "slug", ["Bad Slug", "12345", "reply", "bounce", "concierge", "-lead", "a--b", "x" * 65]
)
def test_program_create_refuses_invalid_slug_with_exit_2(cli, settings, slug):
    result = cli("program", "create", "--name", "X", "--format", "formal", "--slug", slug)
    assert_one_line_error(result, 2)
    assert count(settings, Program) == 0


def test_program_create_refuses_taken_slug(cli, settings):
    cli("program", "create", "--name", "A", "--format", "peer", "--slug", "alpha")
    result = cli("program", "create", "--name", "B", "--format", "peer", "--slug", "alpha")
    assert_one_line_error(result)
    assert count(settings, Program) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--format", "casual"],
        ["--name", "X"],
        ["--name", "X", "--format", "formal", "--start", "tomorrow"],
        ["--name", "X", "--format", "formal", "--cadence-days", "0"],
    ],
)
def test_program_create_usage_errors_exit_2(cli, settings, args):
    assert_one_line_error(cli("program", "create", *args), 2)
    assert count(settings, Program) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "X", "--format", "formal", "--start", "2026-09-01", "--end", "2026-01-01"],
        ["--name", "X", "--format", "formal", "--timezone", "Mars/Olympus"],
        ["--name", "X", "--format", "formal", "--coordinator", "not-an-email"],
    ],
)
def test_program_create_bad_values_write_nothing(cli, settings, args):
    assert_one_line_error(cli("program", "create", *args))
    assert count(settings, Program) == 0
    assert count(settings, Coordinator) == 0


def test_import_enrols_people_with_every_column(cli, settings, formal, tmp_path):
    result = cli("import", formal, write(tmp_path, "people.csv", PEOPLE_CSV))
    assert result.code == 0, result
    with session_scope(settings) as s:
        maya = s.scalar(select(Person).where(Person.email == "maya@example.org"))
        assert maya.name == "Maya Lin" and maya.timezone == "America/New_York"
        assert maya.topics == ["leadership", "career"]
        assert [a.email for a in maya.aliases] == ["maya.lin@example.com"]
        enrolment = s.scalar(select(Enrolment).where(Enrolment.person_id == maya.id))
        assert (enrolment.role, enrolment.capacity) == ("mentor", 2)
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        ana_enrolment = s.scalar(select(Enrolment).where(Enrolment.person_id == ana.id))
        assert ana_enrolment.goals == "Become a team lead"
        sam = s.scalar(select(Person).where(Person.email == "sam@example.org"))
        assert sam.timezone is None and sam.topics == []


def test_import_accepts_any_column_order_bom_and_slug(cli, settings, formal, tmp_path):
    data = "\ufeffrole,goals,email\nmentee,Learn,lee@example.org\n".encode()
    result = cli("import", "women-in-tech-2026", write(tmp_path, "p.csv", data))
    assert result.code == 0, result
    assert count(settings, Enrolment) == 1


def test_import_updates_instead_of_duplicating(cli, settings, formal, tmp_path):
    cli("import", formal, write(tmp_path, "a.csv", PEOPLE_CSV))
    again = "email,name,role,goals\nANA@example.org,Ana R.,mentee,Ship the migration\n"
    result = cli("import", formal, write(tmp_path, "b.csv", again))
    assert result.code == 0, result
    assert count(settings, Person) == 3 and count(settings, Enrolment) == 3
    with session_scope(settings) as s:
        ana = s.scalar(select(Person).where(Person.email == "ana@example.org"))
        assert ana.name == "Ana R." and ana.timezone == "Europe/Madrid"
        enrolment = s.scalar(select(Enrolment).where(Enrolment.person_id == ana.id))
        assert enrolment.goals == "Ship the migration"


def test_import_reports_bad_rows_by_physical_line_and_keeps_good_ones(cli, settings, formal, tmp_path):
    data = (
        "email,name,role,capacity,timezone\n"
        "ok1@example.org,One,mentor,1,\n"
        "not-an-email,Two,mentee,,\n"
        '"quoted@example.org","Multi\nline name",mentee,,\n'
        "bad-role@example.org,Three,boss,,\n"
        "cap@example.org,Four,mentor,lots,\n"
        "tz@example.org,Five,mentee,,Mars/Base\n"
        ",Six,mentee,,\n"
        "ok1@example.org,Dup,mentor,,\n"
        "ok2@example.org,Seven,peer,,\n"
    )
    result = cli("import", formal, write(tmp_path, "p.csv", data))
    assert result.code == 1
    problems = result.stderr.strip().splitlines()
    assert [p.split(":")[0] for p in problems] == [
        "line 3",
        "line 6",
        "line 7",
        "line 8",
        "line 9",
        "line 10",
    ]
    assert "not an email address" in problems[0]
    assert count(settings, Enrolment) == 3


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("name,role\nAna,mentee\n", "missing required column(s): email"),
        ("email,name\nana@example.org,Ana\n", "missing required column(s): role"),
        ("", "header row is required"),
        ("email,role,shoe_size\n", "unknown column(s): shoe_size"),
    ],
)
def test_import_bad_header_exits_2(cli, settings, formal, tmp_path, content, reason):
    result = cli("import", formal, write(tmp_path, "p.csv", content))
    assert_one_line_error(result, 2)
    assert reason in result.stderr
    assert count(settings, Enrolment) == 0


def test_import_refuses_non_utf8(cli, settings, formal, tmp_path):
    result = cli("import", formal, write(tmp_path, "p.csv", b"email,role\n\xff\xfe@x.org,mentee\n"))
    assert_one_line_error(result, 2)


def test_import_missing_file_and_unknown_program(cli, settings, formal, tmp_path):
    assert_one_line_error(cli("import", formal, str(tmp_path / "nope.csv")), 2)
    result = cli("import", "no-such-program", write(tmp_path, "p.csv", PEOPLE_CSV))
    assert_one_line_error(result)
    assert "no program" in result.stderr
    assert count(settings, Person) == 0


def test_import_reads_stdin(cli, settings, formal):
    result = cli("import", formal, "-", input=PEOPLE_CSV)
    assert result.code == 0, result
    assert count(settings, Enrolment) == 3


@pytest.fixture
def enrolled(cli, formal, tmp_path) -> str:
    assert cli("import", formal, write(tmp_path, "people.csv", PEOPLE_CSV)).code == 0
    return formal


def test_pair_prints_mentorship_id(cli, settings, enrolled):
    result = cli("pair", enrolled, "--mentor", "maya@example.org", "--mentee", "ana@example.org")
    assert result.code == 0, result
    with session_scope(settings) as s:
        mentorship = s.get(Mentorship, int(result.last_line))
        assert mentorship.state == "introduced"
        assert [(m.person.email, m.role) for m in mentorship.members] == [
            ("maya@example.org", "mentor"),
            ("ana@example.org", "mentee"),
        ]


def test_pair_by_alias_counts_as_the_person(cli, settings, enrolled):
    result = cli("pair", enrolled, "--mentor", "Maya.Lin@example.com", "--mentee", "ana@example.org")
    assert result.code == 0, result


@pytest.mark.parametrize(
    ("mentor", "mentee", "reason"),
    [
        ("nobody@example.org", "ana@example.org", "no person"),
        ("ana@example.org", "maya@example.org", "enrolled as mentee, not mentor"),
        ("maya@example.org", "garbage", "not an email address"),
    ],
)
def test_pair_refuses_bad_people(cli, settings, enrolled, mentor, mentee, reason):
    result = cli("pair", enrolled, "--mentor", mentor, "--mentee", mentee)
    assert_one_line_error(result)
    assert reason in result.stderr
    assert count(settings, Mentorship) == 0


def test_pair_formal_mentee_has_one_mentor_and_capacity_holds(cli, settings, enrolled, tmp_path):
    assert cli("pair", enrolled, "--mentor", "maya@example.org", "--mentee", "ana@example.org").code == 0
    again = cli("pair", enrolled, "--mentor", "maya@example.org", "--mentee", "ana@example.org")
    assert_one_line_error(again)
    extra = "email,role\nzoe@example.org,mentee\nkim@example.org,mentee\n"
    cli("import", enrolled, write(tmp_path, "more.csv", extra))
    assert cli("pair", enrolled, "--mentor", "maya@example.org", "--mentee", "sam@example.org").code == 0
    full = cli("pair", enrolled, "--mentor", "maya@example.org", "--mentee", "zoe@example.org")
    assert_one_line_error(full)
    assert "capacity" in full.stderr
    assert count(settings, Mentorship) == 2


def test_pair_usage_errors(cli, enrolled, tmp_path):
    assert_one_line_error(cli("pair", enrolled, "--mentor", "maya@example.org"), 2)
    both = cli("pair", enrolled, "--csv", "x.csv", "--mentor", "maya@example.org")
    assert_one_line_error(both, 2)


def test_pair_csv_prints_one_id_per_line_and_reports_bad_rows(cli, settings, enrolled, tmp_path):
    data = (
        "mentee_email,mentor_email\n"
        "ana@example.org,maya@example.org\n"
        "ghost@example.org,maya@example.org\n"
        "sam@example.org,maya@example.org\n"
    )
    result = cli("pair", enrolled, "--csv", write(tmp_path, "pairs.csv", data))
    assert result.code == 1
    assert result.stderr.strip().splitlines() == ["line 3: no person with address ghost@example.org"]
    ids = result.stdout.strip().splitlines()
    assert len(ids) == 2 and all(i.isdigit() for i in ids)
    assert count(settings, Mentorship) == 2


def test_pair_csv_missing_column_exits_2(cli, settings, enrolled, tmp_path):
    result = cli("pair", enrolled, "--csv", write(tmp_path, "p.csv", "mentor_email\nmaya@example.org\n"))
    assert_one_line_error(result, 2)


def test_informal_pair_needs_topic_and_allows_one_mentor_per_topic(cli, settings, tmp_path):
    program = cli("program", "create", "--name", "Open", "--format", "informal").last_line
    data = (
        "email,role,topics\nm1@example.org,mentor,negotiation\n"
        "m2@example.org,mentor,python\nme@example.org,mentee,\n"
    )
    cli("import", program, write(tmp_path, "p.csv", data))
    no_topic = cli("pair", program, "--mentor", "m1@example.org", "--mentee", "me@example.org")
    assert_one_line_error(no_topic)
    args = ["--mentee", "me@example.org", "--topic"]
    assert cli("pair", program, "--mentor", "m1@example.org", *args, "negotiation").code == 0
    assert cli("pair", program, "--mentor", "m2@example.org", *args, "python").code == 0
    twice = cli("pair", program, "--mentor", "m2@example.org", *args, "negotiation")
    assert_one_line_error(twice)
    assert count(settings, Mentorship) == 2


@pytest.fixture
def peer_program(cli, tmp_path) -> str:
    program = cli("program", "create", "--name", "Peers", "--format", "peer").last_line
    rows = "".join(f"p{i}@example.org,peer\n" for i in range(10))
    assert cli("import", program, write(tmp_path, "peers.csv", "email,role\n" + rows)).code == 0
    return program


def test_circle_creates_members_in_order(cli, settings, peer_program):
    emails = [f"p{i}@example.org" for i in (2, 0, 1)]
    result = cli("circle", peer_program, *emails)
    assert result.code == 0, result
    with session_scope(settings) as s:
        mentorship = s.get(Mentorship, int(result.last_line))
        assert [m.person.email for m in mentorship.members] == emails
        assert {m.role for m in mentorship.members} == {"peer"}


@pytest.mark.parametrize("size", [2, 9])
def test_circle_size_is_three_to_eight(cli, settings, peer_program, size):
    result = cli("circle", peer_program, *[f"p{i}@example.org" for i in range(size)])
    assert_one_line_error(result)
    assert count(settings, Mentorship) == 0


def test_circle_refuses_wrong_format_duplicates_and_strangers(cli, settings, peer_program, enrolled):
    assert_one_line_error(cli("circle", enrolled, "maya@example.org", "ana@example.org", "sam@example.org"))
    assert_one_line_error(cli("circle", peer_program, "p1@example.org", "p1@example.org", "p2@example.org"))
    assert_one_line_error(cli("circle", peer_program, "p1@example.org", "p2@example.org", "x@example.org"))
    assert count(settings, Mentorship) == 0


def test_coordinator_add_is_idempotent_and_links_programs(cli, settings, formal, peer_program):
    first = cli("coordinator", "add", "Lead@Example.org", "--program", formal)
    second = cli("coordinator", "add", "lead@example.org", "--program", "peers", "--program", formal)
    assert first.code == 0 and second.code == 0
    assert first.last_line == second.last_line
    with session_scope(settings) as s:
        coordinator = s.get(Coordinator, int(first.last_line))
        assert sorted(p.slug for p in coordinator.programs) == ["peers", "women-in-tech-2026"]


def test_coordinator_add_unknown_program_writes_nothing(cli, settings):
    result = cli("coordinator", "add", "lead@example.org", "--program", "nope")
    assert_one_line_error(result)
    assert count(settings, Coordinator) == 0


def test_database_unreachable_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    result = cli("program", "create", "--name", "X", "--format", "peer")
    assert_one_line_error(result)
    assert "database unreachable" in result.stderr


def test_secret_key_required_off_sqlite(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    monkeypatch.delenv("SECRET_KEY")
    result = cli("program", "create", "--name", "X", "--format", "peer")
    assert_one_line_error(result, 2)
    assert "SECRET_KEY" in result.stderr


def test_unknown_command_is_a_usage_error(cli):
    assert_one_line_error(cli("frobnicate"), 2)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["db", "upgrade"],
        ["program", "create"],
        ["import"],
        ["pair"],
        ["circle"],
        ["coordinator", "add"],
        ["worker"],
        ["cron"],
    ],
)
def test_every_command_has_help(cli, args):
    result = cli(*args, "--help")
    assert result.code == 0
    assert "Usage:" in result.stdout


def test_console_script_is_installed(settings):
    bindir = Path(sys.executable).parent
    result = subprocess.run([str(bindir / "concierge"), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "mentoring" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["program", "create", "--name", "X", "--format", "peer"],
        ["import", "1", "-"],
        ["pair", "1", "--mentor", "a@example.org", "--mentee", "b@example.org"],
        ["pair", "1", "--csv", "-"],
        ["circle", "1", "a@example.org", "b@example.org", "c@example.org"],
        ["coordinator", "add", "lead@example.org"],
        ["login-link", "lead@example.org"],
        ["reprocess", "1"],
        ["tick"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_every_command_reports_an_unreachable_database_in_one_line(cli, monkeypatch, args):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    result = cli(*args, input="email,role\na@example.org,mentee\n")
    assert_one_line_error(result)
    assert "database unreachable" in result.stderr


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("big@example.org,Big,mentor,99999999999", "capacity must be between"),
        ("long@example.org," + "N" * 300 + ",mentee,", "name is longer than 200"),
        ("nul@example.org,Na\x00me,mentee,", "NUL"),
        ("tz@example.org,Tz,mentee,,", None),
    ],
)
def test_import_refuses_values_the_database_cannot_hold_row_by_row(
    cli, settings, formal, tmp_path, row, reason
):
    data = "email,name,role,capacity,timezone\n" + row + "\nok@example.org,Ok,mentee,,\n"
    result = cli("import", formal, write(tmp_path, "p.csv", data))
    if reason is None:
        assert result.code == 0, result
        return
    assert result.code == 1
    assert result.stderr.strip().startswith("line 2:") and reason in result.stderr
    assert count(settings, Enrolment) == 1


def test_program_and_pair_refuse_oversized_values(cli, settings, enrolled):
    assert_one_line_error(cli("program", "create", "--name", "N" * 300, "--format", "peer"))
    assert_one_line_error(
        cli("program", "create", "--name", "X", "--format", "peer", "--cadence-days", "99999999999")
    )
    long_topic = cli(
        "pair", enrolled, "--mentor", "maya@example.org", "--mentee", "ana@example.org", "--topic", "t" * 300
    )
    assert_one_line_error(long_topic)
    assert_one_line_error(cli("coordinator", "add", "a" * 400 + "@example.org"))


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_tick_refuses_times_out_of_range(cli, at):
    assert_one_line_error(cli("tick", "--at", at), 2)
