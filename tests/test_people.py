"""Addresses as people type them: what `normalise_email` accepts, how it normalises, what it refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from concierge.actions import ActionError
from concierge.actions.people import clean_text, normalise_email
from concierge.db import session_scope
from concierge.models import Coordinator


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ana@example.org", "ana@example.org"),
        ("  Ana.Ruiz@Example.ORG ", "ana.ruiz@example.org"),
        ("o'brien+mentoring@sub.example.co.uk", "o'brien+mentoring@sub.example.co.uk"),
        ("first_last-2@my-domain.example", "first_last-2@my-domain.example"),
        ("a!#$%&*/=?^`{|}~@ex.com", "a!#$%&*/=?^`{|}~@ex.com"),
        ("x@123.example", "x@123.example"),
        ("x@xn--mnchen-3ya.de", "x@xn--mnchen-3ya.de"),
        ("Kai@MÜNCHEN.de", "kai@xn--mnchen-3ya.de"),
        ("kai@mu\u0308nchen.de", "kai@xn--mnchen-3ya.de"),
        ("li@例え.jp", "li@xn--r8jz45g.jp"),
        ("a" * 64 + "@" + "b" * 63 + ".com", "a" * 64 + "@" + "b" * 63 + ".com"),
    ],
)
def test_addresses_people_type_are_accepted_and_lower_cased(typed, stored):
    assert normalise_email(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "<x@ex.com>",
        "'<evil@ex.com>'",
        'a"b;c@ex.com',
        '"quoted local"@ex.com',
        "Ana <ana@ex.com>",
        "ana@ex.com (work)",
        "x@ex..com",
        "x@.ex.com",
        "x@ex.com.",
        "x@-ex.com",
        "x@ex-.com",
        "x@ex_ample.com",
        "x@localhost",
        "x@1.2.3.4",
        "x@[192.0.2.1]",
        ".x@ex.com",
        "x.@ex.com",
        "x..y@ex.com",
        "a@b@ex.com",
        "@ex.com",
        "x@",
        "x",
        "",
        "x y@ex.com",
        "x,y@ex.com",
        "x@ex.com,y@ex.com",
        "x\x00@ex.com",
        "x\n@ex.com",
        "jos\u00e9@ex.com",
        "x@ex\u212a.com",
        "x@fa\u00df.de",
        "x@\u2603.com",
        "x@ex\udcff.com",
        "a" * 65 + "@ex.com",
        "x@" + "b" * 64 + ".com",
        "x@" + ".".join(["abcdefgh"] * 30) + ".com",
    ],
)
def test_anything_else_is_refused_with_a_clear_message(typed):
    with pytest.raises(ActionError, match="^not an email address: "):
        normalise_email(typed)


def test_the_message_shows_at_most_a_hundred_characters():
    with pytest.raises(ActionError) as caught:
        normalise_email("<" + "x" * 1000 + "@ex.com>")
    assert len(str(caught.value)) < 130


@pytest.mark.parametrize("address", ["'<evil@ex.com>'", 'a"b;c@ex.com', "x@ex..com", "x@-ex.com"])
def test_coordinator_add_refuses_what_is_not_an_address(cli, settings, address):
    result = cli("coordinator", "add", address)
    assert result.code == 1, result
    assert result.stderr.strip().splitlines() == [f"concierge: not an email address: {address!r}"]
    with session_scope(settings) as s:
        assert s.scalars(select(Coordinator)).all() == []


def test_coordinator_add_stores_an_internationalised_domain_in_ascii(cli, settings):
    assert cli("coordinator", "add", "Kai@München.de").code == 0
    assert cli("coordinator", "add", "kai@xn--mnchen-3ya.de").code == 0
    with session_scope(settings) as s:
        assert s.scalars(select(Coordinator.email)).all() == ["kai@xn--mnchen-3ya.de"]


@pytest.mark.parametrize(
    "char", ["\x00", "\x01", "\n", "\r", "\t", "\x7f", "\x85", "\u2028", "\u202e", "\udcff"]
)
def test_one_line_text_refuses_control_characters(char):
    with pytest.raises(ActionError):
        clean_text(f"a{char}b", "the name", 200, one_line=True)


def test_multi_line_text_keeps_line_breaks_and_tabs():
    assert clean_text("a\nb\tc\r\n", "goals", 200) == "a\nb\tc\r\n"
    assert clean_text("Nasrin Mo\u200cradi", "the name", 200, one_line=True) == "Nasrin Mo\u200cradi"
