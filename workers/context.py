"""The settings a job runs with: those of the process that started the worker, never read at import."""

from __future__ import annotations

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
