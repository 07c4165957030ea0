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
