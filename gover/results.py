"""What commands return: frozen values that gover.output renders as text or as JSON.

A result knows its JSON shape (`data()`, without the schema, which the renderer adds) and its
text (`lines()` for stdout, `notes()` for stderr chatter). It never prints. Every JSON document
carries `"schema": SCHEMA` at the top level; a field is added without bumping it, a field that
changes meaning or goes away bumps it. The shapes are documented in README.md ("JSON output").

Kept free of heavy imports: `gover current`, `list` and `which` build these on the fast path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCHEMA = 1


class Result:
    """The protocol: JSON data, stdout lines, stderr notes, and the exit code it asks for."""

    def data(self) -> dict[str, Any]:
        raise NotImplementedError

    def lines(self) -> list[str]:
        raise NotImplementedError

    def notes(self) -> list[str]:
        return []

    @property
    def exit_code(self) -> int:
        return 0

    @property
    def error(self) -> str | None:
        """The one line for stderr when this result is a failure (exit 1), else None."""
        return None


# ---- toolchains -----------------------------------------------------------------------------


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

    def data(self) -> dict[str, Any]:
        return {"releases": [vars(r) for r in self.releases]}

    def lines(self) -> list[str]:
        return [r.version + ("  (installed)" if r.installed else "") for r in self.releases]


# ---- selection ------------------------------------------------------------------------------


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


# ---- inspection -----------------------------------------------------------------------------


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


# ---- settings -------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    import os

    return os.pathsep.join(value) if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class Setting:
    key: str
    value: Any  # str, int, bool or list[str], as config.toml holds it
    origin: str  # "default", the config file, "$GOVER_…"


@dataclass(frozen=True)
class ConfigList(Result):
    """`gover config list`: every setting, its value and where it came from."""

    settings: tuple[Setting, ...]

    def data(self) -> dict[str, Any]:
        return {
            "settings": {s.key: s.value for s in self.settings},
            "origins": {s.key: s.origin for s in self.settings},
        }

    def lines(self) -> list[str]:
        rows = [("key", "value", "from")] + [
            (s.key, _shown(s.value), s.origin) for s in self.settings
        ]
        from gover.output import safe

        cells = [[safe(c) for c in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(3)]
        return ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in cells]


@dataclass(frozen=True)
class Subkey:
    fingerprint: str
    capabilities: str
    created: str | None  # ISO date
    expires: str | None


@dataclass(frozen=True)
class TrustedKey:
    fingerprint: str
    uids: tuple[str, ...]
    source: str
    expires: str | None
    subkeys: tuple[Subkey, ...]


@dataclass(frozen=True)
class KeyList(Result):
    """`gover keys list`: the keys whose signatures gover accepts."""

    keys: tuple[TrustedKey, ...]

    def data(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "fingerprint": k.fingerprint,
                    "uids": list(k.uids),
                    "source": k.source,
                    "expires": k.expires,
                    "subkeys": [vars(s) for s in k.subkeys],
                }
                for k in self.keys
            ]
        }

    def lines(self) -> list[str]:
        out = []
        for k in self.keys:
            out.append(f"{k.fingerprint}  {', '.join(k.uids)}")
            out.append(f"    from {k.source}")
            for s in k.subkeys:
                out.append(
                    f"    sub {s.fingerprint} [{s.capabilities}] "
                    f"created {s.created} expires {s.expires or 'never'}"
                )
        return out


# ---- changes --------------------------------------------------------------------------------
# Commands that change something (install, pins, rehash, cache, config, keys) report what they
# did. Their text is the one line each printed before results were data, byte for byte.


@dataclass(frozen=True)
class Installed:
    version: str
    path: str
    status: str  # "installed", "reinstalled" or "already-installed"
    sha256: str  # "" when already installed (nothing was downloaded)
    signer: str  # "unsigned", the signing key, or "" when already installed
    url: str  # the archive's URL or file; "" when already installed
    seconds: float

    def line(self) -> str:
        if self.status == "already-installed":
            return f"go {self.version} is already installed in {self.path}"
        signed = "unsigned" if self.signer == "unsigned" else f"signature by {self.signer}"
        return (
            f"{self.status} go {self.version} in {self.path} "
            f"(sha256 {self.sha256[:12]}…, {signed}, {self.seconds:.1f}s)"
        )


@dataclass(frozen=True)
class InstallReport(Result):
    """`gover install`: each requested version and what happened to it, in request order."""

    installs: tuple[Installed, ...]

    def data(self) -> dict[str, Any]:
        return {"installs": [vars(i) for i in self.installs]}

    def lines(self) -> list[str]:
        return [i.line() for i in self.installs]


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

    def data(self) -> dict[str, Any]:
        return {
            "shims_dir": self.shims_dir,
            "shims": list(self.shims),
            "aliases": dict(self.aliases),
            "kept": list(self.kept),
            "on_path": self.on_path,
        }

    def lines(self) -> list[str]:
        return [f"{len(self.shims)} shims in {self.shims_dir}: {', '.join(self.shims)}"]

    def notes(self) -> list[str]:
        if self.on_path:
            return []
        return [f'add the shims to PATH: export PATH="{self.shims_dir}:$PATH"']


@dataclass(frozen=True)
class CacheCleaned(Result):
    """`gover cache clean`: how many cached files went and how many bytes they held."""

    files: int
    bytes: int

    def data(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes}

    def lines(self) -> list[str]:
        return [f"removed {self.files} cached files ({self.bytes / 1e6:.1f} MB)"]


@dataclass(frozen=True)
class ConfigValue(Result):
    """`gover config get KEY`: one setting, after environment overrides."""

    key: str
    value: Any
    origin: str  # "default", the config file, "$GOVER_…"

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [_shown(self.value)]


@dataclass(frozen=True)
class ConfigChanged(Result):
    """`gover config set KEY VALUE`: the value as stored (file paths made absolute)."""

    key: str
    value: Any
    file: str

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        shown = _shown(self.value) if isinstance(self.value, list) else self.value
        return [f"{self.key} = {shown!r} in {self.file}"]


@dataclass(frozen=True)
class ConfigUnset(Result):
    """`gover config unset KEY`: the key is gone from config.toml (text: silent)."""

    key: str
    file: str

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return []


@dataclass(frozen=True)
class KeyRefreshed(Result):
    """`gover keys refresh`: the Go release key fetched again and saved."""

    fingerprint: str
    url: str
    expires: str | None  # ISO date, None when it never expires

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [f"refreshed {self.fingerprint} from {self.url}"]
