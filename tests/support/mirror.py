"""go.dev-shaped release index entries and the served mirror tree the tests install from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import goarchives
from tests.support.httpserver import TestServer

# Index entries that exist only in the index (never downloaded): they make prefix and
# pre-release resolution meaningful without more multi-megabyte archives.
_FAKE_SHA = "0" * 64


def index_entry(
    version: str, files: list[dict[str, object]], stable: bool = True
) -> dict[str, object]:
    return {"version": f"go{version}", "stable": stable, "files": files}


def file_entry(
    filename: str,
    sha256: str,
    size: int,
    goos: str = "linux",
    arch: str = "amd64",
    kind: str = "archive",
    version: str = "",
) -> dict[str, object]:
    return {
        "filename": filename,
        "os": goos,
        "arch": arch,
        "version": version,
        "sha256": sha256,
        "size": size,
        "kind": kind,
    }


@dataclass
class Mirror:
    root: Path
    server: TestServer
    shas: dict[str, str]
    index: list[dict[str, object]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def index_url(self) -> str:
        return self.server.url + "index.json"

    def filename(self, version: str) -> str:
        return f"go{version}.linux-amd64.tar.gz"

    def write_index(self, entries: list[dict[str, object]] | None = None) -> None:
        if entries is not None:
            self.index = entries
        (self.root / "index.json").write_text(json.dumps(self.index, indent=1))


def default_index(
    root: Path, versions: tuple[str, ...] = goarchives.GO_VERSIONS
) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = [
        index_entry(
            "1.23rc1", [file_entry("go1.23rc1.linux-amd64.tar.gz", _FAKE_SHA, 1)], stable=False
        ),
    ]
    for v in sorted(versions, reverse=True):
        name = f"go{v}.linux-amd64.tar.gz"
        p = root / name
        entries.append(
            index_entry(
                v,
                [
                    file_entry(f"go{v}.src.tar.gz", _FAKE_SHA, 1, goos="", arch="", kind="source"),
                    file_entry(
                        f"go{v}.darwin-arm64.tar.gz", _FAKE_SHA, 1, goos="darwin", arch="arm64"
                    ),
                    file_entry(name, goarchives.sha256_of(p), p.stat().st_size),
                    file_entry(f"go{v}.windows-amd64.zip", _FAKE_SHA, 1, goos="windows"),
                ],
            )
        )
    entries.insert(
        2, index_entry("1.22.9", [file_entry("go1.22.9.linux-amd64.tar.gz", _FAKE_SHA, 1)])
    )
    return entries
