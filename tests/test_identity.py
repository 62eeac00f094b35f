"""No address made to act for a person by someone who may not (issue 9.4): people and aliases
are shared by every program, so a coordinator may rename someone or give them an alias only when
that person is in no program outside those the coordinator runs."""

from __future__ import annotations

from sqlalchemy import select

from concierge.actions.people import OPERATOR, Actor, import_participants
from concierge.actions.programs import add_coordinator
from concierge.db import session_scope
from concierge.models import Enrolment, Person, PersonAlias
from tests import factories


def two_programs_sharing_bob(settings) -> dict:
    with session_scope(settings) as s:
        first, second = factories.program(s, name="First"), factories.program(s, name="Second")
        for program in (first, second):
            factories.participant(s, program, "mentee", email="bob@example.org", name="Bob Stone")
        factories.participant(s, first, "mentee", email="carol@example.org", name="Carol Ng")
        return {
            "first": first.id,
            "second": second.id,
            "c1": first.coordinators[0].id,
            "c2": second.coordinators[0].id,
        }


def run_import(settings, program_id: int, csv_text: str, actor: Actor):
    from concierge.models import Program

    with session_scope(settings) as s:
        return import_participants(s, settings, s.get(Program, program_id), csv_text.encode(), actor)


def person(settings, email: str) -> tuple[str | None, list[str]]:
    with session_scope(settings) as s:
        found = s.scalar(select(Person).where(Person.email == email))
        return found.name, sorted(a.email for a in found.aliases)


def test_a_coordinator_cannot_give_an_alias_to_someone_in_another_coordinators_program(settings):
    made = two_programs_sharing_bob(settings)
    csv_text = "email,role,aliases,goals\nbob@example.org,mentee,mallory@evil.example,Grow\n"
    result = run_import(settings, made["first"], csv_text, Actor(made["c1"]))
    assert [str(p) for p in result.problems] == [
        "line 2: bob@example.org is also in a program you do not run, so their name, addresses, "
        "time zone and topics can only be changed by its coordinators or an operator"
    ]
    assert person(settings, "bob@example.org") == ("Bob Stone", [])
    with session_scope(settings) as s:  # the row is refused whole: nothing half-written
        assert s.scalar(select(PersonAlias.id)) is None
        assert s.scalar(select(Enrolment.goals).where(Enrolment.program_id == made["first"])) is None


def test_a_coordinator_cannot_rename_someone_in_another_coordinators_program(settings):
    made = two_programs_sharing_bob(settings)
    result = run_import(
        settings, made["second"], "email,name,role\nbob@example.org,Robert X,mentee\n", Actor(made["c2"])
    )
    assert len(result.problems) == 1 and "program you do not run" in result.problems[0].reason
    assert person(settings, "bob@example.org") == ("Bob Stone", [])


def test_the_same_name_and_known_aliases_are_no_change_and_pass(settings):
    made = two_programs_sharing_bob(settings)
    csv_text = "email,name,role,goals\nBOB@example.org,Bob Stone,mentee,Lead a team\n"
    result = run_import(settings, made["first"], csv_text, Actor(made["c1"]))
    assert result.problems == [] and len(result.updated) == 1
    with session_scope(settings) as s:
        assert (
            s.scalar(
                select(Enrolment.goals).where(
                    Enrolment.program_id == made["first"], Enrolment.goals.is_not(None)
                )
            )
            == "Lead a team"
        )


def test_someone_only_in_my_programs_may_be_renamed_and_given_an_alias(settings):
    made = two_programs_sharing_bob(settings)
    csv_text = "email,name,role,aliases\ncarol@example.org,Carol Ng-Park,mentee,carol@home.example\n"
    result = run_import(settings, made["first"], csv_text, Actor(made["c1"]))
    assert result.problems == []
    assert person(settings, "carol@example.org") == ("Carol Ng-Park", ["carol@home.example"])


def test_a_coordinator_of_both_programs_may(settings):
    made = two_programs_sharing_bob(settings)
    with session_scope(settings) as s:
        from concierge.models import Program

        both = add_coordinator(
            s, "both@example.org", [s.get(Program, made["first"]), s.get(Program, made["second"])]
        )
        both_id = both.id
    csv_text = "email,role,aliases\nbob@example.org,mentee,bob@home.example\n"
    assert run_import(settings, made["second"], csv_text, Actor(both_id)).problems == []
    assert person(settings, "bob@example.org")[1] == ["bob@home.example"]


def test_an_operator_may_and_the_cli_is_one(settings, cli):
    made = two_programs_sharing_bob(settings)
    assert (
        run_import(
            settings, made["first"], "email,role,aliases\nbob@example.org,mentee,b1@x.example\n", OPERATOR
        ).problems
        == []
    )
    (tmp := settings.instance_path / "people.csv").write_text(
        "email,name,role\nbob@example.org,Bobby,mentee\n"
    )
    assert cli("import", str(made["second"]), str(tmp)).code == 0
    assert person(settings, "bob@example.org") == ("Bobby", ["b1@x.example"])


def test_a_new_person_is_no_one_elses(settings):
    made = two_programs_sharing_bob(settings)
    csv_text = "email,name,role,aliases\nnew@example.org,New One,mentee,new@home.example\n"
    assert run_import(settings, made["second"], csv_text, Actor(made["c2"])).problems == []
    assert person(settings, "new@example.org") == ("New One", ["new@home.example"])


def test_nor_change_their_time_zone_or_topics(settings):
    made = two_programs_sharing_bob(settings)
    for cells in ("Pacific/Kiritimati,", ",hacked"):
        csv_text = f"email,role,timezone,topics\nbob@example.org,mentee,{cells}\n"
        result = run_import(settings, made["first"], csv_text, Actor(made["c1"]))
        assert len(result.problems) == 1 and "time zone and topics" in result.problems[0].reason
    with session_scope(settings) as s:
        bob = s.scalar(select(Person).where(Person.email == "bob@example.org"))
        assert (bob.timezone, bob.topics) == (None, [])


def test_an_alias_given_by_one_coordinator_cannot_pull_its_person_into_another_program(settings):
    """The audit's case: coordinator 1 claims newhire@ as an alias of their own participant; when
    coordinator 2 later enrols newhire@, the row is refused instead of enrolling that person."""
    made = two_programs_sharing_bob(settings)
    claim = "email,role,aliases\ncarol@example.org,mentee,newhire@corp.example\n"
    assert run_import(settings, made["first"], claim, Actor(made["c1"])).problems == []
    result = run_import(
        settings, made["second"], "email,role\nnewhire@corp.example,mentee\n", Actor(made["c2"])
    )
    assert [p.reason for p in result.problems] == [
        "newhire@corp.example is another address of someone in a program you do not run: "
        "use their main address, or ask an operator"
    ]
    with session_scope(settings) as s:
        carol = s.scalar(select(Person).where(Person.email == "carol@example.org"))
        assert (
            s.scalar(
                select(Enrolment.id).where(
                    Enrolment.person_id == carol.id, Enrolment.program_id == made["second"]
                )
            )
            is None
        )
