"""Results of the selection commands (gover/cli/selection.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class Current(Result):
    """`gover current`: the active version here and why."""

    version: str  # "1.22.10" or "system"
    requested: str  # the pin token: "1.22", "latest", "system", an alias
    source: str  # "set by /repo/.go-version", …
    origin: str | None  # the file (or variable) that chose it
    goroot: str | None  # None for the system go
    go: str | None  # the go executable that runs

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        if self.goroot is None:
            return [f"system ({self.go}) ({self.source})"]
        return [f"{self.version} ({self.source})"]


@dataclass(frozen=True)
class Which(Result):
    """`gover which PROGRAM`: its absolute path in the selected toolchain."""

    program: str
    path: str

    def data(self) -> dict[str, Any]:
        return {"program": self.program, "path": self.path}

    def lines(self) -> list[str]:
        return [self.path]


@dataclass(frozen=True)
class PinWritten(Result):
    """`gover local|global VERSION`: the pin written and the installed version it selects."""

    scope: str  # "local" or "global"
    file: str
    pin: str  # canonical pin text: "1.22", "1.22.10", "latest", "system", an alias
    selects: str | None  # installed version it selects now; None for system or --force

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        if self.scope == "global":
            return [f"global default is now go {self.pin} ({self.file})"]
        return [f"go {self.pin} pinned in {self.file}"]


@dataclass(frozen=True)
class PinRemoved(Result):
    """`gover local|global --unset`: whether there was a pin file to remove."""

    scope: str
    file: str
    removed: bool

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [f"removed {self.file}" if self.removed else f"no {self.file} to remove"]


@dataclass(frozen=True)
class GlobalPin(Result):
    """`gover global`: the default pin used outside pinned directories."""

    pin: str  # "system" when no global version file is set
    file: str | None  # the global version file, None when it does not exist

    def data(self) -> dict[str, Any]:
        return {"pin": self.pin, "file": self.file}

    def lines(self) -> list[str]:
        return [self.pin]


@dataclass(frozen=True)
class Rehashed(Result):
    """`gover rehash`: the shims written and the aliases they resolve."""

    shims_dir: str
    shims: tuple[str, ...]
    aliases: tuple[tuple[str, str], ...]  # (alias, version), e.g. ("1.22", "1.22.10")
    kept: tuple[str, ...]  # files there that gover did not make: left alone
    on_path: bool  # whether shims_dir is on PATH
    kind: str = "sh"  # "native" (built from shims/native/shim.go), "sh" or "cmd"
    go: str | None = None  # native: the Go that built them, when known
    why: str | None = None  # sh although shims = "auto": why not native

    def data(self) -> dict[str, Any]:
        return {
            "shims_dir": self.shims_dir,
            "shims": list(self.shims),
            "aliases": dict(self.aliases),
            "kept": list(self.kept),
            "on_path": self.on_path,
            "kind": self.kind,
            "built_with": self.go,
            "why": self.why,
        }

    def lines(self) -> list[str]:
        kind = self.kind
        if self.go:
            kind += f" (built with {self.go})"
        elif self.why:
            kind += f" (not native: {self.why})"
        return [
            f"{len(self.shims)} shims in {self.shims_dir}: {', '.join(self.shims)}",
            f"shim kind: {kind}",
        ]

    def notes(self) -> list[str]:
        if self.on_path:
            return []
        return [f'add the shims to PATH: export PATH="{self.shims_dir}:$PATH"']


@dataclass(frozen=True)
class LocalPin(Result):
    """`gover local`: the pin a version file sets here (not GOVER_VERSION, not the global)."""

    pin: str  # canonical token: "1.22", "1.22.10", a go.mod go line's "1.22.3"
    file: str
    kind: str = "file"  # "file", "toolchain" (a go.mod/go.work toolchain line) or "go-line"

    def data(self) -> dict[str, Any]:
        return {"pin": self.pin, "file": self.file, "kind": self.kind}

    def lines(self) -> list[str]:
        return [f"{self.pin} ({self.file})"]


@dataclass(frozen=True)
class UseReport(Result):
    """`gover use`: what was installed (JSON: the install's object, else null), the pin
    written in `file`, the one it replaced, and the version it selects now."""

    scope: str  # "local" or "global"
    file: str
    pin: str
    previous: str | None
    selects: str | None  # None: the system go
    installed: Any = None  # gover.results.toolchains.Installed, or None
    shadowed_by: str | None = None  # what hides this pin here (GOVER_VERSION, a nearer file)

    def data(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "installed": self.installed.data() if self.installed is not None else None,
            "file": self.file,
            "pin": self.pin,
            "previous": self.previous,
            "selects": self.selects,
        }

    def lines(self) -> list[str]:
        out = self.installed.lines() if self.installed is not None else []
        if self.previous is None:
            was = "new"
        elif self.previous == self.pin:
            was = "unchanged"
        else:
            was = f"was {self.previous}"
        out.append(f"pinned {self.pin} in {self.file} ({was})")
        if self.selects is None:
            out.append("now selects the system go")
        else:
            out.append(f"now selects go {self.selects}")
        return out

    def notes(self) -> list[str]:
        notes = [n for n in [self.installed.note() if self.installed is not None else None] if n]
        if self.shadowed_by:
            notes.append(f"note: another pin wins here ({self.shadowed_by})")
        return notes
