"""The only module that prints. Commands return data (gover.results); `render` prints a
result as text or as a JSON document carrying `"schema"`, and `json_error` prints the JSON
object for a failure under --json.

Text that may hold a path or a file's content is made safe for the terminal here, once:
control characters (C0, DEL, C1: ESC, CR, BEL, 0x9b CSI, ...), bidirectional overrides and
undecodable bytes (surrogate escapes from a non-UTF-8 name) are printed as `\\xNN`/`\\uNNNN`,
so a directory named with an escape sequence cannot retitle or rewrite the terminal and an
error stays one line. Shell code meant for `eval` (hook, init, completions, env, shell) is
printed byte-exact by `code()` instead: its producers quote it for the shell.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gover.results.base import Result, Table

_warned: set[str] = set()

# Cc (C0, DEL, C1), the bidi embedding/override/isolate controls, and lone surrogates.
_UNSAFE_RE: re.Pattern[str] | None = None
_UNSAFE = r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the undecodable byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def safe(text: str) -> str:
    """`text` with everything a terminal would act on escaped (see the module docstring)."""
    if text.isascii() and text.isprintable():
        return text
    global _UNSAFE_RE
    if _UNSAFE_RE is None:
        _UNSAFE_RE = re.compile(_UNSAFE)
    return _UNSAFE_RE.sub(_escape_char, text)


def info(message: str) -> None:
    print(safe(message), file=sys.stdout, flush=True)


def code(text: str) -> None:
    """Shell code for eval or a startup file, printed exactly as given (never escaped)."""
    print(text, file=sys.stdout, flush=True)


def code_lines(items: Iterable[str]) -> None:
    for item in items:
        print(item)
    sys.stdout.flush()


def status(message: str) -> None:
    """Progress chatter: stderr, so stdout stays machine-readable."""
    print(safe(message), file=sys.stderr, flush=True)


def prompt(question: str) -> None:
    """A question for the user on stderr, without a newline (the answer is read after it)."""
    print(safe(question), end="", file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """Transient chatter (retries, progress): shown on a terminal only, so a failing
    non-interactive run ends with exactly one error line."""
    if stderr_is_tty():
        print(f"gover: {safe(message)}", file=sys.stderr, flush=True)


INSTALL_STAGES = ("download", "verify", "extract", "commit")


def stage(subject: str, name: str, detail: str = "") -> None:
    """An install's stage on a terminal (stderr): `gover: go 1.22.10 [2/4] verify …`.
    Nothing off a terminal: a script sees only the result lines."""
    number = INSTALL_STAGES.index(name) + 1
    notice(f"{subject} [{number}/{len(INSTALL_STAGES)}] {name}" + (f" {detail}" if detail else ""))


def warn(message: str, once_key: str | None = None) -> None:
    if once_key is not None:
        if once_key in _warned:
            return
        _warned.add(once_key)
    print(f"gover: warning: {safe(message)}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    print(f"gover: error: {safe(message)}", file=sys.stderr, flush=True)


def emit_json(data: Any) -> None:
    """One JSON document on stdout. ASCII only: control characters, bidi overrides and
    undecodable bytes in a path arrive escaped (\\u001b), never raw on the terminal."""
    print(json.dumps(data, indent=2, sort_keys=False), flush=True)


def render(result: Result, *, as_json: bool) -> None:
    """The one renderer: `result` as a JSON document (schema first) or as text lines on
    stdout with its notes on stderr. A result that is a failure (exit 1) also says so as the
    one error line on stderr. The caller exits with `result.exit_code`."""
    from gover.results.base import SCHEMA

    if as_json:
        emit_json({"schema": SCHEMA, **result.data()})
    elif (table := result.table()) is not None and sys.stdout.isatty():
        rich_table(table)
        for note in result.notes():
            status(note)
    else:
        lines(result.lines())
        for note in result.notes():
            status(note)
    if as_json and result.error is not None:
        error(result.error)


def rich_table(table: Table) -> None:
    """A table per group on a terminal (rich is imported only here). Every cell is plain
    text (never rich markup) and escaped like every other line."""
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text

    console = Console(highlight=False)
    for title, rows in table.groups:
        grid = RichTable(title=Text(safe(title)), title_justify="left", show_lines=True)
        for header in table.headers:
            grid.add_column(Text(header), overflow="fold")
        for row in rows:
            grid.add_row(*(Text(safe(cell)) for cell in row))
        console.print(grid)


def json_error(message: str, exit_code: int) -> None:
    """Under --json, a failure is also a JSON object on stdout (the line goes to stderr)."""
    from gover.results.base import SCHEMA

    emit_json({"schema": SCHEMA, "error": message, "exit_code": exit_code})


def lines(items: Iterable[str]) -> None:
    for item in items:
        print(safe(item))
    sys.stdout.flush()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def _started_bars() -> Any:
    """A started rich Progress on stderr with gover's download columns (rich imported here,
    only when a bar is shown)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    bars.start()
    return bars


class Progress:
    """A rich progress bar on stderr, or nothing. rich is imported only when shown."""

    def __init__(self, label: str, *, enabled: bool) -> None:
        self._label = label
        self._enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self._enabled:
            self._progress = _started_bars()
            self._task = self._progress.add_task(safe(self._label), total=None)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def reset(self, *, completed: int, total: int | None) -> None:
        if self._progress is not None:
            self._progress.reset(self._task, completed=completed, total=total)

    def advance(self, amount: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def update(self, completed: int, total: int) -> None:
        """Set the bar (may be called from another thread: rich locks its tasks)."""
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, total=total)


class MultiProgress:
    """One rich progress bar per file on stderr (parallel downloads), or nothing. rich is
    imported only when shown; `add`, `update` and `complete` may be called from any thread."""

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled
        self._progress: Any = None

    def __enter__(self) -> MultiProgress:
        if self._enabled:
            self._progress = _started_bars()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def add(self, label: str, total: int | None) -> int:
        if self._progress is None:
            return -1
        return int(self._progress.add_task(safe(label), total=total))

    def update(self, task: int, completed: int) -> None:
        if self._progress is not None:
            self._progress.update(task, completed=completed)

    def complete(self, task: int) -> None:
        if self._progress is not None:
            total = self._progress.tasks[[t.id for t in self._progress.tasks].index(task)].total
            self._progress.update(task, completed=total)
