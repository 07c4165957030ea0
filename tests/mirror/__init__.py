"""Tests of `gover mirror` and the mirror trees it builds.

`Upstream` is a small go.dev-shaped tree of our own, served by a real TestServer and signed
by the session's test key: its archives are a few hundred KiB of random bytes (the mirror
commands never unpack them), so hostile upstreams, sync and prune run in a fraction of a
second, and each test may change its upstream's index freely.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import goarchives
from tests.support.cli import REPO
from tests.support.gpgkey import TestKey
from tests.support.httpserver import TestServer


@dataclass
class Upstream:
    root: Path
    server: TestServer
    key: TestKey
    releases: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    stable: dict[str, bool] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def add(
        self,
        version: str,
        platforms: tuple[str, ...] = ("linux/amd64",),
        *,
        size: int = 200_000,
        signed: bool = True,
        is_stable: bool = True,
    ) -> list[str]:
        """Publish go<version> for each GOOS/GOARCH (a .zip for windows, unsigned as Go does);
        return the archive names."""
        names = []
        for plat in platforms:
            goos, goarch = plat.split("/")
            ext = "zip" if goos == "windows" else "tar.gz"
            name = f"go{version}.{goos}-{goarch}.{ext}"
            self.publish(name, os.urandom(size), signed=signed and ext == "tar.gz")
            path = self.root / name
            self.releases.setdefault(version, []).append(
                {
                    "filename": name,
                    "os": goos,
                    "arch": goarch,
                    "version": f"go{version}",
                    "sha256": goarchives.sha256_of(path),
                    "size": path.stat().st_size,
                    "kind": "archive",
                }
            )
            names.append(name)
        self.stable[version] = is_stable
        self.write_index()
        return names

    def publish(self, name: str, data: bytes, *, signed: bool = True) -> None:
        path = self.root / name
        path.write_bytes(data)
        (self.root / (name + ".sha256")).write_text(goarchives.sha256_of(path))
        if signed:
            self.key.sign(path)

    def add_real(self, version: str) -> str:
        """A real repacked Go archive (hard-linked from the tests' cache: never write to it)."""
        src = goarchives.archive_path(version)
        name = src.name
        os.link(src, self.root / name)
        (self.root / (name + ".sha256")).write_text(goarchives.sha256_of(src))
        self.key.sign(self.root / name)
        self.releases.setdefault(version, []).append(
            {
                "filename": name,
                "os": "linux",
                "arch": "amd64",
                "version": f"go{version}",
                "sha256": goarchives.sha256_of(src),
                "size": src.stat().st_size,
                "kind": "archive",
            }
        )
        self.stable[version] = True
        self.write_index()
        return name

    def write_index(self) -> None:
        from gover.versions import GoVersion

        doc = [
            {"version": f"go{v}", "stable": self.stable.get(v, True), "files": files}
            for v, files in sorted(
                self.releases.items(), key=lambda kv: GoVersion.parse(kv[0]), reverse=True
            )
        ]
        (self.root / "index.json").write_text(json.dumps(doc))

    def gets(self, name: str) -> list[dict[str, str]]:
        return self.server.requests_for("/" + name)


def snapshot(tree: Path) -> dict[str, bytes | str]:
    """What a client of the tree can see: every visible name and its bytes (a symlink as its
    target), gover's dot entries (staging, lock) left out."""
    out: dict[str, bytes | str] = {}
    for p in sorted(tree.iterdir()):
        if p.name.startswith("."):
            continue
        out[p.name] = "-> " + os.readlink(p) if p.is_symlink() else p.read_bytes()
    return out


def tree_index(tree: Path) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads((tree / "index.json").read_text())
    return data


def index_names(tree: Path) -> list[str]:
    return sorted(
        str(f["filename"])
        for r in tree_index(tree)
        for f in r["files"]  # type: ignore[attr-defined]
    )


@contextlib.contextmanager
def serve_upstream(root: Path, key: TestKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[Upstream]:
    """An empty upstream served on 127.0.0.1, with gover pointed at it (GOVER_MIRROR),
    trusting `key` under gpg = require; the Go key is "refreshed" from it, never the internet."""
    root.mkdir()
    shutil.copy2(REPO / "gover" / "data" / "go-release-key.asc", root / "linux_signing_key.pub")
    with TestServer(root) as server:
        up = Upstream(root, server, key)
        up.write_index()
        monkeypatch.setenv("GOVER_MIRROR", server.url)
        monkeypatch.setenv("GOVER_TRUSTED_KEYS", str(key.public_key_path))
        monkeypatch.setenv("GOVER_GPG", "require")
        monkeypatch.setenv("GOVER_KEY_URL", server.url + "linux_signing_key.pub")
        yield up
