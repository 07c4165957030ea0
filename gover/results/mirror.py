"""Results of `gover mirror build | sync | verify` (gover/cli/mirror.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class MirrorFile:
    filename: str
    version: str
    os: str
    arch: str
    size: int
    sha256: str
    status: str  # "downloaded", "kept" (already in the tree) or "checked" (present, re-hashed)
    source: str  # the archive URL its sidecars came from; "" when kept
    signer: str  # the signing key's fingerprint, "unsigned", or "" when kept

    def line(self) -> str:
        if self.status == "kept":
            return f"kept {self.filename} (already in the tree)"
        what = "downloaded" if self.status == "downloaded" else "checked"
        signed = "unsigned" if self.signer in ("", "unsigned") else f"signature by {self.signer}"
        return f"{what} {self.filename} ({_size(self.size)}, sha256 {self.sha256[:12]}…, {signed})"


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"


@dataclass(frozen=True)
class BuildResult(Result):
    """`gover mirror build` / `sync`: each wanted archive and what happened to it, the files
    pruned, and how many archives the tree's index names now."""

    dir: str
    index_url: str  # the upstream index the versions were resolved against
    files: tuple[MirrorFile, ...]
    removed: tuple[str, ...]
    archives: int

    def data(self) -> dict[str, Any]:
        return {
            "dir": self.dir,
            "index_url": self.index_url,
            "files": [vars(f) for f in self.files],
            "removed": list(self.removed),
            "archives": self.archives,
        }

    def lines(self) -> list[str]:
        out = [f.line() for f in self.files]
        out += [f"removed {name}" for name in self.removed]
        out.append(f"{self.dir}/index.json names {self.archives} archives")
        return out


@dataclass(frozen=True)
class Problem:
    filename: str
    what: str
    fix: str

    def line(self) -> str:
        return f"{self.filename}: {self.what}; {self.fix}"


@dataclass(frozen=True)
class VerifyResult(Result):
    """`gover mirror verify`: every file the index names re-checked; problems fail (exit 3),
    files the index does not name are warnings."""

    dir: str
    checked: int
    problems: tuple[Problem, ...]
    unnamed: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        from gover.errors import EXIT_VERIFY

        return EXIT_VERIFY if self.problems else 0

    def data(self) -> dict[str, Any]:
        return {
            "dir": self.dir,
            "checked": self.checked,
            "problems": [vars(p) for p in self.problems],
            "unnamed": list(self.unnamed),
            "exit_code": self.exit_code,
        }

    def lines(self) -> list[str]:
        if self.problems:
            return [f"{len(self.problems)} problems in {self.checked} archives in {self.dir}"]
        return [f"{self.checked} archives in {self.dir} verified"]

    def notes(self) -> list[str]:
        out = [f"gover: error: {p.line()}" for p in self.problems]
        out += [
            f"gover: warning: {name}: in the tree but not named by index.json;"
            " remove it, or let gover mirror build fetch it"
            for name in self.unnamed
        ]
        return out
