"""The inbound webhooks (SPEC §4.3, INBOUND.md points 1–10 and 12): one test per point, every provider."""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from email import policy
from urllib.parse import quote

import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry
from sqlalchemy import func, select

from concierge import create_app, queues
from concierge.db import session_scope
from concierge.ingress.store import MAX_MESSAGE_BYTES
from concierge.ingress.webhooks import TOKEN_TTL, _token_key
from concierge.keys import new_key, reply_address
from concierge.models import InboundMessage
from tests import factories
from tests.mail import gmail_reply

MAILGUN_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
POSTMARK = ("postmark-hook", "pm-s3cret")
SENDGRID = ("sendgrid-hook", "sg-s3cret")
RAW_TOKEN = "raw-bearer-7f3c"
TERMINAL = {"processed", "ignored", "rejected", "failed"}


# -- helpers (test_webhooks_fuzz.py and test_redis_outage.py use them too) ----------------------------


def configured(settings):
    """The test installation with every provider configured."""
    return settings.with_(
        mailgun_signing_key=MAILGUN_KEY,
        postmark_inbound_user=POSTMARK[0],
        postmark_inbound_password=POSTMARK[1],
        sendgrid_inbound_user=SENDGRID[0],
        sendgrid_inbound_password=SENDGRID[1],
        inbound_token=RAW_TOKEN,
    )


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def mailgun_signature(timestamp: int | None = None, token: str | None = None, key: str = MAILGUN_KEY):
    """The `timestamp`, `token` and `signature` fields Mailgun adds to a forward."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (stamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": stamp, "token": token, "signature": signature}


def multipart(fields: list[tuple]) -> tuple[bytes, str]:
    """A multipart/form-data body; each field is (name, value[, filename[, content type]])."""
    boundary = f"----concierge{uuid.uuid4().hex}".encode()
    chunks = []
    for name, value, *rest in fields:
        filename, content_type = (rest + [None, None])[:2]
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        head = f"Content-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        data = value.encode() if isinstance(value, str) else value
        chunks.append(b"--" + boundary + b"\r\n" + head.encode() + b"\r\n" + data + b"\r\n")
    chunks.append(b"--" + boundary + b"--\r\n")
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"


def post_form(client, path: str, fields: list[tuple], headers: dict[str, str] | None = None):
    body, content_type = multipart(fields)
    return client.post(path, data=body, headers={**(headers or {}), "Content-Type": content_type})


def via_raw(client, raw: bytes, recipient: str | None = None):
    """POST /inbound/raw."""
    query = f"?recipient={quote(recipient)}" if recipient else ""
    headers = {"Authorization": f"Bearer {RAW_TOKEN}", "Content-Type": "message/rfc822"}
    return client.post(f"/inbound/raw{query}", data=raw, headers=headers)


def via_mailgun_mime(client, raw: bytes, recipient: str | None = None, signature: dict | None = None):
    """POST /inbound/mailgun/mime as a Mailgun route ending in `mime` does (body-mime as a text field)."""
    fields = [("recipient", recipient or ""), ("sender", "someone@example.org"), ("body-mime", raw)]
    fields += list((signature or mailgun_signature()).items())
    return post_form(client, "/inbound/mailgun/mime", fields)


def via_sendgrid(client, raw: bytes, recipient: str | None = None):
    """POST /inbound/sendgrid as Inbound Parse in raw mode does (email as a text field)."""
    envelope = json.dumps({"to": [recipient or "nobody@mentoring.example"], "from": "someone@example.org"})
    fields = [
        ("envelope", envelope),
        ("charsets", json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"})),
        ("email", raw),
        ("spam_score", "0.1"),
    ]
    return post_form(client, "/inbound/sendgrid", fields, basic(*SENDGRID))


def via_postmark_raw(client, raw: bytes, recipient: str | None = None):
    """POST /inbound/postmark with "include raw email" on (bytes ≥ 0x80 that are not UTF-8 as \\udcXX)."""
    payload = {
        "FromFull": {"Email": "someone@example.org", "Name": ""},
        "OriginalRecipient": recipient,
        "RawEmail": raw.decode("utf-8", "surrogateescape"),
    }
    return client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK))


#: The ingresses that carry a message's bytes as they were received.
BYTE_INGRESSES: dict[str, Callable] = {
    "raw": via_raw,
    "mailgun-mime": via_mailgun_mime,
    "sendgrid": via_sendgrid,
    "postmark-raw": via_postmark_raw,
}


def stored(settings, inbound_id: int) -> InboundMessage:
    with session_scope(settings) as s:
        return s.get(InboundMessage, inbound_id)


def count_stored(settings) -> int:
    with session_scope(settings) as s:
        return s.scalar(select(func.count()).select_from(InboundMessage))


def statuses(settings) -> dict[int, str]:
    with session_scope(settings) as s:
        return dict(s.execute(select(InboundMessage.id, InboundMessage.status)).all())


def failed_jobs(settings) -> list[str]:
    return FailedJobRegistry(queue=queues.queue(settings, queues.INBOUND)).get_job_ids()


def message(message_id: str | None = None, to: str = "someone@mentoring.example", **extra: str) -> bytes:
    """A small plain-text email."""
    lines = [
        "From: Ana Ruiz <ana@example.org>",
        f"To: {to}",
        "Subject: Hello",
        "Date: Thu, 26 Nov 2026 10:15:00 +0000",
    ]
    if message_id:
        lines.append(f"Message-ID: <{message_id}>")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    return ("\r\n".join(lines) + "\r\n\r\nHello there.\r\n").encode()


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


@pytest.fixture
def app_settings(settings):
    return configured(settings)


@pytest.fixture
def client(app_settings):
    return create_app(app_settings).test_client()


@pytest.fixture
def welcomed(settings, work):
    """A mentee whose welcome email has been sent; returns (outbound id, reply address)."""
    welcome, key = factories.welcomed_mentee(settings, work)
    return welcome.id, reply_address(key.key, settings.reply_domain)


# -- 1 --------------------------------------------------------------------------------------------------


def test_inbound_01_unconfigured_provider_answers_404(settings):
    client = create_app(settings).test_client()
    raw = message("unconfigured@example.org")
    answers = [
        client.post("/inbound/mailgun", data=mailgun_signature()),
        client.post("/inbound/mailgun/mime", data={**mailgun_signature(), "body-mime": raw.decode()}),
        client.post("/inbound/postmark", json={"RawEmail": raw.decode()}, headers=basic(*POSTMARK)),
        post_form(client, "/inbound/sendgrid", [("email", raw)], basic(*SENDGRID)),
        client.post("/inbound/raw", data=raw, headers={"Content-Type": "message/rfc822"}),
    ]
    half = create_app(settings.with_(postmark_inbound_user="only-the-user")).test_client()
    answers.append(half.post("/inbound/postmark", json={"RawEmail": raw.decode()}, headers=basic(*POSTMARK)))
    for answer in answers:
        assert answer.status_code == 404, answer.get_json()
        assert "not configured" in answer.get_json()["reason"]
    assert count_stored(settings) == 0


# -- 2 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "status"),
    [(-15 * 60 - 1, 401), (-15 * 60, 200), (15 * 60, 200), (15 * 60 + 1, 401)],
    ids=["16-min-behind", "15-min-behind", "15-min-ahead", "16-min-ahead"],
)
def test_inbound_02_the_timestamp_window_is_read_from_the_apps_clock(settings, app_settings, offset, status):
    """The window is tested at chosen times: the app's clock is injected, not read inside the check."""
    from datetime import UTC, datetime

    fixed = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    client = create_app(app_settings, clock=lambda: fixed).test_client()
    signature = mailgun_signature(timestamp=int(fixed.timestamp()) + offset)
    answer = via_mailgun_mime(
        client, message(f"mg-window{offset}@example.org"), "mg@mentoring.example", signature
    )
    assert answer.status_code == status, answer.get_json()


def test_inbound_02_mailgun_signature_window_and_token_replay(settings, app_settings, client, work):
    raw = message("mg-1@example.org")
    now = int(time.time())
    bad = [
        {**mailgun_signature(), "signature": "0" * 64},
        mailgun_signature(key="another-key"),
        {k: v for k, v in mailgun_signature().items() if k != "signature"},
        {k: v for k, v in mailgun_signature().items() if k != "token"},
        {**mailgun_signature(), "signature": "é" * 64},
        mailgun_signature(timestamp=now - 16 * 60),
        mailgun_signature(timestamp=now + 16 * 60),
    ]
    for signature in bad:
        answer = via_mailgun_mime(client, raw, "mg@mentoring.example", signature)
        assert answer.status_code == 401, signature
        assert answer.get_json()["reason"]
    assert count_stored(settings) == 0

    signature = mailgun_signature(timestamp=now - 14 * 60)
    first = via_mailgun_mime(client, raw, "mg@mentoring.example", signature)
    assert first.status_code == 200
    line = first.get_json()
    assert line == {"id": line["id"], "status": "pending", "duplicate": False}
    row = stored(settings, line["id"])
    assert (row.raw, row.envelope_recipient, row.source) == (raw, "mg@mentoring.example", "mailgun")
    conn = queues.get_redis(app_settings)
    assert conn.get(_token_key(signature["token"])) == str(line["id"]).encode()
    assert 0 < conn.ttl(_token_key(signature["token"])) <= TOKEN_TTL

    # Mailgun repeating the same delivery (same token, same message): 200, duplicate.
    again = via_mailgun_mime(client, raw, "mg@mentoring.example", signature)
    assert again.status_code == 200 and again.get_json() == {**line, "duplicate": True}
    # A replayed token with another message: 401, nothing stored.
    other = via_mailgun_mime(client, message("mg-2@example.org"), "mg@mentoring.example", signature)
    assert other.status_code == 401 and "token" in other.get_json()["reason"]
    # A token recorded for a message that is not stored (anymore): 401.
    forged = mailgun_signature()
    conn.set(_token_key(forged["token"]), "999999", ex=60)
    assert via_mailgun_mime(client, message("mg-3@example.org"), None, forged).status_code == 401
    # A fresh token with a message already stored: a redelivery, 200 duplicate.
    fresh = via_mailgun_mime(client, raw, "mg@mentoring.example")
    assert fresh.status_code == 200 and fresh.get_json()["duplicate"] is True
    # The route without /mime answers the same way.
    plain = client.post(
        "/inbound/mailgun", data={**mailgun_signature(), "body-mime": message("mg-4@x").decode()}
    )
    assert plain.status_code == 200 and plain.get_json()["duplicate"] is False
    assert count_stored(settings) == 2
    work()
    assert set(statuses(settings).values()) <= TERMINAL


def test_inbound_02_mailgun_rebuilds_the_message_from_parsed_fields(settings, client, work):
    headers = [
        ["Received", "from mx.example.org by mxa.mailgun.org"],
        ["From", "Zoë Ünal <zoe@example.org>"],
        ["To", "Concierge <reply+abc@mentoring.example>"],
        ["Subject", "Re: Grüße — next steps"],
        ["Message-Id", "<CAmg-parsed-1@mail.example.org>"],
        ["In-Reply-To", "<welcome-1@mentoring.example>"],
        ["Content-Type", 'multipart/alternative; boundary="gone"'],
        ["Mime-Version", "1.0"],
    ]
    pdf = b"%PDF-1.4\n\x00\xff\xfe binary"
    fields = [
        *mailgun_signature().items(),
        ("recipient", "reply+abc@mentoring.example"),
        ("sender", "zoe@example.org"),
        ("from", "Zoë Ünal <zoe@example.org>"),
        ("subject", "Re: Grüße — next steps"),
        ("message-headers", json.dumps(headers)),
        ("body-plain", "Tuesday works for me.\n\nZoë"),
        ("body-html", "<p>Tuesday works for me.</p><p>Zoë</p>"),
        ("attachment-count", "2"),
        ("attachment-2", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "invite.ics", "text/calendar"),
        ("attachment-1", pdf, "résumé.pdf", "application/pdf"),
    ]
    answer = post_form(client, "/inbound/mailgun", fields)
    assert answer.status_code == 200, answer.get_json()
    row = stored(settings, answer.get_json()["id"])
    assert row.envelope_recipient == "reply+abc@mentoring.example"
    assert row.message_id == "CAmg-parsed-1@mail.example.org"
    parsed = parse(row.raw)
    assert parsed["From"].addresses[0].display_name == "Zoë Ünal"
    assert parsed["From"].addresses[0].addr_spec == "zoe@example.org"
    assert parsed["To"].addresses[0].addr_spec == "reply+abc@mentoring.example"
    assert parsed["Subject"] == "Re: Grüße — next steps"
    assert parsed["In-Reply-To"] == "<welcome-1@mentoring.example>"
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == "Tuesday works for me.\n\nZoë"
    assert "<p>Zoë</p>" in parsed.get_body(("html",)).get_content()
    attachments = [
        (a.get_filename(), a.get_content_type(), a.get_payload(decode=True))
        for a in parsed.iter_attachments()
    ]
    assert attachments == [
        ("résumé.pdf", "application/pdf", pdf),
        ("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
    ]
    # URL-encoded (no attachments), with `from` standing in for a missing From header.
    form = {
        **mailgun_signature(),
        "recipient": "other@mentoring.example",
        "from": "Bob <bob@example.org>",
        "message-headers": json.dumps([["Subject", "Plain only"], ["Message-Id", "<mg-urlenc@x>"]]),
        "body-plain": "Just text",
    }
    answer = client.post("/inbound/mailgun", data=form)
    assert answer.status_code == 200
    plain = parse(stored(settings, answer.get_json()["id"]).raw)
    assert (plain["From"], plain["Subject"], plain.get_content_type()) == (
        "Bob <bob@example.org>",
        "Plain only",
        "text/plain",
    )
    assert plain.get_content().strip() == "Just text"
    work()
    assert set(statuses(settings).values()) <= TERMINAL and not failed_jobs(settings)


# -- 3 --------------------------------------------------------------------------------------------------


def test_inbound_03_postmark_and_sendgrid_basic_auth_and_200_for_ignored_mail(settings, client, work):
    raw = message("pm-sg-1@example.org")
    wrong = [
        {},
        basic(POSTMARK[0], "wrong"),
        basic("wrong", POSTMARK[1]),
        basic(*SENDGRID),
        {"Authorization": f"Bearer {RAW_TOKEN}"},
        {"Authorization": "Basic !!!not-base64"},
    ]
    for headers in wrong:
        answer = client.post("/inbound/postmark", json={"RawEmail": raw.decode()}, headers=headers)
        assert answer.status_code == 401 and answer.get_json()["reason"], headers
        assert answer.headers["WWW-Authenticate"].startswith("Basic")
    for headers in [{}, basic(SENDGRID[0], "wrong"), basic(*POSTMARK)]:
        assert post_form(client, "/inbound/sendgrid", [("email", raw)], headers).status_code == 401
    assert count_stored(settings) == 0

    auto_reply = message("ooo-1@example.org", Auto_Submitted="auto-replied")
    ids = []
    for ingress in (via_postmark_raw, via_sendgrid):
        answer = ingress(client, auto_reply, f"{ingress.__name__}@mentoring.example")
        assert answer.status_code == 200
        ids.append(answer.get_json()["id"])
    for inbound_id, ingress in zip(ids, (via_postmark_raw, via_sendgrid), strict=True):
        row = stored(settings, inbound_id)
        assert row.raw == auto_reply and row.envelope_recipient == f"{ingress.__name__}@mentoring.example"
    work()
    for inbound_id in ids:
        row = stored(settings, inbound_id)
        assert (row.status, row.reason) == ("ignored", "auto_reply")


def test_inbound_03_postmark_rebuilds_the_message_from_its_json(settings, client, work):
    pdf = b"%PDF-1.7 \x00\x01\xff"
    payload = {
        "From": "zoe@example.org",
        "FromName": "Zoë Ünal",
        "FromFull": {"Email": "zoe@example.org", "Name": "Zoë Ünal", "MailboxHash": ""},
        "To": "reply+abc@mentoring.example",
        "ToFull": [{"Email": "reply+abc@mentoring.example", "Name": "Concierge", "MailboxHash": "abc"}],
        "CcFull": [{"Email": "maya@example.org", "Name": "Maya, the mentor"}],
        "ReplyTo": "",
        "Subject": "Re: Grüße",
        "MessageID": "22c74902-a0c1-4511-804f2-341342852c90",
        "Date": "Thu, 26 Nov 2026 10:15:00 +0100",
        "MailboxHash": "abc",
        "TextBody": "Tuesday at 3pm works.\n",
        "HtmlBody": "<p>Tuesday at 3pm works.</p>",
        "StrippedTextReply": "Tuesday at 3pm works.",
        "OriginalRecipient": "reply+abc@mentoring.example",
        "Headers": [
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "Message-ID", "Value": "<CApm-rebuilt-1@mail.example.org>"},
            {"Name": "References", "Value": "<a@x>, <welcome-1@mentoring.example>"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Content-Type", "Value": "multipart/mixed; boundary=gone"},
        ],
        "Attachments": [
            {
                "Name": "agenda.pdf",
                "Content": base64.b64encode(pdf).decode(),
                "ContentType": "application/pdf",
            },
            {
                "Name": "note.txt",
                "Content": base64.b64encode(b"n\xe9e").decode(),
                "ContentType": "text/plain",
            },
        ],
    }
    answer = client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK))
    assert answer.status_code == 200, answer.get_json()
    row = stored(settings, answer.get_json()["id"])
    assert (row.envelope_recipient, row.message_id, row.source) == (
        "reply+abc@mentoring.example",
        "CApm-rebuilt-1@mail.example.org",
        "postmark",
    )
    parsed = parse(row.raw)
    assert [(a.display_name, a.addr_spec) for a in parsed["From"].addresses] == [
        ("Zoë Ünal", "zoe@example.org")
    ]
    assert parsed["To"].addresses[0].addr_spec == "reply+abc@mentoring.example"
    assert [(a.display_name, a.addr_spec) for a in parsed["Cc"].addresses] == [
        ("Maya, the mentor", "maya@example.org")
    ]
    assert parsed["Subject"] == "Re: Grüße" and parsed["X-Spam-Status"] == "No"
    assert parsed["References"] == "<a@x>, <welcome-1@mentoring.example>"
    assert parsed["Date"].datetime.utcoffset().total_seconds() == 3600
    assert parsed.get_body(("plain",)).get_content().strip() == "Tuesday at 3pm works."
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Tuesday at 3pm works.</p>"
    attachments = [
        (a.get_filename(), a.get_content_type(), a.get_payload(decode=True))
        for a in parsed.iter_attachments()
    ]
    assert attachments == [("agenda.pdf", "application/pdf", pdf), ("note.txt", "text/plain", b"n\xe9e")]
    assert "Reply-To" not in parsed
    work()
    assert stored(settings, row.id).status in TERMINAL and not failed_jobs(settings)


# -- 4 --------------------------------------------------------------------------------------------------


def test_inbound_04_raw_relay_takes_only_message_rfc822_with_the_bearer_token(
    settings, client, cli, monkeypatch
):
    raw = message("raw-1@example.org")
    auth = {"Authorization": f"Bearer {RAW_TOKEN}"}
    for content_type in ("text/plain", "application/octet-stream", "application/json", "multipart/form-data"):
        answer = client.post("/inbound/raw", data=raw, headers={**auth, "Content-Type": content_type})
        assert answer.status_code == 415 and "message/rfc822" in answer.get_json()["reason"]
    assert client.post("/inbound/raw", data=raw, headers=auth).status_code == 415
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {RAW_TOKEN}"},
        basic("x", "y"),
    ):
        answer = client.post("/inbound/raw", data=raw, headers={**headers, "Content-Type": "message/rfc822"})
        assert answer.status_code == 401
    assert count_stored(settings) == 0
    answer = client.post(
        "/inbound/raw?recipient=Reply%2BKey@Mentoring.Example",
        data=raw,
        headers={**auth, "Content-Type": "message/rfc822; charset=utf-8"},
    )
    assert answer.status_code == 200
    row = stored(settings, answer.get_json()["id"])
    assert (row.raw, row.envelope_recipient, row.source) == (raw, "reply+key@mentoring.example", "raw")
    # The relay CLI: a database it cannot reach exits 75 so that the mail server retries.
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/none")
    assert cli("inbound", "-", input=raw).code == 75


# -- 5 --------------------------------------------------------------------------------------------------

EIGHT_BIT = (
    b"From: =?iso-8859-1?q?Andr=E9?= <andre@example.org>\r\n"
    b"To: reply+x@mentoring.example\r\n"
    b"Subject: caf\xe9 \xff\xfe na\xc3\xafve\r\n"
    b"Message-ID: <8bit-{n}@example.org>\r\n"
    b"X-Junk: \x00nul\x01\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
    b'--b1\r\nContent-Type: text/plain; charset="us-ascii"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
    b"Gr\xc3\xbc\xc3\x9fe, invalid \xc3\x28 and latin \xe9\r\n"
    b'--b1\r\nContent-Type: text/html; charset="x-no-such-charset"\r\n\r\n<p>\xe9\x00\xff</p>\r\n'
    b"--b1--\r\n"
)


@pytest.mark.parametrize("ingress", BYTE_INGRESSES)
def test_inbound_05_bytes_are_stored_unchanged_and_parsed_without_crashing(settings, client, work, ingress):
    raw = EIGHT_BIT.replace(b"{n}", ingress.encode())
    answer = BYTE_INGRESSES[ingress](client, raw, "reply+x@mentoring.example")
    assert answer.status_code == 200, answer.get_json()
    inbound_id = answer.get_json()["id"]
    assert stored(settings, inbound_id).raw == raw
    work()
    row = stored(settings, inbound_id)
    assert row.status in TERMINAL and row.reason != "error", (row.status, row.error)
    assert row.raw == raw and not failed_jobs(settings)


# -- 6 --------------------------------------------------------------------------------------------------


def _malformed_cases() -> list[tuple[str, str, dict, bytes, int]]:
    """(name, path, headers, body, expected status)."""
    signed = mailgun_signature()
    mg_form = lambda **fields: multipart([*signed.items(), *fields.items()])  # noqa: E731
    form = lambda **fields: multipart(list(fields.items()))  # noqa: E731
    pm = basic(*POSTMARK)
    sg = basic(*SENDGRID)
    json_type = {"Content-Type": "application/json"}
    cases = []

    def add(name, path, headers, body, status, content_type=None):
        cases.append(
            (
                name,
                path,
                {**headers, **({"Content-Type": content_type} if content_type else {})},
                body,
                status,
            )
        )

    body, ctype = mg_form()
    add("mailgun-no-message", "/inbound/mailgun", {}, body, 422, ctype)
    body, ctype = mg_form(**{"message-headers": "{not json"})
    add("mailgun-headers-not-json", "/inbound/mailgun", {}, body, 422, ctype)
    body, ctype = mg_form(**{"message-headers": "[" * 50_000})
    add("mailgun-headers-deep", "/inbound/mailgun", {}, body, 422, ctype)
    body, ctype = mg_form(**{"message-headers": '[["From"]]'})
    add("mailgun-headers-wrong-shape", "/inbound/mailgun", {}, body, 422, ctype)
    body, ctype = mg_form(**{"body-mime": ""})
    add("mailgun-empty-message", "/inbound/mailgun/mime", {}, body, 422, ctype)
    add("mailgun-json", "/inbound/mailgun", {}, json.dumps(signed).encode(), 415, "application/json")
    add("mailgun-no-boundary", "/inbound/mailgun", {}, body, 422, "multipart/form-data")
    add(
        "mailgun-not-multipart",
        "/inbound/mailgun",
        {},
        b"garbage" * 10,
        422,
        "multipart/form-data; boundary=zz",
    )
    add("mailgun-unterminated", "/inbound/mailgun", {}, body[: len(body) // 2], 422, ctype)
    add(
        "mailgun-8bit-part-header",
        "/inbound/mailgun",
        {},
        b'--zz\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--zz--\r\n',
        422,
        "multipart/form-data; boundary=zz",
    )
    add("postmark-text", "/inbound/postmark", pm, b"{}", 415, "text/plain")
    add("postmark-bad-json", "/inbound/postmark", pm, b'{"RawEmail": ', 422, "application/json")
    add("postmark-invalid-utf8", "/inbound/postmark", pm, b'{"RawEmail": "\xff"}', 422, "application/json")
    add("postmark-array", "/inbound/postmark", pm, b"[1, 2]", 422, "application/json")
    add("postmark-deep", "/inbound/postmark", pm, b"[" * 100_000 + b"]" * 100_000, 422, "application/json")
    for name, payload in {
        "postmark-raw-number": {"RawEmail": 5},
        "postmark-recipient-list": {"RawEmail": "From: a@b\r\n\r\nx", "OriginalRecipient": ["a"]},
        "postmark-no-sender": {"TextBody": "hi"},
        "postmark-to-not-list": {"FromFull": {"Email": "a@b.org"}, "ToFull": "x"},
        "postmark-headers-shape": {"FromFull": {"Email": "a@b.org"}, "Headers": [{"Name": 1}]},
        "postmark-attachment-base64": {
            "FromFull": {"Email": "a@b.org"},
            "Attachments": [{"Name": "a", "Content": "@@@é", "ContentType": "text/plain"}],
        },
        "postmark-empty-raw": {"RawEmail": "   \r\n"},
    }.items():
        add(name, "/inbound/postmark", {**pm, **json_type}, json.dumps(payload).encode(), 422)
    body, ctype = form(to="x@y")
    add("sendgrid-no-email", "/inbound/sendgrid", sg, body, 422, ctype)
    body, ctype = form(email=message("sg-bad-envelope@x"), envelope="{oops")
    add("sendgrid-envelope-not-json", "/inbound/sendgrid", sg, body, 422, ctype)
    body, ctype = form(email=message("sg-envelope-list@x"), envelope='["a@b"]')
    add("sendgrid-envelope-not-object", "/inbound/sendgrid", sg, body, 422, ctype)
    body, ctype = form(email=message("sg-bad-to@x"), envelope='{"to": "a@b"}')
    add("sendgrid-envelope-to-not-list", "/inbound/sendgrid", sg, body, 422, ctype)
    body, ctype = form(email=b"")
    add("sendgrid-empty-email", "/inbound/sendgrid", sg, body, 422, ctype)
    add("sendgrid-json", "/inbound/sendgrid", sg, b"{}", 415, "application/json")
    add(
        "sendgrid-urlencoded-no-email",
        "/inbound/sendgrid",
        sg,
        b"to=a%40b",
        422,
        "application/x-www-form-urlencoded",
    )
    raw_auth = {"Authorization": f"Bearer {RAW_TOKEN}"}
    add("raw-empty", "/inbound/raw", raw_auth, b"", 422, "message/rfc822")
    add("raw-blank", "/inbound/raw", raw_auth, b" \r\n\t\r\n", 422, "message/rfc822")
    return cases


@pytest.mark.parametrize(
    ("path", "headers", "body", "status"),
    [c[1:] for c in _malformed_cases()],
    ids=[c[0] for c in _malformed_cases()],
)
def test_inbound_06_malformed_payloads_answer_4xx_with_a_reason(
    settings, client, path, headers, body, status
):
    answer = client.post(path, data=body, headers=headers)
    assert answer.status_code == status, answer.get_data()[:300]
    assert answer.is_json and answer.get_json()["reason"]
    assert count_stored(settings) == 0


def test_inbound_06_bodies_over_26214400_bytes_answer_413(settings, client):
    too_big = message("big@example.org") + b"x" * (MAX_MESSAGE_BYTES + 1)
    answers = {
        "raw": via_raw(client, too_big),
        "mailgun-mime": via_mailgun_mime(client, too_big),
        "sendgrid": via_sendgrid(client, too_big),
        "postmark-raw": via_postmark_raw(client, too_big),
        "request-over-the-limit": post_form(
            client, "/inbound/sendgrid", [("email", too_big + b"y" * 2_000_000)], basic(*SENDGRID)
        ),
    }
    for name, answer in answers.items():
        assert answer.status_code == 413, name
        assert str(MAX_MESSAGE_BYTES) in answer.get_json()["reason"], name
    assert count_stored(settings) == 0


# -- 7 --------------------------------------------------------------------------------------------------


def test_inbound_07_envelope_recipient_is_kept_and_finds_the_key(settings, client, work, welcomed):
    _, address = welcomed

    def reply(n: int) -> bytes:
        # The key survives only in the envelope: To is a list address, no In-Reply-To/References.
        return gmail_reply(
            sender="ana@example.org",
            to="mentoring-list@mentoring.example",
            subject="Re: Welcome",
            body=f"I want to learn to give feedback ({n}).",
            quoted="Welcome!",
            message_id=f"<envelope-{n}@mail.gmail.com>",
        )

    sent = {
        name: ingress(client, reply(n), address) for n, (name, ingress) in enumerate(BYTE_INGRESSES.items())
    }
    mailgun_fields = {
        **mailgun_signature(),
        "recipient": address,
        "message-headers": json.dumps(
            [
                ["From", "Ana Ruiz <ana@example.org>"],
                ["To", "list@mentoring.example"],
                ["Subject", "Re: Welcome"],
                ["Message-Id", "<envelope-mg@x>"],
            ]
        ),
        "body-plain": "Grow my network.",
    }
    sent["mailgun-parsed"] = client.post("/inbound/mailgun", data=mailgun_fields)
    postmark_payload = {
        "FromFull": {"Email": "ana@example.org", "Name": "Ana Ruiz"},
        "ToFull": [{"Email": "list@mentoring.example", "Name": ""}],
        "Subject": "Re: Welcome",
        "OriginalRecipient": address,
        "Headers": [{"Name": "Message-ID", "Value": "<envelope-pm@x>"}],
        "TextBody": "Speak up in meetings.",
    }
    sent["postmark-parsed"] = client.post(
        "/inbound/postmark", json=postmark_payload, headers=basic(*POSTMARK)
    )
    ids = {}
    for name, answer in sent.items():
        assert answer.status_code == 200, (name, answer.get_json())
        ids[name] = answer.get_json()["id"]
        assert stored(settings, ids[name]).envelope_recipient == address.lower(), name
    work()
    for name, inbound_id in ids.items():
        row = stored(settings, inbound_id)
        assert (row.status, row.reason) == ("processed", None), (name, row.status, row.reason, row.error)
        assert row.reply_key_id is not None


# -- 8 --------------------------------------------------------------------------------------------------


def test_inbound_08_stored_and_committed_before_enqueue_never_parsed_in_the_request(
    settings, app_settings, client, work
):
    inbound = queues.queue(app_settings, queues.INBOUND)
    garbage = b"\x89PNG\r\n\x1a\n\x00\x00 not an email at all \xff"
    ids = []
    for n, ingress in enumerate(BYTE_INGRESSES.values()):
        answer = ingress(client, garbage + str(n).encode(), f"g{n}@mentoring.example")
        assert answer.status_code == 200 and answer.get_json()["status"] == "pending"
        ids.append(answer.get_json()["id"])
        # Committed (a fresh session sees it) and enqueued once, with its id.
        assert stored(settings, ids[-1]).status == "pending"
        assert inbound.count == n + 1 and inbound.jobs[-1].args == (ids[-1],)
    work()
    for inbound_id in ids:
        assert (stored(settings, inbound_id).status, stored(settings, inbound_id).reason) == (
            "rejected",
            "unparseable",
        )

    # An unreachable database is the one 5xx: 503, nothing stored or enqueued.
    down = create_app(
        app_settings.with_(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    ).test_client()
    for name, ingress in BYTE_INGRESSES.items():
        answer = ingress(down, message(f"db-down-{name}@x"), "x@mentoring.example")
        assert answer.status_code == 503 and "database" in answer.get_json()["reason"], name
    assert inbound.count == 0 and count_stored(settings) == len(ids)


# -- 9 --------------------------------------------------------------------------------------------------


def test_inbound_09_raw_kept_with_status_pending_then_terminal_with_reason(settings, client, work):
    cases = {
        "unknown_key": gmail_reply(
            sender="ana@example.org",
            to=reply_address(new_key(), "mentoring.example"),
            subject="Re: hi",
            body="Tuesday works",
            quoted="Hello",
            message_id="<unknown-key-{n}@x>",
        ),
        "auto_reply": message("auto-{n}@x", Auto_Submitted="auto-replied"),
        "unparseable": b"\x00\x01\x02 {n} \xff\xfe",
        "no_key": message("nokey-{n}@x"),
    }
    expected = {
        "unknown_key": "rejected",
        "auto_reply": "ignored",
        "unparseable": "rejected",
        "no_key": "rejected",
    }
    sent = []
    for name, ingress in BYTE_INGRESSES.items():
        for reason, template in cases.items():
            raw = template.replace(b"{n}", name.encode())
            answer = ingress(client, raw, None)
            assert answer.status_code == 200 and answer.get_json()["status"] == "pending"
            sent.append((answer.get_json()["id"], raw, reason, name))
    work()
    for inbound_id, raw, reason, name in sent:
        row = stored(settings, inbound_id)
        assert (row.status, row.reason) == (expected[reason], reason), (
            name,
            row.status,
            row.reason,
            row.error,
        )
        assert row.raw == raw and row.raw_size == len(raw) and row.attempts == 1
        assert row.source == name.split("-")[0]
    assert not failed_jobs(settings)


# -- 10 -------------------------------------------------------------------------------------------------


def test_inbound_10_dedupe_on_message_id_and_envelope_recipient_across_providers(settings, client, work):
    raw = message("dedupe-1@example.org")
    first = via_raw(client, raw, "a@mentoring.example").get_json()
    relayed = b"Received: from mx2.example.org by mx.mentoring.example; Thu, 26 Nov 2026\r\n" + raw
    for ingress in BYTE_INGRESSES.values():
        again = ingress(client, relayed, "A@Mentoring.Example")
        assert again.status_code == 200 and again.get_json() == {**first, "duplicate": True}
    other = via_sendgrid(client, raw, "b@mentoring.example").get_json()
    assert other["duplicate"] is False and other["id"] != first["id"]

    # Without a Message-ID: the bytes decide, and the stored row gets a derived Message-ID.
    bare = message(None)
    one, two = via_raw(client, bare).get_json(), via_mailgun_mime(client, bare).get_json()
    assert two == {**one, "duplicate": True}
    assert stored(settings, one["id"]).message_id.endswith("@derived.mentoring.example")
    assert via_raw(client, bare + b"P.S.\r\n").get_json()["duplicate"] is False

    # A rebuilt message is the same bytes on every retry, so it dedupes even without a Message-ID.
    payload = {"FromFull": {"Email": "ana@example.org", "Name": "Ana"}, "Subject": "no id", "TextBody": "hi"}
    pm = [
        client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK)).get_json() for _ in range(2)
    ]
    assert pm[1] == {**pm[0], "duplicate": True}
    form = {
        "message-headers": json.dumps([["From", "ana@example.org"], ["Subject", "no id"]]),
        "body-plain": "hi",
    }
    mg = [client.post("/inbound/mailgun", data={**mailgun_signature(), **form}).get_json() for _ in range(2)]
    assert mg[1] == {**mg[0], "duplicate": True}
    work()
    assert count_stored(settings) == 6
    with session_scope(settings) as s:
        assert set(s.scalars(select(InboundMessage.attempts))) == {1}
    assert set(statuses(settings).values()) <= TERMINAL


# -- 12 -------------------------------------------------------------------------------------------------


def test_inbound_12_permanent_failure_is_not_retried_and_can_be_reprocessed(
    settings, app_settings, client, work, cli
):
    raw = gmail_reply(
        sender="ana@example.org",
        to=reply_address(new_key(), "mentoring.example"),
        subject="Re: hi",
        body="Tuesday works",
        quoted="Hello",
        message_id="<permanent-1@x>",
    )
    inbound_id = via_sendgrid(client, raw).get_json()["id"]
    work()
    row = stored(settings, inbound_id)
    assert (row.status, row.reason, row.attempts) == ("rejected", "unknown_key", 1)
    inbound = queues.queue(app_settings, queues.INBOUND)
    assert inbound.count == 0 and not failed_jobs(settings)
    assert ScheduledJobRegistry(queue=inbound).get_job_ids() == []
    result = cli("reprocess", str(inbound_id))
    assert result.code == 0 and result.stdout.strip() == f"{inbound_id}: rejected unknown_key"
    assert stored(settings, inbound_id).attempts == 2
