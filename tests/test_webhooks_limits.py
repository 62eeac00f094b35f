"""The webhooks' limits (SPEC §4.3): request size, form fields, nesting, token memory, wrong paths.

Each test reproduces an audit finding: a sender-controlled payload that answered 500, 413 or an
HTML page where the SPEC wants a 4xx JSON reason, and a Mailgun token forgotten while its
signed request was still acceptable.
"""

from __future__ import annotations

import io
import json
import time

import pytest

from concierge import create_app, queues
from concierge.ingress.store import MAX_MESSAGE_BYTES
from concierge.ingress.webhooks import MAX_CLOCK_SKEW, MAX_FORM_PARTS, _token_key
from tests.test_webhooks import (
    POSTMARK,
    RAW_TOKEN,
    SENDGRID,
    TERMINAL,
    basic,
    configured,
    count_stored,
    failed_jobs,
    mailgun_signature,
    message,
    multipart,
    parse,
    post_form,
    statuses,
    stored,
    via_mailgun_mime,
    via_raw,
)

#: SPEC §4.3: "413 for a body over 26,214,400 bytes".
MAX_BODY = 26_214_400


@pytest.fixture
def app_settings(settings):
    return configured(settings)


@pytest.fixture
def client(app_settings):
    return create_app(app_settings).test_client()


# -- nesting -------------------------------------------------------------------------------------------


def test_mailgun_headers_nested_too_deep_answer_422(settings, client):
    answer = client.post("/inbound/mailgun", data={**mailgun_signature(), "message-headers": "[" * 50_000})
    assert answer.status_code == 422, answer.get_data()[:300]
    assert "nested too deep" in answer.get_json()["reason"]
    assert count_stored(settings) == 0


def test_address_comments_nested_too_deep_are_kept_as_written(settings, client, work):
    # The stdlib address parser recurses once per "(": a non-ASCII address header is parsed to
    # encode its display names, so this was a RecursionError (500) in the rebuild.
    deep = "Zoë " + "(" * 50_000 + " <zoe@example.org>"
    headers = [["From", deep], ["Subject", "deep"], ["Message-Id", "<deep-mg@x>"]]
    fields = {**mailgun_signature(), "message-headers": json.dumps(headers), "body-plain": "Hi"}
    mailgun = client.post("/inbound/mailgun", data=fields)
    payload = {"From": deep, "ReplyTo": deep, "Subject": "deep", "TextBody": "Hi"}
    postmark = client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK))
    for answer in (mailgun, postmark):
        assert answer.status_code == 200, answer.get_data()[:300]
        raw = stored(settings, answer.get_json()["id"]).raw
        assert parse(raw)["Subject"] == "deep"
        assert deep.encode() in raw
    work()
    assert set(statuses(settings).values()) <= TERMINAL and not failed_jobs(settings)


def test_headers_too_long_to_rebuild_quickly_answer_422(settings, client):
    from concierge.ingress.rebuild import MAX_HEADER_CHARS

    huge = "x" * (MAX_HEADER_CHARS + 1)
    headers = [["From", "ana@example.org"], ["X-Padding", huge]]
    fields = {**mailgun_signature(), "message-headers": json.dumps(headers), "body-plain": "Hi"}
    mailgun = client.post("/inbound/mailgun", data=fields)
    payload = {"From": "ana@example.org", "Headers": [{"Name": "X-Padding", "Value": huge}], "TextBody": "Hi"}
    postmark = client.post("/inbound/postmark", json=payload, headers=basic(*POSTMARK))
    for answer in (mailgun, postmark):
        assert answer.status_code == 422, answer.get_data()[:300]
        assert "headers are longer than" in answer.get_json()["reason"]
    assert count_stored(settings) == 0


# -- Mailgun tokens ------------------------------------------------------------------------------------


def test_mailgun_token_is_remembered_as_long_as_its_timestamp_is_accepted(settings, app_settings, client):
    conn = queues.get_redis(app_settings)
    for n, offset in enumerate((-MAX_CLOCK_SKEW + 60, 0, MAX_CLOCK_SKEW - 60)):
        signature = mailgun_signature(timestamp=int(time.time()) + offset)
        answer = via_mailgun_mime(client, message(f"ttl-{n}@example.org"), "mg@mentoring.example", signature)
        assert answer.status_code == 200, answer.get_json()
        # The timestamp check passes until stamp + MAX_CLOCK_SKEW by our clock: remembered past that.
        valid_for = int(signature["timestamp"]) + MAX_CLOCK_SKEW - time.time()
        assert conn.pttl(_token_key(signature["token"])) / 1000 > valid_for + 60, offset

    # The audit's replay: a request stamped 14 minutes ahead, replayed 20 minutes after it was used
    # (its stamp is then 6 minutes behind, still accepted). Redis's clock cannot be moved, so the
    # record is aged by taking the 20 minutes off its lifetime (a lifetime that reaches 0 deletes it).
    signature = mailgun_signature(timestamp=int(time.time()) + 14 * 60)
    first = via_mailgun_mime(client, message("replayed@example.org"), "mg@mentoring.example", signature)
    assert first.status_code == 200
    key = _token_key(signature["token"])
    conn.pexpire(key, conn.pttl(key) - 20 * 60 * 1000)
    replay = via_mailgun_mime(client, message("forged@example.org"), "mg@mentoring.example", signature)
    assert replay.status_code == 401 and "token" in replay.get_json()["reason"]
    assert count_stored(settings) == 4


# -- size ----------------------------------------------------------------------------------------------


def _padded_form(fields: list[tuple], size: int) -> tuple[bytes, str]:
    """A multipart body of exactly `size` bytes: `fields` and a `padding` field that fills it up."""
    body, _ = multipart([*fields, ("padding", b"")])
    return multipart([*fields, ("padding", b"x" * (size - len(body)))])


def _over_the_limit() -> dict[str, tuple[str, dict[str, str], bytes]]:
    """(path, headers, body) per webhook: a small message in a request body of MAX_BODY + 1 bytes."""
    small = message("small@example.org")
    mailgun, mailgun_type = _padded_form([*mailgun_signature().items(), ("body-mime", small)], MAX_BODY + 1)
    sendgrid, sendgrid_type = _padded_form([("email", small)], MAX_BODY + 1)
    prefix = json.dumps({"RawEmail": small.decode(), "Padding": ""}).encode()[:-2]
    postmark = prefix + b"x" * (MAX_BODY + 1 - len(prefix) - 2) + b'"}'
    raw = small + b"x" * (MAX_BODY + 1 - len(small))
    return {
        "mailgun": ("/inbound/mailgun", {"Content-Type": mailgun_type}, mailgun),
        "mailgun-mime": ("/inbound/mailgun/mime", {"Content-Type": mailgun_type}, mailgun),
        "postmark": ("/inbound/postmark", {**basic(*POSTMARK), "Content-Type": "application/json"}, postmark),
        "sendgrid": ("/inbound/sendgrid", {**basic(*SENDGRID), "Content-Type": sendgrid_type}, sendgrid),
        "raw": (
            "/inbound/raw",
            {"Authorization": f"Bearer {RAW_TOKEN}", "Content-Type": "message/rfc822"},
            raw,
        ),
    }


def test_request_bodies_over_26214400_bytes_answer_413_whatever_they_carry(settings, client):
    assert MAX_MESSAGE_BYTES == MAX_BODY
    for name, (path, headers, body) in _over_the_limit().items():
        assert len(body) == MAX_BODY + 1, name
        answer = client.post(path, data=body, headers=headers)
        assert answer.status_code == 413, (name, answer.get_data()[:300])
        assert answer.is_json and str(MAX_BODY) in answer.get_json()["reason"], name
        # Chunked, so without a length the app could check first: cut at the limit as well.
        streamed = client.post(
            path,
            input_stream=io.BytesIO(body),
            headers=headers,
            environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
        )
        assert streamed.request.content_length is None, name
        assert streamed.status_code == 413, (name, streamed.get_data()[:300])
        assert streamed.is_json and str(MAX_BODY) in streamed.get_json()["reason"], name
    # The audit's request: a small body-mime with a padding field, 26,500,570 bytes in all.
    fields = [*mailgun_signature().items(), ("body-mime", message("audit@example.org"))]
    body, content_type = _padded_form(fields, 26_500_570)
    answer = client.post("/inbound/mailgun", data=body, headers={"Content-Type": content_type})
    assert answer.status_code == 413 and answer.is_json
    assert count_stored(settings) == 0


def test_a_request_body_of_exactly_26214400_bytes_is_stored_whole(settings, client):
    raw = message("exactly@example.org")
    raw += b"x" * (MAX_BODY - len(raw))
    answer = via_raw(client, raw, "exact@mentoring.example")
    assert answer.status_code == 200, answer.get_data()[:300]
    assert stored(settings, answer.get_json()["id"]).raw_size == MAX_BODY
    chunked = client.post(
        "/inbound/raw?recipient=chunked@mentoring.example",
        input_stream=io.BytesIO(raw),
        headers={"Authorization": f"Bearer {RAW_TOKEN}", "Content-Type": "message/rfc822"},
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )
    assert chunked.status_code == 200 and chunked.get_json()["duplicate"] is False
    assert stored(settings, chunked.get_json()["id"]).raw == raw


# -- form fields ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_too_many_form_fields_answer_422_not_413(settings, client, encoding):
    def post(count: int):
        fields = [("envelope", json.dumps({"to": [f"f{count}@mentoring.example"]}))]
        fields += [("email", message(f"fields-{encoding}-{count}@example.org"))]
        fields += [(f"extra{n}", "") for n in range(count - len(fields))]
        if encoding == "multipart":
            return post_form(client, "/inbound/sendgrid", fields, basic(*SENDGRID))
        return client.post("/inbound/sendgrid", data=dict(fields), headers=basic(*SENDGRID))

    assert post(MAX_FORM_PARTS).status_code == 200
    answer = post(MAX_FORM_PARTS + 1)
    assert answer.status_code == 422, answer.get_data()[:300]
    assert f"more than {MAX_FORM_PARTS} form" in answer.get_json()["reason"]
    # The audit's body: nothing but separators.
    ampersands = client.post(
        "/inbound/sendgrid",
        data=b"&" * 1000,
        headers={**basic(*SENDGRID), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ampersands.status_code == 422
    assert ampersands.get_json()["reason"] == f"more than {MAX_FORM_PARTS} form fields"
    assert count_stored(settings) == 1


# -- paths and methods ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/inbound/raw", 405),
        ("GET", "/inbound/mailgun", 405),
        ("PUT", "/inbound/mailgun/mime", 405),
        ("DELETE", "/inbound/postmark", 405),
        ("PATCH", "/inbound/sendgrid", 405),
        ("POST", "/inbound/nope", 404),
        ("GET", "/inbound", 404),
        ("POST", "/inbound/", 404),
        ("POST", "/inbound/raw/extra", 404),
        ("POST", "/inbound/mailgun/mime/", 404),
    ],
)
def test_wrong_methods_and_unknown_paths_under_inbound_answer_json(client, method, path, status):
    answer = client.open(path, method=method)
    assert answer.status_code == status
    assert answer.is_json, answer.get_data()[:200]
    reason = answer.get_json()["reason"]
    if status == 405:
        assert "POST" in answer.headers["Allow"] and f"{method} is not allowed" in reason
    else:
        assert "/inbound/mailgun" in reason and "/inbound/raw" in reason


def test_wrong_methods_and_unknown_paths_elsewhere_keep_their_pages(client):
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    wrong = client.post("/healthz")
    assert wrong.status_code == 405 and wrong.mimetype == "text/html"
    assert "GET" in wrong.headers["Allow"]
    assert client.get("/healthz").status_code == 200
