"""The header registry that builds outgoing messages (concierge.mail.render): its cached classes
and parsed values give the same bytes as the standard one, and values that are not text still work."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage

from concierge.mail import render
from concierge.mail.render import HEADERS_POLICY, Envelope, render_message


def envelope(to: str, message_id: str) -> Envelope:
    return Envelope(
        mail_from="Concierge <concierge@example.org>",
        to=to,
        message_id=message_id,
        date=datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        reply_to="r+abc@example.org",
        unsubscribe_mailto="mailto:u@example.org",
        unsubscribe_url="https://example.org/u/abc",
    )


def context() -> dict:
    from concierge.devmail import SAMPLE_CONTEXTS

    return dict(SAMPLE_CONTEXTS["key_expired"], recipient_name="Maya", base_url="https://example.org")


def written(message: EmailMessage) -> bytes:
    """The message's bytes with its random MIME boundaries made equal."""
    return re.sub(rb"={15}\d+==", b"BOUNDARY", message.as_bytes())


def test_messages_that_share_header_values_are_written_as_the_standard_registry_writes_them(monkeypatch):
    envelopes = [
        envelope("Maya <maya@example.org>", "<1@example.org>"),
        envelope("Ana Lopes <ana@example.org>", "<2@example.org>"),
    ]
    first, second = (render_message("key_expired", context(), e) for e in envelopes)
    monkeypatch.setattr(render, "HEADERS_POLICY", policy.default.clone(max_line_length=998))
    standard = [render_message("key_expired", context(), e) for e in envelopes]
    assert [written(m) for m in (first, second)] == [written(m) for m in standard]
    assert second["To"].addresses[0].addr_spec == "ana@example.org"
    assert first["To"].addresses[0].addr_spec == "maya@example.org"
    assert first["From"] is second["From"]  # parsed once, shared: header objects are immutable


def test_only_headers_the_same_in_every_message_are_kept():
    cache = render.HEADERS_POLICY.header_factory._parse
    render_message("key_expired", context(), envelope("Maya <maya@example.org>", "<1@example.org>"))
    before = cache.cache_info()
    render_message("key_expired", context(), envelope("Ana <ana@example.org>", "<2@example.org>"))
    after = cache.cache_info()
    # Another person's message: every value kept is found again, and none of theirs (To,
    # Reply-To, Message-ID, List-Unsubscribe) is added to what is kept.
    assert after.hits > before.hits
    assert (after.misses, after.currsize) == (before.misses, before.currsize)


def test_a_header_set_as_an_address_object_works():
    message = EmailMessage(policy=HEADERS_POLICY)
    message["To"] = Address("Maya Chen", "maya", "example.org")
    message["Cc"] = (Address("Ana", "ana", "example.org"), Address("Bo", "bo", "example.org"))
    assert message["To"].addresses[0].display_name == "Maya Chen"
    assert [a.addr_spec for a in message["Cc"].addresses] == ["ana@example.org", "bo@example.org"]
