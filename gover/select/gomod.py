"""Reading pin files: the bounded line reader every version file goes through, and the one
go.mod/go.work reader that resolution (resolve.py) and `gover verify --gomod`
(inspect/checks.py) both use. shims/resolve.sh (_gv_slurp, _gv_lines, _gv_mod) mirrors it.

The limit: the first constants.VERSION_FILE_LIMIT bytes (1 KiB), every byte counting (NULs
too, dropped afterwards), for every pin file, go.mod and go.work included, here and in the
shim, so a directive past the limit is unseen by all of them alike; a line cut by the limit is
not seen. A UTF-8 BOM and CRs are dropped.

Directives are read word by word (spaces and tabs), exactly as the shim reads them, so the
three readers (the shim, `gover current`, `verify --gomod`) cannot disagree: the first `go`
line with an argument counts, and reading stops at the first `toolchain` line (`toolchain
default` names no toolchain). A `//` comment after the argument (`go 1.22 // note`) or on its
own line (`// go 1.19`) is no directive; one glued to the argument (`go 1.22//x`) is part of
it, fails the version grammar and is ignored with a warning. Lines inside a block are lines
like any other: in a file cmd/go accepts, none of them starts with `go` or `toolchain`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gover import fsutil
from gover.constants import VERSION_FILE_LIMIT
from gover.versions import PinToken

GO_WORK = "go.work"
GO_MOD = "go.mod"
LIMIT = VERSION_FILE_LIMIT

_BOM = b"\xef\xbb\xbf"


def read_head(path: Path) -> tuple[list[bytes], bool]:
    """The complete lines within the first LIMIT bytes of `path` (BOM, CR and NUL removed),
    and whether the file goes on past the limit. Raises OSError (fsutil's refusal of a FIFO,
    device or directory included): the caller names the path and the operation.

    At most LIMIT + 1 bytes are read, so a file of NULs, a sparse 10 GB file or /dev/zero
    behind a symlink costs no more than a short one."""
    data = fsutil.read_limited(path, LIMIT + 1)
    truncated = len(data) > LIMIT
    lines = data[:LIMIT].replace(b"\0", b"").split(b"\n")
    if truncated or lines[-1] == b"":
        lines.pop()  # a line cut by the limit, or the empty tail after the last newline
    if lines and lines[0].startswith(_BOM):
        lines[0] = lines[0][len(_BOM) :]
    return [line.removesuffix(b"\r") for line in lines], truncated


def words(line: bytes) -> list[str]:
    """A line's words (split on spaces and tabs, as the shim splits them)."""
    return [w.decode("utf-8", "replace") for w in re.split(rb"[ \t]+", line) if w]


@dataclass(frozen=True)
class ModFile:
    """What a go.mod or go.work says about the Go to use, as written, within the limit."""

    path: Path
    go: str | None  # the first go line's argument as written ("1.22.3")
    toolchain: str | None  # the toolchain line's argument ("go1.22.10"); None if absent/default
    truncated: bool = False  # the file goes on past the limit: what follows was not read

    @property
    def go_pin(self) -> PinToken | None:
        """The go line as a minimum; None when absent or not a Go version."""
        return PinToken.go_line(self.go) if self.go is not None else None

    @property
    def toolchain_pin(self) -> PinToken | None:
        """The toolchain line as a pin; None when absent or not a Go toolchain name."""
        return PinToken.toolchain_line(self.toolchain) if self.toolchain is not None else None


def directives(lines: list[bytes]) -> tuple[str | None, str | None]:
    """(go, toolchain) arguments from a go.mod's lines, by the rules in the module docstring."""
    go: str | None = None
    for line in lines:
        ws = words(line)
        if not ws:
            continue
        if ws[0] == "go" and go is None and len(ws) > 1:
            go = ws[1]
        elif ws[0] == "toolchain":
            tc = ws[1] if len(ws) > 1 else ""
            return go, (None if tc in ("", "default") else tc)
    return go, None


def read(path: Path) -> ModFile:
    """`path`'s go and toolchain lines. Raises OSError when it cannot be read."""
    lines, truncated = read_head(path)
    go, toolchain = directives(lines)
    return ModFile(path, go, toolchain, truncated)


def find(cwd: Path) -> Path | None:
    """The go.work or go.mod that governs `cwd`, by resolution's rules: the nearest go.work or
    go.mod, a go.mod deferring to the nearest go.work above it unless GOWORK=off. (A GOWORK
    naming a file is not followed: the resolver and the shims do not follow it either.)"""
    gowork = os.environ.get("GOWORK", "") != "off"
    for d in (cwd, *cwd.parents):
        if gowork and os.path.isfile(d / GO_WORK):
            return d / GO_WORK
        if os.path.isfile(d / GO_MOD):
            if gowork:
                for up in d.parents:
                    if os.path.isfile(up / GO_WORK):
                        return up / GO_WORK
            return d / GO_MOD
    return None


# ---- the one writer: the `toolchain` line, for `gover upgrade --gomod` ----------------------

WRITE_LIMIT = 16 * 1024 * 1024  # a go.mod larger than this is not rewritten
_TOOLCHAIN_ARG = re.compile(rb"^([ \t]*toolchain[ \t]+)([^ \t]+)")


def head_lines(data: bytes) -> list[tuple[int, bytes]]:
    """The lines read_head sees in `data`, each with its offset in `data` (BOM and CR off the
    line, the offset past the BOM): what a writer needs to replace one word in place. Empty
    when NULs lie within the limit (the readers drop them: offsets would not be the file's)."""
    head = data[: LIMIT + 1]
    if b"\0" in head:
        return []
    lines = head[:LIMIT].split(b"\n")
    if len(head) > LIMIT or lines[-1] == b"":
        lines.pop()
    found: list[tuple[int, bytes]] = []
    offset = 0
    for i, raw in enumerate(lines):
        start = offset
        offset += len(raw) + 1
        line = raw.removesuffix(b"\r")
        if i == 0 and line.startswith(_BOM):
            line = line[len(_BOM) :]
            start += len(_BOM)
        found.append((start, line))
    return found


def toolchain_span(data: bytes) -> tuple[int, int] | None:
    """Where the argument of the toolchain line the reader sees lies in `data` (start, end),
    or None: no toolchain line within the limit, `toolchain default`, a comment, or NULs."""
    for start, line in head_lines(data):
        ws = words(line)
        if not ws or ws[0] != "toolchain":
            continue
        m = _TOOLCHAIN_ARG.match(line)
        if m is None or m[2] == b"default" or m[2].startswith(b"//"):
            return None
        return start + m.start(2), start + m.end(2)
    return None


def set_toolchain(path: Path, new: str) -> str | None:
    """Replace the argument of `path`'s toolchain line (the one read() sees) with `new`
    (`go1.22.10`), keeping every other byte as it was (comments, CRLF, the go line, blocks).
    Returns the old argument, or None when there is no such line to rewrite. Raises OSError
    (a symlink or an oversized file included: refused by fsutil)."""
    import stat

    fd = fsutil.open_regular(path, follow_symlinks=False)
    with os.fdopen(fd, "rb") as fh:
        mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
        data = fh.read(WRITE_LIMIT + 1)
    if len(data) > WRITE_LIMIT:
        raise fsutil.UnsafePathError(path, f"is larger than {WRITE_LIMIT} bytes")
    span = toolchain_span(data)
    if span is None:
        return None
    old = data[span[0] : span[1]].decode("utf-8", "replace")
    if old == new:
        return old
    fsutil.write_atomic(path, data[: span[0]] + new.encode("ascii") + data[span[1] :], mode)
    return old
