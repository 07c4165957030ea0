"""Go trees as the tools that put them on disk leave them, for `gover adopt` and
`gover verify --tree`: clones of an unpacked go.dev archive (tests/support/modproxy.goroot),
and a module cache unpacked by real `go` switching toolchains through a file:// module proxy
(tests/support/modproxy.build_tree) as GOTOOLCHAIN does.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import modproxy
from tests.support.httpserver import TestServer
from tests.support.sumdb import TestSumDB

CHANGED = "src/fmt/print.go"  # the file goenv_tree changes


def clone(src: Path, dest: Path) -> Path:
    """A copy of the tree `src` sharing its files' inodes (cp -al): change a file in it only
    by replacing it (see replace_file), never in place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(src), str(dest)], check=True)
    return dest


def replace_file(path: Path, data: bytes) -> None:
    """Give a cloned tree's file new content without touching the inode it shares."""
    mode = path.stat().st_mode
    path.unlink()
    path.write_bytes(data)
    path.chmod(mode)


def go_unpacked_modcache(go: Path, version: str, proxy: Path, modcache: Path, home: Path) -> Path:
    """Let real `go` switch to go`version` through the file:// proxy: it downloads the module
    zip into `modcache`, writes its .ziphash and unpacks it as it does for GOTOOLCHAIN.
    Returns the unpacked tree."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "GOTOOLCHAIN": f"go{version}",
        "GOPROXY": proxy.as_uri(),
        "GOSUMDB": "off",
        "GOMODCACHE": str(modcache),
        "GOPATH": str(home / "gopath"),
        "GOCACHE": str(home / "gocache"),
        "GOFLAGS": "-mod=mod",
    }
    r = subprocess.run(
        [str(go), "version"], env=env, capture_output=True, text=True, check=False, cwd=home
    )
    assert r.returncode == 0, r.stderr
    assert f"go{version} " in r.stdout, r.stdout
    return modcache / "golang.org" / f"toolchain@{modproxy.module_version(version)}"


@dataclass(frozen=True)
class World:
    goroot: Path  # the unpacked go1.22.10 archive (read-only: clone it)
    modcache: Path  # a GOMODCACHE real go filled by switching to go1.21.13
    proxy: Path  # the file:// module proxy
    zips: dict[str, modproxy.ModuleZip]
    db: TestSumDB
    db_url: str

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "GOSUMDB": self.db.gosumdb(self.db_url),
            "GOVER_VERIFY_SUMDB": "auto",
            "GOPROXY": self.proxy.as_uri(),
        }
        env.update(extra)
        return env


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def adopt_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("adopt world")
    goroot = modproxy.goroot("1.22.10")
    proxy = base / "proxy"
    zips = modproxy.build_tree(proxy)
    modcache = base / "modcache"
    go_unpacked_modcache(
        goroot / "bin" / "go", "1.21.13", proxy, modcache, base / "gohome"
    )
    db = TestSumDB()
    db.add_filler(300)  # proofs cross a tile boundary
    for z in zips.values():
        db.add(modproxy.MODULE, z.mv, z.sum_lines())
    db.add_filler(5)
    served = base / "sumdb"
    served.mkdir()
    db.write(served)
    with TestServer(served) as server:
        yield World(goroot, modcache, proxy, zips, db, server.url.rstrip("/"))


def sdk_tree(world: World, home: Path) -> Path:
    """~/sdk/go1.22.10 as golang.org/dl leaves it (with its .unpacked-success marker)."""
    tree = clone(world.goroot, home / "sdk" / "go1.22.10")
    (tree / ".unpacked-success").write_text("")
    return tree


def modcache_tree(world: World, home: Path) -> Path:
    cache = clone(world.modcache, home / "go" / "pkg" / "mod")
    return cache / "golang.org" / f"toolchain@{modproxy.module_version('1.21.13')}"


def goenv_tree(world: World, home: Path) -> Path:
    """~/.goenv/versions/1.22.10 with one file changed."""
    tree = clone(world.goroot, home / ".goenv" / "versions" / "1.22.10")
    replace_file(tree / CHANGED, (tree / CHANGED).read_bytes() + b"\n// changed\n")
    return tree
