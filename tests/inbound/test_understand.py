"""understand(): the fields it fills, reply keys, and bytes that must not crash it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concierge.inbound import ParsedMessage, UnparseableMessage, reply_key_candidates, understand
from tests.inbound.helpers import KEY, REPLY_ADDRESS, REPLY_DOMAIN, raw_mail

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def test_headers_are_normalised() -> None:
    raw = raw_mail(
        headers={
            "From": '"Maria  Mentee" <  Maria@Example.ORG >',
            "To": f"Concierge <{REPLY_ADDRESS.upper()}>, other@example.org",
            "Cc": "Ana <ANA@example.org>",
            "Delivered-To": "inbox@mx.example.org",
            "X-Original-To": "reply+zzzzzzzzzzzzzzzzzzzzzzzzzz@reply.example",
            "Message-ID": "<abc@example.org>",
            "In-Reply-To": "<parent@mentoring.example>",
            "References": "<root@mentoring.example>,<parent@mentoring.example> <x@y>",
            "Subject": "=?utf-8?q?Re=3A_S=C3=A9ance?=",
            "Date": "Mon, 03 Jun 2024 10:00:00 +0200",
        }
    )
    parsed = understand(raw, envelope_recipient="Env@Example.org")
    assert parsed.sender == "maria@example.org"
    assert parsed.sender_name == "Maria Mentee"
    assert parsed.to == [REPLY_ADDRESS, "other@example.org"]
    assert parsed.cc == ["ana@example.org"]
    assert parsed.delivered_to == ["inbox@mx.example.org"]
    assert parsed.x_original_to == ["reply+zzzzzzzzzzzzzzzzzzzzzzzzzz@reply.example"]
    assert parsed.envelope_recipient == "Env@Example.org"
    assert parsed.message_id == "abc@example.org"
    assert parsed.in_reply_to == ["parent@mentoring.example"]
    assert parsed.references == ["root@mentoring.example", "parent@mentoring.example", "x@y"]
    assert parsed.subject == "Re: Séance"
    assert parsed.date == datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
    assert parsed.date.tzinfo is not None
    assert (parsed.kind, parsed.reason, parsed.text) == ("reply", None, "Sounds good, see you Tuesday.")


def test_a_date_without_zone_is_taken_as_utc_and_a_bad_date_is_none() -> None:
    assert understand(raw_mail(headers={"Date": "3 Jun 2024 10:00:00"})).date == datetime(
        2024, 6, 3, 10, tzinfo=UTC
    )
    assert understand(raw_mail(headers={"Date": "yesterday-ish"})).date is None


def test_attachments_and_calendar_parts_are_listed_not_read_as_text() -> None:
    raw = (
        b"From: maria@example.org\r\nTo: " + REPLY_ADDRESS.encode() + b"\r\nSubject: Re: x\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        b'--M\r\nContent-Type: multipart/alternative; boundary="A"\r\n\r\n'
        b"--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
        b"--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See <b>attached</b>.</p>\r\n"
        b"--A\r\nContent-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"
        b"--A--\r\n"
        b"--M\r\nContent-Type: application/pdf; name=plan.pdf\r\nContent-Disposition: attachment; "
        b"filename=plan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b"--M\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Disposition: attachment; "
        b"filename=invite.ics\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        b"--M--\r\n"
    )
    parsed = understand(raw)
    assert parsed.text == "See attached."
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("plan.pdf", "application/pdf", 9),
        ("invite.ics", "application/ics", 30),
    ]
    assert len(parsed.calendar_parts) == 2
    assert parsed.calendar_parts[0].startswith(b"BEGIN:VCALENDAR")


def test_the_text_part_is_preferred_over_html() -> None:
    raw = (
        b"From: maria@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="A"\r\n\r\n'
        b"--A\r\nContent-Type: text/html\r\n\r\n<p>html part</p>\r\n"
        b"--A\r\nContent-Type: text/plain\r\n\r\ntext part\r\n--A--\r\n"
    )
    assert understand(raw).text == "text part"


# --- reply keys ------------------------------------------------------------------------------------


def _message(**fields: object) -> ParsedMessage:
    base: dict[str, object] = {
        "sender": "maria@example.org",
        "sender_name": None,
        "to": [],
        "cc": [],
        "delivered_to": [],
        "x_original_to": [],
        "envelope_recipient": None,
        "message_id": None,
        "in_reply_to": [],
        "references": [],
        "subject": "",
        "date": None,
        "text": "",
        "body_text": "",
    }
    base.update(fields)
    return ParsedMessage(**base)  # type: ignore[arg-type]


K1, K2, K3, K4, K5 = ("a" * 26, "b" * 26, "c" * 26, "d" * 26, "e" * 26)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {
                "to": [f"reply+{K1}@reply.example"],
                "cc": [f"reply+{K2}@reply.example"],
                "delivered_to": [f"reply+{K3}@reply.example"],
                "x_original_to": [f"reply+{K4}@reply.example"],
                "envelope_recipient": f"reply+{K5}@reply.example",
            },
            [K1, K2, K3, K4, K5],
        ),
        ({"to": [f"reply+{K1.upper()}@REPLY.EXAMPLE"]}, [K1]),  # matched case-insensitively
        ({"envelope_recipient": f"<Reply+{K2.upper()}@Reply.Example>"}, [K2]),
        ({"to": [f"reply+{K1}@reply.example"], "cc": [f"reply+{K1}@reply.example"]}, [K1]),
        ({"to": [f"reply+{K1}@other.example"]}, []),  # another domain
        ({"to": [f"reply+{K1[:25]}@reply.example"]}, []),  # too short
        ({"to": [f"reply+{K1[:25]}1@reply.example"]}, []),  # 1 is not base32
        ({"to": [f"bounce+{K1}@reply.example", "maria@example.org"]}, []),
        ({}, []),
    ],
)
def test_reply_key_candidates(fields: dict[str, object], expected: list[str]) -> None:
    assert reply_key_candidates(_message(**fields), REPLY_DOMAIN) == expected


def test_reply_key_from_a_parsed_message() -> None:
    parsed = understand(raw_mail(), envelope_recipient=f"reply+{K5}@reply.example")
    assert reply_key_candidates(parsed, REPLY_DOMAIN) == [KEY, K5]


# --- bytes that are not quite mail -------------------------------------------------------------------


def test_the_binary_outlook_msg_is_unparseable() -> None:
    path = CORPUS / "spamscope_mail_parser" / "mails" / "mail_outlook_1"
    if not path.is_file():
        pytest.skip("corpus not found beside the repository")
    with pytest.raises(UnparseableMessage):
        understand(path.read_bytes())


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \r\n\r\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        b"%PDF-1.4\n%...",
        bytes(range(256)) * 8,
    ],
    ids=["empty", "blank", "ole2", "pdf", "binary"],
)
def test_non_mail_bytes_raise_unparseable(raw: bytes) -> None:
    with pytest.raises(UnparseableMessage):
        understand(raw)


@pytest.mark.parametrize(
    "raw",
    [
        raw_mail("caf\xe9 at 3pm".encode("latin-1")),  # invalid UTF-8 under a utf-8 label
        raw_mail("café at 3pm".encode("latin-1"), content_type="text/plain"),  # no charset
        raw_mail("café at 3pm".encode(), content_type="text/plain; charset=iso-8859-1"),  # mislabelled
        raw_mail("café at 3pm".encode(), content_type="text/plain; charset=x-no-such-charset"),
        raw_mail(b"caf\x00e at 3pm\x00", headers={"Subject": "nul\x00here"}),
        b"From: Jos\xe9 <jose@example.org>\r\nSubject: Caf\xe9 \xff\xfe\r\n\r\ncaf\xe9 at 3pm\r\n",
        b"From: =?bogus-charset?q?Jos=E9?= <jose@example.org>\r\nSubject: =?utf-8?b?!!!?=\r\n\r\ncafe at 3pm",
        b'From: jose@example.org\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\ncafe at 3pm!!",
        b'From: jose@example.org\r\nContent-Type: text/plain; charset="\r\n\r\ncafe at 3pm',
        b"\r\n\r\nFrom: jose@example.org\r\nSubject: leading blank lines\r\n\r\ncafe at 3pm",
    ],
    ids=[
        "invalid_utf8",
        "no_charset",
        "mislabelled_latin1",
        "unknown_charset",
        "nul_bytes",
        "8bit_headers",
        "broken_encoded_words",
        "broken_base64",
        "broken_charset_param",
        "leading_blank_lines",
    ],
)
def test_bad_encodings_do_not_crash(raw: bytes) -> None:
    parsed = understand(raw)
    assert "caf" in parsed.text
    assert "\x00" not in parsed.text and "\x00" not in parsed.subject


def test_latin1_mislabelled_text_is_read_as_utf8() -> None:
    raw = raw_mail("café at 3pm".encode(), content_type="text/plain; charset=iso-8859-1")
    assert understand(raw).text == "café at 3pm"


def test_8bit_headers_are_decoded() -> None:
    raw = "From: José <jose@example.org>\r\nSubject: Café\r\n\r\nhi".encode()
    parsed = understand(raw)
    assert (parsed.sender_name, parsed.subject) == ("José", "Café")


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000))
def test_any_bytes_either_parse_or_raise_unparseable(raw: bytes) -> None:
    for candidate in (raw, b"From: a@b.example\r\nSubject: fuzz\r\n\r\n" + raw):
        try:
            parsed = understand(candidate)
        except UnparseableMessage:
            continue
        assert parsed.kind in ("reply", "auto_reply", "bounce", "own", "spam", "unknown")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=2_000))
def test_any_text_body_parses(body: str) -> None:
    parsed = understand(raw_mail(body))
    assert parsed.kind in ("reply", "auto_reply", "bounce", "own", "spam", "unknown")
