"""What `gover version` returns: gover itself, not a Go toolchain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gover.results.base import Result


@dataclass(frozen=True)
class VersionInfo(Result):
    """`gover version` / `gover --version`: the first line is what scripts read."""

    version: str  # gover's own version
    store: str  # the data directory: versions/, shims/, hooks/ (GOVER_HOME or platformdirs)
    python: str  # "3.11.7"
    executable: str  # the Python that runs gover

    def data(self) -> dict[str, Any]:
        return vars(self).copy()

    def lines(self) -> list[str]:
        return [
            f"gover {self.version}",
            f"store: {self.store}",
            f"python: {self.python} ({self.executable})",
        ]
