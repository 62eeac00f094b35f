"""Signed tokens in links: unsubscribe links name (person, program) without a table lookup."""

from __future__ import annotations

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
