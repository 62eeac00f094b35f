"""`concierge pair --csv` reports rows as `import` does (SPEC §4.2); topics are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge.db import session_scope
from concierge.models import Mentorship

PEOPLE = (
    "email,role,capacity\n"
    "maya@example.org,mentor,5\n"
    "omar@example.org,mentor,5\n"
    "ana@example.org,mentee,\n"
    "li@example.org,mentee,\n"
    "sam@example.org,mentee,\n"
)


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def mentorships(settings) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(Mentorship))


def problems(result) -> list[str]:
    return result.stderr.strip().splitlines()


@pytest.fixture
def program(cli, tmp_path) -> str:
    created = cli("program", "create", "--name", "Pairs", "--format", "formal").last_line
    assert cli("import", created, write(tmp_path, "people.csv", PEOPLE)).code == 0
    return created


@pytest.fixture
def informal(cli, tmp_path) -> str:
    created = cli("program", "create", "--name", "Open", "--format", "informal").last_line
    assert cli("import", created, write(tmp_path, "people.csv", PEOPLE)).code == 0
    return created


def test_pair_csv_reports_a_cell_over_the_field_limit_and_keeps_the_next_row(
    cli, settings, program, tmp_path
):
    data = f"mentor_email,mentee_email\nmaya@example.org,{'x' * 131_073}\nmaya@example.org,ana@example.org\n"
    result = cli("pair", program, "--csv", write(tmp_path, "pairs.csv", data))
    assert result.code == 1, result
    assert problems(result) == ["line 2: a cell is longer than 131072 characters"]
    assert len(result.stdout.split()) == 1 and mentorships(settings) == 1


def test_pair_csv_reports_an_unterminated_quote_and_reads_on(cli, settings, program, tmp_path):
    data = 'mentor_email,mentee_email\n"maya@example.org,ana@example.org\nomar@example.org,li@example.org\n'
    result = cli("pair", program, "--csv", write(tmp_path, "pairs.csv", data))
    assert result.code == 1, result
    assert problems(result) == [
        "line 2: unterminated quote: a quoted cell on this row runs to the end of the file"
    ]
    assert mentorships(settings) == 1


def test_pair_csv_reports_physical_lines_across_blank_lines(cli, settings, program, tmp_path):
    data = (
        "mentor_email,mentee_email\n\n"
        "maya@example.org,ana@example.org\n\n\n"
        "maya@example.org,ghost@example.org\n"
        "omar@example.org,li@example.org\n"
    )
    result = cli("pair", program, "--csv", write(tmp_path, "pairs.csv", data))
    assert problems(result) == ["line 6: no person with address ghost@example.org"]
    assert mentorships(settings) == 2


@pytest.mark.parametrize(
    "header",
    [
        f"mentor_email,mentee_email,{'t' * 131_073}",
        'mentor_email,"mentee_email',
        'mentor_email,"mentee"_email',
    ],
)
def test_pair_csv_with_a_broken_header_is_a_usage_error(cli, settings, program, tmp_path, header):
    data = header + "\nmaya@example.org,ana@example.org\n"
    result = cli("pair", program, "--csv", write(tmp_path, "pairs.csv", data))
    assert result.code == 2, result
    assert len(problems(result)) == 1 and "the header row (line 1) cannot be read" in result.stderr
    assert mentorships(settings) == 0


def test_pair_topic_with_control_characters_is_refused(cli, settings, informal):
    result = cli(
        "pair", informal, "--mentor", "maya@example.org", "--mentee", "ana@example.org", "--topic", "a\x1bb"
    )
    assert result.code == 1, result
    assert problems(result) == ["concierge: topic contains a control character (U+001B)"]
    assert mentorships(settings) == 0


def test_pair_csv_topic_wrapped_over_lines_becomes_one_line(cli, settings, informal, tmp_path):
    data = 'mentor_email,mentee_email,topic\nmaya@example.org,ana@example.org,"public\nspeaking"\n'
    result = cli("pair", informal, "--csv", write(tmp_path, "pairs.csv", data))
    assert result.code == 0, result
    with session_scope(settings) as s:
        assert s.scalar(select(Mentorship.topic)) == "public speaking"
