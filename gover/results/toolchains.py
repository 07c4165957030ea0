"""Results of the toolchains commands (gover/cli/toolchains.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class InstalledVersion:
    """Provenance fields are None when the receipt could not be read (the install still counts)."""

    version: str
    path: str
    sha256: str | None
    signer: str | None
    url: str | None
    installed_at: str | None


@dataclass(frozen=True)
class InstalledList(Result):
    """`gover list`: installed versions, newest first."""

    versions: tuple[InstalledVersion, ...]

    def data(self) -> dict[str, Any]:
        return {"versions": [vars(v) for v in self.versions]}

    def lines(self) -> list[str]:
        return [v.version for v in self.versions]

    def notes(self) -> list[str]:
        return [] if self.versions else ["no Go versions installed; run: gover install latest"]


@dataclass(frozen=True)
class RemoteRelease:
    version: str
    stable: bool
    installed: bool
    filename: str
    sha256: str
    size: int


@dataclass(frozen=True)
class RemoteList(Result):
    """`gover list-remote`: releases for this platform, newest first."""

    releases: tuple[RemoteRelease, ...]
    index_url: str = ""  # the index that was read
    source: str = ""  # what chose it ("index_url, the default", "mirror, set by $GOVER_MIRROR")

    def data(self) -> dict[str, Any]:
        return {
            "releases": [vars(r) for r in self.releases],
            "index": {"url": self.index_url, "source": self.source},
        }

    def lines(self) -> list[str]:
        return [r.version + ("  (installed)" if r.installed else "") for r in self.releases]

    def notes(self) -> list[str]:
        return [f"release index: {self.index_url} ({self.source})"] if self.index_url else []


@dataclass(frozen=True)
class Installed:
    version: str
    path: str
    status: str  # "installed", "reinstalled" or "already-installed"
    sha256: str  # "" when already installed (nothing was downloaded)
    signer: str  # "unsigned", the signing key, or "" when already installed
    url: str  # the archive's URL or file; "" when already installed
    seconds: float
    index_url: str = ""  # the index whose SHA-256 the bytes matched ("" for --file --sha256)
    source: str = ""  # what chose the archive's source ("mirror ustc, set by $GOVER_MIRROR")
    via: str = ""  # as the receipt says: "go.dev", "mirror ustc", "proxy https://goproxy.cn"
    proofs: tuple[str, ...] = ()  # as the receipt says: "sha256 …", "gpg …", "sumdb …"

    def note(self) -> str | None:
        """Where the bytes and their hash came from, for stderr (what proved them is on the
        stdout line, and every proof in full in --json and the receipt)."""
        if not self.url:
            return None
        served = f"{self.url} ({self.source})" if self.source else self.url
        hashes = f"; SHA-256 from {self.index_url}" if self.index_url else ""
        return f"go {self.version}: archive from {served}{hashes}"

    def line(self) -> str:
        if self.status == "already-installed":
            return f"go {self.version} is already installed in {self.path}"
        sumdb = [p.split(" ")[1:3] for p in self.proofs if p.startswith("sumdb ")]
        checked = f", checksum database {' '.join(sumdb[0])}" if sumdb else ""
        if self.via.startswith("proxy "):
            proven = checked.lstrip(", ") or "UNVERIFIED: no checksum database"
            return (
                f"{self.status} go {self.version} in {self.path} "
                f"({self.via}, {proven}, {self.seconds:.1f}s)"
            )
        signed = "unsigned" if self.signer == "unsigned" else f"signature by {self.signer}"
        return (
            f"{self.status} go {self.version} in {self.path} "
            f"(sha256 {self.sha256[:12]}…, {signed}{checked}, {self.seconds:.1f}s)"
        )


@dataclass(frozen=True)
class InstallReport(Result):
    """`gover install`: each requested version and what happened to it, in request order."""

    installs: tuple[Installed, ...]

    def data(self) -> dict[str, Any]:
        return {"installs": [vars(i) for i in self.installs]}

    def lines(self) -> list[str]:
        return [i.line() for i in self.installs]

    def notes(self) -> list[str]:
        return [n for n in (i.note() for i in self.installs) if n]


@dataclass(frozen=True)
class Removed:
    version: str
    path: str


@dataclass(frozen=True)
class UninstallReport(Result):
    """`gover uninstall`: the versions removed, in request order."""

    removed: tuple[Removed, ...]

    def data(self) -> dict[str, Any]:
        return {"removed": [vars(r) for r in self.removed]}

    def lines(self) -> list[str]:
        return [f"uninstalled go {r.version} ({r.path})" for r in self.removed]


@dataclass(frozen=True)
class CacheCleaned(Result):
    """`gover cache clean`: how many cached files went and how many bytes they held."""

    files: int
    bytes: int

    def data(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes}

    def lines(self) -> list[str]:
        return [f"removed {self.files} cached files ({self.bytes / 1e6:.1f} MB)"]
