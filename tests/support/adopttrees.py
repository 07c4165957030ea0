"""Go trees as the tools that put them on disk leave them, for `gover adopt` and
`gover verify --tree`: clones of an unpacked go.dev archive (tests/support/modproxy.goroot),
and a module cache unpacked by real `go` switching toolchains through a file:// module proxy
(tests/support/modproxy.build_tree) as GOTOOLCHAIN does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support import modproxy


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
