"""Programs: PROGRAM references (an ASCII id or a slug) and the names a program may have."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from concierge.actions import ActionError
from concierge.actions.programs import get_program
from concierge.db import session_scope
from concierge.models import Program
from tests import factories


@pytest.mark.parametrize(
    "ref",
    [
        "99999999999999999999",
        "9223372036854775808",
        "9223372036854775807",
        "2147483648",
        "1" * 5000,
        "²",
        "１",
        "١",
        "0",
        "-1",
        "+1",
        "1.0",
        "",
        "a\x00b",
        "program 1",
        "s" * 65,
    ],
)
def test_references_that_name_no_program_are_no_program(session, ref):
    factories.program(session, name="Program 1")
    with pytest.raises(ActionError, match="^no program "):
        get_program(session, ref)


@pytest.mark.parametrize("ref", ["1", " 1 ", "0001", 1, "program-one", "PROGRAM-ONE", " program-one "])
def test_an_ascii_id_or_a_slug_finds_the_program(session, ref):
    program = factories.program(session, name="Program One")
    assert program.id == 1
    assert get_program(session, ref) is program


def test_the_message_shows_at_most_a_hundred_characters(session):
    with pytest.raises(ActionError) as caught:
        get_program(session, "x" * 10_000)
    assert len(str(caught.value)) < 120


@pytest.mark.parametrize("ref", ["99999999999999999999", "²", "１"])
def test_import_with_an_impossible_program_is_one_line(cli, settings, tmp_path, ref):
    assert cli("program", "create", "--name", "Only", "--format", "formal").last_line == "1"
    path = tmp_path / "p.csv"
    path.write_text("email,role\nana@example.org,mentee\n")
    result = cli("import", ref, str(path))
    assert result.code == 1, result
    assert result.stderr.strip().splitlines() == [f"concierge: no program {ref!r}"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("multi\nline", "U+000A"),
        ("bad\x01name", "U+0001"),
        ("tab\there", "U+0009"),
        ("rtl\u202eeman", "U+202E"),
    ],
)
def test_program_names_with_control_characters_are_refused(cli, settings, name, code):
    result = cli("program", "create", "--name", name, "--format", "formal")
    assert result.code == 1, result
    assert result.stderr.strip().splitlines() == [
        f"concierge: the name contains a control character ({code})"
    ]
    with session_scope(settings) as s:
        assert s.scalar(select(func.count()).select_from(Program)) == 0


def test_program_names_in_any_script_are_kept(cli, settings):
    result = cli("program", "create", "--name", "Mentorat Île-de-France ١٢", "--format", "peer")
    assert result.code == 0, result
    with session_scope(settings) as s:
        program = s.get(Program, int(result.last_line))
        assert (program.name, program.slug) == ("Mentorat Île-de-France ١٢", "mentorat-ile-de-france")
