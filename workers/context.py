"""The settings a job runs with (those of the process that started the worker, never read at import)
and how a job's error is written down."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from concierge.config import Settings, load_settings

_current: Settings | None = None


def use(settings: Settings) -> None:
    """Make `settings` the ones jobs in this process run with (the worker and tick call it)."""
    global _current
    _current = settings


def job_settings() -> Settings:
    """The settings jobs run with; read from the environment if no process set them."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def error_text(exc: BaseException) -> str:
    """The error as a coordinator may read it: its class and message, never a statement's
    parameters (SQLAlchemy's text of an error carries them, and they hold people's words)."""
    origin = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    if origin is not None:
        lines = str(origin).strip().splitlines()
        return f"{type(origin).__name__}: {lines[0] if lines else ''}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
