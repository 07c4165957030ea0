"""The entry point. Hot commands run without the CLI framework; every GoverError is caught
here once: one line on stderr and its exit code, a traceback only with --debug/GOVER_DEBUG=1."""

from __future__ import annotations

import os
import sys

from gover import output
from gover.constants import ENV_DEBUG
from gover.errors import GoverError, Interrupted


def _interrupt(signum: int, frame: object) -> None:
    raise Interrupted()


def _traceback() -> None:
    """--debug: the traceback, line by line through the escaping printer (its messages hold
    paths, and a path may hold escape sequences)."""
    import traceback

    for line in traceback.format_exc().splitlines():
        output.status(line)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get(ENV_DEBUG) == "1" or "--debug" in args
    import signal

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        from gover.cli import fast as views

        if not views.fast_path(args):
            from gover.cli import app as cli

            cli.run(args)
    except KeyboardInterrupt:
        output.error("interrupted")
        sys.exit(130)
    except GoverError as exc:
        if debug:
            _traceback()
        output.error(str(exc))
        sys.exit(exc.exit_code)
    except OSError as exc:
        if debug:
            _traceback()
        where = f"{exc.filename}: " if exc.filename else ""
        output.error(f"{where}{exc.strerror or exc}")
        sys.exit(1)
    sys.exit(0)
