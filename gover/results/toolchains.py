"""Results of the toolchains commands (gover/cli/toolchains.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


def grouped(fingerprint: str) -> str:
    """A fingerprint as gpg prints it: groups of four, two spaces between the halves
    (`EB4C 1BFD 4F04 2F6D DDCC  EC91 7721 F63B D38B 4796`)."""
    groups = [fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)]
    half = len(groups) // 2
    return " ".join(groups[:half]) + "  " + " ".join(groups[half:]) if half else fingerprint


@dataclass(frozen=True)
class InstalledVersion:
    """Provenance fields are None when the receipt could not be read (the install still counts)."""

    version: str
    path: str
    sha256: str | None
    signer: str | None
    url: str | None
    installed_at: str | None
    active: bool = False  # the version selected here (gover current)
    active_source: str | None = None  # why, on the active row only ("set by /p/.go-version")

    def row(self) -> dict[str, Any]:
        row = vars(self).copy()
        if not self.active:
            del row["active_source"]
        return row


@dataclass(frozen=True)
class InstalledList(Result):
    """`gover list`: installed versions, newest first; the active one marked `*` with why."""

    versions: tuple[InstalledVersion, ...]

    def data(self) -> dict[str, Any]:
        return {"versions": [v.row() for v in self.versions]}

    def lines(self) -> list[str]:
        if not any(v.active for v in self.versions):
            return [v.version for v in self.versions]
        return [
            f"* {v.version} ({v.active_source})" if v.active else f"  {v.version}"
            for v in self.versions
        ]

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
    prefix: str | None = None  # what was asked for (None: everything)
    platform: str = ""  # "linux/amd64"
    prereleases: int = 0  # betas and RCs that match when none was asked for (a hint: --all)

    @property
    def exit_code(self) -> int:
        return 1 if self.error is not None else 0

    @property
    def error(self) -> str | None:
        if self.releases or self.prefix is None:
            return None
        line = f"no release matches {self.prefix} for {self.platform} in {self.index_url}"
        if self.prereleases:
            line += f"; {self.prereleases} beta/RC releases do: gover list-remote --all {self.prefix}"
        return line

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
    signer_name: str = ""  # the signing key's user id ("" when unsigned or it has none)
    default_packages: tuple[DefaultPackageRow, ...] = ()  # `go install`ed after a fresh install

    def data(self) -> dict[str, Any]:
        row = vars(self).copy()
        row["default_packages"] = [vars(p) for p in self.default_packages]
        return row

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
        if self.signer == "unsigned":
            signed = "unsigned"
        else:
            who = grouped(self.signer)
            signed = f"signature by {self.signer_name} ({who})" if self.signer_name else (
                f"signature by {who}"
            )
        return (
            f"{self.status} go {self.version} in {self.path} "
            f"(sha256 {self.sha256[:12]}…, {signed}{checked}, {self.seconds:.1f}s)"
        )

    def lines(self) -> list[str]:
        """The install's line, then one per default package."""
        return [self.line(), *(p.line() for p in self.default_packages)]


@dataclass(frozen=True)
class DefaultPackageRow:
    """One line of the default-packages file, `go install`ed with a fresh toolchain."""

    package: str
    ok: bool
    message: str

    def line(self) -> str:
        state = "installed" if self.ok else "FAILED"
        return f"  default package {self.package}: {state} ({self.message})"


@dataclass(frozen=True)
class InstallReport(Result):
    """`gover install`: each requested version and what happened to it, in request order."""

    installs: tuple[Installed, ...]

    def data(self) -> dict[str, Any]:
        return {"installs": [i.data() for i in self.installs]}

    def lines(self) -> list[str]:
        return [line for i in self.installs for line in i.lines()]

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
