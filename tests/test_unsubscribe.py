"""`GET|POST /unsubscribe/<token>` (SPEC §3, §4.3): a confirmation page and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from concierge import create_app
from concierge.db import session_scope
from concierge.models import Enrolment, OutboundMessage, Person, Program
from concierge.outbox import queue_email
from concierge.tokens import unsubscribe_token
from tests import factories

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@dataclass(frozen=True)
class Subscriber:
    """A mentee of a program, with the token of their unsubscribe link."""

    person_id: int
    program_id: int
    program_name: str
    coordinator: str
    token: str


def subscriber(settings, name: str = "Women in Tech") -> Subscriber:
    with session_scope(settings) as s:
        program = factories.program(s, name=name)
        enrolment = factories.participant(s, program, "mentee")
        token = unsubscribe_token(settings, enrolment.person_id, program.id)
        return Subscriber(enrolment.person_id, program.id, program.name, program.coordinators[0].email, token)


def notices(settings) -> list[OutboundMessage]:
    with session_scope(settings) as s:
        return list(
            s.scalars(select(OutboundMessage).where(OutboundMessage.template == "unsubscribed_notice"))
        )


def welcome(settings, who: Subscriber, occasion: str) -> OutboundMessage | None:
    with session_scope(settings) as s:
        return queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion=occasion,
            to=s.get(Person, who.person_id),
            program=s.get(Program, who.program_id),
            context={"program_name": who.program_name, "goals": ""},
        )


def test_get_shows_a_confirmation_page_naming_the_program(settings):
    who = subscriber(settings)
    response = create_app(settings).test_client().get(f"/unsubscribe/{who.token}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Women in Tech" in page and 'method="post"' in page
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.unsubscribed_at)) is None


def test_one_click_post_unsubscribes_without_cookies_or_csrf_token(settings):
    who = subscriber(settings)
    client = create_app(settings).test_client(use_cookies=False)
    response = client.post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    assert response.status_code == 200
    assert "unsubscribed" in response.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.unsubscribed_at)) is not None


def test_mail_stops_and_the_coordinator_is_told(settings):
    who = subscriber(settings)
    assert welcome(settings, who, "before") is not None
    create_app(settings).test_client().post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    assert welcome(settings, who, "after") is None
    [notice] = notices(settings)
    assert notice.to_email == who.coordinator
    assert notice.context["program_name"] == who.program_name


def test_only_that_programs_mail_stops(settings):
    who = subscriber(settings)
    create_app(settings).test_client().post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    with session_scope(settings) as s:
        other = factories.program(s, name="Another one")
        person = s.get(Person, who.person_id)
        factories.participant(s, other, "mentee", email=person.email)
        sent = queue_email(
            s,
            settings,
            template="welcome_mentee",
            occasion="other",
            to=person,
            program=other,
            context={"program_name": other.name, "goals": ""},
        )
        assert sent is not None


def test_unsubscribing_twice_is_harmless(settings):
    who = subscriber(settings)
    client = create_app(settings).test_client()
    first = client.post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    second = client.post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    assert first.status_code == second.status_code == 200
    assert len(notices(settings)) == 1
    page = client.get(f"/unsubscribe/{who.token}").get_data(as_text=True)
    assert "already unsubscribed" in page


def test_post_works_whatever_the_body(settings):
    who = subscriber(settings)
    response = create_app(settings).test_client().post(f"/unsubscribe/{who.token}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "token", ["nonsense", "WzEsMV0.forged", "x" * 5000, "%E2%98%83", "WzEsIDJd"], ids=lambda t: t[:12]
)
def test_invalid_tokens_are_404_with_a_reason(settings, token):
    subscriber(settings)
    client = create_app(settings).test_client()
    for response in (
        client.get(f"/unsubscribe/{token}"),
        client.post(f"/unsubscribe/{token}", data=ONE_CLICK),
    ):
        assert response.status_code == 404
        assert "not valid" in response.get_data(as_text=True)
    with session_scope(settings) as s:
        assert s.scalar(select(Enrolment.unsubscribed_at)) is None


def test_a_token_for_someone_who_is_gone_is_404(settings):
    who = subscriber(settings)
    with session_scope(settings) as s:
        s.delete(s.get(Person, who.person_id))
    response = create_app(settings).test_client().post(f"/unsubscribe/{who.token}", data=ONE_CLICK)
    assert response.status_code == 404


def test_a_token_signed_with_another_key_is_refused(settings):
    who = subscriber(settings)
    forged = unsubscribe_token(settings.with_(secret_key="someone-else"), who.person_id, who.program_id)
    assert create_app(settings).test_client().post(f"/unsubscribe/{forged}").status_code == 404


@pytest.mark.parametrize("ids", [(2**70, 1), (1, 2**31), (-1, 1), (0, 0)])
def test_a_signed_token_with_impossible_ids_is_404(settings, ids):
    token = unsubscribe_token(settings, *ids)
    client = create_app(settings).test_client()
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}", data=ONE_CLICK).status_code == 404
