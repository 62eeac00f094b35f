"""Fuzzing every inbound webhook: never a 5xx, bytes kept as sent, every stored message ends terminal.

Generated mail is broken on purpose: bad MIME structure, wrong or missing charsets, 8-bit and NUL
bytes in headers, a thousand headers, multipart nested 60 deep, mixed line endings; payloads are
malformed JSON and forms. Each case gets its own envelope recipient so that dedupe hides none.
After the cases, a burst worker processes what was stored; every message must end processed,
ignored, rejected or failed, with RQ's failed job registry empty (no unhandled error in the job).
"""

from __future__ import annotations

import base64
import email
import itertools
import json
from email import policy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from concierge import create_app
from concierge.ingress.rebuild import Attachment, rebuild_message
from tests.test_webhooks import (
    BYTE_INGRESSES,
    POSTMARK,
    RAW_TOKEN,
    SENDGRID,
    TERMINAL,
    basic,
    configured,
    failed_jobs,
    mailgun_signature,
    multipart,
    post_form,
    statuses,
    stored,
    via_raw,
)

CORPUS = Path("/work/shared/corpus/spamscope_mail_parser/mails")
FUZZ = hypothesis_settings(
    deadline=None,
    derandomize=True,
    max_examples=50,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# -- strategies for broken mail -------------------------------------------------------------------------

HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Reply-To",
    "Return-Path",
    "Delivered-To",
    "X-Original-To",
    "Auto-Submitted",
    "Precedence",
    "X-Spam-Flag",
    "X-Spam-Status",
    "Received",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
]
ODD_VALUES = [
    b"",
    b"\x00",
    b"<>",
    b"=?utf-8?b?@@@not-base64?=",
    b"=?x-unknown?q?caf=E9?=",
    b"=?iso-8859-1?q?Andr=E9?= <andre@example.org>",
    b"=?utf-8?q?unterminated",
    b"caf\xe9 \xff\xfe na\xc3\xafve",
    b"\xc3\x28 invalid utf-8",
    b"reply+abcdefghijklmnopqrstuvwxyz@mentoring.example",
    b"<a@b>, <c@d>,<e@f>",
    b"multipart/mixed; boundary=",
    b"multipart/alternative",
    b'text/plain; charset="utf-8',
    b"text/plain; charset=x-no-such-charset",
    b"text/html; charset=utf-16",
    b"base64",
    b"quoted-printable",
    b"auto-replied",
    b"bulk",
    b"Yes, score=12",
    b"Thu, 31 Feb 99999 25:61:61 +9999",
    b"(comment (nested (deeply" * 20,
    b'"unterminated quote <a@b>',
    b"a" * 5000,
]
CHARSETS = [
    b"utf-8",
    b"us-ascii",
    b"iso-8859-1",
    b"x-unknown",
    b"utf-7",
    b"utf-16",
    b"cp1252",
    b"",
    b"\xff\xfe",
    None,
]
PAYLOADS = [
    b"",
    b"Hello, Tuesday at 3pm works.\r\n\r\nOn Mon, Ana wrote:\r\n> quoted\r\n",
    b"Gr\xc3\xbc\xc3\x9fe \xc3\x28 \xe9\xff\x00 mixed",
    b"@@@@====not base64",
    b"=\r\n=ZZ=4=\r\n",
    b"<html><body>" + b"<div>" * 300 + b"deep" + b"</div>" * 10 + b"<script>x</script>",
    b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b\r\n",
    b"Reporting-MTA: dns; mx\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\nFinal-Recipient: rfc822; x@y\r\n",
    b"begin 644 file.txt\r\n#0V%T\r\n`\r\nend\r\n",
    b"> " * 2000,
]


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


header_values = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.binary(max_size=120),
    st.text(max_size=120).map(_encoded),
)
header_lines = st.builds(
    lambda name, value: name + b": " + value + b"\r\n",
    st.one_of(st.sampled_from(HEADER_NAMES).map(str.encode), st.binary(min_size=1, max_size=20)),
    header_values,
)
payloads = st.one_of(st.sampled_from(PAYLOADS), st.binary(max_size=400), st.text(max_size=400).map(_encoded))


@st.composite
def leaf_parts(draw: st.DrawFn) -> bytes:
    """A part: its Content-Type/-Transfer-Encoding headers (right, wrong or absent) and a payload."""
    content_type = draw(
        st.sampled_from(
            [b"text/plain", b"text/html", b"text/calendar", b"message/delivery-status", b"message/rfc822"]
            + [b"application/octet-stream", b"image/png", b"text/x-garbage", b"", b"/", b"text/"]
        )
    )
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(
        st.sampled_from([b"", b"7bit", b"8bit", b"base64", b"quoted-printable", b"x-uue", b"bogus"])
    )
    head = b""
    if content_type:
        head += (
            b"Content-Type: "
            + content_type
            + (b"; charset=" + charset if charset is not None else b"")
            + b"\r\n"
        )
    if encoding:
        head += b"Content-Transfer-Encoding: " + encoding + b"\r\n"
    return head + b"\r\n" + draw(payloads)


def multipart_of(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
    """A multipart part of `children`, sometimes with a missing, mismatched or unclosed boundary."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        parts = draw(children)
        boundary = draw(st.sampled_from([b"b1", b"==_b_==", b"x" * 90, b"b-" + bytes([0xE9])]))
        declared = draw(st.sampled_from([boundary, boundary, boundary, b"", b"other"]))
        subtype = draw(
            st.sampled_from(
                [b"mixed", b"alternative", b"related", b"report; report-type=delivery-status", b"signed"]
            )
        )
        closed = draw(st.booleans())
        body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
        body += b"--" + boundary + b"--\r\n" if closed else b""
        return b"Content-Type: multipart/" + subtype + b'; boundary="' + declared + b'"\r\n\r\n' + body

    return build()


bodies = st.recursive(
    leaf_parts(), lambda children: multipart_of(st.lists(children, max_size=3)), max_leaves=6
)


def nested(part: bytes, depth: int) -> bytes:
    """`part` wrapped in `depth` levels of multipart/mixed."""
    for level in range(depth):
        boundary = f"n{level}".encode()
        part = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\r\n\r\n--'
            + boundary
            + b"\r\n"
            + part
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return part


@st.composite
def broken_messages(draw: st.DrawFn) -> bytes:
    """A message with odd headers and a body that may be any of the above, as bytes."""
    headers = draw(st.lists(header_lines, max_size=12))
    filler = draw(st.sampled_from([0, 0, 0, 0, 1000]))
    headers += [b"X-Filler-%d: %s\r\n" % (i, b"v" * (i % 50)) for i in range(filler)]
    if draw(st.booleans()):
        headers.insert(0, b"From: Ana <ana@example.org>\r\n")
    depth = draw(st.sampled_from([0, 0, 1, 3, 60]))
    body = nested(draw(bodies), depth)
    raw = b"".join(headers) + body
    line_ends = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n", b"\r"]))
    raw = raw.replace(b"\r\n", line_ends)
    return raw if raw.strip() else b"X: y\r\n\r\n" + raw


# -- running and checking ----------------------------------------------------------------------------------


@pytest.fixture
def client(settings):
    return create_app(configured(settings)).test_client()


def check_after_work(settings, work, ids: list[int]) -> None:
    """Every stored message ends in a terminal status, and no job failed with an unhandled error."""
    work()
    final = statuses(settings)
    stuck = {i: final[i] for i in ids if final[i] not in TERMINAL}
    errors = {i: stored(settings, i).error for i in stuck}
    assert not stuck, f"not terminal after the worker: {stuck} {errors}"
    assert failed_jobs(settings) == []


def accepted(answer, allowed: tuple[int, ...] = (200,)) -> int | None:
    """The stored id of a 200 answer; any other answer must be one of `allowed`, with a reason."""
    assert answer.status_code < 500, answer.get_data()[:500]
    assert answer.status_code in allowed, (answer.status_code, answer.get_data()[:500])
    if answer.status_code != 200:
        assert answer.get_json()["reason"]
        return None
    return answer.get_json()["id"]


@pytest.mark.parametrize("ingress", BYTE_INGRESSES)
def test_fuzz_broken_mail_through_every_byte_ingress(settings, client, work, ingress):
    post, counter, ids = BYTE_INGRESSES[ingress], itertools.count(), []

    @FUZZ
    @given(raw=broken_messages())
    def case(raw: bytes) -> None:
        answer = post(client, raw, f"fuzz-{ingress}-{next(counter)}@mentoring.example")
        inbound_id = accepted(answer)
        # With its own recipient a case is a duplicate only when it has no Message-ID and the same bytes.
        assert stored(settings, inbound_id).raw == raw
        ids.append(inbound_id)

    case()
    check_after_work(settings, work, ids)


def test_fuzz_corpus_through_the_raw_ingress(settings, client, work):
    ids = []
    files = sorted(CORPUS.iterdir())
    assert len(files) == 23
    for n, path in enumerate(files):
        raw = path.read_bytes()
        inbound_id = accepted(via_raw(client, raw, f"corpus-{n}@mentoring.example"))
        assert stored(settings, inbound_id).raw == raw
        ids.append(inbound_id)
    check_after_work(settings, work, ids)


def test_fuzz_a_20_mb_message_through_every_byte_ingress(settings, client, work):
    line = b"All work and no play makes Jack a dull boy. \xe9\xff\r\n"
    raw = (
        b"From: Ana <ana@example.org>\r\nTo: someone@mentoring.example\r\nSubject: big\r\n"
        b"Message-ID: <big-1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + line
        * (20_000_000 // len(line))
    )
    ids = []
    for name, post in BYTE_INGRESSES.items():
        inbound_id = accepted(post(client, raw, f"big-{name}@mentoring.example"))
        assert stored(settings, inbound_id).raw == raw
        ids.append(inbound_id)
    check_after_work(settings, work, ids)


# -- parsed provider payloads ------------------------------------------------------------------------------

texts = st.one_of(st.none(), st.text(max_size=300), st.text(st.characters(codec=None), max_size=50))
content_types = st.one_of(
    st.sampled_from(
        ["application/pdf", "message/rfc822", "message/delivery-status", "multipart/mixed", "text/plain"]
    ),
    st.text(max_size=40),
)


@st.composite
def mailgun_forms(draw: st.DrawFn) -> list[tuple]:
    """The fields of a Mailgun forward in parsed form, some of them wrong."""
    headers = draw(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(HEADER_NAMES), st.text(max_size=20)), st.text(max_size=200))
        )
    )
    message_headers = draw(
        st.one_of(
            st.just(json.dumps(headers)),
            st.just(json.dumps(headers)),
            st.sampled_from(["", "{", "[1]", '[["a"]]', '{"From": "x"}', "null"]),
        )
    )
    fields: list[tuple] = [("message-headers", _encoded(message_headers))]
    for name in ("body-plain", "body-html", "from", "subject", "stripped-text"):
        value = draw(texts)
        if value is not None:
            fields.append((name, _encoded(value)))
    for n, (filename, content_type, data) in enumerate(
        draw(st.lists(st.tuples(st.text(max_size=30), content_types, st.binary(max_size=300)), max_size=3)), 1
    ):
        safe_name = filename.replace('"', "").replace("\r", "").replace("\n", "") or "file"
        fields.append((f"attachment-{n}", data, safe_name, content_type.replace("\r", "").replace("\n", "")))
    return fields


def test_fuzz_mailgun_parsed_fields(settings, client, work):
    counter, ids = itertools.count(), []

    @FUZZ
    @given(fields=mailgun_forms())
    def case(fields: list[tuple]) -> None:
        recipient = f"fuzz-mailgun-{next(counter)}@mentoring.example"
        signed = [*mailgun_signature().items(), ("recipient", recipient)]
        answer = post_form(client, "/inbound/mailgun", signed + fields)
        inbound_id = accepted(answer, (200, 422))
        if inbound_id is not None:
            ids.append(inbound_id)

    case()
    check_after_work(settings, work, ids)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
addresses = st.fixed_dictionaries(
    {
        "Email": st.one_of(st.emails(), st.text(max_size=40)),
        "Name": st.one_of(st.text(max_size=40), st.none()),
    }
)


@st.composite
def postmark_payloads(draw: st.DrawFn) -> dict:
    """A Postmark inbound payload without RawEmail, its fields right or of a wrong shape."""
    well_formed = {
        "FromFull": addresses,
        "ToFull": st.lists(addresses, max_size=3),
        "CcFull": st.lists(addresses, max_size=2),
        "Subject": texts,
        "Date": texts,
        "TextBody": texts,
        "HtmlBody": texts,
        "Headers": st.lists(
            st.fixed_dictionaries({"Name": st.text(max_size=20), "Value": st.text(max_size=80)})
        ),
        "Attachments": st.lists(
            st.fixed_dictionaries(
                {
                    "Name": st.text(max_size=30),
                    "Content": st.one_of(
                        st.binary(max_size=200).map(lambda b: base64.b64encode(b).decode()),
                        st.text(max_size=20),
                    ),
                    "ContentType": content_types,
                }
            ),
            max_size=2,
        ),
    }
    payload = {}
    for name, strategy in well_formed.items():
        choice = draw(st.sampled_from(["right", "right", "right", "wrong", "absent"]))
        if choice == "right":
            payload[name] = draw(strategy)
        elif choice == "wrong":
            payload[name] = draw(json_values)
    return payload


def test_fuzz_postmark_parsed_payloads(settings, client, work):
    counter, ids = itertools.count(), []

    @FUZZ
    @given(payload=postmark_payloads())
    def case(payload: dict) -> None:
        payload["OriginalRecipient"] = f"fuzz-postmark-{next(counter)}@mentoring.example"
        answer = client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK))
        inbound_id = accepted(answer, (200, 422))
        if inbound_id is not None:
            ids.append(inbound_id)

    case()
    check_after_work(settings, work, ids)


@hypothesis_settings(deadline=None, derandomize=True, max_examples=200, database=None)
@given(
    headers=st.lists(
        st.tuples(st.one_of(st.sampled_from(HEADER_NAMES), st.text(max_size=20)), texts.map(str))
    ),
    text=texts,
    html=texts,
    attachments=st.lists(
        st.builds(Attachment, st.text(max_size=30), content_types, st.binary(max_size=200)), max_size=3
    ),
)
def test_fuzz_rebuild_takes_anything_and_is_deterministic(headers, text, html, attachments):
    raw = rebuild_message(headers, text, html, attachments)
    assert raw == rebuild_message(headers, text, html, attachments)
    parsed = email.message_from_bytes(raw, policy=policy.compat32)
    assert parsed["MIME-Version"] == "1.0"
    files = [
        part for part in parsed.walk() if part.get_filename() is not None or part.get("Content-Disposition")
    ]
    assert len(files) == len(attachments)
    for part, attachment in zip(files, attachments, strict=True):
        if part.get_content_maintype() != "message":
            assert part.get_payload(decode=True) == attachment.data


# -- malformed requests ------------------------------------------------------------------------------------

ENDPOINTS = {
    "/inbound/mailgun": {},
    "/inbound/mailgun/mime": {},
    "/inbound/postmark": basic(*POSTMARK),
    "/inbound/sendgrid": basic(*SENDGRID),
    "/inbound/raw": {"Authorization": f"Bearer {RAW_TOKEN}"},
    "/inbound/mailgun/events": {},
    "/inbound/postmark/events": basic(*POSTMARK),
    "/inbound/sendgrid/events": basic(*SENDGRID),
}
request_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=zz",
            "multipart/form-data; boundary=",
            "message/rfc822",
            "text/plain",
            "",
        ]
    ),
    st.text(max_size=60).filter(lambda t: t.isascii() and "\n" not in t and "\r" not in t),
)
request_bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(st.tuples(st.text(max_size=15), st.binary(max_size=60)), max_size=6).map(
        lambda fields: multipart([(n.replace('"', ""), v) for n, v in fields])[0]
    ),
    st.lists(st.tuples(st.binary(max_size=15), st.binary(max_size=60)), max_size=6).map(
        lambda pairs: b"&".join(k + b"=" + v for k, v in pairs)
    ),
    st.sampled_from(
        [b"--zz\r\n", b"--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--", b"[" * 5000, b"{}"]
    ),
)


def test_fuzz_malformed_requests_never_answer_5xx(settings, client, work):
    ids = []

    @FUZZ
    @given(path=st.sampled_from(sorted(ENDPOINTS)), content_type=request_types, body=request_bodies)
    def case(path: str, content_type: str, body: bytes) -> None:
        answer = client.post(path, data=body, headers={**ENDPOINTS[path], "Content-Type": content_type})
        inbound_id = accepted(answer, (200, 401, 413, 415, 422))
        if inbound_id is not None:
            ids.append(inbound_id)

    case()
    check_after_work(settings, work, ids)


# -- provider events --------------------------------------------------------------------------------------

EVENT_FIELDS = {
    "postmark": ["RecordType", "Type", "Email", "Recipient", "Metadata", "ID", "Details", "SuppressSending"],
    "sendgrid": [
        "event",
        "email",
        "type",
        "reason",
        "status",
        "smtp-id",
        "sg_event_id",
        "concierge-outbound",
    ],
    "mailgun": ["event", "recipient", "severity", "id", "message", "user-variables", "delivery-status"],
}
EVENT_NAMES = st.sampled_from(
    ["Bounce", "SpamComplaint", "Delivery", "SubscriptionChange", "HardBounce", "Transient", "failed"]
    + ["complained", "bounce", "dropped", "deferred", "spamreport", "delivered", "open", "blocked"]
)


@st.composite
def event_objects(draw, provider: str) -> dict:
    event = {}
    for name in EVENT_FIELDS[provider]:
        choice = draw(st.sampled_from(["name", "address", "any", "absent"]))
        if choice == "name":
            event[name] = draw(EVENT_NAMES)
        elif choice == "address":
            event[name] = draw(st.sampled_from(["ana@example.org", "<x@y>", "1", "", "@"]))
        elif choice == "any":
            event[name] = draw(json_values)
    return event


def test_fuzz_provider_event_payloads(settings, client, work):
    from tests.test_webhooks import mailgun_signature

    ids = []

    @FUZZ
    @given(data=st.data(), provider=st.sampled_from(sorted(EVENT_FIELDS)))
    def case(data, provider: str) -> None:
        if provider == "sendgrid":
            payload: object = data.draw(st.lists(event_objects("sendgrid"), max_size=4))
        elif provider == "mailgun":
            payload = {"signature": mailgun_signature(), "event-data": data.draw(event_objects("mailgun"))}
        else:
            payload = data.draw(event_objects("postmark"))
        headers = ENDPOINTS[f"/inbound/{provider}/events"]
        answer = client.post(f"/inbound/{provider}/events", json=payload, headers=headers)
        inbound_id = accepted(answer, (200, 422))
        if inbound_id is not None:
            ids.append(inbound_id)

    case()
    check_after_work(settings, work, ids)
