"""The only module that prints. Commands return data; this renders it as text or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

_warned: set[str] = set()


def info(message: str) -> None:
    print(message, file=sys.stdout, flush=True)


def status(message: str) -> None:
    """Progress chatter: stderr, so stdout stays machine-readable."""
    print(message, file=sys.stderr, flush=True)


def notice(message: str) -> None:
    """Transient chatter (retries, progress): shown on a terminal only, so a failing
    non-interactive run ends with exactly one error line."""
    if stderr_is_tty():
        print(f"gover: {message}", file=sys.stderr, flush=True)


def warn(message: str, once_key: str | None = None) -> None:
    if once_key is not None:
        if once_key in _warned:
            return
        _warned.add(once_key)
    print(f"gover: warning: {message}", file=sys.stderr, flush=True)


def error(message: str) -> None:
    print(f"gover: error: {message}", file=sys.stderr, flush=True)


def emit_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=False), flush=True)


def table(rows: Sequence[Sequence[str]], headers: Sequence[str] | None = None) -> None:
    all_rows: list[Sequence[str]] = [headers, *rows] if headers else list(rows)
    if not all_rows:
        return
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    for row in all_rows:
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
        print(line.rstrip(), flush=False)
    sys.stdout.flush()


def lines(items: Iterable[str]) -> None:
    for item in items:
        print(item)
    sys.stdout.flush()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


class Progress:
    """A rich progress bar on stderr, or nothing. rich is imported only when shown."""

    def __init__(self, label: str, *, enabled: bool) -> None:
        self._label = label
        self._enabled = enabled
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task(self._label, total=None)
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
