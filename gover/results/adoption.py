"""Results of the adoption commands (gover/cli/adoption.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class FoundTree:
    path: str
    version: str | None  # "1.22.10"; None when its VERSION file is missing or odd
    origin: str  # "golang.org/dl (~/sdk)", "module cache (GOTOOLCHAIN)", "goenv" ...
    status: str  # vouched | differs | unverified | distro | unknown
    detail: str  # one line: what the checksum database said, or why it was not asked
    h1: str  # the tree's dirhash ("" when not computed)
    db_h1: str  # the database's ("" when not asked or no answer)
    installed: bool  # this version is in gover's store already

    def line(self) -> str:
        version = f"go{self.version}" if self.version else "(no version)"
        have = "; installed" if self.installed else ""
        return f"{self.path}  {version}  [{self.origin}]  {self.status}: {self.detail}{have}"


@dataclass(frozen=True)
class ScanReport(Result):
    """`gover adopt --scan`: Go trees in the usual places and whether the checksum database
    vouches for each."""

    trees: tuple[FoundTree, ...]

    def data(self) -> dict[str, Any]:
        return {"trees": [vars(t) for t in self.trees]}

    def lines(self) -> list[str]:
        return [t.line() for t in self.trees]

    def notes(self) -> list[str]:
        if not self.trees:
            return ["no Go trees found in the usual places"]
        if any(not t.installed and t.version for t in self.trees):
            return ["adopt one: gover adopt PATH"]
        return []


@dataclass(frozen=True)
class AdoptedTree:
    version: str
    path: str  # in the store
    source: str  # the tree adopted
    status: str  # adopted | linked | already-installed
    verified: str  # vouched | differs | unverified | distro | unknown ("" when already installed)
    detail: str
    proofs: tuple[str, ...]
    seconds: float

    def line(self) -> str:
        if self.status == "already-installed":
            return f"go {self.version} is already installed in {self.path}"
        how = "linked to" if self.status == "linked" else "adopted from"
        proof = "verified by checksum database" if self.verified == "vouched" else "UNVERIFIED"
        return (
            f"{self.status} go {self.version} in {self.path} ({how} {self.source}; {proof}: "
            f"{self.detail}; {self.seconds:.1f}s)"
        )


@dataclass(frozen=True)
class AdoptReport(Result):
    """`gover adopt PATH…`: each tree and what happened to it, in order."""

    adopted: tuple[AdoptedTree, ...]

    def data(self) -> dict[str, Any]:
        return {"adopted": [dict(vars(a), proofs=list(a.proofs)) for a in self.adopted]}

    def lines(self) -> list[str]:
        return [a.line() for a in self.adopted]
