"""The host as Go names it (GOOS/GOARCH); the index says which archive go.dev publishes for it."""

from __future__ import annotations

import os
import platform as _platform
import sys
from dataclasses import dataclass

from gover.constants import ENV_GOARCH, ENV_GOOS
from gover.errors import GoverError

_ARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i486": "386",
    "i586": "386",
    "i686": "386",
    "x86": "386",
    "armv6l": "armv6l",
    "armv7l": "armv6l",
    "armv8l": "armv6l",
    "arm": "armv6l",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
    "loong64": "loong64",
}


@dataclass(frozen=True)
class Platform:
    goos: str
    goarch: str

    def __str__(self) -> str:
        return f"{self.goos}/{self.goarch}"


def host_goos() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform in ("win32", "cygwin"):
        return "windows"
    if sys.platform.startswith("freebsd"):
        return "freebsd"
    raise GoverError(
        f"unsupported operating system {sys.platform!r}",
        "gover supports linux, darwin, windows, freebsd",
    )


def host_goarch() -> str:
    machine = _platform.machine().lower()
    if machine in ("amd64", "x86_64") and sys.maxsize <= 2**32:
        return "386"
    arch = _ARCH.get(machine)
    if arch is None:
        raise GoverError(
            f"unsupported CPU architecture {machine!r}",
            "install from an archive with: gover install --file",
        )
    return arch


def host() -> Platform:
    # GOVER_GOOS/GOVER_GOARCH let a user fetch another platform's archives (e.g. for a mirror).
    return Platform(
        os.environ.get(ENV_GOOS) or host_goos(),
        os.environ.get(ENV_GOARCH) or host_goarch(),
    )
