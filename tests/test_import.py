"""`concierge import` on files that are broken in the ways real files are (SPEC §4.2).

Each bad row is reported as `line N: reason` with N the physical line, good rows are kept,
a broken header is a one-line usage error, and no row is lost without a word.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from concierge.csvfile import csv_records
from concierge.db import session_scope
from concierge.models import Enrolment, Person

OVER_FIELD_LIMIT = "x" * 131_073


def write(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "people.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def enrolled(settings) -> dict[str, str]:
    """Every enrolment as {email: role}."""
    with session_scope(settings) as s:
        rows = s.execute(select(Person.email, Enrolment.role).join(Enrolment.person)).all()
        return dict(rows)


def problems(result) -> list[str]:
    return result.stderr.strip().splitlines()


@pytest.fixture
def program(cli) -> str:
    result = cli("program", "create", "--name", "Import Checks", "--format", "formal")
    assert result.code == 0, result
    return result.last_line


def test_unterminated_quote_is_reported_and_the_rows_after_it_are_still_read(
    cli, settings, program, tmp_path
):
    data = 'email,role,goals\nq2@ex.com,mentee,"unterminated\nzz@ex.com,mentee,x\n'
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == [
        "line 2: unterminated quote: a quoted cell on this row runs to the end of the file"
    ]
    assert enrolled(settings) == {"zz@ex.com": "mentee"}
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.goals)) == "x"


def test_lines_swallowed_by_an_unterminated_quote_are_each_processed_or_reported(
    cli, settings, program, tmp_path
):
    data = (
        "email,role,goals\n"
        'ok@ex.com,mentee,"a closed\nmulti-line goal"\n'
        'open@ex.com,mentee,"never closed\n'
        "rest of the goal\n"
        "late@ex.com,mentor,\n"
    )
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert [p.split(":")[0] for p in problems(result)] == ["line 4", "line 5"]
    assert "unterminated quote" in problems(result)[0]
    assert problems(result)[1] == "line 5: role is required"
    assert enrolled(settings) == {"ok@ex.com": "mentee", "late@ex.com": "mentor"}


def test_a_cell_over_the_field_limit_is_reported_and_the_next_row_is_kept(cli, settings, program, tmp_path):
    data = f"email,role,goals\nbig@ex.com,mentee,{OVER_FIELD_LIMIT}\nok@ex.com,mentee,y\n"
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == ["line 2: a cell is longer than 131072 characters"]
    assert enrolled(settings) == {"ok@ex.com": "mentee"}


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (f"email,role,{OVER_FIELD_LIMIT}", "the header row (line 1) cannot be read: a cell is longer than"),
        ('email,role,"goals', "the header row (line 1) cannot be read: unterminated quote"),
        ('email,"role"s', "the header row (line 1) cannot be read: text after the closing quote"),
        ("email,role," + "y" * 5000, "unknown column(s): " + "y" * 40 + "…"),
        ("email,role" + "," * 100_000, "duplicated column(s):"),
    ],
)
def test_a_broken_header_is_a_one_line_usage_error(cli, settings, program, tmp_path, header, reason):
    result = cli("import", program, write(tmp_path, header + "\nok@ex.com,mentee\n"))
    assert result.code == 2, result
    assert len(problems(result)) == 1 and "Traceback" not in result.stderr
    assert reason in result.stderr
    assert len(result.stderr) < 300
    assert enrolled(settings) == {}


def test_blank_lines_keep_the_physical_line_numbers(cli, settings, program, tmp_path):
    data = "email,role\n\nfoo,mentor\n\n\nbar,mentor\r\n\r\nok@ex.com,mentee\n"
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == [
        "line 3: not an email address: 'foo'",
        "line 6: not an email address: 'bar'",
    ]
    assert enrolled(settings) == {"ok@ex.com": "mentee"}


def test_blank_lines_before_the_header_and_multi_line_cells_count_as_lines(cli, settings, program, tmp_path):
    data = '\n\nemail,name,role\n"a@ex.com","Two\nLines",mentee\n\nnope,X,mentee\n'
    result = cli("import", program, write(tmp_path, data))
    assert problems(result) == ["line 7: not an email address: 'nope'"]
    assert enrolled(settings) == {"a@ex.com": "mentee"}
    with session_scope(settings) as s:
        assert s.scalar(select(Person.name)) == "Two Lines"


def test_text_after_a_closing_quote_is_a_bad_row(cli, settings, program, tmp_path):
    data = 'email,name,role\nq@ex.com,"Ana" Ruiz,mentee\nok@ex.com,Ok,mentee\n'
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result)[0].startswith("line 2: text after the closing quote")
    assert enrolled(settings) == {"ok@ex.com": "mentee"}


def test_trailing_blank_cells_are_not_extra_columns(cli, settings, program, tmp_path):
    data = "email,role\nok@ex.com,mentee,,\nextra@ex.com,mentee,surplus\n"
    result = cli("import", program, write(tmp_path, data))
    assert problems(result) == ["line 3: more cells than header columns"]
    assert enrolled(settings) == {"ok@ex.com": "mentee"}


@pytest.mark.parametrize(
    ("text", "records"),
    [
        ("a,b\n", [(1, ["a", "b"], None)]),
        ("a\r\n\r\nb\rc", [(1, ["a"], None), (2, [], None), (3, ["b"], None), (4, ["c"], None)]),
        ('"x\ny",z\nw\n', [(1, ["x\ny", "z"], None), (3, ["w"], None)]),
        ('"x\ny', [(1, None, "unterminated"), (2, ["y"], None)]),
        ('a\n"b"c\n"d', [(1, ["a"], None), (2, None, "text after"), (3, None, "unterminated")]),
        ("", []),
    ],
)
def test_csv_records_number_physical_lines_and_resume_after_a_bad_record(text, records):
    found = [(line, cells, problem and problem.split(" ")[0]) for line, cells, problem in csv_records(text)]
    assert found == [(line, cells, problem and problem.split(" ")[0]) for line, cells, problem in records]


def test_the_same_person_through_an_alias_is_reported_not_switched(cli, settings, program, tmp_path):
    data = "email,role,aliases\nself@ex.com,mentee,z9@ex.com\nz9@ex.com,mentor,\n"
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == [
        "line 3: z9@ex.com is the same person as self@ex.com, who already appears on line 2"
    ]
    assert enrolled(settings) == {"self@ex.com": "mentee"}


def test_the_same_person_through_case_or_a_stored_alias_is_reported(cli, settings, program, tmp_path):
    first = "email,role,aliases\nmaya@ex.com,mentor,maya.lin@ex.org\n"
    assert cli("import", program, write(tmp_path, first)).code == 0
    data = "email,role\nMaya.Lin@EX.org,mentor\nMAYA@ex.com,mentee\nmaya.lin@ex.org,mentee\n"
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == [
        "line 3: maya@ex.com is the same person as maya.lin@ex.org, who already appears on line 2",
        "line 4: maya.lin@ex.org already appears on line 2",
    ]
    assert enrolled(settings) == {"maya@ex.com": "mentor"}
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 1


def test_a_row_refused_earlier_does_not_block_a_later_one(cli, settings, program, tmp_path):
    data = "email,role,capacity\nana@ex.com,mentor,lots\nana@ex.com,mentor,2\n"
    result = cli("import", program, write(tmp_path, data))
    assert [p.split(":")[0] for p in problems(result)] == ["line 2"]
    assert enrolled(settings) == {"ana@ex.com": "mentor"}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("a@ex.com,Bad\x01Name,mentee,", "name contains a control character (U+0001)"),
        ("a@ex.com,Ev\u202eil,mentee,", "name contains a control character (U+202E)"),
        ("a@ex.com,\x7fAna,mentee,", "name contains a control character (U+007F)"),
        ("a@ex.com,Ana,mentee,ok;bad\x1btopic", "a topic contains a control character (U+001B)"),
    ],
)
def test_control_characters_in_names_and_topics_are_refused(cli, settings, program, tmp_path, row, reason):
    data = "email,name,role,topics\n" + row + "\nok@ex.com,Ok,mentee,\n"
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 1, result
    assert problems(result) == [f"line 2: {reason}"]
    assert enrolled(settings) == {"ok@ex.com": "mentee"}


def test_line_breaks_in_a_wrapped_name_or_topic_cell_become_spaces(cli, settings, program, tmp_path):
    data = 'email,name,role,topics\na@ex.com,"Ana\r\nRuiz\u2028Gómez",mentee,"public\nspeaking;\tcareer"\n'
    result = cli("import", program, write(tmp_path, data))
    assert result.code == 0, result
    with session_scope(settings) as s:
        person = s.scalar(select(Person))
        assert person.name == "Ana Ruiz Gómez"
        assert person.topics == ["public speaking", "career"]


def test_names_in_other_scripts_and_multi_line_goals_are_kept(cli, settings, program, tmp_path):
    data = 'email,name,role,goals\nn@ex.com,Nasrin Mo\u200cradi,mentee,"Line one\nline two"\n'
    assert cli("import", program, write(tmp_path, data)).code == 0
    with session_scope(settings) as s:
        assert s.scalar(select(Person.name)) == "Nasrin Mo\u200cradi"
        assert s.scalar(select(Enrolment.goals)) == "Line one\nline two"


def test_addresses_in_angle_brackets_are_refused(cli, settings, program, tmp_path):
    data = "email,role,aliases\n<x@ex.com>,mentee,\ny@ex.com,mentee,Y <y2@ex.com>\n"
    result = cli("import", program, write(tmp_path, data))
    assert problems(result) == [
        "line 2: not an email address: '<x@ex.com>'",
        "line 3: not an email address: 'Y <y2@ex.com>'",
    ]
    assert enrolled(settings) == {}
