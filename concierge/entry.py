"""The `concierge` console command's entry point: Ctrl-C at any moment ends it quietly.

The command's modules take a moment to import, and click answers a KeyboardInterrupt with a
line of its own: Ctrl-C raises `Interrupted` instead, which nothing on the way catches, and
the command exits 130 without a word. Transactions roll back on the way out (nothing
half-written). Nothing is imported here before the guard is in place; the worker and cron
install RQ's own handlers for a graceful stop once they run.
"""

import signal
import sys


class Interrupted(BaseException):
    """Ctrl-C (SIGINT): stop now, quietly."""


def _interrupt(_signum: int, _frame: object) -> None:
    raise Interrupted


def main() -> None:
    """Run the CLI (`concierge.cli.main`); exit 130 without a word on Ctrl-C."""
    signal.signal(signal.SIGINT, _interrupt)
    try:
        from concierge.cli import main as run

        run()
    except (Interrupted, KeyboardInterrupt):
        sys.exit(130)
