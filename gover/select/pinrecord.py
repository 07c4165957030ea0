"""The record of directories where `gover local` / `gover use` wrote a pin, so that `gover
prune` keeps what they select and `gover upgrade --pins` finds them (issue 14).

One absolute path per line in <data dir>/pinned-dirs, newest first, at most MAX_ENTRIES,
written atomically under a lock. The file is only a list of places to look at: a line is
used only when it is an absolute, NUL-free, valid UTF-8 path, and a recorded directory
counts only while it still holds a .go-version or .tool-versions. A damaged file (too large,
bad lines) is warned about once and rewritten with the lines that pass.
"""

from __future__ import annotations

import os
from pathlib import Path

from gover import output, paths

PINNED_DIRS_NAME = "pinned-dirs"  # under the data directory
MAX_ENTRIES = 1000
MAX_LINE = 4096  # bytes; PATH_MAX on Linux
MAX_BYTES = MAX_ENTRIES * (MAX_LINE + 1)
PIN_FILES = (".go-version", ".tool-versions")  # resolve.VERSION_FILE, resolve.TOOL_VERSIONS
_LOCK = "pinned-dirs"


def record_file() -> Path:
    return paths.data_dir() / PINNED_DIRS_NAME


def _valid(raw: bytes) -> str | None:
    """A line as a directory to look at, or None (relative, NUL, undecodable, too long)."""
    if not raw or len(raw) > MAX_LINE or b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.isprintable() or not os.path.isabs(text):
        return None
    return os.path.normpath(text)


def _read() -> tuple[list[str], bool]:
    """The recorded directories (deduplicated, in order) and whether the file was damaged."""
    from gover import fsutil

    path = record_file()
    try:
        data = fsutil.read_limited(path, MAX_BYTES + 1, follow_symlinks=False)
    except FileNotFoundError:
        return [], False
    except OSError as exc:
        output.warn(
            f"ignoring {path}: {exc.strerror or exc}; it will be rebuilt",
            once_key=f"pinrecord:{path}",
        )
        return [], True
    damaged = len(data) > MAX_BYTES
    lines = data[:MAX_BYTES].split(b"\n")
    if damaged or lines[-1] == b"":
        lines.pop()  # a line cut by the cap, or the empty tail after the last newline
    found: list[str] = []
    seen: set[str] = set()
    for raw in lines:
        text = _valid(raw)
        if text is None:
            damaged = True
            continue
        if text not in seen:
            seen.add(text)
            found.append(text)
    if len(found) > MAX_ENTRIES:
        damaged = True
        found = found[:MAX_ENTRIES]
    if damaged:
        output.warn(
            f"{path}: damaged (bad lines or too large); keeping {len(found)} valid entries",
            once_key=f"pinrecord:{path}",
        )
    return found, damaged


def _write(entries: list[str]) -> None:
    from gover.fsutil import owned_dir, write_atomic

    path = record_file()
    owned_dir(path.parent)
    if os.path.islink(path):
        os.unlink(path)  # never written through: the link goes, its target stays
    write_atomic(path, "".join(e + "\n" for e in entries[:MAX_ENTRIES]), mode=0o600)


def remember(pin_file: Path) -> None:
    """Record the directory of `pin_file` (first, most recent). Never fails the pin that was
    just written: a record that cannot be written is a warning."""
    from gover.errors import GoverError
    from gover.toolchain import store

    directory = os.path.normpath(os.path.abspath(pin_file.parent))
    try:
        with store.lock(_LOCK):
            entries, _ = _read()
            if entries[:1] == [directory]:
                return
            _write([directory, *(e for e in entries if e != directory)])
    except (OSError, GoverError) as exc:
        reason = exc.message if isinstance(exc, GoverError) else (exc.strerror or str(exc))
        output.warn(f"cannot record {directory} in {record_file()}: {reason}")


def holds_pin(directory: Path) -> bool:
    return any(os.path.isfile(directory / name) for name in PIN_FILES)


def directories() -> list[Path]:
    """The recorded directories that still hold a pin file, newest first. The others are
    dropped from the record (as is anything damaged) when the record can be rewritten."""
    from gover.errors import GoverError
    from gover.toolchain import store

    entries, damaged = _read()
    alive = [e for e in entries if holds_pin(Path(e))]
    if damaged or len(alive) != len(entries):
        try:
            with store.lock(_LOCK):
                current, _ = _read()
                keep = [e for e in current if e in alive or e not in entries]
                _write(keep)
        except (OSError, GoverError):
            pass  # a read-only store: the record stays as it is, the answer is the same
    return [Path(e) for e in alive]
