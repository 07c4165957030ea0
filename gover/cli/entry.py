"""The entry point. Hot commands run without the CLI framework; every GoverError is caught
here once: one line on stderr and its exit code, a traceback only with --debug/GOVER_DEBUG=1.
Under --json the failure is also a JSON object on stdout: {"schema", "error", "exit_code"}."""

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


def _fail(message: str, exit_code: int, as_json: bool) -> None:
    if as_json:
        output.json_error(message, exit_code)
    output.error(message)
    sys.exit(exit_code)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get(ENV_DEBUG) == "1" or "--debug" in args
    import signal

    from gover.cli import fast as views

    as_json = views.json_requested(args)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        if not views.fast_path(args):
            from gover.cli import app as cli

            cli.run(args)
    except KeyboardInterrupt:
        _fail("interrupted", 130, as_json)
    except GoverError as exc:
        if debug:
            _traceback()
        _fail(str(exc), exc.exit_code, as_json)
    except OSError as exc:
        if debug:
            _traceback()
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or exc}", 1, as_json)
    sys.exit(0)
