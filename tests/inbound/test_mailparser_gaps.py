"""mail-parser reads our mail (issue 11.1); each place our own code reads instead names the case
mail-parser gets wrong, here as a test: the first assertion shows mail-parser's reading, the
second ours. When a mail-parser release reads a case right, its first assertion fails, and the
code of ours it names can go."""

from __future__ import annotations

from datetime import UTC, datetime

import mailparser
import pytest

from concierge.inbound import understand

HEAD = (
    b"From: Ana <ana@example.org>\r\nTo: reply+abcdefghijklmnopqrstuvwxyz@mentoring.example\r\n"
    b"Subject: Re: Hi\r\n"
)


def test_blank_lines_before_the_header() -> None:
    raw = b"\r\n\r\n" + HEAD + b"\r\nTuesday works.\r\n"
    assert mailparser.parse_from_bytes(raw).subject == ""  # read as a message without headers
    parsed = understand(raw)
    assert (parsed.subject, parsed.text) == ("Re: Hi", "Tuesday works.")


def test_utf8_labelled_latin1_is_read_as_utf8() -> None:
    raw = HEAD + b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nJos\xc3\xa9 here\r\n"
    assert mailparser.parse_from_bytes(raw).text_plain == ["JosÃ© here\r\n"]
    assert understand(raw).text == "José here"


def test_an_unknown_charset_falls_back_to_windows_1252() -> None:
    raw = HEAD + b"Content-Type: text/plain; charset=x-unknown\r\n\r\nCaf\xe9 at 3? \x93Yes\x94\r\n"
    assert "\ufffd" in mailparser.parse_from_bytes(raw).text_plain[0]
    assert understand(raw).text == "Café at 3? “Yes”"


def test_nul_characters_are_dropped() -> None:
    raw = HEAD + b"\r\nTues\x00day works.\r\n"
    assert "\x00" in mailparser.parse_from_bytes(raw).text_plain[0]
    assert understand(raw).text == "Tuesday works."


def test_a_multipart_without_its_boundary_is_read_as_text() -> None:
    raw = HEAD + b"Content-Type: multipart/mixed\r\n\r\nTuesday works.\r\n"
    mail = mailparser.parse_from_bytes(raw)
    assert (mail.text_plain, mail.text_not_managed) == ([], ["Tuesday works.\r\n"])
    assert understand(raw).text == "Tuesday works."


def test_an_attached_email_is_not_part_of_the_reply() -> None:
    raw = (
        HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nSee the forwarded note.\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\nFrom: boss@example.org\r\nSubject: OK\r\n\r\n"
        b"You may join the program.\r\n--B--\r\n"
    )
    assert any("You may join" in text for text in mailparser.parse_from_bytes(raw).text_plain)
    parsed = understand(raw)
    assert parsed.text == "See the forwarded note." and "You may join" not in parsed.body_text


def test_an_encoded_word_in_a_quoted_display_name_is_decoded() -> None:
    raw = HEAD.replace(b"From: Ana <", b'From: "Ana =?utf-8?q?Ru=C3=ADz?=" <') + b"\r\nOK\r\n"
    assert mailparser.parse_from_bytes(raw).from_ == [("Ana =?utf-8?q?Ru=C3=ADz?=", "ana@example.org")]
    assert understand(raw).sender_name == "Ana Ruíz"


def test_a_date_without_a_zone_is_taken_as_utc() -> None:
    raw = HEAD + b"Date: 3 Jun 2024 10:00:00\r\n\r\nOK\r\n"
    assert mailparser.parse_from_bytes(raw).date is None
    assert understand(raw).date == datetime(2024, 6, 3, 10, tzinfo=UTC)


def test_an_html_only_reply_is_turned_into_text() -> None:
    raw = HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Tuesday <b>works</b>.<br>Ana</p>\r\n"
    assert mailparser.parse_from_bytes(raw).text_plain == []
    assert understand(raw).text == "Tuesday works.\nAna"


@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "Precedence: bulk"])
def test_headers_mail_parser_has_no_reading_for_are_read_from_its_message(header: str) -> None:
    raw = HEAD + header.encode() + b"\r\n\r\nI am away.\r\n"
    assert mailparser.parse_from_bytes(raw).message is not None  # the stdlib message we read them from
    assert understand(raw).kind == "auto_reply"


def test_mail_parser_reads_the_headers_attachments_and_defects() -> None:
    raw = (
        HEAD + b'Cc: "Bo" <BO@Example.org>\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nMy CV is attached.\r\n"
        b'--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="cv.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--B\r\n"
    )
    parsed = understand(raw)
    assert parsed.cc == ["bo@example.org"]
    assert [(a.filename, a.content_type, a.size) for a in parsed.attachments] == [
        ("cv.pdf", "application/pdf", 9)
    ]
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_a_multipart_that_names_no_boundary_is_read_with_the_one_its_body_opens_with() -> None:
    raw = (
        HEAD
        + b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative\r\n\r\n"
        + b"--zzz\r\nContent-Type: text/plain\r\n\r\nThursday at 2pm?\r\n--zzz--\r\n"
    )
    assert "--zzz" in mailparser.parse_from_bytes(raw).body  # the delimiters read as words
    assert understand(raw).text == "Thursday at 2pm?"


def test_a_multipart_body_that_opens_with_no_delimiter_is_read_as_it_stands() -> None:
    raw = HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nThursday at 2pm?\r\n"
    assert understand(raw).text == "Thursday at 2pm?"
