"""How a job's error is written down where a coordinator may read it (a message's or an email's
`error`)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError


def error_text(exc: BaseException) -> str:
    """The error as a coordinator may read it: its class and message, never a statement's
    parameters (SQLAlchemy's text of an error carries them, and they hold people's words)."""
    origin = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    if origin is not None:
        lines = str(origin).strip().splitlines()
        return f"{type(origin).__name__}: {lines[0] if lines else ''}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
