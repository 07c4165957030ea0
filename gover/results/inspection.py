"""Results of the inspection commands (gover/cli/inspection.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class EnvCheck:
    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerifyEnvironment(Result):
    """`gover verify` with no argument: this shell's Go environment."""

    checks: tuple[EnvCheck, ...]

    @property
    def exit_code(self) -> int:
        from gover.errors import EXIT_MISMATCH

        return 0 if all(c.ok for c in self.checks) else EXIT_MISMATCH

    def data(self) -> dict[str, Any]:
        return {"checks": [vars(c) for c in self.checks], "exit_code": self.exit_code}

    def lines(self) -> list[str]:
        return [f"{'ok ' if c.ok else 'BAD'} {c.check}: {c.detail}" for c in self.checks]


@dataclass(frozen=True)
class CheckedBinary:
    path: str
    built_with: str | None  # "go1.22.5", None when it could not be read
    ok: bool
    error: str | None  # the one line saying why it could not be read
    line: str  # the text line for this binary


@dataclass(frozen=True)
class VerifyBinaries(Result):
    """`gover verify BINARY…`: which Go built each one, against the expected version."""

    expected: str
    source: str
    binaries: tuple[CheckedBinary, ...]

    @property
    def exit_code(self) -> int:
        from gover.errors import EXIT_MISMATCH

        if any(b.error is None and not b.ok for b in self.binaries):
            return EXIT_MISMATCH
        return 1 if any(b.error is not None for b in self.binaries) else 0

    @property
    def error(self) -> str | None:
        failed = [b.error for b in self.binaries if b.error is not None]
        if self.exit_code != 1 or not failed:
            return None
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        return failed[0] + more

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "expected": self.expected,
            "source": self.source,
            "binaries": [
                {"path": b.path, "built_with": b.built_with, "ok": b.ok, "error": b.error}
                for b in self.binaries
            ],
            "exit_code": self.exit_code,
        }
        if self.error is not None:
            out["error"] = self.error
        return out

    def lines(self) -> list[str]:
        return [b.line for b in self.binaries]

    def notes(self) -> list[str]:
        return [] if self.binaries else ["no Go executables found"]


@dataclass(frozen=True)
class VerifyGomod(Result):
    """`gover verify --gomod`: can the selected Go build this module or workspace?"""

    file: str
    go: str | None
    toolchain: str | None
    selected: str | None  # "go1.22.10"; None when no installed Go satisfies the selection
    source: str
    problems: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        from gover.errors import EXIT_MISMATCH

        return EXIT_MISMATCH if self.problems else 0

    def data(self) -> dict[str, Any]:
        out = vars(self).copy()
        out["problems"] = list(self.problems)
        out["exit_code"] = self.exit_code
        return out

    def lines(self) -> list[str]:
        if self.problems:
            return list(self.problems)
        return [
            f"{self.file}: go {self.go or '(none)'}, toolchain {self.toolchain or '(none)'}: "
            f"{self.selected} ({self.source}) can build it"
        ]


@dataclass(frozen=True)
class VerifyTree(Result):
    """`gover verify --tree [PATH]`: the tree against the checksum database's record of the
    toolchain module; when it differs, which files (changed, missing, extra)."""

    path: str
    version: str  # "go1.22.10"
    module: str  # "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"
    h1: str  # the tree's dirhash
    db_h1: str  # the checksum database's
    proof: str  # "sumdb sum.golang.org h1:... (record N, tree M)"
    changed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    reference: str = ""  # the module zip the files were compared with
    why_no_list: str = ""  # why the differing files could not be named

    @property
    def exit_code(self) -> int:
        from gover.errors import EXIT_MISMATCH

        return 0 if self.h1 == self.db_h1 else EXIT_MISMATCH

    def data(self) -> dict[str, Any]:
        out = vars(self).copy()
        for key in ("changed", "missing", "extra"):
            out[key] = list(out[key])
        out["official"] = self.exit_code == 0
        out["exit_code"] = self.exit_code
        return out

    def lines(self) -> list[str]:
        if self.exit_code == 0:
            return [f"{self.path}: the official {self.version} ({self.module} {self.h1}, {self.proof})"]
        out = [
            f"{self.path}: differs from the official {self.version}: its dirhash is {self.h1}, "
            f"the checksum database has {self.db_h1} for {self.module}"
        ]
        out += [f"changed: {name}" for name in self.changed]
        out += [f"missing: {name}" for name in self.missing]
        out += [f"extra: {name}" for name in self.extra]
        return out

    def notes(self) -> list[str]:
        if self.why_no_list:
            return [f"cannot name the files that differ: {self.why_no_list}"]
        if self.reference:
            return [f"files compared with {self.reference} (its dirhash is the database's)"]
        return []
