"""Which Go is active here, and why. The one place that decides; shims/resolve.sh mirrors it.

Order: GOVER_VERSION (gover shell) → walk up from the working directory; in each directory
.go-version, .tool-versions, go.work, go.mod (a go.mod defers to a go.work further up, unless
GOWORK=off); the nearest directory with a pin wins → the global file → the system go.
A `toolchain goX` line is exact; a `go X` line is a minimum: the newest installed release of
the same minor that is ≥ X, else the newest installed release if it is ≥ X.
Files: regular and readable only (anything else there is skipped with a warning); the first
1 KiB, every byte counting (NULs too), is all that is read; BOM, CRs and NULs dropped; a bad
token → a warning naming the file, and the walk goes on. The walk starts from $PWD spelled
as pathlib spells it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gover import fsutil, output, paths
from gover.constants import (
    ENV_VERSION,
    SHIMS_MARKER,
    VERSION_FILE_LIMIT,
)
from gover.errors import NotInstalledError
from gover.versions import GoVersion

VERSION_FILE = ".go-version"
TOOL_VERSIONS = ".tool-versions"
GO_WORK = "go.work"
GO_MOD = "go.mod"

_BOM = b"\xef\xbb\xbf"
_NUM = r"(?:[1-9][0-9]{0,8}|0)"
# The grammar accepted in files: cmd/go's, with kinds limited to alpha/beta/rc and numbers
# to 9 digits, so the sh resolver can compare them with shell arithmetic.
_TOKEN_RE = re.compile(
    rf"^{_NUM}(?:\.{_NUM}(?:\.{_NUM}|(?:alpha|beta|rc)(?:[1-9][0-9]{{0,8}}|0)?)?)?$"
)

Kind = Literal["env", "file", "toolchain", "go-line", "global", "default"]


def normalize_token(word: str) -> str | None:
    """A version-file token → canonical text (no `go` prefix), or None when unacceptable."""
    if word in ("system", "latest"):
        return word
    if word.startswith("go") and word[2:3].isdigit():
        word = word[2:]
    return word if _valid(word) else None


def _valid(token: str) -> bool:
    # fullmatch: `$` would also match before a trailing newline ("1.22\n" from GOVER_VERSION).
    return _TOKEN_RE.fullmatch(token) is not None


def _is_file(path: Path) -> bool:
    """Like sh's `[ -f ]`: False, never an exception, when a parent is not searchable
    (pathlib's is_file raises PermissionError there, e.g. a PATH entry under another HOME)."""
    return os.path.isfile(path)


def _exists(path: Path) -> bool:
    return os.path.exists(path)


def read_lines(path: Path) -> list[bytes] | None:
    """The complete lines within the first 1 KiB (BOM, CR and NUL removed), or None if the
    path is not a regular file or cannot be read. Never blocks on FIFOs or devices.

    At most 1 KiB + 1 byte is read, every byte counting, NULs too (they are dropped after
    the limit is applied): a file of NULs, a sparse 10 GB file or /dev/zero behind a
    symlink costs no more than a short one. The shells read the same bytes (_gv_slurp)."""
    if not _is_file(path):
        return None
    try:
        data = fsutil.read_limited(path, VERSION_FILE_LIMIT + 1)
    except OSError:
        return None
    truncated = len(data) > VERSION_FILE_LIMIT
    lines = data[:VERSION_FILE_LIMIT].replace(b"\0", b"").split(b"\n")
    if truncated or lines[-1] == b"":
        lines.pop()  # a line cut by the limit, or the empty tail after the last newline
    if lines and lines[0].startswith(_BOM):
        lines[0] = lines[0][len(_BOM) :]
    return [line.removesuffix(b"\r") for line in lines]


def _pin_file(path: Path) -> bool:
    """Whether `path` should be read as a version file: silently no when it is absent; no,
    with a warning naming it, when it is there but not a readable regular file (a directory,
    a FIFO, a device, chmod 000). Mirrors _gv_reg in shims/resolve.sh."""
    if not _exists(path):
        return False
    if not _is_file(path):
        output.warn(f"ignoring {path}: not a regular file")
        return False
    if not os.access(path, os.R_OK, effective_ids=os.access in os.supports_effective_ids):
        output.warn(f"ignoring {path}: not readable")
        return False
    return True


def _words(line: bytes) -> list[str]:
    return [w.decode("utf-8", "replace") for w in re.split(rb"[ \t]+", line) if w]


@dataclass(frozen=True)
class Pin:
    """What a file or variable asks for, before looking at the store."""

    token: str  # canonical: "1.22.10", "1.22", "latest", "system"
    kind: Kind
    origin: Path | None
    minimum: bool = False

    @property
    def source(self) -> str:
        where = str(self.origin) if self.origin else ""
        return {
            "env": f"set by {ENV_VERSION} (gover shell)",
            "file": f"set by {where}",
            "toolchain": f"from the toolchain line in {where}",
            "go-line": f"from the go line in {where}",
            "global": f"global default in {where}",
            "default": "no version file found; using the system go",
        }[self.kind]


def _show(word: str) -> str:
    """`word` for a warning, worded as the shim words it (_gv_show): quoted, or a stand-in
    when it holds anything but printable ASCII, so a hostile file cannot put escape
    sequences on the terminal."""
    return f"'{word}'" if word.isascii() and word.isprintable() else "(unprintable text)"


def _warn_bad(path: Path, word: str) -> None:
    output.warn(
        f"ignoring {path}: {_show(word)} is not a Go version (use e.g. 1.22.10, 1.22, latest or system)"
    )


def read_version_file(path: Path, kind: Kind = "file") -> Pin | None:
    """.go-version / global file: the first word of the first non-comment line."""
    lines = read_lines(path)
    if lines is None:
        return None
    for line in lines:
        words = _words(line)
        if not words or words[0].startswith("#"):
            continue
        token = normalize_token(words[0])
        if token is None:
            _warn_bad(path, words[0])
            return None
        return Pin(token, kind, path)
    return None


def read_tool_versions(path: Path) -> Pin | None:
    """.tool-versions: the first `golang X` or `go X` line."""
    lines = read_lines(path)
    if lines is None:
        return None
    for line in lines:
        words = _words(line)
        if not words or words[0] not in ("golang", "go"):
            continue
        word = words[1] if len(words) > 1 else ""
        token = normalize_token(word)
        if token is None:
            _warn_bad(path, word)
            return None
        return Pin(token, "file", path)
    return None


def read_gomod(path: Path) -> Pin | None:
    """go.mod / go.work: `toolchain goX` is exact (`default` ignored); `go X` is a minimum."""
    lines = read_lines(path)
    if lines is None:
        return None
    go_line = ""
    toolchain = ""
    for line in lines:
        words = _words(line)
        if not words:
            continue
        if words[0] == "go" and not go_line:
            go_line = words[1] if len(words) > 1 else ""
        elif words[0] == "toolchain":
            toolchain = words[1] if len(words) > 1 else ""
            break
    if toolchain and toolchain != "default":
        name = toolchain[2:] if toolchain.startswith("go") else "-"
        if _valid(name):
            return Pin(name, "toolchain", path)
        output.warn(
            f"ignoring the toolchain line in {path}: {_show(toolchain)} is not a Go toolchain name"
        )
    if go_line:
        if _valid(go_line):
            return Pin(go_line, "go-line", path, minimum=True)
        output.warn(f"ignoring the go line in {path}: {_show(go_line)} is not a Go version")
    return None


def _parents(start: Path) -> list[Path]:
    # pathlib already drops "." parts, repeated and trailing slashes (sh: _gv_clean) but
    # keeps a leading "//"; on Linux that is "/", and the sources must read the same.
    text = str(start)
    if text.startswith("//"):
        start = Path("/" + text.lstrip("/"))
    return [start, *start.parents]


def working_dir() -> Path:
    """Like Go's os.Getwd: $PWD when it names the current directory (keeps symlinked paths)."""
    cwd = os.getcwd()
    pwd = os.environ.get("PWD")
    if pwd and os.path.isabs(pwd):
        try:
            if os.path.samefile(pwd, cwd):
                return Path(pwd)
        except OSError:
            pass
    return Path(cwd)


def find_pin(cwd: Path | None = None) -> Pin:
    """The pin in force for `cwd`, without looking at what is installed."""
    env = os.environ.get(ENV_VERSION)
    if env:
        token = normalize_token(env)
        if token is not None:
            return Pin(token, "env", None)
        output.warn(f"ignoring {ENV_VERSION}={_show(env)}: not a Go version")
    gowork_off = os.environ.get("GOWORK") == "off"
    directory = cwd if cwd is not None else working_dir()
    for d in _parents(directory):
        for reader, name in (
            (read_version_file, VERSION_FILE),
            (read_tool_versions, TOOL_VERSIONS),
        ):
            if _pin_file(d / name):
                pin = reader(d / name)
                if pin is not None:
                    return pin
        if not gowork_off and _pin_file(d / GO_WORK):
            pin = read_gomod(d / GO_WORK)
            if pin is not None:
                return pin
        if _pin_file(d / GO_MOD):
            if not gowork_off:
                for up in d.parents:
                    if _is_file(up / GO_WORK):
                        # The nearest go.work governs, pinned or not.
                        if _pin_file(up / GO_WORK):
                            pin = read_gomod(up / GO_WORK)
                            if pin is not None:
                                return pin
                        break
            pin = read_gomod(d / GO_MOD)
            if pin is not None:
                return pin
    global_file = paths.global_version_file()
    if _pin_file(global_file):
        pin = read_version_file(global_file, "global")
        if pin is not None:
            return pin
    return Pin("system", "default", None)


# ---- the store side: installed names and alias files -----------------------------------------


def installed_root(name: str) -> Path | None:
    root = paths.version_dir(name)
    if _is_file(paths.receipt_file(root)) and _is_file(root / "bin" / "go"):
        return root
    return None


def alias_target(alias: str) -> str | None:
    """The installed name an alias file (1.22, 1, latest) points at, if it is installed."""
    lines = read_lines(paths.alias_file(alias))
    if not lines:
        return None
    name = lines[0].decode("utf-8", "replace")
    return name if _valid(name) and installed_root(name) else None


def _series(token: str) -> str:
    v = GoVersion.parse(token)
    return f"{v.major}.{v.minor if v.minor is not None else 0}"


def lookup(pin: Pin) -> str | None:
    """The installed name a (non-system) pin selects, or None."""
    if pin.minimum:
        need = GoVersion.parse(pin.token)
        name = alias_target(_series(pin.token))
        if name and GoVersion.parse(name) >= need:
            return name
        if installed_root(pin.token):
            return pin.token
        name = alias_target("latest")
        if name and GoVersion.parse(name) >= need:
            return name
        return None
    return alias_target(pin.token) or (pin.token if installed_root(pin.token) else None)


def is_gover_shim(candidate: Path) -> bool:
    """A gover shim: ours by inode (even through a symlinked dir), any other by marker."""
    if _is_file(candidate.parent / SHIMS_MARKER):
        return True
    ours = paths.shims_dir() / "go"
    try:
        return _exists(ours) and os.path.samefile(candidate, ours)
    except OSError:
        return False


def system_go() -> Path | None:
    """The first `go` on PATH that is not a gover shim."""
    exe = "go.exe" if os.name == "nt" else "go"
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(entry or ".") / exe
        if _is_file(candidate) and os.access(candidate, os.X_OK) and not is_gover_shim(candidate):
            return candidate
    return None


@dataclass(frozen=True)
class Selection:
    pin: Pin
    name: str | None  # installed version name; None for system
    root: Path | None  # GOROOT; None for system
    system: Path | None  # the system go binary, for system

    @property
    def source(self) -> str:
        return self.pin.source

    @property
    def label(self) -> str:
        return self.name if self.name else "system"


def install_hint(pin: Pin) -> str:
    if pin.minimum:
        v = GoVersion.parse(pin.token)
        return pin.token if v.is_prerelease else _series(pin.token)
    return pin.token


def not_installed_message(pin: Pin) -> str:
    if pin.minimum:
        return (
            f"go {pin.token} or newer ({pin.source}) is not installed; "
            f"run: gover install {install_hint(pin)}"
        )
    return f"go {pin.token} ({pin.source}) is not installed; run: gover install {install_hint(pin)}"


def select(cwd: Path | None = None) -> Selection:
    """The active toolchain for `cwd`. Raises NotInstalledError with the install hint."""
    pin = find_pin(cwd)
    if pin.token == "system":
        found = system_go()
        if found is None:
            raise NotInstalledError(
                f"no system go found on PATH ({pin.source})",
                "run: gover install latest && gover global latest",
            )
        return Selection(pin, None, None, found)
    name = lookup(pin)
    if name is None:
        raise NotInstalledError(not_installed_message(pin))
    return Selection(pin, name, paths.version_dir(name), None)
