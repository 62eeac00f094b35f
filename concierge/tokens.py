"""Signed tokens: unsubscribe links name (person, program); send tokens (in VERP addresses and
the `X-Concierge-Send` header) name one send.

Both are checked without a table lookup first, and neither can be made without SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer

from concierge.config import Settings

UNSUBSCRIBE_SALT = "concierge.unsubscribe"


def unsubscribe_token(settings: Settings, person_id: int, program_id: int) -> str:
    """A token for the one-click unsubscribe link of one person in one program."""
    return str(URLSafeSerializer(settings.secret_key, salt=UNSUBSCRIBE_SALT).dumps([person_id, program_id]))


def read_unsubscribe_token(settings: Settings, token: str) -> tuple[int, int] | None:
    """(person_id, program_id) from a valid token, else None."""
    try:
        value = URLSafeSerializer(settings.secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 2**31 for v in value)
    ):
        return value[0], value[1]
    return None


VERP_SALT = b"concierge.verp"
#: 80 bits of HMAC in base32: unguessable, and short enough for an address's local part.
VERP_MAC_CHARS = 16


def _verp_mac(settings: Settings, outbound_id: int) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), VERP_SALT + b":" + str(outbound_id).encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode().lower()[:VERP_MAC_CHARS]


def send_token(settings: Settings, outbound_id: int) -> str:
    """`<id>-<mac>`: names one send, and cannot be made without SECRET_KEY."""
    return f"{outbound_id}-{_verp_mac(settings, outbound_id)}"


def read_send_token(settings: Settings, token: str | None) -> int | None:
    """The outbound id of a send token we signed (compared case-insensitively), else None."""
    number, dash, mac = (token or "").strip().lower().partition("-")
    if not dash or not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    outbound_id = int(number)
    if not hmac.compare_digest(mac.encode(), _verp_mac(settings, outbound_id).encode()):
        return None
    return outbound_id


#: The header every send carries with its send token: only its recipient sees it, so a
#: delivery report that returns it was made from that very email (SPEC §3.4).
SEND_HEADER = "X-Concierge-Send"


def verp_address(settings: Settings, outbound_id: int) -> str:
    """The envelope sender of one send, `bounce+<id>-<mac>@REPLY_DOMAIN` (VERP, SPEC §3.4).

    A bounce to it is tied to that exact send; the signature makes the address unforgeable.
    """
    return f"bounce+{send_token(settings, outbound_id)}@{settings.reply_domain}"


def read_verp_address(settings: Settings, address: str | None) -> int | None:
    """The outbound id of a VERP address we signed (compared case-insensitively), else None."""
    local, at, domain = (address or "").strip().strip("<>").lower().rpartition("@")
    if not at or domain != settings.reply_domain.lower() or not local.startswith("bounce+"):
        return None
    return read_send_token(settings, local[len("bounce+") :])
