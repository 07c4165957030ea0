"""Every location gover reads or writes. No other module joins store, cache or config paths.

`GOVER_HOME` relocates all of it under one directory (tests rely on that); otherwise the
platform's data, cache and config directories are used (platformdirs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gover.constants import CONFIG_NAME, ENV_HOME, GLOBAL_FILE_NAME, RECEIPT_NAME, STORE_MARKER
from gover.errors import ConfigError

APP = "gover"


def _printable(value: str) -> str:
    """`value` with each undecodable byte shown as \\xNN (its surrogate escape)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _checked(path: Path, source: str, fix: str = ENV_HOME) -> Path:
    """Refuse a location that is not valid UTF-8 (bytes a non-UTF-8 environment variable
    smuggled in as surrogate escapes): shims, hooks and receipts embed it as text, so it
    could only half work. One line naming the variable instead of a traceback later."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(
            f"{source} is not valid UTF-8: {_printable(text)}",
            f"set {fix} to a path that is valid UTF-8",
        ) from None
    return path


def _home() -> Path | None:
    value = os.environ.get(ENV_HOME)
    if not value:
        return None
    return _checked(Path(value).expanduser().absolute(), ENV_HOME)


def _platform_dir(kind: str) -> Path:
    import platformdirs

    found = getattr(platformdirs, f"user_{kind}_dir")(APP, appauthor=False)
    where = f"gover's {kind} directory (from HOME or XDG_{kind.upper()}_HOME)"
    return _checked(Path(found), where)


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    return _platform_dir("data")


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    return _platform_dir("cache")


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    return _platform_dir("config")


def config_file() -> Path:
    return config_dir() / CONFIG_NAME


def versions_dir() -> Path:
    return data_dir() / "versions"


def version_dir(name: str) -> Path:
    """GOROOT of an installed version; `name` is a canonical version like 1.22.10."""
    return versions_dir() / name


def receipt_file(root: Path) -> Path:
    return root / RECEIPT_NAME


def store_marker(root: Path) -> Path:
    """The file that says gover made this version directory (written at commit)."""
    return root / STORE_MARKER


BIN_DIR = "bin"
# The go executable of a tree, in order of preference: bin/go, else bin/go.exe (a Windows
# tree). The shells' renderers spell the same list out (gover/select/shims.py, hooks.py).
GO_EXECUTABLES = ("go", "go.exe")
EXE_SUFFIX = ".exe"


@dataclass(frozen=True)
class Toolchain:
    """Where things are in one Go tree: GOROOT, its bin/, the go executable, gover's receipt.

    The executable is bin/go, or bin/go.exe in a Windows tree (bin/go.exe and no bin/go),
    decided by the tree and not by the host or the receipt: the sh shims can tell it with two
    `[ -f ]` tests, a receipt may be unreadable, and a Windows toolchain installed with
    GOVER_GOOS=windows (under WSL, say) is then the same install to every reader."""

    root: Path
    bin: Path
    go: Path
    receipt: Path

    @property
    def suffix(self) -> str:
        """ ".exe" in a Windows tree, else ""."""
        return EXE_SUFFIX if self.go.name.endswith(EXE_SUFFIX) else ""

    def executable(self, program: str) -> Path:
        """bin/PROGRAM, spelled as this tree spells its executables (gofmt.exe beside go.exe)."""
        return self.bin / (program + self.suffix)


def toolchain(root: Path) -> Toolchain:
    """The Toolchain at `root` (it may not exist: then bin/go, bin/go.exe on Windows)."""
    bindir = root / BIN_DIR
    go = bindir / GO_EXECUTABLES[0]
    for name in GO_EXECUTABLES:
        if os.path.isfile(bindir / name):
            go = bindir / name
            break
    else:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            go = bindir / (GO_EXECUTABLES[0] + EXE_SUFFIX)
    return Toolchain(root, bindir, go, receipt_file(root))


def locks_dir() -> Path:
    return data_dir() / "locks"


def lock_file(name: str) -> Path:
    return locks_dir() / f"{name}.lock"


def shims_dir() -> Path:
    return data_dir() / "shims"


def hooks_dir() -> Path:
    """The shell hooks `gover rehash` renders, which the line `gover init` writes sources: a
    new shell reads a file instead of starting Python (`eval "$(gover hook bash)"`)."""
    return data_dir() / "hooks"


# A hook file's extension where it is not the shell's name: PowerShell dot-sources only .ps1.
_HOOK_EXTENSIONS = {"pwsh": "ps1"}


def hook_file(shell: str) -> Path:
    return hooks_dir() / f"hook.{_HOOK_EXTENSIONS.get(shell, shell)}"


def aliases_dir() -> Path:
    """Alias files (1.22, 1, latest) naming the newest installed match; read by the shims."""
    return data_dir() / "aliases"


def alias_file(alias: str) -> Path:
    return aliases_dir() / alias


def global_version_file() -> Path:
    return data_dir() / GLOBAL_FILE_NAME


def shim_templates_dir() -> Path:
    """The repo's shims/ (a source checkout), else the copy packaged as gover/_shims."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "shims"
    if (checkout / "resolve.sh").is_file():
        return checkout
    return here / "_shims"


def completions_dir() -> Path:
    """The repo's completions/ (generated by `python -m gover.cli.completions --write`)."""
    return Path(__file__).resolve().parent.parent / "completions"


def keyring_dir() -> Path:
    """gover's private GnuPG home; never the user's ~/.gnupg."""
    return data_dir() / "keyring"


def refreshed_key_file() -> Path:
    """The Go release key as last fetched by `gover keys refresh` (overrides the bundled copy)."""
    return data_dir() / "keys" / "go-release-key.asc"


def bundled_key_file() -> Path:
    return Path(__file__).parent / "data" / "go-release-key.asc"


def downloads_dir() -> Path:
    return cache_dir() / "downloads"


def download_file(filename: str) -> Path:
    return downloads_dir() / filename


def probes_dir() -> Path:
    """`gover verify` probes, one per toolchain, their SHA-256 records and their build cache.

    In the data directory beside the toolchains, not in the cache: a restored or shared cache
    must never hold a program gover runs (`gover cache clean` still empties it)."""
    return data_dir() / "probes"


def sumdb_state_dir() -> Path:
    """The checksum database tree heads gover has seen, one file per database (as go's
    $GOPATH/pkg/sumdb/<name>/latest): state, not cache, so `cache clean` keeps it."""
    return data_dir() / "sumdb"


def index_cache_dir() -> Path:
    return cache_dir() / "index"


def gobins_dir() -> Path:
    """Per-version GOBINs (config `gobin = "per-version"`): one directory per Go version."""
    return data_dir() / "gobin"


def gobin_dir(version: str) -> Path:
    """Where `go install` puts programs built by gover's `version` under per-version GOBIN."""
    return gobins_dir() / version


def default_packages_file() -> Path:
    """The default-packages file: `go install`ed after each fresh install (tools/defaults.py);
    $GOVER_DEFAULT_PACKAGES names another."""
    from gover.constants import DEFAULT_PACKAGES_NAME, ENV_DEFAULT_PACKAGES

    value = os.environ.get(ENV_DEFAULT_PACKAGES)
    if value:
        return _checked(
            Path(value).expanduser().absolute(), ENV_DEFAULT_PACKAGES, ENV_DEFAULT_PACKAGES
        )
    return config_dir() / DEFAULT_PACKAGES_NAME
