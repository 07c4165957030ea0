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


def _refresh(args: list[str]) -> None:
    """After an upgrade of gover, render the shims and hook files again before anything else
    (select/refresh.py). Best effort: a failure is one warning, and the command still runs."""
    if args[:1] == ["rehash"]:
        return  # renders everything itself
    if args[:1] == ["doctor"]:
        return  # doctor changes nothing (it reports stale shims; --fix runs gover rehash)
    from gover.select import refresh

    try:
        if not refresh.needed():
            return
    except (GoverError, OSError):
        return  # a broken store or setting: the command itself says so, once
    try:
        output.notice("gover changed since the shims and hooks were rendered: rendering them again")
        refresh.run()
    except (GoverError, OSError) as exc:
        output.warn(f"could not render the shims and hooks again: {exc}; run: gover rehash")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get(ENV_DEBUG) == "1" or "--debug" in args
    import signal

    from gover.cli import fast as views

    as_json = views.json_requested(args)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        _refresh(args)
        if not views.fast_path(args):
            from gover.cli import app as cli

            cli.run(args)
    except KeyboardInterrupt:
        _fail("interrupted", 130, as_json)
    except BrokenPipeError:
        # `gover list | head -1`: the reader left. Quietly, as a Go program dies of SIGPIPE
        # (141 in the shell); stdout goes to /dev/null so the exit's flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
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
