"""Finding the reply key in the addresses a message was sent to (`reply+<key>@REPLY_DOMAIN`)."""

from __future__ import annotations

from concierge.inbound.message import ParsedMessage

#: A key is 26 characters of the RFC 4648 base32 alphabet, compared in lowercase.
KEY_LENGTH = 26
#: What a reply address's local part starts with, before the key.
REPLY_PREFIX = "reply+"
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


def key_from_address(address: str | None, reply_domain: str) -> str | None:
    """The lowercased key of a `reply+<key>@<reply_domain>` address, or None."""
    if not address:
        return None
    local, at, domain = address.strip().strip("<>").lower().rpartition("@")
    if not at or domain != reply_domain.strip().lower() or not local.startswith(REPLY_PREFIX):
        return None
    key = local[len(REPLY_PREFIX) :]
    if len(key) == KEY_LENGTH and set(key) <= _ALPHABET:
        return key
    return None


def reply_key_candidates(msg: ParsedMessage, reply_domain: str) -> list[str]:
    """Keys from reply addresses, in order: To, Cc, Delivered-To, X-Original-To, envelope recipient.

    Lowercased and without repeats; the caller looks them up in that order.
    """
    candidates: list[str] = []
    addresses = [*msg.to, *msg.cc, *msg.delivered_to, *msg.x_original_to, msg.envelope_recipient]
    for address in addresses:
        key = key_from_address(address, reply_domain)
        if key and key not in candidates:
            candidates.append(key)
    return candidates
