"""Which Go is active here, and why. The one place that decides; shims/resolve.sh mirrors it.

Order: GOVER_VERSION (gover shell) → walk up from the working directory; in each directory
.go-version, .tool-versions, go.work, go.mod (a go.mod defers to a go.work further up, unless
GOWORK=off); the nearest directory with a pin wins → the global file → the system go.
A `toolchain goX` line is exact; a `go X` line is a minimum: the newest installed release of
the same minor that is ≥ X, else the newest installed release if it is ≥ X.
A pin that is not installed is an error (exit 127 in the shims) unless the user's GOTOOLCHAIN
lets go switch itself (auto, path, NAME+auto, NAME+path): then the newest installed release
runs (else the system go) and go switches as go.mod or go.work asks, as Go's docs describe.
Files: regular and readable only (anything else there is skipped with a warning); the first
1 KiB, every byte counting (NULs too), is all that is read, go.mod and go.work included
(gomod.py, the reader `gover verify --gomod` uses too); BOM, CRs and NULs dropped; a bad
token → a warning naming the file, and the walk goes on. The walk starts from $PWD spelled
as pathlib spells it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gover import output, paths
from gover.constants import (
    ENV_GOTOOLCHAIN,
    ENV_VERSION,
    GOTOOLCHAIN_SWITCH_MODES,
    SHIMS_MARKER,
)
from gover.errors import NotInstalledError
from gover.select import gomod
from gover.select.gomod import GO_MOD, GO_WORK
from gover.versions import PIN_TOKEN_RE, GoVersion, PinToken, pin_grammar_ok

VERSION_FILE = ".go-version"
TOOL_VERSIONS = ".tool-versions"

# The grammar accepted in files lives in gover.versions (PIN_GRAMMAR); this name stays for
# the hooks' comments and older readers.
_TOKEN_RE = PIN_TOKEN_RE

Kind = Literal["env", "file", "toolchain", "go-line", "global", "default"]


def normalize_token(word: str) -> str | None:
    """A version-file token → canonical text (no `go` prefix), or None when unacceptable."""
    token = PinToken.parse(word)
    return None if token is None else token.text


def _valid(token: str) -> bool:
    return pin_grammar_ok(token)


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
    symlink costs no more than a short one. The shells read the same bytes (_gv_slurp).
    The reading itself is gomod.read_head, shared with `gover verify --gomod`."""
    if not _is_file(path):
        return None
    try:
        return gomod.read_head(path)[0]
    except OSError:
        return None


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


_words = gomod.words


@dataclass(frozen=True)
class Pin:
    """What a file or variable asks for, before looking at the store: the token parsed once
    (want) and where it came from."""

    want: PinToken
    kind: Kind
    origin: Path | None

    @property
    def token(self) -> str:
        """Canonical text: "1.22.10", "1.22", "latest", "system"."""
        return self.want.text

    @property
    def minimum(self) -> bool:
        return self.want.is_minimum

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
        token = PinToken.parse(words[0])
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
        token = PinToken.parse(word)
        if token is None:
            _warn_bad(path, word)
            return None
        return Pin(token, "file", path)
    return None


def read_gomod(path: Path) -> Pin | None:
    """go.mod / go.work, read by gomod.read (the reader `verify --gomod` uses too):
    `toolchain goX` is exact (`default` ignored); `go X` is a minimum."""
    if not _is_file(path):
        return None
    try:
        mod = gomod.read(path)
    except OSError:
        return None
    if mod.toolchain is not None:
        want = mod.toolchain_pin
        if want is not None:
            return Pin(want, "toolchain", path)
        output.warn(
            f"ignoring the toolchain line in {path}: {_show(mod.toolchain)} is not a Go toolchain name"
        )
    if mod.go is not None:
        want = mod.go_pin
        if want is not None:
            return Pin(want, "go-line", path)
        output.warn(f"ignoring the go line in {path}: {_show(mod.go)} is not a Go version")
    return None


def parents(start: Path) -> list[Path]:
    """`start` and its parents: where a pin is looked for, nearest first."""
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


def env_pin() -> Pin | None:
    """GOVER_VERSION (gover shell), when it holds a pin (else a warning, and None)."""
    env = os.environ.get(ENV_VERSION)
    if env:
        token = PinToken.parse(env)
        if token is not None:
            return Pin(token, "env", None)
        output.warn(f"ignoring {ENV_VERSION}={_show(env)}: not a Go version")
    return None


def find_pin(cwd: Path | None = None) -> Pin:
    """The pin in force for `cwd`, without looking at what is installed."""
    if (pin := env_pin()) is not None:
        return pin
    gowork_off = os.environ.get("GOWORK") == "off"
    directory = cwd if cwd is not None else working_dir()
    for d in parents(directory):
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
    return Pin(PinToken("system"), "default", None)


# ---- the store side: installed names and alias files -----------------------------------------


def installed_root(name: str) -> Path | None:
    """versions/NAME when it is an install, by the one definition (store.is_installed)."""
    from gover.toolchain import store

    root = paths.version_dir(name)
    return root if store.is_installed(root) else None


def alias_target(alias: str) -> str | None:
    """The installed name an alias file (1.22, 1, latest) points at, if it is installed."""
    lines = read_lines(paths.alias_file(alias))
    if not lines:
        return None
    name = lines[0].decode("utf-8", "replace")
    return name if _valid(name) and installed_root(name) else None


def _alias_version(alias: str) -> GoVersion | None:
    """The version an alias file points at, parsed once (None: no such install)."""
    name = alias_target(alias)
    return GoVersion.parse(name) if name else None


def lookup(pin: Pin) -> str | None:
    """The installed name a (non-system) pin selects, or None."""
    want = pin.want
    if want.is_minimum:
        assert want.version is not None
        need = want.version
        newest = _alias_version(want.series)
        if newest is not None and newest >= need:
            return newest.name
        if installed_root(need.name):  # the go line's own release
            return need.name
        newest = _alias_version("latest")
        if newest is not None and newest >= need:
            return newest.name
        return None
    return alias_target(want.text) or (want.text if installed_root(want.text) else None)


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


def go_may_switch() -> str | None:
    """The user's GOTOOLCHAIN when it lets go switch toolchains itself (auto, path, NAME+auto,
    NAME+path), else None: unset (the shims then set local), local, or a bare goX.Y.Z, by
    which the user asked for no switching (or for one toolchain, which go runs itself).
    Only the variable counts: the shims' GOTOOLCHAIN=local overrides `go env -w` anyway."""
    value = os.environ.get(ENV_GOTOOLCHAIN, "")
    return value if value.rpartition("+")[2] in GOTOOLCHAIN_SWITCH_MODES else None


def switch_source(pin: Pin, gotoolchain: str, system: bool = False) -> str:
    """Why the newest installed Go (or the system go) runs instead of the missing pin. go
    itself reads only go.mod and go.work, so only their pins are switched to."""
    lead = "system go" if system else "newest installed"
    if pin.kind in ("toolchain", "go-line"):
        return (
            f"{lead}; {ENV_GOTOOLCHAIN}={gotoolchain} lets go switch to {pin.token} ({pin.source})"
        )
    return (
        f"{lead}; go {pin.token} ({pin.source}) is not installed, and "
        f"{ENV_GOTOOLCHAIN}={gotoolchain} switches only as go.mod or go.work asks"
    )


@dataclass(frozen=True)
class Selection:
    pin: Pin
    name: str | None  # installed version name; None for system
    root: Path | None  # GOROOT; None for system
    system: Path | None  # the system go binary, for system
    switch: str | None = None  # the user's GOTOOLCHAIN, when it stands in for a missing pin

    @property
    def source(self) -> str:
        if self.switch is not None:
            return switch_source(self.pin, self.switch, system=self.root is None)
        return self.pin.source

    @property
    def label(self) -> str:
        return self.name if self.name else "system"


def install_hint(pin: Pin) -> str:
    want = pin.want
    if want.is_minimum:
        assert want.version is not None
        return want.text if want.version.is_prerelease else want.series
    return want.text


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
    if pin.want.is_system:
        found = system_go()
        if found is None:
            raise NotInstalledError(
                f"no system go found on PATH ({pin.source})",
                "run: gover install latest && gover global latest",
            )
        return Selection(pin, None, None, found)
    name = lookup(pin)
    if name is not None:
        return Selection(pin, name, paths.version_dir(name), None)
    switch = go_may_switch()
    if switch is not None:
        # The user lets go switch: run the newest installed release (go then switches as
        # go.mod asks), or the system go; shims/resolve.sh: _gv_switch.
        newest = alias_target("latest")
        if newest is not None:
            return Selection(pin, newest, paths.version_dir(newest), None, switch)
        found = system_go()
        if found is not None:
            return Selection(pin, None, None, found, switch)
    raise NotInstalledError(not_installed_message(pin))
